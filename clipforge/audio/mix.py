"""Units and track arithmetic shared by the audio modules.

Everything is float32 stereo at `RATE`, shape (n, 2): float keeps headroom while tracks are
summed, so nothing clips before the final loudness stage limits the peaks.
"""

from __future__ import annotations

import numpy as np

RATE = 48000
"""The sample rate of every track and of the encoded output, Hz."""


def db_to_gain(db: float) -> float:
    """A level change in dB as an amplitude factor (-6 dB is about half)."""
    return float(10.0 ** (db / 20.0))


def samples(seconds: float, rate: int = RATE) -> int:
    """Seconds as a whole number of samples."""
    return round(seconds * rate)


def fit_length(track: np.ndarray, n: int) -> np.ndarray:
    """Cut or zero-pad a (m, channels) track to exactly n samples."""
    if len(track) >= n:
        return track[:n]
    pad = np.zeros((n - len(track), track.shape[1]), np.float32)
    return np.concatenate([track.astype(np.float32, copy=False), pad])


def apply_fades(track: np.ndarray, fade_in: float, fade_out: float, rate: int = RATE) -> None:
    """Linear amplitude fades at both ends, in place: silence at the very first and last sample."""
    n_in, n_out = min(samples(fade_in, rate), len(track)), min(samples(fade_out, rate), len(track))
    if n_in:
        track[:n_in] *= np.linspace(0.0, 1.0, n_in, endpoint=False, dtype=np.float32)[:, None]
    if n_out:
        track[-n_out:] *= np.linspace(1.0, 0.0, n_out, dtype=np.float32)[:, None]


def stereo(track: np.ndarray) -> np.ndarray:
    """(n,) or (n, 1) mono copied to both channels at full level; (n, 2) as float32."""
    arr = np.asarray(track, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] not in (1, 2):
        raise ValueError(f"sound must have shape (n,), (n, 1) or (n, 2), got {arr.shape}")
    return np.repeat(arr, 2, axis=1) if arr.shape[1] == 1 else arr


def window_max(x: np.ndarray, width: int) -> np.ndarray:
    """Max of a non-negative x over [i, i + width) (what lies past the end counts as 0).

    van Herk / Gil-Werman: running maxima within blocks of `width` from both sides, two
    numpy passes whatever the width (scipy.ndimage would do the same, at ~0.3 s of import).
    """
    x = np.asarray(x)
    n = len(x)
    if width <= 1 or n == 0:
        return x.copy()
    blocks = -(-(n + width - 1) // width)
    padded = np.zeros(blocks * width, x.dtype)
    padded[:n] = x
    grid = padded.reshape(blocks, width)
    # Two arrays in all (a minute of float64 sound is 23 MB each): suffix maxima written in
    # order through a reversed view, prefix maxima over the padded copy itself.
    suffix = np.empty_like(grid)  # i .. block end
    np.maximum.accumulate(grid[:, ::-1], axis=1, out=suffix[:, ::-1])
    prefix = np.maximum.accumulate(grid, axis=1, out=grid).ravel()  # block start .. i
    # [i, i + width) spans at most two blocks: i to its block's end, then that next block's
    # start to i + width - 1.
    result = suffix.ravel()[:n]
    return np.maximum(result, prefix[width - 1 : width - 1 + n], out=result)


def kaiser_lowpass(taps: int, cutoff: float, beta: float) -> np.ndarray:
    """A Kaiser-windowed sinc low-pass with unit DC gain; `cutoff` relative to Nyquist (what
    scipy.signal.firwin(taps, cutoff, window=("kaiser", beta)) designs)."""
    m = np.arange(taps) - (taps - 1) / 2.0
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(taps, beta)
    return h / h.sum()
