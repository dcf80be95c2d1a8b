"""`grain`: seeded film grain that changes every frame and costs two saturating adds.

One noise field, a little larger than the frame, is made once per render from the seed. Each
frame shows a window of it at an offset drawn from (seed, frame number), so the grain moves like
film grain, and the same render twice gives the same grain, frame for frame. The field is
stored as its positive and negative halves in uint8, so applying it is `cv2.add` then
`cv2.subtract` (about 2 ms at 1080x1920) with exact clipping, as at most one half is non-zero
at any pixel.
"""

from __future__ import annotations

import cv2
import numpy as np

from clipforge.filters.ops import SpatialFilter

# Grain is a little coarser than one pixel, like film at phone resolution (canvas px, sigma).
GRAIN_SIZE = 0.7
_PAD = 64  # extra rows and columns of field: 64 x 64 distinct offsets per render


def grain_field(size: tuple[int, int], amount: float, seed: int, scale: float = 1.0) -> np.ndarray:
    """Monochrome grain for frames of `size` (W, H) plus padding, in levels (float32).

    Its standard deviation is `amount` of the full scale (0.05: about 13 levels).
    """
    w, h = size
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((h + _PAD, w + _PAD), dtype=np.float32)
    sigma = GRAIN_SIZE * scale
    if sigma >= 0.3:
        noise = cv2.GaussianBlur(noise, (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101)
    noise *= np.float32(amount * 255.0) / max(float(noise.std()), 1e-6)
    return noise


class Grain(SpatialFilter):
    """A compiled `grain` filter (strength blends it, so it scales the grain)."""

    def __init__(self, size: tuple[int, int], amount: float, seed: int, fps: float, scale: float):
        mono = np.rint(grain_field(size, amount, seed, scale))
        # Same grain in R, G and B: luminance grain, like black-and-white film stock.
        self._up = cv2.merge([np.clip(mono, 0, 255).astype(np.uint8)] * 3)
        self._down = cv2.merge([np.clip(-mono, 0, 255).astype(np.uint8)] * 3)
        self._seed = seed
        self._fps = fps
        super().__init__(self.at, timed=True)

    def offset(self, frame_number: int) -> tuple[int, int]:
        """The field window (dx, dy) shown on frame `frame_number`: a function of the seed."""
        rng = np.random.default_rng([self._seed, max(frame_number, 0)])
        dx, dy = rng.integers(0, _PAD + 1, size=2)
        return int(dx), int(dy)

    def at(self, frame: np.ndarray, t: float) -> np.ndarray:
        """The frame with the grain of time t added."""
        dx, dy = self.offset(round(t * self._fps))
        h, w = frame.shape[:2]
        out = cv2.add(frame, self._up[dy : dy + h, dx : dx + w])
        return cv2.subtract(out, self._down[dy : dy + h, dx : dx + w], dst=out)
