"""The filter chain on I420 frames, for chains that are affine in RGB (the common looks).

Brightness, contrast, saturation, hue and grayscale are affine maps of RGB, and the
vignette scales RGB towards black; BT.709 limited-range YCbCr is an affine map of RGB too. So
these filters can run on the decoder's own YUV planes, the way ffmpeg's `eq` and `vignette` do,
and the frame never needs converting to RGB and back (about 5 ms of a 1080x1920 frame's ~10 ms
of filter work): luma gets one affine map, chroma (a quarter of the pixels each) another, and
the vignette multiplies the planes by its mask.

Only chains whose filters stay separable in YUV qualify (luma from luma, chroma from chroma):
white balance (temperature, tint), curves, LUTs, sepia and spatial filters other than the
vignette do not, and their renders stay in RGB. The results equal the RGB path's for colours
that stay inside the RGB cube; where RGB would clip a channel, YUV keeps the value and the
player clips it, as ffmpeg's filters do.
"""

from __future__ import annotations

import cv2
import numpy as np

from clipforge.filters.color import LUMA
from clipforge.filters.compiler import FilterChain
from clipforge.filters.kernels import ColorMatrix, ToneTable
from clipforge.filters.ops import GroupOp, Op, SpatialOp
from clipforge.filters.vignette import Vignette, VignetteKernel


def _rgb_to_yuv709() -> np.ndarray:
    """RGB (0..255) -> BT.709 limited-range Y, Cb, Cr as a 4x4 affine matrix."""
    kr, kg, kb = LUMA
    luma = np.array([kr, kg, kb])
    cb = (np.array([0.0, 0.0, 1.0]) - luma) / (2 * (1 - kb))
    cr = (np.array([1.0, 0.0, 0.0]) - luma) / (2 * (1 - kr))
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = luma * 219 / 255, cb * 224 / 255, cr * 224 / 255
    m[:3, 3] = 16, 128, 128
    return m


RGB_TO_YUV = _rgb_to_yuv709()
YUV_TO_RGB = np.linalg.inv(RGB_TO_YUV)
# Where luma and chroma sit on average: cross terms are dropped around these values.
_CENTRE = np.array([125.5, 128.0, 128.0])
# The most dropping a cross term (luma from chroma or the reverse) may move an output, in levels.
_MAX_CROSS_LEVELS = 0.3


def planes(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Views of an I420 frame ((H * 3 / 2, W) uint8): Y (H, W), U and V (H/2, W/2) and both
    chroma planes together as one (H/2, W) block (U's bytes, then V's)."""
    h, w = frame.shape[0] * 2 // 3, frame.shape[1]
    flat = frame.reshape(-1)
    quarter = (h // 2) * (w // 2)
    y = flat[: h * w].reshape(h, w)
    u = flat[h * w : h * w + quarter].reshape(h // 2, w // 2)
    v = flat[h * w + quarter :].reshape(h // 2, w // 2)
    return y, u, v, flat[h * w :].reshape(h // 2, w)


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """An (H, W, 3) RGB frame as BT.709 limited-range I420, chroma averaged over 2x2 blocks."""
    h, w = rgb.shape[:2]
    yuv = cv2.transform(rgb, RGB_TO_YUV[:3].astype(np.float32))
    frame = np.empty((h * 3 // 2, w), np.uint8)
    y, u, v, _ = planes(frame)
    y[...] = yuv[:, :, 0]
    chroma = cv2.resize(yuv[:, :, 1:], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    u[...], v[...] = chroma[:, :, 0], chroma[:, :, 1]
    return frame


def i420_to_rgb(frame: np.ndarray) -> np.ndarray:
    """A BT.709 limited-range I420 frame as (H, W, 3) RGB, as a player shows it."""
    y, u, v, _ = planes(frame)
    h, w = y.shape
    chroma = cv2.resize(cv2.merge([u, v]), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.transform(cv2.merge([y, chroma]), YUV_TO_RGB[:3].astype(np.float32))


def _as_affine(op: Op) -> np.ndarray | None:
    """A colour op as a 4x4 RGB affine matrix, or None when it is not affine."""
    if isinstance(op, ColorMatrix):
        return np.vstack([op.matrix, [0, 0, 0, 1]])
    if isinstance(op, ToneTable) and op.affine is not None:
        m = np.eye(4)
        m[[0, 1, 2], [0, 1, 2]] = op.affine[:, 0]
        m[:3, 3] = op.affine[:, 1]
        return m
    if isinstance(op, GroupOp):
        inner = [_as_affine(o) for o in op.ops]
        if any(m is None for m in inner):
            return None
        product = np.eye(4)
        for m in inner:
            product = m @ product  # type: ignore[operator]
        # Unclipped, blending the frames is blending the matrices.
        return np.eye(4) + (product - np.eye(4)) * op.strength
    return None


class YuvAffine:
    """Luma and chroma each mapped affinely: the RGB affine `rgb` seen in BT.709 YUV."""

    def __init__(self, rgb: np.ndarray):
        m = RGB_TO_YUV @ rgb @ YUV_TO_RGB
        cross_levels = np.abs(m[0, 1:3]).sum() * 112 + np.abs(m[1:3, 0]).max() * 110
        if cross_levels > _MAX_CROSS_LEVELS:
            raise ValueError("not separable in YUV (luma and chroma mix)")
        # Dropped cross terms contribute their value at the centre, through the offsets.
        offsets = m[:3, 3] + m[:3, :3] @ _CENTRE - np.diag(m[:3, :3]) * _CENTRE
        offsets[1:] -= m[1:3, 1:3] @ _CENTRE[1:] - np.diag(m[1:3, 1:3]) * _CENTRE[1:]
        self.luma = (float(m[0, 0]), float(offsets[0]))
        self.chroma = m[1:3, 1:3]
        self.chroma_offsets = offsets[1:]
        self.is_identity = bool(np.allclose(m, np.eye(4), atol=1e-6))

        gain, offset = self.luma
        # Tables clip to the legal range, as the RGB path's clipping to 0..255 would: no colour
        # of the RGB cube has luma outside 16..235 or chroma outside 16..240.
        self._luma_table = _table(gain, offset, 235)
        (a, b), (c, d) = self.chroma
        e, f = self.chroma_offsets
        uniform = abs(b) < 1e-9 and abs(c) < 1e-9 and abs(a - d) < 1e-9 and abs(e - f) < 1e-9
        self._chroma_table = _table(a, e, 240) if uniform else None

    def __call__(self, frame: np.ndarray) -> None:
        y, u, v, block = planes(frame)
        cv2.LUT(y, self._luma_table, dst=y)
        if self._chroma_table is not None:  # saturation: both planes alike, one lookup
            cv2.LUT(block, self._chroma_table, dst=block)
            return
        (a, b), (c, d) = self.chroma  # a hue turn: each plane from both
        e, f = self.chroma_offsets
        new_u = cv2.addWeighted(u, a, v, b, e)
        cv2.addWeighted(u, c, v, d, f, dst=v)
        u[...] = new_u


def _table(gain: float, offset: float, top: int) -> np.ndarray:
    """The 256-entry table of `gain * v + offset`, rounded and clipped to 16..top."""
    return np.clip(np.rint(gain * np.arange(256) + offset), 16, top).astype(np.uint8)


class YuvVignette:
    """The vignette's gain mask on each plane: luma and chroma scale towards black
    (Y 16, Cb = Cr = 128), each as a multiply and an add of a precomputed lift."""

    def __init__(self, gain: np.ndarray):
        h, w = gain.shape
        small = cv2.resize(gain, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        chroma_gain = np.concatenate([small.ravel(), small.ravel()]).reshape(h // 2, w)
        self.luma = gain, self._lift(gain, 16)
        self.chroma = chroma_gain, self._lift(chroma_gain, 128)

    @staticmethod
    def _lift(gain: np.ndarray, black: int) -> np.ndarray:
        # A function of the gain alone: one table lookup instead of float math on every pixel.
        levels = np.arange(256, dtype=np.float32)
        return cv2.LUT(gain, np.rint(black * (255 - levels) / 255).astype(np.uint8))

    def __call__(self, frame: np.ndarray) -> None:
        y, _, _, block = planes(frame)
        for plane, (gain, lift) in ((y, self.luma), (block, self.chroma)):
            cv2.multiply(plane, gain, dst=plane, scale=1.0 / 255.0)
            cv2.add(plane, lift, dst=plane)


YuvStep = YuvAffine | YuvVignette


def _steps(ops: list[Op]) -> list[YuvStep] | None:
    """Ops as YUV steps (consecutive affine maps fused into one), or None if any cannot be."""
    steps: list[YuvStep] = []
    pending: np.ndarray | None = None
    for op in ops:
        affine = _as_affine(op)
        if affine is not None:
            pending = affine if pending is None else affine @ pending
            continue
        if isinstance(op, SpatialOp) and isinstance(op.kernel, VignetteKernel):
            if pending is not None:
                steps.append(YuvAffine(pending))
                pending = None
            steps.append(YuvVignette(op.kernel.gain))
            continue
        return None
    if pending is not None:
        steps.append(YuvAffine(pending))
    return [s for s in steps if not (isinstance(s, YuvAffine) and s.is_identity)]


class YuvChain:
    """A `FilterChain` run on I420 frames in place: `chain(frame, t)`."""

    def __init__(self, chain: FilterChain):
        self.chain = chain
        self._plans: dict[tuple, list[YuvStep]] = {}

    def __call__(self, frame: np.ndarray, t: float) -> None:
        active = self.chain.active_at(t)
        plan = self._plans.get(active)
        if plan is None:
            plan = _steps(self.chain.ops_of(active))
            if plan is None:  # yuv_chain checked every filter: this is a bug
                raise RuntimeError(f"filters at {t:.3f} s cannot run on YUV frames")
            if len(self._plans) > 16:  # animated strengths: a plan per frame
                self._plans.clear()
            self._plans[active] = plan
        for step in plan:
            step(frame)


def yuv_chain(chain: FilterChain) -> YuvChain | None:
    """The chain on I420 frames, or None when some filter needs RGB.

    Each filter is checked on its own at its strength (an animated strength: at full and half
    strength, where blends appear); affine maps separable in YUV stay separable when
    multiplied, so every combination the render meets qualifies too.
    """
    for item in chain.filters:
        if isinstance(item.compiled, Vignette):
            continue  # always a mask multiply; the mask is made on first use, not here
        strengths = (
            [min(1.0, float(item.strength(0.0)))] if item.strength.is_constant else [1.0, 0.5]
        )
        for strength in strengths:
            try:
                if strength > 0 and _steps(item.compiled.ops(strength)) is None:
                    return None
            except ValueError:
                return None
    return YuvChain(chain)
