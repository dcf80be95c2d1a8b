"""Tone filters as float level mappings (0..255 in, 0..255 out), one row per channel.

Everything here is a function of the 256 input levels only, so it becomes one lookup table and
fuses with its neighbours: the tone part of `adjust`, `curves`, `posterize` and 1D LUTs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from clipforge.filters.kernels import LEVELS

# How far a white-balance slider moves the red/blue (temperature) and green (tint) gains.
WHITE_BALANCE_RANGE = 0.2


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    """The sRGB transfer function, inverted (0..1 in and out)."""
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    """The sRGB transfer function (0..1 in and out)."""
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def white_balance_gains(temperature: float, tint: float) -> np.ndarray:
    """Per-channel gains: warm (+temperature) lifts red and lowers blue, +tint lowers green."""
    k = WHITE_BALANCE_RANGE
    return np.array([1.0 + k * temperature, 1.0 - k * tint, 1.0 - k * temperature])


def adjust_levels(
    *,
    temperature: float = 0.0,
    tint: float = 0.0,
    exposure: float = 0.0,
    brightness: float = 0.0,
    contrast: float = 1.0,
    gamma: float = 1.0,
) -> np.ndarray:
    """The tone half of `adjust`, in this order: white balance gains, exposure in stops (in
    linear light, so +1 doubles the light), brightness (added), contrast (around mid-grey),
    then gamma (> 1 brightens the midtones). Returns (3, 256) float levels."""
    x = np.tile(LEVELS / 255.0, (3, 1)) * white_balance_gains(temperature, tint)[:, None]
    if exposure:
        x = linear_to_srgb(srgb_to_linear(x) * 2.0**exposure)
    x = x + brightness
    x = (x - 0.5) * contrast + 0.5
    x = np.clip(x, 0.0, 1.0) ** (1.0 / gamma)
    return x * 255.0


def curve_function(points: Sequence[tuple[float, float]]) -> Callable[[np.ndarray], np.ndarray]:
    """A monotone cubic (PCHIP) through control points in 0..255, as a vectorised function.

    PCHIP never overshoots between points, so a rising curve never dips and a curve through
    (0, 0) and (255, 255) stays within 0..255. Outside the first and last point the curve is
    flat; a single point is a constant; no points is the identity.
    """
    if not points:
        return lambda x: np.asarray(x, float)
    xs = np.array([p[0] for p in points], float)
    ys = np.array([p[1] for p in points], float)
    if len(xs) == 1:
        return lambda x: np.full(np.shape(x), ys[0])
    if len(xs) == 2:  # PCHIP needs three points; through two it is the straight line anyway
        return lambda x: np.interp(x, xs, ys)
    # scipy.interpolate takes ~0.2 s to import: only presets with curves pay for it, when compiled.
    from scipy.interpolate import PchipInterpolator

    spline = PchipInterpolator(xs, ys, extrapolate=False)
    return lambda x: np.clip(spline(np.clip(x, xs[0], xs[-1])), 0.0, 255.0)


def curves_levels(
    rgb: Sequence[tuple[float, float]],
    r: Sequence[tuple[float, float]],
    g: Sequence[tuple[float, float]],
    b: Sequence[tuple[float, float]],
) -> np.ndarray:
    """Per-channel curves first, then the master (`rgb`) curve, as ffmpeg's `curves` does.

    The master curve is evaluated at the exact (fractional) per-channel outputs, so the two
    passes round once, at the end. Returns (3, 256) float levels.
    """
    master = curve_function(rgb)
    return np.stack([master(curve_function(points)(LEVELS)) for points in (r, g, b)])


def posterize_levels(count: int) -> np.ndarray:
    """`count` evenly spaced output levels per channel, each input going to the nearest."""
    steps = count - 1
    return np.rint(LEVELS / 255.0 * steps) / steps * 255.0
