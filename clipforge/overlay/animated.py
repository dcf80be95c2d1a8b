"""Sticker images, still or animated (GIF, APNG, WebP), decoded once into premultiplied frames.

Every frame is decoded at load time into premultiplied RGBA with its own duration, so drawing a
frame later is a lookup: `SpriteFrames.index_at(local_t)` answers which frame shows at a time
after the layer's start, looping or holding the last frame.

Sticker files are untrusted input: only the formats of `media.images.IMAGE_FORMATS` are read, a
frame may not exceed `MAX_STICKER_PIXELS`, and an animation may not exceed `MAX_STICKER_FRAMES`
frames nor `MAX_ANIMATED_PIXELS` pixels over all its frames (checked from the header, before
anything is decoded); a corrupt or truncated file is an InputError naming it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import cv2
import numpy as np

from clipforge.errors import InputError
from clipforge.media.images import MAX_STICKER_PIXELS, open_image
from clipforge.overlay.sprite import premultiply

# An animated sticker holds all its frames in memory: 2**25 px is 128 MiB of RGBA
# (e.g. 512x512 x 128 frames).
MAX_ANIMATED_PIXELS = 2**25
# 300 frames is 10 s at 30 fps: a sticker loops, it is not a video.
MAX_STICKER_FRAMES = 300
# Browsers show GIF frames of 0-10 ms as 100 ms; so do we (such files exist in the wild).
MIN_FRAME_MS = 11
DEFAULT_FRAME_MS = 100


@dataclass(frozen=True)
class SpriteFrames:
    """The frames of a sticker (premultiplied RGBA uint8, all the same size) and their timing.

    Attributes:
        frames: one array per frame, (h, w, 4) premultiplied RGBA.
        durations: seconds each frame shows (one per frame; a still has one frame).
        loop: True to start over after the last frame, False to hold it.
    """

    frames: tuple[np.ndarray, ...]
    durations: tuple[float, ...]
    loop: bool = True
    # Cumulative end times of the frames, for a bisect per lookup.
    _ends: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ends", tuple(accumulate(self.durations)))

    @staticmethod
    def still(rgba_premultiplied: np.ndarray) -> SpriteFrames:
        return SpriteFrames((rgba_premultiplied,), (0.0,))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        h, w = self.frames[0].shape[:2]
        return w, h

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1

    @property
    def period(self) -> float:
        """Seconds of one pass through all frames."""
        return self._ends[-1]

    def index_at(self, local_t: float) -> int:
        """The frame showing `local_t` seconds after the layer's start."""
        if not self.animated or local_t <= 0:
            return 0
        period = self.period
        if local_t >= period:
            if not self.loop:
                return len(self.frames) - 1
            local_t %= period
        return min(bisect.bisect_right(self._ends, local_t), len(self.frames) - 1)

    def with_loop(self, loop: bool) -> SpriteFrames:
        return SpriteFrames(self.frames, self.durations, loop)

    def shrunk_to(self, max_width: float, max_height: float) -> SpriteFrames:
        """The same frames made no larger than max_width x max_height (aspect kept).

        A sticker shown at 200 px from a 512 px file needs only 200 px of it: shrinking once at
        load saves memory (all frames are kept) and every later transform's work.
        """
        w, h = self.size
        factor = min(max_width / w, max_height / h)
        if factor >= 1:
            return self
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        frames = tuple(cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in self.frames)
        return SpriteFrames(frames, self.durations, self.loop)


def load_sticker(path: Path) -> SpriteFrames:
    """A sticker image (PNG, APNG, GIF, WebP, still or animated) as premultiplied frames.

    Raises:
        InputError: the file cannot be read, or is larger than the caps allow.
    """
    # open_image checks format, file size and frame size, and turns Pillow's errors while
    # decoding (corrupt or truncated data) into InputError naming the file.
    with open_image(path, MAX_STICKER_PIXELS, "sticker image") as image:
        count = int(getattr(image, "n_frames", 1))
        _check_size(image.width, image.height, count, path)
        frames, durations = [], []
        for index in range(count):
            image.seek(index)
            # convert() composes the frame with the earlier ones (GIF/APNG disposal).
            frames.append(premultiply(np.asarray(image.convert("RGBA"))))
            durations.append(_frame_seconds(image.info.get("duration")))
    if count == 1:
        return SpriteFrames.still(frames[0])
    return SpriteFrames(tuple(frames), tuple(durations))


def _check_size(width: int, height: int, count: int, path: Path) -> None:
    if width * height > MAX_STICKER_PIXELS:
        raise InputError(
            f"sticker is {width}x{height} px, more than the {MAX_STICKER_PIXELS} pixels allowed",
            str(path),
        )
    if count > MAX_STICKER_FRAMES:
        raise InputError(
            f"animated sticker has {count} frames, more than the {MAX_STICKER_FRAMES} allowed",
            str(path),
        )
    if count > 1 and width * height * count > MAX_ANIMATED_PIXELS:
        raise InputError(
            f"animated sticker is {count} frames of {width}x{height} px, more than the "
            f"{MAX_ANIMATED_PIXELS} pixels allowed over all frames; use fewer or smaller frames",
            str(path),
        )


def _frame_seconds(duration_ms) -> float:
    if not duration_ms or duration_ms < MIN_FRAME_MS:
        return DEFAULT_FRAME_MS / 1000.0
    return float(duration_ms) / 1000.0
