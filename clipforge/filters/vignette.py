"""`vignette`: darkens towards the corners with a mask computed once per render."""

from __future__ import annotations

import cv2
import numpy as np


def falloff(size: tuple[int, int], radius: float, softness: float) -> np.ndarray:
    """0 inside `radius`, rising smoothly to 1 over `softness` (float32, shape (H, W)).

    Distances are normalised so the frame's corners are at 1, whatever its aspect.
    """
    w, h = size
    ys = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / (h / 2)
    xs = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / (w / 2)
    d = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2) / np.float32(np.sqrt(2.0))
    lo, hi = radius - softness / 2, radius + softness / 2
    x = np.clip((d - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    return x * x * (3 - 2 * x)


class Vignette:
    """Multiplies the frame by 1 - darkness * falloff, in uint8 arithmetic.

    The falloff is kept as uint8 (1/255 steps are invisible in a vignette) so an animated
    darkness costs 2 MB, not 8 MB, at 1080x1920; the 3-channel mask for the current darkness is
    cached.
    """

    def __init__(self, size: tuple[int, int], radius: float, softness: float):
        self._falloff = np.rint(falloff(size, radius, softness) * 255).astype(np.uint8)
        self._mask_cache: tuple[float, np.ndarray] | None = None

    def mask(self, darkness: float) -> np.ndarray:
        if self._mask_cache is None or self._mask_cache[0] != darkness:
            self._mask_cache = None  # free the old mask before making the new one
            gain = cv2.convertScaleAbs(self._falloff, alpha=-darkness, beta=255.0)
            self._mask_cache = (darkness, cv2.merge([gain, gain, gain]))
        return self._mask_cache[1]

    def __call__(self, frame: np.ndarray, darkness: float) -> np.ndarray:
        return cv2.multiply(frame, self.mask(darkness), scale=1.0 / 255.0)
