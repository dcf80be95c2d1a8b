"""`adjust`: exposure, brightness, contrast and gamma as one tone curve; saturation,
temperature, tint and hue as one colour matrix."""

from __future__ import annotations

import math

import numpy as np

from clipforge.filters.kernels import IDENTITY_LEVELS, ColorMatrix, ToneCurve

# Rec. 709 luma weights: the footage is BT.709, so "grey" keeps its luma.
LUMA = np.array([0.2126, 0.7152, 0.0722])


def tone_curve(
    *, exposure: float = 0.0, brightness: float = 0.0, contrast: float = 1.0, gamma: float = 1.0
) -> ToneCurve:
    """Levels in 0..1: x * 2**exposure, + brightness, contrast around mid-grey, then gamma."""
    x = IDENTITY_LEVELS / 255.0
    x = x * (2.0**exposure)
    x = x + brightness
    x = (x - 0.5) * contrast + 0.5
    x = np.clip(x, 0.0, 1.0) ** (1.0 / gamma)
    return ToneCurve(np.tile(x * 255.0, (3, 1)))


def color_matrix(
    *, saturation: float = 1.0, temperature: float = 0.0, tint: float = 0.0, hue: float = 0.0
) -> ColorMatrix:
    """Saturation around Rec. 709 luma, hue rotation about the grey axis (degrees), then
    temperature (warm +: more red, less blue) and tint (+: more magenta) as channel gains."""
    grey = np.tile(LUMA, (3, 1))
    mix = grey + saturation * (np.eye(3) - grey)
    if hue:
        mix = _hue_rotation(hue) @ mix
    gains = np.diag([1.0 + 0.2 * temperature, 1.0 - 0.2 * tint, 1.0 - 0.2 * temperature])
    return ColorMatrix(np.hstack([gains @ mix, np.zeros((3, 1))]))


def _hue_rotation(degrees: float) -> np.ndarray:
    """Rotation about the grey axis that keeps Rec. 709 luma (the classic hue-rotate matrix)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    lr, lg, lb = LUMA
    return np.array(
        [
            [lr + c * (1 - lr) - s * lr, lg - c * lg - s * lg, lb - c * lb + s * (1 - lb)],
            [lr - c * lr + s * 0.143, lg + c * (1 - lg) + s * 0.140, lb - c * lb - s * 0.283],
            [lr - c * lr - s * (1 - lr), lg - c * lg + s * lg, lb + c * (1 - lb) + s * lb],
        ]
    )
