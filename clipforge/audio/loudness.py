"""Loudness: ITU-R BS.1770 measurement, true-peak limiting, normalisation to a target.

Integrated loudness comes from pyloudnorm (BS.1770-4: K-weighting, 400 ms blocks, absolute and
relative gates). True peak is BS.1770-4 Annex 2: the signal 4x oversampled by a polyphase FIR
(12 taps per phase, through scipy's `upfirdn`), then its largest magnitude.

Normalising is a gain to the target followed by a look-ahead true-peak limiter, since a
typical song brought to -14 LUFS peaks above -1 dBTP. The limiter's ceiling sits 1 dB below
the promised -1 dBTP because the AAC encoder adds overshoot of its own.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pyloudnorm
from scipy.ndimage import maximum_filter1d
from scipy.signal import firwin, upfirdn

from clipforge.audio.mix import RATE, db_to_gain, samples

MAX_TRUE_PEAK = -1.0
"""The promised ceiling of the decoded output, dBTP."""
CEILING = -2.0
"""Where the limiter holds true peaks: the promise less 1 dB for the AAC encoder's overshoot
(measured up to 0.8 dB at 96-128 kb/s on music limited by 4 dB)."""
LOOKAHEAD = 0.002
RELEASE_DB_PER_SECOND = 40.0
OVERSAMPLE = 4
MAX_ROUNDS = 8  # of gain-and-limit; typical mixes need 1-2
TOLERANCE = 0.1  # LU, of the 1 LU the output may miss by
BLOCK = 0.4  # BS.1770 gating block, seconds: the shortest sound it can measure


def integrated_loudness(sound: np.ndarray, rate: int = RATE) -> float:
    """Integrated loudness in LUFS (BS.1770-4, via pyloudnorm); -inf for silence.

    A sound shorter than one 400 ms gating block is measured repeated to that length (a
    repeated sound keeps its loudness).
    """
    arr = np.asarray(sound, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if not len(arr):
        return -math.inf
    need = samples(BLOCK, rate) + 1
    if len(arr) < need:
        arr = np.tile(arr, (int(np.ceil(need / len(arr))), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log10(0) of silent blocks
        return float(pyloudnorm.Meter(rate).integrated_loudness(arr))


# 4x interpolator: a Kaiser-windowed sinc, 12 taps per phase (as BS.1770-4's example filter),
# gain 4 to make up for the zeros stuffed between samples.
_INTERPOLATOR = OVERSAMPLE * firwin(12 * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, window=("kaiser", 6.0))
_INTERPOLATOR = _INTERPOLATOR.astype(np.float32)


def true_peak_envelope(sound: np.ndarray) -> np.ndarray:
    """Per sample, the largest oversampled magnitude across channels around it, (n,).

    Entry i covers the oversampled points from sample i up to the next one: what the
    reconstructed waveform reaches near that sample. The sound is taken to go on past both
    ends as their mirror image, not to stop dead: a clip's ends are faded before it is played,
    so the filter's ringing on a step there would be a peak nobody hears.
    """
    arr = np.asarray(sound, dtype=np.float32)
    if not len(arr):
        return np.zeros(0, np.float32)
    pad = len(_INTERPOLATOR) // OVERSAMPLE + 1
    padded = np.pad(arr, ((pad, pad), (0, 0)), mode="reflect" if len(arr) > 1 else "edge")
    # Polyphase interpolation with a fixed FIR (designed once), trimmed of its delay.
    start = (len(_INTERPOLATOR) - 1) // 2 + OVERSAMPLE * pad
    up = upfirdn(_INTERPOLATOR, padded, OVERSAMPLE, 1, axis=0)
    points = up[start : start + OVERSAMPLE * len(arr)].reshape(len(arr), -1)
    # Column by column: numpy's max over a short last axis is many times slower.
    envelope = np.abs(points[:, 0])
    for column in range(1, points.shape[1]):
        np.maximum(envelope, np.abs(points[:, column]), out=envelope)
    return envelope


def true_peak(sound: np.ndarray, where: np.ndarray | None = None) -> float:
    """True peak in dBTP (BS.1770-4 Annex 2, 4x oversampling); -inf for silence.

    Args:
        sound: float samples, (n, channels).
        where: Optional (n,) mask: measure only 0.05 s blocks holding a marked sample (each
            oversampled with a margin, so the result there is exact); -inf if none is marked.
    """
    arr = np.asarray(sound, dtype=np.float32)
    if where is None:
        peak = float(true_peak_envelope(arr).max()) if len(arr) else 0.0
    else:
        peak = 0.0
        block, margin = samples(0.05), 64
        marked = np.flatnonzero(np.bincount(np.flatnonzero(where) // block, minlength=1))
        # Runs of neighbouring blocks are measured in one go.
        runs = np.split(marked, np.flatnonzero(np.diff(marked) > 1) + 1) if len(marked) else []
        for run in runs:
            first, last = run[0] * block, min(len(arr), (run[-1] + 1) * block)
            lo, hi = max(0, first - margin), min(len(arr), last + margin)
            # The margin keeps the filter's ringing at the cut ends out of the block measured.
            envelope = true_peak_envelope(arr[lo:hi])[first - lo : last - lo]
            peak = max(peak, float(envelope.max()))
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def limiter_gain(envelope: np.ndarray, ceiling: float = CEILING, rate: int = RATE) -> np.ndarray:
    """Smooth per-sample gain that keeps `envelope` (true-peak magnitudes) under `ceiling` dBTP.

    Gain reduction in dB is held over a 2 ms look-ahead, released at 40 dB/s and averaged over
    the look-ahead again: it starts going down 2 ms before a peak, is at least what the peak
    needs when it arrives, and never steps.
    """
    with np.errstate(divide="ignore"):
        need = np.maximum(20.0 * np.log10(envelope.astype(np.float64)) - ceiling, 0.0)
    if not need.any():
        return np.ones(len(envelope), np.float32)
    width = max(1, samples(LOOKAHEAD, rate))
    # Hold: the largest need in [i, i + width).
    held = _forward_max(need, width)
    # Release: y[i] = max(held[i], y[i-1] - step), done as a running max of held[k] + k*step.
    step = RELEASE_DB_PER_SECOND / rate
    ramp = np.arange(len(held)) * step
    released = np.maximum.accumulate(held + ramp) - ramp
    # Attack: mean over (i - width, i] (what of it lies inside the sound); every term there
    # covers sample i, so no peak escapes.
    c = np.concatenate([[0.0], np.cumsum(released)])
    i = np.arange(1, len(released) + 1)
    smooth = (c[i] - c[np.maximum(i - width, 0)]) / np.minimum(i, width)
    return np.power(10.0, -smooth / 20.0).astype(np.float32)


def limit(sound: np.ndarray, ceiling: float = CEILING, rate: int = RATE) -> np.ndarray:
    """`sound` with its true peaks held under `ceiling` dBTP (unchanged where already below)."""
    gain = limiter_gain(true_peak_envelope(sound), ceiling, rate)
    return (sound * gain[:, None]).astype(np.float32)


def normalize(
    sound: np.ndarray,
    target: float | None,
    rate: int = RATE,
    ceiling: float = CEILING,
) -> np.ndarray:
    """Bring `sound` to `target` LUFS with true peaks at most `ceiling` dBTP.

    Args:
        sound: float32 (n, channels).
        target: Integrated loudness wanted, LUFS; None leaves the level as it is (only peaks
            over the ceiling are limited, where they would otherwise clip).
        rate: Sample rate.
        ceiling: True-peak ceiling, dBTP.

    Returns:
        float32 samples, the same shape. Silence stays silence.
    """
    arr = np.asarray(sound, dtype=np.float32)
    envelope = true_peak_envelope(arr)
    loudness = integrated_loudness(arr, rate) if target is not None else -math.inf
    aim = target if target is not None and math.isfinite(loudness) else None
    gain_db = aim - loudness if aim is not None else 0.0
    top = float(envelope.max()) if len(envelope) else 0.0
    if top * db_to_gain(gain_db) <= db_to_gain(ceiling):
        # No peak to limit: a plain gain, so the loudness is exactly the aim.
        return (arr * np.float32(db_to_gain(gain_db))).astype(np.float32)
    # The limiter takes loudness off the peaks, the more the harder it works: find the gain
    # whose limited result meets the aim by the secant method (loudness rises with gain).
    # The unscaled sound is the first point: its loudness at 0 dB of gain.
    tried: list[tuple[float, float]] = [(0.0, loudness)] if aim is not None else []
    for _ in range(MAX_ROUNDS):
        g = db_to_gain(gain_db)
        curve = g * limiter_gain(envelope * g, ceiling, rate)
        out = arr * curve[:, None]
        if aim is None:
            break
        reached = integrated_loudness(out, rate)
        if abs(aim - reached) < TOLERANCE:
            break
        tried.append((gain_db, reached))
        if tried[-1][1] != tried[-2][1]:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            slope = max((l1 - l0) / (g1 - g0), 0.05)
            gain_db = g1 + (aim - l1) / slope
        else:
            gain_db += aim - reached
    # The gain curve moves the oversampled waveform by a hair: check the real thing where it
    # comes within 0.5 dB of the ceiling (elsewhere the smooth gain times the input's envelope
    # bounds it).
    excess = true_peak(out, where=envelope * curve >= db_to_gain(ceiling - 0.5)) - ceiling
    if excess > 0:
        out = out * np.float32(db_to_gain(-excess))
    return out.astype(np.float32)


def _forward_max(x: np.ndarray, width: int) -> np.ndarray:
    """Max of x over [i, i + width)."""
    if width <= 1:
        return x
    # A centred filter moved left by half its width looks ahead only.
    return maximum_filter1d(x, size=width, origin=-(width // 2), mode="constant")
