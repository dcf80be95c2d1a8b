"""The preview: a small, looping, silent GIF or WebP of the whole clip.

Made from the finished MP4 by the bundled ffmpeg: downscaled, at a low frame rate, and for GIF
with a palette computed for the clip (`palettegen`/`paletteuse`, ordered dithering, only changed
rectangles stored), which is what keeps a 15 s GIF around a megabyte instead of tens. If a
busy clip still comes out over the budget, the next smaller step of `LADDER` is tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from clipforge.errors import RenderError
from clipforge.media import MediaInfo
from clipforge.media.ffmpeg import INPUT_WHITELIST, run_ffmpeg

#: At most this many bytes for a clip of up to BUDGET_SECONDS (longer clips: proportionally more).
BUDGET_BYTES = 2_000_000
BUDGET_SECONDS = 15.0
#: (width in px, frames per second), tried in order until the file fits the budget.
LADDER: tuple[tuple[int, int], ...] = ((270, 10), (216, 8), (180, 8), (144, 6), (108, 5))
FORMATS = ("gif", "webp")
WEBP_QUALITY = 60
TIMEOUT = 300.0


@dataclass(frozen=True)
class Preview:
    """What was written: format, size, frame rate and bytes."""

    path: Path
    format: str
    size: tuple[int, int]
    fps: int
    bytes: int


def budget_for(duration: float) -> int:
    """The byte budget of a preview of a `duration`-second clip."""
    return round(BUDGET_BYTES * max(1.0, duration / BUDGET_SECONDS))


def _filters(fmt: str, width: int, fps: int) -> list[str]:
    # round=up: each preview frame at t is the clip's frame at t (with the default, ffmpeg keeps
    # the last input frame rounding to a tick, one frame late).
    scale = f"fps={fps}:round=up,scale={width}:-2:flags=lanczos"
    if fmt == "gif":
        graph = (
            f"{scale},split[a][b];[a]palettegen=max_colors=128:stats_mode=diff[p];"
            "[b][p]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle"
        )
        return ["-filter_complex", graph, "-f", "gif", "-loop", "0"]
    return [
        "-vf", scale, "-c:v", "libwebp_anim", "-lossless", "0", "-q:v", str(WEBP_QUALITY),
        "-compression_level", "4", "-loop", "0", "-f", "webp",
    ]  # fmt: skip


def write_preview(video: Path, dest: Path, fmt: str, info: MediaInfo) -> Preview:
    """Write a looping preview of `video` to `dest`.

    Args:
        video: The finished MP4.
        dest: The GIF or WebP to write (overwritten while trying smaller steps).
        fmt: "gif" or "webp".
        info: `probe(video)`.

    Returns:
        What was written.

    Raises:
        ValueError: An unknown format.
        RenderError: ffmpeg failed, or even the smallest step is over the budget.
    """
    if fmt not in FORMATS:
        raise ValueError(f"preview format must be one of {FORMATS}, got {fmt!r}")
    budget = budget_for(info.duration)
    size = 0
    for width, fps in LADDER:
        width = min(width, info.width)  # never upscale
        width -= width % 2
        args = ["-v", "error", "-y", *INPUT_WHITELIST, "-i", str(video), "-an", "-sn"]
        rate = min(fps, round(info.fps) or fps)  # never more frames than the clip has
        args += ["-map_metadata", "-1", *_filters(fmt, width, rate)]
        run_ffmpeg([*args, str(dest)], TIMEOUT)
        size = dest.stat().st_size
        if size <= budget:
            with Image.open(dest) as image:
                return Preview(dest, fmt, image.size, rate, size)
    raise RenderError(
        f"{video}: the {fmt} preview is {size} bytes even at {LADDER[-1][0]} px and "
        f"{LADDER[-1][1]} fps, over the {budget} byte budget"
    )
