"""Transitions between two clips: whole-frame numpy/OpenCV blends of (outgoing, incoming).

Each transition is a pure function `(a, b, p) -> frame` of the outgoing frame `a`, the incoming
frame `b` (both (H, W, 3) uint8 RGB, canvas-sized) and the progress `p` in 0..1. Moves (slides,
wipes, zoom) are eased in and out; the fades are linear, like editors' defaults.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Transition = Callable[[np.ndarray, np.ndarray, float], np.ndarray]

ZOOM = 0.5
"""How far the zoom transition scales: the outgoing clip grows to 1.5x as the incoming one
settles from 1.5x to 1x."""


def ease(p: float) -> float:
    """Smoothstep: starts and ends at rest."""
    p = min(1.0, max(0.0, p))
    return p * p * (3.0 - 2.0 * p)


def crossfade(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    return cv2.addWeighted(a, 1.0 - p, b, p, 0.0)


def fade_black(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """Dip to black: the first half darkens `a`, the second brings up `b`."""
    if p < 0.5:
        return cv2.convertScaleAbs(a, alpha=1.0 - 2.0 * p)
    return cv2.convertScaleAbs(b, alpha=2.0 * p - 1.0)


def slide_left(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """`b` pushes in from the right, `a` leaves to the left."""
    w = a.shape[1]
    x = round(ease(p) * w)
    return np.concatenate([a[:, x:], b[:, :x]], axis=1)


def slide_up(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """`b` pushes in from the bottom, `a` leaves at the top."""
    h = a.shape[0]
    y = round(ease(p) * h)
    return np.concatenate([a[y:], b[:y]], axis=0)


def wipe_left(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """An edge moves from the right side to the left, uncovering `b` behind it."""
    w = a.shape[1]
    x = w - round(ease(p) * w)
    out = a.copy()
    out[:, x:] = b[:, x:]
    return out


def _scaled(frame: np.ndarray, scale: float) -> np.ndarray:
    """`frame` magnified by `scale` (>= 1) about its centre, same size, sub-pixel exact."""
    if abs(scale - 1.0) < 1e-4:
        return frame
    h, w = frame.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), 0.0, scale)
    return cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def zoom(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """Zoom through: `a` grows while `b`, magnified, fades in over it and settles to 1x."""
    e = ease(p)
    return crossfade(_scaled(a, 1.0 + ZOOM * e), _scaled(b, 1.0 + ZOOM * (1.0 - e)), e)


TRANSITIONS: dict[str, Transition] = {
    "crossfade": crossfade,
    "fade-black": fade_black,
    "slide-left": slide_left,
    "slide-up": slide_up,
    "zoom": zoom,
    "wipe-left": wipe_left,
}
