"""The whole-frame pointwise kernels a chain fuses: per-channel tone tables and colour matrices.

Tone operations that act on each channel alone become one 256-entry uint8 table per channel
(`cv2.LUT`); composing two tables is exact (`t2[t1]`), so any run of tone operations costs one
lookup (or, for a posterize whose levels split 0..255 evenly, three faster integer passes:
`quantize`).
Colour-mixing operations become a 3x4 affine matrix (`cv2.transform`). All kernels take and
return (H, W, 3) uint8 RGB frames and never loop over pixels in Python.
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


def affine_fit(levels: np.ndarray) -> np.ndarray | None:
    """Per-channel (gain, offset) when float levels are an affine map clipped to 0..255.

    Returns a (3, 2) array with ``levels[c] == clip(gain * v + offset)`` for every level v (to
    1e-6), or None when any channel is not such a map (a curve, gamma, exposure, a table).
    """
    levels = np.broadcast_to(np.asarray(levels, np.float64), (3, 256))
    fits = np.empty((3, 2))
    for c in range(3):
        inside = np.flatnonzero((levels[c] > 1e-9) & (levels[c] < 255.0 - 1e-9))
        if len(inside) < 2:
            return None  # a constant or a step: nothing to fit
        i, j = inside[0], inside[-1]
        gain = (levels[c][j] - levels[c][i]) / (j - i)
        offset = levels[c][i] - gain * i
        if gain < 0 or not np.allclose(
            np.clip(gain * LEVELS + offset, 0.0, 255.0), levels[c], rtol=0, atol=1e-6
        ):
            return None
        fits[c] = gain, offset
    return fits


# Posterize to n levels where n - 1 divides 255 (2, 4, 6, 16, 18, 52, 86 levels): the levels are
# d = 255 / (n - 1) apart and each input goes to the nearest, `(v + d // 2) // d * d` (d is odd,
# so there are no ties). Three SIMD integer passes over the frame (saturating add, divide,
# multiply) give the table's bytes exactly in about a third of cv2.LUT's time, which is a
# scalar loop (1080x1920: ~1.1-1.5 ms against ~2.7-4.5 ms, one thread, the machine shared).
_QUANTIZE_STEPS = (3, 5, 15, 17, 51, 85, 255)
_QUANTIZED = {d: ((np.arange(256) + d // 2) // d * d).astype(np.uint8) for d in _QUANTIZE_STEPS}


def quantize(frame: np.ndarray, step: int, out: np.ndarray | None = None) -> np.ndarray:
    """Each byte of a uint8 frame to the nearest multiple of an odd `step` dividing 255.

    Equals `cv2.LUT(frame, _QUANTIZED[step])`: above 255 - step // 2 the saturating add stops at
    255, which divides down to the same 255 // step.
    """
    half = step // 2
    out = cv2.add(frame, (half, half, half, half), dst=out)
    np.floor_divide(out, np.uint8(step), out=out)
    return np.multiply(out, np.uint8(step), out=out)


@dataclass(frozen=True, eq=False, repr=False)
class ToneTable:
    """A per-channel mapping of the 256 input levels: `table[c, v]` is channel c's output.

    `affine` is the (3, 2) per-channel (gain, offset) when the table is known to be a clipped
    affine map (brightness, contrast, white balance), which lets the compiler fold it into a
    colour matrix before it; None otherwise.
    """

    table: np.ndarray  # (3, 256) uint8
    affine: np.ndarray | None = None

    @staticmethod
    def from_levels(levels: np.ndarray) -> ToneTable:
        return ToneTable(levels_to_table(levels), affine_fit(levels))

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
    def _shared(self) -> bool:
        """The three channels share one table."""
        return bool((self.table == self.table[0]).all())

    @cached_property
    def _cv_table(self) -> np.ndarray:
        # One shared table runs about twice as fast in cv2.LUT as three interleaved ones.
        if self._shared:
            return np.ascontiguousarray(self.table[0])
        return np.ascontiguousarray(self.table.T.reshape(256, 1, 3))

    @cached_property
    def _step(self) -> int | None:
        """`d` when every channel's table is `_QUANTIZED[d]` (see `quantize`), else None."""
        if not self._shared:
            return None
        return next(
            (d for d in _QUANTIZE_STEPS if np.array_equal(self.table[0], _QUANTIZED[d])), None
        )

    # Pointwise and always a fresh array without `out`: the chain may run it in place.
    in_place = True

    def __call__(self, frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if self._step is not None:
            return quantize(frame, self._step, out)
        return cv2.LUT(frame, self._cv_table, dst=out)

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

    # Always a fresh array; not run in place: given its own input as `dst`, cv2.transform
    # copies the input first (measured: 7 ms a 1080x1920 frame against 1.5 ms into a new one).
    fresh = True
    in_place = False

    def __call__(self, frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return cv2.transform(frame, self._cv_matrix, dst=out)

    def then_tone(self, tone: ToneTable) -> ColorMatrix | None:
        """This matrix followed by an affine `tone`, as one matrix, or None where that would
        not give the same pixels (within a level) as the two one after the other.

        One by one, the matrix clips to 0..255 before the table; fused, the table's gain and
        offset act on the unclipped value. Where the matrix can go below 0, one by one gives
        `table[0]` and fused something between 0 and that: within a level only if the table
        takes 0 to 0 or 1 (a small lift of the blacks, as `brightness` makes). Likewise above
        255 the table must take 255 to 254 or 255. The gain must not be negative. The
        per-level rounding in between is skipped, which the caller accounts for.
        """
        if tone.affine is None:
            return None
        gain, offset = tone.affine[:, 0], tone.affine[:, 1]
        low, high = self.output_range()
        below = low < -0.5
        above = high > 255.5
        if (below & (offset >= 1.5)).any() or (above & (gain * 255.0 + offset <= 253.5)).any():
            return None
        fused = np.diag(gain) @ self.matrix
        fused[:, 3] += offset
        return ColorMatrix(fused)

    def __repr__(self) -> str:
        return f"ColorMatrix({np.round(self.matrix, 4).tolist()})"


def blend_frames(filtered: np.ndarray, original: np.ndarray, strength: float) -> np.ndarray:
    """`strength` of the filtered frame over the original (the format's strength blend)."""
    return cv2.addWeighted(filtered, strength, original, 1.0 - strength, 0.0)
