"""The three kinds of whole-frame kernels a filter chain compiles into.

Tone operations that act on each channel alone fuse into one 256-entry lookup table per channel
(`cv2.LUT`); colour-mixing operations fuse into one 3x4 affine matrix (`cv2.transform`); the
rest (vignette, blur, ...) are spatial kernels that see the whole frame. All work on uint8 RGB
frames and never loop over pixels in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

IDENTITY_LEVELS = np.arange(256, dtype=np.float64)
IDENTITY_MATRIX = np.hstack([np.eye(3), np.zeros((3, 1))])


@dataclass(frozen=True)
class ToneCurve:
    """Per-channel mapping of the 256 input levels, as floats in 0..255 (shape (3, 256))."""

    levels: np.ndarray

    @staticmethod
    def identity() -> ToneCurve:
        return ToneCurve(np.tile(IDENTITY_LEVELS, (3, 1)))

    def then(self, other: ToneCurve) -> ToneCurve:
        """This curve followed by `other`, as one curve (linear interpolation between levels)."""
        fused = np.stack(
            [np.interp(self.levels[c], IDENTITY_LEVELS, other.levels[c]) for c in range(3)]
        )
        return ToneCurve(fused)

    def blend(self, strength: float) -> ToneCurve:
        """Mix with the identity: exact for a per-level mapping."""
        return ToneCurve(IDENTITY_LEVELS + (self.levels - IDENTITY_LEVELS) * strength)

    def table(self) -> np.ndarray:
        """The uint8 lookup table in cv2.LUT's layout (256, 1, 3)."""
        lut = np.clip(np.rint(self.levels), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(lut.T.reshape(256, 1, 3))


@dataclass(frozen=True)
class ColorMatrix:
    """An affine colour transform out = M[:, :3] @ rgb + M[:, 3], in 0..255 units (shape (3, 4))."""

    matrix: np.ndarray

    @staticmethod
    def identity() -> ColorMatrix:
        return ColorMatrix(IDENTITY_MATRIX.copy())

    def then(self, other: ColorMatrix) -> ColorMatrix:
        a = np.vstack([self.matrix, [0, 0, 0, 1]])
        b = np.vstack([other.matrix, [0, 0, 0, 1]])
        return ColorMatrix((b @ a)[:3])

    def blend(self, strength: float) -> ColorMatrix:
        """Mix with the identity: exact, since both are linear in the pixel."""
        return ColorMatrix(IDENTITY_MATRIX + (self.matrix - IDENTITY_MATRIX) * strength)


def apply_tone(frame: np.ndarray, table: np.ndarray) -> np.ndarray:
    return cv2.LUT(frame, table)


def apply_matrix(frame: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    # cv2.transform saturates to uint8 itself; float32 keeps it on the fast path.
    return cv2.transform(frame, matrix.astype(np.float32))


SpatialKernel = Callable[[np.ndarray, float], np.ndarray]
"""A kernel that needs the whole frame: (frame, strength) -> frame."""
