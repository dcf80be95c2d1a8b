"""What an input is: a video file, a still image, an image sequence, or frames from code."""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clipforge.errors import InputError
from clipforge.media import MediaInfo, probe

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
_GLOB_MAGIC = re.compile(r"[*?\[]")


@dataclass
class FrameSource:
    """Frames made in code (numpy arrays (H, W, 3) uint8 RGB) used as an input.

    Args:
        frames: the frames, in order; any size (they are fitted to the canvas). A sequence
            (list, array) is read by index; any other iterable is read once, in order (a
            reversed segment of it is then held in memory, fitted to the canvas).
        fps: their frame rate.
        duration: how long they last in seconds (needed up front for the timeline).
        audio: optional float32 (n, 2) sound at `audio_rate`, -1..1.
    """

    frames: Iterable[np.ndarray]
    fps: float
    duration: float
    audio: np.ndarray | None = None
    audio_rate: int = 48000
    name: str = "<frames>"


@dataclass(frozen=True)
class ImageSequence:
    """Numbered stills played as footage, one image per frame at `fps`.

    Args:
        paths: the images in playing order.
        fps: frames per second (the canvas rate when made by `image_sequence`).
        name: how messages name it (the folder or pattern given).
    """

    paths: tuple[Path, ...]
    fps: float
    name: str

    @property
    def duration(self) -> float:
        return len(self.paths) / self.fps


def natural_key(path: Path) -> list[object]:
    """Sort key that puts `shot2.png` before `shot10.png` (numbers compare as numbers)."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def is_sequence(source: str | Path) -> bool:
    """A folder, or a glob pattern (`shots/*.png`) that is not itself an existing file."""
    path = Path(source)
    return path.is_dir() or (not path.exists() and bool(_GLOB_MAGIC.search(str(source))))


def image_sequence(source: str | Path, fps: float) -> ImageSequence:
    """The images of a folder (every image file in it) or of a glob pattern, naturally sorted.

    Raises:
        InputError: nothing matches, or a match is not an image file.
    """
    path = Path(source)
    if path.is_dir():
        files = [p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        files = [p for p in files if p.is_file() and not p.name.startswith(".")]
    else:
        files = [Path(p) for p in glob.glob(str(source)) if Path(p).is_file()]
        odd = [p for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
        if odd:
            raise InputError(f"the image sequence matches a non-image file ({odd[0]})", str(source))
    if not files:
        raise InputError("no images found for the image sequence", str(source))
    # Sorted by folder first so a pattern across folders keeps each folder together.
    files.sort(key=lambda p: (str(p.parent), natural_key(p)))
    return ImageSequence(tuple(files), float(fps), str(source))


def classify(source: str | Path | FrameSource | ImageSequence) -> tuple[str, MediaInfo | None]:
    """The kind of an input ("video", "image", "frames" or "sequence") and its probe.

    Raises:
        InputError: the file is missing, or has no video stream and is no image.
    """
    if isinstance(source, FrameSource):
        return "frames", None
    if isinstance(source, ImageSequence) or is_sequence(source):
        return "sequence", None
    path = Path(source)
    if not path.is_file():
        raise InputError("no such file", str(path))
    info = probe(path)
    if info.is_image or (path.suffix.lower() in IMAGE_SUFFIXES and not info.has_video):
        return "image", info
    if not info.has_video:
        raise InputError("has no video stream (an input must be a video or an image)", str(path))
    return "video", info


def open_source(
    source: str | Path | FrameSource | ImageSequence, fps: float
) -> tuple[Path | FrameSource | ImageSequence, str, MediaInfo | None]:
    """(source as the timeline keeps it, kind, probe) of one job input; sequences are listed."""
    kind, info = classify(source)
    if isinstance(source, FrameSource | ImageSequence):
        return source, kind, info
    if kind == "sequence":
        return image_sequence(source, fps), kind, info
    return Path(source), kind, info


def source_label(source: Path | FrameSource | ImageSequence | str) -> str:
    """How messages name an input."""
    return source.name if isinstance(source, FrameSource | ImageSequence) else str(source)


def as_indexed(frames: Iterable[np.ndarray]) -> Sequence[np.ndarray] | None:
    """`frames` when it can be read by index (list, tuple, array), else None."""
    if isinstance(frames, np.ndarray | list | tuple):
        return frames
    return None
