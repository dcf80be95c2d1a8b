"""Ducking: the music steps down while the original sound is loud, and back up after.

The original's level is its RMS over 50 ms (dBFS; a full-scale sine reads -3 dBFS), measured
on the original as it is mixed (after `original.volume`). While it is above the threshold, plus
a 150 ms hold that bridges the gaps between words, the music is lowered by `amount` dB. The
whole clip is known in advance, so the music starts going down 80 ms *before* the original gets
loud (look-ahead) and comes back over 400 ms after; both ramps are S-shaped, with no corner for
the ear to hear as a click.
"""

from __future__ import annotations

import numpy as np

from clipforge.audio.mix import RATE, window_max

LEVEL_WINDOW = 0.05
HOLD = 0.15
ATTACK = 0.08
RELEASE = 0.4
CONTROL_RATE = 1000  # Hz
_PIECE = 1 << 17  # samples worked out at a time (2.7 s at 48 kHz)


def level_db(
    sound: np.ndarray, rate: int = RATE, window: float = LEVEL_WINDOW, step: int = 1
) -> np.ndarray:
    """The RMS level of a (n, channels) sound over a centred window, in dBFS.

    Args:
        sound: The sound, (n, channels).
        rate: Sample rate.
        window: Seconds the RMS is taken over.
        step: One level per `step` samples (block k covers samples k*step to (k+1)*step).

    Returns:
        (ceil(n / step),) levels.
    """
    mean = _centred_mean(_block_power(sound, step), max(1, round(window * rate / step)))
    return 10.0 * np.log10(np.maximum(mean, 1e-12))


def _block_power(sound: np.ndarray, step: int) -> np.ndarray:
    """Mean power (float64) of each block of `step` samples, all channels averaged; the last
    block is averaged over its `step` samples, the missing ones as 0. Worked out a few
    seconds at a time: float64 squares of a minute of stereo would be 46 MB."""
    blocks = -(-len(sound) // step)
    power = np.empty(blocks)
    rows = max(1, _PIECE // step)
    for b0 in range(0, blocks, rows):
        b1 = min(blocks, b0 + rows)
        squares = np.square(sound[b0 * step : b1 * step], dtype=np.float64)
        if squares.ndim == 2 and squares.shape[1] == 2:
            # What squares.mean(axis=1) gives (the sum, then / 2), without its slow loop.
            each = squares[:, 0] + squares[:, 1]
            each /= 2
        else:
            each = squares.mean(axis=1)
        each = np.pad(each, (0, (b1 - b0) * step - len(each)))
        power[b0:b1] = each.reshape(b1 - b0, step).mean(axis=1)
    return power


def duck_gain(
    original: np.ndarray, amount: float, threshold: float, rate: int = RATE
) -> np.ndarray:
    """The music's gain under ducking, one factor per sample.

    Args:
        original: The original sound as mixed, (n, channels).
        amount: How far the music goes down while the original is loud, dB (<= 0).
        threshold: The original's RMS level (dBFS) above which the music ducks.
        rate: Sample rate.

    Returns:
        float32 (n,) factors: 1 where the original is quiet, 10**(amount/20) while it is loud,
        with smooth ramps between.
    """
    curve = _DuckCurve(original, amount, threshold, rate)
    gain = np.empty(len(original), np.float32)
    for lo in range(0, len(gain), _PIECE):
        gain[lo : lo + _PIECE] = curve.gain(lo, min(len(gain), lo + _PIECE))
    return gain


def duck(
    track: np.ndarray, original: np.ndarray, amount: float, threshold: float, rate: int = RATE
) -> None:
    """Duck `track` (the music, (n, channels)) under `original`, in place: `track` times
    `duck_gain`, a few seconds at a time."""
    curve = _DuckCurve(original, amount, threshold, rate)
    for lo in range(0, len(track), _PIECE):
        hi = min(len(track), lo + _PIECE)
        track[lo:hi] *= curve.gain(lo, hi)[:, None]


class _DuckCurve:
    """The ducking gain at 1 kHz, the control rate, and per sample on demand."""

    def __init__(self, original: np.ndarray, amount: float, threshold: float, rate: int) -> None:
        # The curve is worked out at 1 kHz (its ramps last 80 ms and more) and interpolated.
        step = max(1, rate // CONTROL_RATE)
        loud = (level_db(original, rate, step=step) > threshold).astype(np.float64)
        loud = _trailing_max(loud, round(HOLD * CONTROL_RATE))
        # Ramp down ahead of the loud part (forward mean), up after it (trailing mean); the
        # larger of the two is the ducked fraction, so short gaps stay partly ducked instead
        # of pumping.
        down = _trailing_mean(loud[::-1], round(ATTACK * CONTROL_RATE))[::-1]
        up = _trailing_mean(loud, round(RELEASE * CONTROL_RATE))
        fraction = np.maximum(down, up)
        fraction = fraction * fraction * (3.0 - 2.0 * fraction)  # smoothstep: no corners
        self.centres = (np.arange(len(fraction)) + 0.5) * step
        self.values = amount * fraction / 20.0

    def gain(self, lo: int, hi: int) -> np.ndarray:
        """float32 factors of samples lo..hi."""
        gain_db = np.interp(np.arange(lo, hi), self.centres, self.values)
        return np.power(10.0, gain_db).astype(np.float32)


def _trailing_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Mean of x over [i - width + 1, i] (zeros before the start), by cumulative sums."""
    if width <= 1:
        return x.copy()
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(1, len(x) + 1)
    return (c[i] - c[np.maximum(i - width, 0)]) / width


def _centred_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Mean of x over a window of `width` centred on each sample (edges averaged over less)."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(len(x))
    lo = np.clip(i - width // 2, 0, len(x))
    hi = np.clip(i - width // 2 + width, 0, len(x))
    return (c[hi] - c[lo]) / np.maximum(hi - lo, 1)


def _trailing_max(x: np.ndarray, width: int) -> np.ndarray:
    """Max of x over [i - width + 1, i]."""
    if width <= 1:
        return x
    # The forward window of the reversed signal is the trailing one of the signal.
    return window_max(x[::-1], width)[::-1]
