"""Applying LUTs: 1D tables as tone levels, 3D tables as one `cv2.remap` into a baked atlas.

Trilinear interpolation in numpy touches eight table entries per pixel (about 150 ms per
1080x1920 frame); ffmpeg's `lut3d` takes about 70 ms. Here the interpolation is done once per
render instead: the table is baked, trilinearly, into an atlas that holds the answer for every
(red, green, blue) input with green in 127 steps. Per frame the pixels themselves become the
atlas coordinates, so a 3D LUT costs three OpenCV calls and no float math:

1. `cv2.cvtColor` RGB -> RGBA, then one saturating `cv2.multiply` by (1, 126/255, 1, 0):
   red and blue stay, green becomes its 0..126 step, alpha becomes 0 (when a tone table comes
   right before the LUT, a per-channel `cv2.LUT` does this instead, with the tone folded in);
2. the RGBA bytes, viewed as int16 pairs, are remap coordinates: x = R + 256 * G', y = B;
3. `cv2.remap(..., INTER_NEAREST)` reads the atlas (256 rows x 127 * 256 columns).

Green is the only input rounded, to the centre of its step (at most one level away), so the
result stays within about a level of true trilinear interpolation (PSNR above 50 dB against
ffmpeg's `lut3d` on the looks shipped here). The atlas is 25 MB per LUT and strength.
"""

from __future__ import annotations

import functools
import sys

import cv2
import numpy as np

from clipforge.filters.cube import CubeLut
from clipforge.filters.kernels import LEVELS, ToneTable
from clipforge.filters.ops import CompiledFilter, GroupOp, Lut3DOp, Op

# remap needs coordinates below 32767: x = R + 256 * G' <= 255 + 256 * 126 = 32511.
GREEN_STEPS = 127
ATLAS_SHAPE = (256, GREEN_STEPS * 256, 3)
# Without a tone table to fold in, one saturating multiply (R x1, G x126/255, B x1, A x0) makes
# the coordinates: cheaper than a lookup. The lookup path uses the multiply's own results.
_SCALES = (1.0, (GREEN_STEPS - 1) / 255.0, 1.0, 0.0)


def _green_steps() -> np.ndarray:
    """Green level -> step, exactly as `cv2.multiply` computes it on frames of any size."""
    probe = np.zeros((64, 256, 4), np.uint8)
    probe[..., 1] = np.arange(256, dtype=np.uint8)
    steps = cv2.multiply(probe, _SCALES)[..., 1]
    if not (steps == steps[0]).all():  # pragma: no cover - SIMD and scalar paths disagree
        raise RuntimeError("cv2.multiply rounds differently across a row")
    return steps[0].copy()


_GREEN_STEP = _green_steps()
# The atlas holds each green step at the mean of the levels that fall in it.
GREEN_CENTRES = np.array([LEVELS[np.equal(_GREEN_STEP, k)].mean() for k in range(GREEN_STEPS)])


def lut1d_levels(lut: CubeLut) -> np.ndarray:
    """A 1D `.cube` table as (3, 256) float tone levels (linear interpolation, domain applied)."""
    levels = np.empty((3, 256))
    for c in range(3):
        i0, w = _cells(LEVELS, lut, c)
        levels[c] = lut.table[i0, c] * (1 - w) + lut.table[i0 + 1, c] * w
    return np.clip(levels * 255.0, 0.0, 255.0)


def _cells(values: np.ndarray, lut: CubeLut, channel: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower table index and weight of the upper one for input levels in `values` (0..255)."""
    low, high = lut.domain_min[channel], lut.domain_max[channel]
    u = np.clip((values / 255.0 - low) / (high - low), 0.0, 1.0)
    position = u * (lut.size - 1)
    i0 = np.minimum(np.floor(position).astype(np.intp), lut.size - 2)
    return i0, (position - i0).astype(np.float32)


@functools.lru_cache(maxsize=2)
def bake_atlas(lut: CubeLut, strength: float = 1.0) -> np.ndarray:
    """The atlas of a 3D LUT blended with the identity at `strength` ((256, 32512, 3) uint8).

    Trilinear interpolation is separable on a grid, so it is done one axis at a time: red at
    all 256 levels, green at the step centres, blue at all 256 levels (the atlas rows).
    """
    table = lut.table.astype(np.float32)  # [b, g, r, channel]
    i0, w = _cells(LEVELS, lut, 0)
    t = table[:, :, i0] * (1 - w)[:, None] + table[:, :, i0 + 1] * w[:, None]
    i0, w = _cells(GREEN_CENTRES, lut, 1)
    t = t[:, i0] * (1 - w)[:, None, None] + t[:, i0 + 1] * w[:, None, None]
    i0, w = _cells(LEVELS, lut, 2)
    t = t.reshape(lut.size, GREEN_STEPS, 256 * 3)
    atlas = np.empty((256, GREEN_STEPS, 256 * 3), np.uint8)
    if strength != 1.0:
        identity = np.empty((GREEN_STEPS, 256, 3), np.float32)
        identity[..., 0] = LEVELS[None, :]
        identity[..., 1] = GREEN_CENTRES[:, None]
        identity = identity.reshape(GREEN_STEPS, 256 * 3)
    scale = 255.0 * strength
    for j in range(256):  # one atlas row per blue level; cv2 rounds and saturates to uint8
        a, b = t[i0[j]], t[i0[j] + 1]
        if strength == 1.0:
            cv2.addWeighted(a, scale * (1 - w[j]), b, scale * w[j], 0.0, atlas[j], cv2.CV_8U)
            continue
        identity[:, 2::3] = j
        row = cv2.addWeighted(a, scale * (1 - w[j]), b, scale * w[j], 0.0)
        cv2.scaleAdd(identity, 1.0 - strength, row, row)
        atlas[j] = np.clip(np.rint(row), 0, 255)
    return atlas.reshape(ATLAS_SHAPE)


class Lut3DStep:
    """A baked 3D LUT as a frame kernel, optionally preceded by a folded-in tone table."""

    fresh = True  # remap always writes a new frame

    def __init__(self, atlas: np.ndarray, before: ToneTable | None = None):
        self.atlas = atlas
        self._channels: np.ndarray | None = None
        if before is not None and not before.is_identity:
            lut4 = np.zeros((256, 1, 4), np.uint8)  # alpha -> 0, so y = B exactly
            lut4[:, 0, 0] = before.table[0]
            lut4[:, 0, 1] = _GREEN_STEP[before.table[1]]
            lut4[:, 0, 2] = before.table[2]
            self._channels = lut4

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        rgba = cv2.cvtColor(frame, cv2.COLOR_RGB2RGBA)
        if self._channels is None:
            cv2.multiply(rgba, _SCALES, dst=rgba)
        else:
            cv2.LUT(rgba, self._channels, dst=rgba)
        coords = rgba.view(np.int16)  # (H, W, 2): x = R + 256 * G', y = B + 256 * 0
        if sys.byteorder != "little":  # pragma: no cover - every supported platform is little
            coords = coords.byteswap()
        return cv2.remap(self.atlas, coords, None, cv2.INTER_NEAREST)


class Lut3D(CompiledFilter):
    """A compiled 3D `lut`: a constant strength is baked into the atlas, an animated one
    blends the full-strength LUT with its input."""

    def __init__(self, lut: CubeLut, constant_strength: float | None):
        self.lut = lut
        # Baking the blend is exact only when every input level lies inside the LUT's domain.
        self._constant = constant_strength if lut.covers_unit_domain else None
        self._atlases: dict[float, np.ndarray] = {}
        self._slope = lut_gain(lut)

    def atlas(self, strength: float) -> np.ndarray:
        if strength not in self._atlases:
            self._atlases[strength] = bake_atlas(self.lut, strength)
        return self._atlases[strength]

    def ops(self, strength: float) -> list[Op]:
        if strength >= 1.0 or strength == self._constant:
            s = min(strength, 1.0)
            return [Lut3DOp(self.atlas(s), s * self._slope + (1 - s))]
        return [GroupOp((Lut3DOp(self.atlas(1.0), self._slope),), strength)]


def lut_gain(lut: CubeLut) -> float:
    """The most a one-level change of every input can move an output, from the table's
    steepest step along each axis (plus one level for the atlas's rounding of green)."""
    table = lut.table
    span = (lut.domain_max - lut.domain_min).min()
    per_level = (lut.size - 1) / (255.0 * span)  # table cells per input level
    steps = [np.abs(np.diff(table, axis=axis)).max() for axis in range(3)]
    return float(sum(steps) * 255.0 * per_level + 1.0)
