"""The thumbnail: one frame of the finished video as a JPEG."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from clipforge.errors import RenderError
from clipforge.media import MediaInfo, open_video

JPEG_QUALITY = 90


def thumbnail_time(at: float, info: MediaInfo) -> float:
    """The time a thumbnail is taken at: `at`, or the last frame when the clip is shorter.

    A preset's default (1.0 s) must not make a 0.8 s clip fail after it rendered, so a time past
    the end means the last frame.
    """
    last = max(0.0, info.duration - 1.0 / info.fps) if info.fps > 0 else 0.0
    return min(max(0.0, at), last)


def write_thumbnail(video: Path, dest: Path, at: float, info: MediaInfo) -> float:
    """Decode the frame shown at `at` seconds of `video` and save it to `dest` as a JPEG.

    The frame is decoded from the finished file (not taken from the frame loop), so it is what a
    player shows, colour conversions included.

    Args:
        video: The finished MP4.
        dest: Where to write the JPEG (no EXIF or other metadata is written).
        at: Seconds into the clip.
        info: `probe(video)`.

    Returns:
        The time actually used (see `thumbnail_time`).

    Raises:
        RenderError: No frame could be decoded at that time.
    """
    t = thumbnail_time(at, info)
    size = (info.width, info.height)
    with open_video(video, size, info.fps, "stretch", start=t, duration=1.0 / info.fps) as reader:
        frame = next(iter(reader), None)
    if frame is None:
        raise RenderError(f"{video}: no frame to take the thumbnail from at {t:.2f} s")
    Image.fromarray(frame).save(dest, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return t
