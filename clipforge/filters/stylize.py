"""Stylised looks that move pixels: `pixelate` (mosaic) and `rgb-split` (glitch)."""

from __future__ import annotations

import cv2
import numpy as np

from clipforge.filters.ops import SpatialFilter


def pixelate(frame: np.ndarray, block: int, out: np.ndarray | None = None) -> np.ndarray:
    """Average `block` x `block` squares from the top-left corner; the last row and column of
    blocks are partial (as ffmpeg's `pixelize` does).

    Writes into `out` (a new array when None), which may be `frame` itself: every block is
    read before it is written.
    """
    if block <= 1:
        if out is None or out is frame:
            return frame
        out[:] = frame
        return out
    h, w = frame.shape[:2]
    if out is None:
        out = np.empty_like(frame)
    full_h, full_w = h - h % block, w - w % block
    for index, (ys, xs) in enumerate(_regions(h, w, full_h, full_w)):
        part = frame[ys, xs]
        ph, pw = part.shape[:2]
        if ph == 0 or pw == 0:
            continue
        if index == 0:
            means = _whole_block_means(frame[:full_h], full_w, block)
        else:
            # An area shrink by a whole factor is the exact block mean (a partial block: the
            # mean of what there is). The strips are small: cv2 is fast enough there.
            cells = (-(-pw // block), -(-ph // block))
            means = cv2.resize(part, cells, interpolation=cv2.INTER_AREA)
        _fill(out[ys, xs], means, block)
    return out


def _whole_block_means(rows: np.ndarray, width: int, block: int) -> np.ndarray:
    """The rounded mean of each whole block in the first `width` columns of `rows` (whole
    rows of the frame, a multiple of `block` of them), as (block rows, blocks, 3) uint8.

    The rows of each block row are summed with numpy over whole frame rows (one pass over
    the frame, vectorised along the rows: about half the time of cv2's area resize), then
    the small column sums are averaged per block by cv2.
    """
    h, w = rows.shape[:2]
    ny = h // block
    wide = np.uint16 if block * 255 <= 0xFFFF else np.uint32
    column_sums = rows.reshape(ny, block, w * 3).sum(axis=1, dtype=wide)  # (ny, w * 3)
    column_sums = column_sums[:, : width * 3].reshape(ny, width, 3).astype(np.float32)
    # An area shrink by a whole factor in float: the mean of each block's column sums.
    per_column = cv2.resize(column_sums, (width // block, ny), interpolation=cv2.INTER_AREA)
    return np.rint(per_column * np.float32(1.0 / block)).astype(np.uint8)


def _regions(h: int, w: int, full_h: int, full_w: int):
    """Whole-block area, right strip, bottom strip, corner (slices, possibly empty)."""
    yield slice(0, full_h), slice(0, full_w)
    yield slice(0, full_h), slice(full_w, w)
    yield slice(full_h, h), slice(0, full_w)
    yield slice(full_h, h), slice(full_w, w)


def _fill(target: np.ndarray, means: np.ndarray, block: int) -> None:
    """Write each mean over its block of `target` (a view into the output frame)."""
    ph, pw = target.shape[:2]
    rows = np.repeat(means, block, axis=1)[:, :pw]  # one row per block row: small
    if ph % block == 0:
        # Broadcast each row over its block's rows: one pass over the output, no temporaries.
        blocks = target.view()
        blocks.shape = (ph // block, block, pw, 3)  # raises rather than copy
        blocks[:] = rows[:, None]
    else:
        target[:] = np.repeat(rows, block, axis=0)[:ph]


def rgb_split(frame: np.ndarray, offset: int) -> np.ndarray:
    """Red moved `offset` pixels left, blue `offset` pixels right (negative: the other way);
    edges repeat the last column, as ffmpeg's `rgbashift` with `edge=smear`."""
    if offset == 0:
        return frame
    w = frame.shape[1]
    o = min(abs(offset), w - 1)
    r, g, b = cv2.split(frame)
    left, right = (r, b) if offset > 0 else (b, r)
    left_out, right_out = np.empty_like(left), np.empty_like(right)
    left_out[:, : w - o] = left[:, o:]
    left_out[:, w - o :] = left[:, w - 1 : w]
    right_out[:, o:] = right[:, : w - o]
    right_out[:, :o] = right[:, :1]
    red, blue = (left_out, right_out) if offset > 0 else (right_out, left_out)
    return cv2.merge([red, g, blue])


class Pixelate(SpatialFilter):
    """A compiled `pixelate`: `size` canvas pixels per block."""

    def __init__(self, size: int, scale: float):
        self.block = max(1, round(size * scale))
        super().__init__(_PixelateKernel(self.block))


class _PixelateKernel:
    """`pixelate` as a kernel the chain may run in place (`out` may be the frame itself)."""

    in_place = True
    __slots__ = ("block",)

    def __init__(self, block: int):
        self.block = block

    def __call__(self, frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return pixelate(frame, self.block, out)

    def __repr__(self) -> str:
        return f"Pixelate(block={self.block})"


class RgbSplit(SpatialFilter):
    """A compiled `rgb-split`: `offset` canvas pixels."""

    def __init__(self, offset: float, scale: float):
        self.offset = round(offset * scale)
        super().__init__(lambda frame: rgb_split(frame, self.offset))
