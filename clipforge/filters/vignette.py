"""`vignette`: darkens towards the corners with a mask computed once per render."""

from __future__ import annotations

from functools import cached_property

import cv2
import numpy as np

from clipforge.filters.ops import CompiledFilter, Op, SpatialOp


def falloff_quadrant(size: tuple[int, int], radius: float, softness: float) -> np.ndarray:
    """The bottom-right quadrant of `falloff` (float32, shape (ceil(H/2), ceil(W/2))).

    The mask is symmetric about both axes, and the coordinates of mirrored pixels are exact
    negations in float32, so the quadrant mirrored (`mirror`) is the whole mask, bit for bit.
    """
    w, h = size
    ys = (np.arange(h // 2, h, dtype=np.float32) - (h - 1) / 2) / (h / 2)
    xs = (np.arange(w // 2, w, dtype=np.float32) - (w - 1) / 2) / (w / 2)
    d = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2) / np.sqrt(2.0)
    lo, hi = radius - softness / 2, radius + softness / 2
    x = np.clip((d - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    return x * x * (3 - 2 * x)


def mirror(quadrant: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The whole (H, W) mask from its bottom-right quadrant (an odd side shares its middle)."""
    w, h = size
    rows = np.concatenate([quadrant[h % 2 :][::-1], quadrant])
    return np.ascontiguousarray(np.concatenate([rows[:, w % 2 :][:, ::-1], rows], axis=1))


def falloff(size: tuple[int, int], radius: float, softness: float) -> np.ndarray:
    """0 inside `radius`, rising smoothly to 1 over `softness` (float32, shape (H, W)).

    Distances are normalised so the frame's corners are at 1, whatever its aspect.
    """
    return mirror(falloff_quadrant(size, radius, softness), size)


class VignetteKernel:
    """Multiplies a frame by a uint8 gain mask (255 = unchanged), pointwise."""

    in_place = True  # each pixel is read before it is written: `out` may be the frame itself

    def __init__(self, gain: np.ndarray):
        self.gain = gain  # (H, W); the YUV path scales its planes with it (filters/yuv.py)

    @cached_property
    def mask(self) -> np.ndarray:
        """The gain for each RGB channel, made on first use: renders in YUV never need it."""
        return cv2.merge([self.gain, self.gain, self.gain])

    def __call__(self, frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return cv2.multiply(frame, self.mask, dst=out, scale=1.0 / 255.0)


class Vignette(CompiledFilter):
    """Multiplies the frame by 1 - darkness * falloff in uint8 arithmetic (about 2 ms at
    1080x1920); the filter's `strength` is the darkness at the corners."""

    def __init__(self, size: tuple[int, int], radius: float, softness: float):
        self._geometry = (size, radius, softness)
        # Masks are made on one quadrant and mirrored in uint8: the render's first frame waits
        # for its mask (a quarter of the float work; ~40 ms at 1080x1920 when made whole). The
        # float quadrant is kept only once a second darkness is asked for.
        self._quadrant: np.ndarray | None = None
        self._ops: dict[float, list[Op]] = {}

    def _get_quadrant(self, keep: bool) -> np.ndarray:
        if self._quadrant is not None:
            return self._quadrant
        result = falloff_quadrant(*self._geometry)
        if keep:
            self._quadrant = result
        return result

    def gain(self, darkness: float) -> np.ndarray:
        """The (H, W) uint8 gain (255 = unchanged) for a darkness in 0..1."""
        curve = self._get_quadrant(keep=bool(self._ops))
        gain = np.rint((1.0 - darkness * curve) * 255.0).astype(np.uint8)
        return mirror(gain, self._geometry[0])

    def ops(self, strength: float) -> list[Op]:
        ops = self._ops.get(strength)
        if ops is None:
            gain = self.gain(strength)
            if len(self._ops) > 4:  # animated darkness: keep only a few masks alive
                self._ops.clear()
            ops = self._ops[strength] = [SpatialOp(VignetteKernel(gain))]
        return ops
