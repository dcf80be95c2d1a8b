"""The whole-frame pointwise kernels a chain fuses: per-channel tone tables and colour matrices.

Tone operations that act on each channel alone become one 256-entry uint8 table per channel
(`cv2.LUT`); composing two tables is exact (`t2[t1]`), so any run of tone operations costs one
lookup. Colour-mixing operations become a 3x4 affine matrix (`cv2.transform`). All kernels take
and return (H, W, 3) uint8 RGB frames and never loop over pixels in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

LEVELS = np.arange(256, dtype=np.float64)
IDENTITY_TABLE = np.tile(np.arange(256, dtype=np.uint8), (3, 1))
IDENTITY_MATRIX = np.hstack([np.eye(3), np.zeros((3, 1))])
# The 8 corners of the RGB cube (rows), for the range of an affine map over all colours.
CUBE_CORNERS = np.array([[r, g, b] for r in (0, 255) for g in (0, 255) for b in (0, 255)], float)


def levels_to_table(levels: np.ndarray) -> np.ndarray:
    """Float levels (3, 256) or (256,) in 0..255 -> a (3, 256) uint8 table (rounded, clipped)."""
    levels = np.broadcast_to(np.asarray(levels, np.float64), (3, 256))
    return np.clip(np.rint(levels), 0, 255).astype(np.uint8)


def blend_levels(levels: np.ndarray, strength: float) -> np.ndarray:
    """Mix float levels with the identity: what `strength` does to any per-channel mapping."""
    levels = np.broadcast_to(np.asarray(levels, np.float64), (3, 256))
    return LEVELS + (levels - LEVELS) * strength


@dataclass(frozen=True, eq=False, repr=False)
class ToneTable:
    """A per-channel mapping of the 256 input levels: `table[c, v]` is channel c's output."""

    table: np.ndarray  # (3, 256) uint8

    @staticmethod
    def from_levels(levels: np.ndarray) -> ToneTable:
        return ToneTable(levels_to_table(levels))

    @cached_property
    def is_identity(self) -> bool:
        return bool(np.array_equal(self.table, IDENTITY_TABLE))

    @cached_property
    def gain(self) -> float:
        """The most one input level can move the output (a bound on how it grows errors)."""
        return float(np.abs(np.diff(self.table.astype(np.int16), axis=1)).max())

    def then(self, other: ToneTable) -> ToneTable:
        """This table followed by `other`: exactly what applying both one by one gives."""
        return ToneTable(np.stack([other.table[c][self.table[c]] for c in range(3)]))

    @cached_property
    def _cv_table(self) -> np.ndarray:
        # One shared table runs about twice as fast in cv2.LUT as three interleaved ones.
        if np.array_equal(self.table[0], self.table[1]) and np.array_equal(
            self.table[0], self.table[2]
        ):
            return np.ascontiguousarray(self.table[0])
        return np.ascontiguousarray(self.table.T.reshape(256, 1, 3))

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        return cv2.LUT(frame, self._cv_table)

    def __repr__(self) -> str:
        return "ToneTable(identity)" if self.is_identity else "ToneTable(...)"


# cv2.transform on uint8 frames works in fixed point with 10 fractional bits (OpenCV's
# transform_8u): a coefficient off that grid moves outputs by up to 255 * 3 / 2048 levels.
# Matrices are kept on the grid, so the kernel computes exactly what the matrix says.
_FIXED_POINT = 1024.0


@dataclass(frozen=True, eq=False, repr=False)
class ColorMatrix:
    """An affine colour transform out = M[:, :3] @ rgb + M[:, 3], in 0..255 units (shape (3, 4)).

    The coefficients are rounded to 1/1024 on creation (see `_FIXED_POINT`); `rounded_off`
    is how far, in levels, that moved any output from the matrix asked for.
    """

    matrix: np.ndarray
    rounded_off: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        exact = np.asarray(self.matrix, np.float64)
        grid = np.round(exact * _FIXED_POINT) / _FIXED_POINT
        off = 255.0 * np.abs(exact[:, :3] - grid[:, :3]).sum(axis=1) + np.abs(exact - grid)[:, 3]
        object.__setattr__(self, "matrix", grid)
        object.__setattr__(self, "rounded_off", off)

    @staticmethod
    def of(mix: np.ndarray, offset: np.ndarray | None = None) -> ColorMatrix:
        """From a 3x3 mix and an optional offset (levels)."""
        column = np.zeros((3, 1)) if offset is None else np.asarray(offset, float).reshape(3, 1)
        return ColorMatrix(np.hstack([np.asarray(mix, float), column]))

    @cached_property
    def is_identity(self) -> bool:
        return bool(np.allclose(self.matrix, IDENTITY_MATRIX, atol=1e-9))

    @cached_property
    def is_per_channel(self) -> bool:
        """No channel mixing: the matrix is a per-channel affine map, i.e. a tone table."""
        mix = self.matrix[:, :3]
        return bool(np.allclose(mix - np.diag(np.diag(mix)), 0.0, atol=1e-12))

    @cached_property
    def gain(self) -> float:
        """The most a one-level change of every input can move an output."""
        return float(np.abs(self.matrix[:, :3]).sum(axis=1).max())

    def as_tone(self) -> ToneTable:
        """The per-channel matrix as a tone table (clipped like cv2.transform clips)."""
        gains, offset = np.diag(self.matrix[:, :3]), self.matrix[:, 3]
        return ToneTable.from_levels(gains[:, None] * LEVELS[None, :] + offset[:, None])

    def then(self, other: ColorMatrix) -> ColorMatrix:
        """This matrix followed by `other`, without clipping in between."""
        a = np.vstack([self.matrix, [0, 0, 0, 1]])
        b = np.vstack([other.matrix, [0, 0, 0, 1]])
        return ColorMatrix((b @ a)[:3])

    def blend(self, strength: float) -> ColorMatrix:
        """Mix with the identity; equals blending the frames when nothing clips."""
        return ColorMatrix(IDENTITY_MATRIX + (self.matrix - IDENTITY_MATRIX) * strength)

    def output_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel (min, max) of the output over every input colour (affine: the corners)."""
        out = CUBE_CORNERS @ self.matrix[:, :3].T + self.matrix[:, 3]
        return out.min(axis=0), out.max(axis=0)

    def keeps_in_range(self, margin: float = 0.5) -> bool:
        """True when no input colour leaves 0..255 by more than `margin`: nothing clips."""
        low, high = self.output_range()
        return bool((low >= -margin).all() and (high <= 255 + margin).all())

    @cached_property
    def _cv_matrix(self) -> np.ndarray:
        # float32 keeps cv2.transform on its fast path; it rounds and saturates to uint8 itself.
        return self.matrix.astype(np.float32)

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        return cv2.transform(frame, self._cv_matrix)

    def __repr__(self) -> str:
        return f"ColorMatrix({np.round(self.matrix, 4).tolist()})"


def blend_frames(filtered: np.ndarray, original: np.ndarray, strength: float) -> np.ndarray:
    """`strength` of the filtered frame over the original (the format's strength blend)."""
    return cv2.addWeighted(filtered, strength, original, 1.0 - strength, 0.0)
