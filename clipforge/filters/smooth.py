"""`smooth`: skin-friendly, edge-preserving smoothing ("beauty"), a fast guided filter.

The guided filter (He, Sun and Tang) fits, in every window, out = a * in + b: where a window is
flat up to noise and skin texture (variance well under `EPSILON`) a goes to 0 and the output is
the local mean; across an edge (variance far above it) a goes to 1 and the edge stays. The fit
runs on a frame shrunk by `SHRINK` (the "fast guided filter"); only `a` and `b`, smooth by
construction, are scaled back up, and the full-size work is one multiply and one add in uint8.
"""

from __future__ import annotations

import cv2
import numpy as np

from clipforge.filters.ops import CompiledFilter, Op, SpatialOp

RADIUS = 12.0  # canvas px: the size of skin texture to even out (at 1080x1920)
EPSILON = (0.06 * 255) ** 2  # variance (levels^2) below which a window counts as "flat"
SHRINK = 4


class Smooth(CompiledFilter):
    """A compiled `smooth`; its strength scales the fit (exactly a blend with the input)."""

    def __init__(self, scale: float):
        self.radius = RADIUS * scale
        self.shrink = max(1, min(SHRINK, round(self.radius / 2)))

    def coefficients(self, frame: np.ndarray, strength: float) -> tuple[np.ndarray, np.ndarray]:
        """Full-size uint8 `a` (x 255) and `b` for out = a * frame / 255 + b."""
        h, w = frame.shape[:2]
        k = self.shrink
        small = cv2.resize(frame, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
        small = small.astype(np.float32)
        r = max(1, round(self.radius / k))
        box = (2 * r + 1, 2 * r + 1)
        mean = cv2.boxFilter(small, -1, box, borderType=cv2.BORDER_REPLICATE)
        var = cv2.boxFilter(small * small, -1, box, borderType=cv2.BORDER_REPLICATE) - mean * mean
        a = var / (var + np.float32(EPSILON))
        b = mean - a * mean
        a = cv2.boxFilter(a, -1, box, borderType=cv2.BORDER_REPLICATE)
        b = cv2.boxFilter(b, -1, box, borderType=cv2.BORDER_REPLICATE)
        # Strength s blends with the input: s * (a I + b) + (1 - s) I = (s a + 1 - s) I + s b.
        a = a * np.float32(strength) + np.float32(1.0 - strength)
        b = b * np.float32(strength)
        a8 = np.rint(a * 255.0).astype(np.uint8)
        b8 = np.clip(np.rint(b), 0, 255).astype(np.uint8)
        up = cv2.INTER_LINEAR
        return cv2.resize(a8, (w, h), interpolation=up), cv2.resize(b8, (w, h), interpolation=up)

    def apply(self, frame: np.ndarray, strength: float = 1.0) -> np.ndarray:
        a8, b8 = self.coefficients(frame, strength)
        return cv2.add(cv2.multiply(frame, a8, scale=1.0 / 255.0), b8)

    def ops(self, strength: float) -> list[Op]:
        # The fit depends on the frame itself: count it as able to double a difference.
        return [SpatialOp(lambda frame: self.apply(frame, strength), gain=2.0)]
