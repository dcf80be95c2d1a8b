"""Footage for the timeline tests: every frame carries its number as blocks, readable after x264.

A coded frame (180x320) has a row of 9 blocks on top (frame number in binary, white = 1) over
a solid body in the source's colour with a white stripe at x 20..40 in its lower half, so a
decoded output frame tells which source and which source frame it shows, and where it sits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from clipforge.media import open_video
from tests.media_fixtures import encode_raw

W, H = 180, 320
SIZE = (W, H)
BITS = 9
BLOCK = W // BITS  # 20 px
CODE_ROWS = 40
STRIPE = (20, 40)
RED, BLUE = (200, 60, 60), (60, 60, 200)


def coded_frame(index: int, colour: tuple[int, int, int] = RED) -> np.ndarray:
    frame = np.empty((H, W, 3), np.uint8)
    frame[:] = colour
    frame[:CODE_ROWS] = 16
    for bit in range(BITS):
        if index >> bit & 1:
            frame[:CODE_ROWS, bit * BLOCK : (bit + 1) * BLOCK] = 235
    frame[H // 2 :, STRIPE[0] : STRIPE[1]] = 235
    return frame


def coded_video(path: Path, frames: int, colour: tuple[int, int, int] = RED, fps: int = 30) -> Path:
    """`frames` coded frames at `fps`, H.264 (lossless), no sound."""
    return encode_raw(path, [coded_frame(i, colour) for i in range(frames)], fps=fps)


def coded_pngs(folder: Path, frames: int, colour: tuple[int, int, int] = RED) -> Path:
    """`frames` coded PNGs named f1.png .. fN.png (natural order, not plain string order)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(frames):
        Image.fromarray(coded_frame(i, colour)).save(folder / f"f{i + 1}.png")
    return folder


def read_code(frame: np.ndarray) -> int:
    """The frame number a decoded coded frame shows."""
    value = 0
    for bit in range(BITS):
        block = frame[8 : CODE_ROWS - 8, bit * BLOCK + 4 : (bit + 1) * BLOCK - 4]
        if block.mean() > 128:
            value |= 1 << bit
    return value


def decode_all(path: Path, fps: int = 30) -> list[np.ndarray]:
    """Every frame of a rendered output, at `fps`."""
    with open_video(path, SIZE, fps, "stretch") as reader:
        return list(reader)


def body(frame: np.ndarray, x: slice = slice(60, 170), y: slice = slice(60, 150)) -> np.ndarray:
    """Mean RGB of a region of the body (default: left of nothing, above the stripe's rows)."""
    return frame[y, x].reshape(-1, 3).mean(axis=0)


def near(colour: np.ndarray, expected, tolerance: float = 10.0) -> bool:
    return bool(np.abs(np.asarray(colour, float) - np.asarray(expected, float)).max() <= tolerance)
