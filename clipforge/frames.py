"""Frame helpers for frames that do not come through ffmpeg (stills, frames from the API)."""

from __future__ import annotations

import cv2
import numpy as np

from clipforge.media.blurfit import contain_blur


def fit_frame(
    frame: np.ndarray,
    size: tuple[int, int],
    fit: str,
    background: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Fit an RGB frame to `size` (W, H).

    Args:
        frame: (H, W, 3) uint8 RGB.
        size: Canvas (width, height).
        fit: "cover" (fill and crop the centre), "contain" (letterbox on `background`),
            "contain-blur" (over a blurred, dimmed copy of itself) or "stretch".
        background: RGB letterbox colour for "contain".

    Returns:
        The frame itself when it already has the canvas size, else a new array.
    """
    w, h = size
    fh, fw = frame.shape[:2]
    if (fw, fh) == (w, h):
        return frame
    if fit == "contain-blur":
        return contain_blur(frame, (w, h))
    if fit == "stretch":
        return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    scale = max(w / fw, h / fh) if fit == "cover" else min(w / fw, h / fh)
    sw, sh = max(1, round(fw * scale)), max(1, round(fh * scale))
    if fit == "cover":  # rounding must not leave the scaled frame short of the canvas
        sw, sh = max(sw, w), max(sh, h)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(frame, (sw, sh), interpolation=interpolation)
    if fit == "cover":
        x, y = (sw - w) // 2, (sh - h) // 2
        return np.ascontiguousarray(scaled[y : y + h, x : x + w])
    out = np.empty((h, w, 3), np.uint8)
    out[:] = background
    x, y = (w - sw) // 2, (h - sh) // 2
    out[y : y + sh, x : x + sw] = scaled
    return out
