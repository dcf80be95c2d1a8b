"""Stills on the timeline, optionally with Ken Burns motion (`timeline.still_motion`).

The still is fitted once to a canvas `MARGIN` times larger than the output; each frame is a
sub-pixel `cv2.warpAffine` view into it, eased so the move starts and ends at rest. Zooms move
between the whole enlarged still and a canvas-sized window of its centre; pans slide a
canvas-sized window across it (pan-left: the picture moves to the left). `still_frame` makes
any one of those frames on its own, for the preview's random access.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from clipforge.media import read_image
from clipforge.timeline.transitions import ease

if TYPE_CHECKING:
    from clipforge.timeline.canvas import Canvas

MARGIN = 1.2
"""How much larger than the canvas the still is fitted when it moves."""

MOTIONS = ("zoom-in", "zoom-out", "pan-left", "pan-right")


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


def view(size: tuple[int, int], big: tuple[int, int], motion: str, p: float):
    """(zoom, centre x, centre y) of the view at eased progress `p` in the enlarged still.

    The zoom is how many still pixels one output pixel spans (1: canvas-sized window).
    """
    (w, h), (bw, bh) = size, big
    cx, cy = bw / 2.0, bh / 2.0
    whole = min(bw / w, bh / h)  # the largest window that stays inside the still
    if motion == "zoom-in":
        return whole + (1.0 - whole) * p, cx, cy
    if motion == "zoom-out":
        return 1.0 + (whole - 1.0) * p, cx, cy
    left, right = w / 2.0, bw - w / 2.0
    if motion == "pan-left":  # the window travels right, so the picture moves left
        return 1.0, left + (right - left) * p, cy
    if motion == "pan-right":
        return 1.0, right + (left - right) * p, cy
    raise ValueError(f"unknown still motion {motion!r}")


def still_frames(
    path: Path,
    count: int,
    canvas: Canvas,
    motion: str = "none",
    reverse: bool = False,
) -> Iterator[np.ndarray]:
    """`count` canvas frames of a still, moving as `motion` says (backwards when `reverse`).

    Args:
        path: the image file.
        count: frames wanted.
        canvas: the frames' size, and how the image fits them (`fps` is not used).
        motion: "none" or one of MOTIONS.
        reverse: play the motion backwards (a reversed segment).
    """
    still = _fitted(path, canvas, motion)
    for k in range(count):
        if motion == "none":
            yield still.copy()  # the frame loop draws on its frames
        else:
            yield _moved(still, canvas.size, motion, _progress(k, count, reverse))


def still_frame(
    path: Path,
    k: int,
    count: int,
    canvas: Canvas,
    motion: str = "none",
    reverse: bool = False,
) -> np.ndarray:
    """Frame `k` (0 to `count` - 1) of `still_frames(path, count, canvas, motion, reverse)`,
    made without the frames before it."""
    still = _fitted(path, canvas, motion)
    if motion == "none":
        return still
    return _moved(still, canvas.size, motion, _progress(k, count, reverse))


def _fitted(path: Path, canvas: Canvas, motion: str) -> np.ndarray:
    """The still fitted to the canvas, or to `MARGIN` times the canvas when it moves."""
    size = canvas.size if motion == "none" else _enlarged(canvas.size)
    return read_image(path, size, canvas.fit, canvas.background)


def _enlarged(size: tuple[int, int]) -> tuple[int, int]:
    """The (even) size a moving still is fitted to: `MARGIN` times the canvas."""
    return _even(size[0] * MARGIN), _even(size[1] * MARGIN)


def _progress(k: int, count: int, reverse: bool) -> float:
    """Eased progress of the move at frame `k` of `count`: at rest on the first and last."""
    p = k / (count - 1) if count > 1 else 0.0
    return ease(1.0 - p if reverse else p)


def _moved(still: np.ndarray, size: tuple[int, int], motion: str, p: float) -> np.ndarray:
    """The canvas-sized view into the enlarged `still` at eased progress `p`."""
    w, h = size
    big = (still.shape[1], still.shape[0])
    z, cx, cy = view(size, big, motion, p)
    # Output pixel centre (x + 0.5) maps to still pixel centre: x0 + z (x + 0.5) - 0.5.
    x0, y0 = cx - z * w / 2.0, cy - z * h / 2.0
    m = np.array([[z, 0.0, x0 + 0.5 * z - 0.5], [0.0, z, y0 + 0.5 * z - 0.5]])
    return cv2.warpAffine(
        still,
        m,
        (w, h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
