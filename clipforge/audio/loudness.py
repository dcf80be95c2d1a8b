"""Loudness: ITU-R BS.1770 measurement, true-peak limiting, normalisation to a target.

Integrated loudness (BS.1770-4: K-weighting, 400 ms blocks, absolute and relative gates) is
measured two ways: `measure_loudness`, which `normalize` uses, pipes the float samples through
the bundled ffmpeg's `ebur128` filter (the spec's own K-weighting coefficients; about 0.1 s for
15 s of stereo, and no scipy in the render process: pyloudnorm imports scipy.signal, 1.1-1.3 s
and ~37 MiB); `integrated_loudness` uses pyloudnorm, imported on first use, and is kept as the
independent check (it reads ~0.035 LU below ebur128: pyloudnorm's K-weighting is an
approximation of the spec's filter). True peak is BS.1770-4 Annex 2: the signal 4x oversampled
by a polyphase FIR (12 taps per phase, numpy convolutions), then its largest magnitude.

Normalising is a gain to the target followed by a look-ahead true-peak limiter, since a
typical song brought to -14 LUFS peaks above -1 dBTP. The limiter's ceiling sits 1 dB below
the promised -1 dBTP because the AAC encoder adds overshoot of its own.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from clipforge.audio.mix import RATE, db_to_gain, samples, window_max
from clipforge.errors import RenderError
from clipforge.media.ffmpeg import FFmpegProcess

MAX_TRUE_PEAK = -1.0
"""The promised ceiling of the decoded output, dBTP."""
CEILING = -2.0
"""Where the limiter holds true peaks: the promise less 1 dB for the AAC encoder's overshoot
(measured up to 0.8 dB at 96-128 kb/s on music limited by 4 dB)."""
LOOKAHEAD = 0.002
RELEASE_DB_PER_SECOND = 40.0
OVERSAMPLE = 4
MAX_ROUNDS = 8  # of gain-and-limit; typical mixes need 1-2
TOLERANCE = 0.05  # LU, of the 1 LU the output may miss by (half of 0.1: pyloudnorm reads lower)
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
    import pyloudnorm  # here: it imports scipy.signal (~1.2 s), which a render does not need

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log10(0) of silent blocks
        return float(pyloudnorm.Meter(rate).integrated_loudness(arr))


SILENCE = -70.0
"""ebur128's absolute gate, LUFS: what it reports when every block is below it (silence)."""
_LOUDNESS_LINE = re.compile(rb"lavfi\.r128\.I=(-?[0-9.]+|-?inf|nan)")
# Integrated loudness so far after every 100 ms frame, printed to stdout ("pipe:1", quoted and
# escaped for the filtergraph's two levels of syntax): the last one is the whole sound's.
_EBUR128 = "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file='pipe\\:1'"


def _feed(proc: FFmpegProcess, pcm: memoryview) -> None:
    """Write all of `pcm` to ffmpeg's stdin and close it (the reader's guard times both)."""
    with contextlib.suppress(OSError):  # ffmpeg died: its exit status tells why
        stdin = proc.stdin
        while pcm:
            pcm = pcm[stdin.write(pcm) :]
        stdin.close()


def measure_loudness(sound: np.ndarray, rate: int = RATE) -> float:
    """Integrated loudness in LUFS by the bundled ffmpeg's ebur128 filter; -inf for silence.

    The samples go to ffmpeg through a pipe as float32; the filter's running integrated
    loudness (printed to 0.001 LU per 100 ms frame) at the last frame is the whole sound's.
    Sounds shorter than a gating block are measured repeated (as `integrated_loudness`);
    more than two channels go to `integrated_loudness` (ffmpeg would weight them by layout).

    Raises:
        RenderError: ffmpeg failed or gave no figure.
    """
    arr = np.asarray(sound, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[:, None]
    if not len(arr):
        return -math.inf
    if arr.shape[1] > 2:
        return integrated_loudness(arr, rate)
    need = samples(BLOCK, rate) + 1
    if len(arr) < need:
        arr = np.tile(arr, (int(np.ceil(need / len(arr))), 1))
    pcm = memoryview(np.ascontiguousarray(arr, dtype="<f4").reshape(-1)).cast("B")
    channels = str(arr.shape[1])
    args = ["-nostats", "-v", "error", "-f", "f32le", "-ar", str(int(rate)), "-ac", channels]
    args += ["-i", "pipe:0", "-af", _EBUR128, "-f", "null", "-"]
    # Samples in on stdin (from a thread), figures out on stdout: neither pipe can fill up
    # while the other waits. (subprocess.run would write the input 4 KiB at a time.)
    with FFmpegProcess(args, stdin=True, stdout=True, io_timeout=60.0) as proc:
        feeder = threading.Thread(target=_feed, args=(proc, pcm), daemon=True)
        feeder.start()
        with proc.guard():
            out = proc.stdout.read()
        feeder.join()
        rc = proc.wait(60.0)
        if rc != 0 or proc.timed_out:
            raise RenderError(f"ffmpeg's ebur128 failed (exit {rc}): {proc.stderr_text()}")
    found = _LOUDNESS_LINE.findall(out)
    if not found:
        raise RenderError(f"ffmpeg's ebur128 gave no loudness: {out[-300:]!r}")
    value = float(found[-1])
    return value if math.isfinite(value) and value > SILENCE + 0.005 else -math.inf


def _kaiser_lowpass(taps: int, cutoff: float, beta: float) -> np.ndarray:
    """A Kaiser-windowed sinc low-pass with unit DC gain; `cutoff` relative to Nyquist (what
    scipy.signal.firwin(taps, cutoff, window=("kaiser", beta)) designs)."""
    m = np.arange(taps) - (taps - 1) / 2.0
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(taps, beta)
    return h / h.sum()


# 4x interpolator: a Kaiser-windowed sinc, 12 taps per phase (as BS.1770-4's example filter),
# gain 4 to make up for the zeros stuffed between samples.
_INTERPOLATOR = OVERSAMPLE * _kaiser_lowpass(12 * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, 6.0)
_INTERPOLATOR = _INTERPOLATOR.astype(np.float32)
_CHUNK = 1 << 16  # samples per product: ~3 MiB of windows at a time


def _polyphase(start: int) -> tuple[int, np.ndarray]:
    """For oversampled points `start + 4 i + c`: the first input index of sample i's window
    (its offset from i) and the (window, 4) matrix whose column c gives point c."""
    spans = []
    for column in range(OVERSAMPLE):
        offset, phase = divmod(start + column, OVERSAMPLE)
        spans.append((offset, _INTERPOLATOR[phase::OVERSAMPLE]))
    first = min(offset - (len(taps) - 1) for offset, taps in spans)
    last = max(offset for offset, _ in spans)
    kernel = np.zeros((last - first + 1, OVERSAMPLE), np.float32)
    for column, (offset, taps) in enumerate(spans):
        # point = sum_m taps[m] * x[offset + i - m]: window row j = offset - m - first.
        for m, tap in enumerate(taps):
            kernel[offset - m - first, column] = tap
    return first, kernel


_PAD = len(_INTERPOLATOR) // OVERSAMPLE + 1  # input samples mirrored at each end
# The first oversampled point of sample 0 in the padded input (the filter's delay trimmed).
_START = (len(_INTERPOLATOR) - 1) // 2 + OVERSAMPLE * _PAD
_FIRST, _KERNEL = _polyphase(_START)


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
    padded = np.pad(arr, ((_PAD, _PAD), (0, 0)), mode="reflect" if len(arr) > 1 else "edge")
    n = len(arr)
    envelope = np.zeros(n, np.float32)
    # Polyphase interpolation with a fixed FIR (designed once), trimmed of its delay: the
    # oversampled point k = _START + 4 i + c (c = 0..3 after sample i) is phase k % 4 of the
    # filter run over the input at position k // 4; all four are one small (window, 4) matrix
    # applied to a sliding window of the input, one product per chunk.
    first, kernel = _FIRST, _KERNEL
    width = len(kernel)
    for channel in range(padded.shape[1]):
        x = padded[:, channel]
        for lo in range(0, n, _CHUNK):
            count = min(_CHUNK, n - lo)
            window = x[first + lo : first + lo + count + width - 1]
            rows = np.ascontiguousarray(sliding_window_view(window, width))  # (count, width)
            # einsum's own loops, not BLAS: OpenBLAS called from this (background) thread
            # while another thread also uses it was seen to hang.
            points = np.einsum("wc,nw->cn", kernel, rows)  # (4, count)
            np.abs(points, out=points)
            part = envelope[lo : lo + count]
            for column in points:
                np.maximum(part, column, out=part)
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
    # In place where it can be: a minute of sound is 2.9 M samples, 23 MB per float64 array,
    # and this runs beside the first frames of the render.
    need = envelope.astype(np.float64)
    with np.errstate(divide="ignore"):
        np.log10(need, out=need)
    need *= 20.0
    need -= ceiling
    np.maximum(need, 0.0, out=need)
    if not need.any():
        return np.ones(len(envelope), np.float32)
    n = len(need)
    width = max(1, samples(LOOKAHEAD, rate))
    # Hold: the largest need in [i, i + width).
    held = _forward_max(need, width)
    del need
    # Release: y[i] = max(held[i], y[i-1] - step), done as a running max of held[k] + k*step.
    ramp = np.arange(n, dtype=np.float64)
    ramp *= RELEASE_DB_PER_SECOND / rate
    held += ramp
    np.maximum.accumulate(held, out=held)
    held -= ramp
    del ramp
    # Attack: mean over (i - width, i] (what of it lies inside the sound); every term there
    # covers sample i, so no peak escapes.
    c = np.empty(n + 1)
    c[0] = 0.0
    np.cumsum(held, out=c[1:])
    del held
    smooth = np.empty(n)
    head = min(width - 1, n)  # the first samples average over what there is before them
    smooth[:head] = c[1 : head + 1] / np.arange(1, head + 1)
    np.subtract(c[width:], c[: n + 1 - width], out=smooth[head:])
    smooth[head:] /= width
    del c
    smooth *= -1.0 / 20.0
    np.power(10.0, smooth, out=smooth)
    return smooth.astype(np.float32)


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
    loudness = measure_loudness(arr, rate) if target is not None else -math.inf
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
        reached = measure_loudness(out, rate)
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
    return window_max(x, width)
