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

Every stage works a piece at a time (the envelope 65536 samples, limiter and gain 2.7 s), with
the look-ahead, running maximum and running sums carried across pieces, so the results are
those of the whole-clip formulas to the bit while the working arrays stay a few MiB; what
grows with the clip is the float32 envelope (11.5 MB a minute) `normalize` keeps between its
rounds.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from clipforge.audio.mix import RATE, db_to_gain, kaiser_lowpass, samples, window_max
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


def _feed(proc: FFmpegProcess, pieces: Iterable[np.ndarray], failed: list[BaseException]) -> None:
    """Write `pieces` (float32 arrays, made as they are written) to ffmpeg's stdin and close it.

    An error making a piece is kept in `failed` for the caller: ffmpeg then sees the input end
    early, and its figure must not be taken for the whole sound's.
    """
    try:
        with contextlib.suppress(OSError):  # ffmpeg died: its exit status tells why
            stdin = proc.stdin
            for piece in pieces:
                pcm = memoryview(np.ascontiguousarray(piece, dtype="<f4").reshape(-1)).cast("B")
                while pcm:
                    pcm = pcm[stdin.write(pcm) :]
    except BaseException as exc:  # handed to the caller's thread
        failed.append(exc)
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()


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
    return _ebur128([arr], arr.shape[1], rate)


def _measure_pieces(pieces: Iterator[np.ndarray], n: int, channels: int, rate: int) -> float:
    """`measure_loudness` of the n-sample sound made of `pieces`, never all held at once
    (only a sound too short to be measured as it is, or of more than two channels, is)."""
    if n < samples(BLOCK, rate) + 1 or channels > 2:
        return measure_loudness(np.concatenate(list(pieces)), rate)
    return _ebur128(pieces, channels, rate)


def _ebur128(pieces: Iterable[np.ndarray], channels: int, rate: int) -> float:
    """Integrated loudness of the float32 pieces, one after the other, by ffmpeg's ebur128."""
    args = ["-nostats", "-v", "error", "-f", "f32le", "-ar", str(int(rate)), "-ac", str(channels)]
    args += ["-i", "pipe:0", "-af", _EBUR128, "-f", "null", "-"]
    failed: list[BaseException] = []
    # Samples in on stdin (from a thread), figures out on stdout: neither pipe can fill up
    # while the other waits. (subprocess.run would write the input 4 KiB at a time.)
    with FFmpegProcess(args, stdin=True, stdout=True, io_timeout=60.0) as proc:
        feeder = threading.Thread(target=_feed, args=(proc, pieces, failed), daemon=True)
        feeder.start()
        with proc.guard():
            out = proc.stdout.read()
        feeder.join()
        if failed:
            raise failed[0]
        rc = proc.wait(60.0)
        if rc != 0 or proc.timed_out:
            raise RenderError(f"ffmpeg's ebur128 failed (exit {rc}): {proc.stderr_text()}")
    found = _LOUDNESS_LINE.findall(out)
    if not found:
        raise RenderError(f"ffmpeg's ebur128 gave no loudness: {out[-300:]!r}")
    value = float(found[-1])
    return value if math.isfinite(value) and value > SILENCE + 0.005 else -math.inf


# 4x interpolator: a Kaiser-windowed sinc, 12 taps per phase (as BS.1770-4's example filter),
# gain 4 to make up for the zeros stuffed between samples.
_INTERPOLATOR = OVERSAMPLE * kaiser_lowpass(12 * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, 6.0)
_INTERPOLATOR = _INTERPOLATOR.astype(np.float32)
_CHUNK = 1 << 16  # envelope samples per product: 1 MiB of oversampled points at a time
_PIECE = 1 << 17
"""Samples per piece of the limiter and gain stages (2.7 s at 48 kHz): their float64 working
arrays stay about 1 MiB each whatever the clip's length."""
_MARK_BLOCK = samples(0.05)  # blocks `true_peak(where=)` and `normalize`'s last check measure


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
_PHASE_TAPS = [np.ascontiguousarray(_KERNEL[:, c]).reshape(1, -1) for c in range(OVERSAMPLE)]


def phase_points(x: np.ndarray, count: int) -> np.ndarray:
    """The (4, count) oversampled points of `count` samples from their window `x` of
    count + len(_KERNEL) - 1 input samples: point [c, n] = sum over w of _KERNEL[w, c] x[n + w].

    Four correlations by cv2.filter2D (SIMD): 9x faster than einsum over a sliding window,
    equal within float32 rounding. No BLAS either: OpenBLAS called from this (background)
    thread while another thread also used it was seen to hang.
    """
    row = np.ascontiguousarray(x, dtype=np.float32).reshape(1, -1)
    points = np.empty((OVERSAMPLE, count), np.float32)
    for column, taps in enumerate(_PHASE_TAPS):
        # Anchored at the kernel's first tap, the first `count` outputs never reach the border.
        full = cv2.filter2D(row, cv2.CV_32F, taps, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
        points[column] = full[0, :count]
    return points


def true_peak_envelope(sound: np.ndarray) -> np.ndarray:
    """Per sample, the largest oversampled magnitude across channels around it, (n,).

    Entry i covers the oversampled points from sample i up to the next one: what the
    reconstructed waveform reaches near that sample. The sound is taken to go on past both
    ends as their mirror image, not to stop dead: a clip's ends are faded before it is played,
    so the filter's ringing on a step there would be a peak nobody hears.

    Worked out _CHUNK samples at a time, from the sound itself (no padded copy of it).
    """
    arr = np.asarray(sound, dtype=np.float32)
    envelope = np.empty(len(arr), np.float32)
    source = _Mirrored(arr)
    for lo in range(0, len(arr), _CHUNK):
        source.envelope(lo, envelope[lo : lo + _CHUNK])
    return envelope


class _Mirrored:
    """A (n, channels) sound that goes on past both ends as its mirror image (np.pad's
    "reflect"; a single sample repeats), read a window at a time for the interpolator."""

    def __init__(self, arr: np.ndarray) -> None:
        self.arr = arr
        # The interpolator reaches 6 samples either side, mirrored once at an end; a sound of
        # under 0.6 ms could need more than one bounce and is padded whole (it costs nothing).
        self.offset = -_PAD
        if 0 < len(arr) <= 2 * _PAD:
            self.arr = np.pad(
                arr, ((_PAD, _PAD), (0, 0)), mode="reflect" if len(arr) > 1 else "edge"
            )
            self.offset = 0

    def window(self, channel: int, start: int, stop: int) -> np.ndarray:
        """Samples start..stop of one channel of the padded sound (index _PAD is sample 0)."""
        x = self.arr[:, channel]
        lo, hi = start + self.offset, stop + self.offset
        if lo >= 0 and hi <= len(x):
            return x[lo:hi]
        index = np.abs(np.arange(lo, hi))  # mirrored at sample 0 ...
        last = len(x) - 1
        return x[np.where(index > last, 2 * last - index, index)]  # ... and at the last one

    def envelope(self, lo: int, out: np.ndarray) -> None:
        """Entries lo .. lo + len(out) of the sound's `true_peak_envelope`, into `out`.

        Polyphase interpolation with a fixed FIR (designed once), trimmed of its delay: the
        oversampled point k = _START + 4 i + c (c = 0..3 after sample i) is phase k % 4 of the
        filter run over the padded input at position k // 4; the four are the columns of one
        small (window, 4) matrix run along the input (`phase_points`). An entry depends only on
        the samples around it, so any piece of the envelope comes out as the whole one has it.
        """
        width = len(_KERNEL)
        out.fill(0.0)
        for channel in range(self.arr.shape[1]):
            x = self.window(channel, _FIRST + lo, _FIRST + lo + len(out) + width - 1)
            points = phase_points(x, len(out))
            np.abs(points, out=points)
            for column in points:
                np.maximum(out, column, out=out)

    def peak(self, first: int, last: int) -> float:
        """The largest entry of the envelope from sample `first` up to `last`."""
        peak = 0.0
        part = np.empty(min(_CHUNK, max(0, last - first)), np.float32)
        for lo in range(first, last, _CHUNK):
            out = part[: min(_CHUNK, last - lo)]
            self.envelope(lo, out)
            peak = max(peak, float(out.max()))
        return peak


def true_peak(sound: np.ndarray, where: np.ndarray | None = None) -> float:
    """True peak in dBTP (BS.1770-4 Annex 2, 4x oversampling); -inf for silence.

    Args:
        sound: float samples, (n, channels).
        where: Optional (n,) mask: measure only 0.05 s blocks holding a marked sample (exact
            there: the envelope of a sample depends only on the 6 samples either side); -inf
            if none is marked.
    """
    arr = np.asarray(sound, dtype=np.float32)
    if where is None:
        peak = _Mirrored(arr).peak(0, len(arr))
    else:
        marked = np.zeros(-(-len(arr) // _MARK_BLOCK), bool)
        marked[np.flatnonzero(where) // _MARK_BLOCK] = True
        peak = _blocks_peak(arr, marked, _MARK_BLOCK)
    return _to_db(peak)


def _blocks_peak(arr: np.ndarray, marked: np.ndarray, block: int) -> float:
    """The largest true-peak envelope entry of `arr` in the marked blocks of `block` samples."""
    source = _Mirrored(arr)
    edges = np.flatnonzero(np.diff(marked, prepend=False, append=False))
    # Runs of neighbouring blocks are measured in one go.
    runs = edges.reshape(-1, 2) * block
    return max((source.peak(lo, min(hi, len(arr))) for lo, hi in runs), default=0.0)


def _to_db(peak: float) -> float:
    """A magnitude in dB; -inf for 0."""
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def limiter_gain(envelope: np.ndarray, ceiling: float = CEILING, rate: int = RATE) -> np.ndarray:
    """Smooth per-sample gain that keeps `envelope` (true-peak magnitudes) under `ceiling` dBTP.

    Gain reduction in dB is held over a 2 ms look-ahead, released at 40 dB/s and averaged over
    the look-ahead again: it starts going down 2 ms before a peak, is at least what the peak
    needs when it arrives, and never steps.
    """
    env = np.asarray(envelope)
    gain = np.empty(len(env), np.float32)
    for lo, piece in _limiter(lambda a, b: env[a:b], len(env), ceiling, rate):
        gain[lo : lo + len(piece)] = piece
    return gain


def _limiter(
    envelope: Callable[[int, int], np.ndarray], n: int, ceiling: float, rate: int
) -> Iterator[tuple[int, np.ndarray]]:
    """`limiter_gain` of an n-sample envelope, _PIECE samples at a time: (start, float32 gains).

    `envelope(lo, hi)` gives entries lo..hi. Each piece reads the look-ahead past its end for
    the hold, and takes the release's running maximum and the attack's running sum over from
    the piece before (a running sum started again would round differently): the gains are
    those of the whole-clip formulas to the bit, in float64 arrays of a piece's length.
    """
    width = max(1, samples(LOOKAHEAD, rate))
    step = RELEASE_DB_PER_SECOND / rate
    top = -math.inf  # the release's running maximum so far
    sums = np.zeros(1)  # the attack's running sums c[lo - width + 1 .. lo]; c[0] = 0
    for lo in range(0, n, _PIECE):
        hi = min(n, lo + _PIECE)
        ahead = envelope(lo, min(n, hi + width - 1))
        if _at_rest(ahead, ceiling, top <= lo * step, sums):
            # What the formulas below give exactly then (x + 0 and x - x are exact): 0 dB.
            top = max(top, (hi - 1) * step)
            sums = np.full(len(sums) + hi - lo, sums[-1])[-width:]
            yield lo, np.ones(hi - lo, np.float32)
            continue
        # Hold: the largest need in [i, i + width).
        held = _forward_max(_need(ahead, ceiling), width)[: hi - lo]
        del ahead
        # Release: y[i] = max(held[i], y[i-1] - step), done as a running max of held[k] + k*step.
        ramp = np.arange(lo, hi, dtype=np.float64)
        ramp *= step
        held += ramp
        np.maximum.accumulate(held, out=held)
        np.maximum(held, top, out=held)
        top = float(held[-1])
        held -= ramp
        del ramp
        # Attack: mean over (i - width, i] (what of it lies inside the sound); every term there
        # covers sample i, so no peak escapes. The running sums c_i = c_(i-1) + released_(i-1)
        # are taken in order from the last one carried over: here c[j] is c_(lo - carried + j).
        carried = len(sums) - 1
        c = np.concatenate([sums[:-1], np.cumsum(np.concatenate([sums[-1:], held]))])
        del held
        sums = c[-width:]
        yield lo, _attack(c, carried, lo, width)


def _at_rest(ahead: np.ndarray, ceiling: float, released: bool, sums: np.ndarray) -> bool:
    """Whether a piece of the limiter is all 0 dB: nothing in it or its look-ahead (`ahead`)
    over the ceiling, the release over before it (`released`) and its attack window behind it
    with nothing to average (the running sums carried over all equal)."""
    # The need rises with the envelope: none at the largest entry is none anywhere.
    return (
        released
        and not _need(ahead.max(keepdims=True), ceiling)[0]
        and bool(np.all(sums == sums[-1]))
    )


def _need(envelope: np.ndarray, ceiling: float) -> np.ndarray:
    """Gain reduction (dB, >= 0, float64) that brings each envelope entry to `ceiling`."""
    need = envelope.astype(np.float64)
    with np.errstate(divide="ignore"):
        np.log10(need, out=need)
    need *= 20.0
    need -= ceiling
    return np.maximum(need, 0.0, out=need)


def _attack(c: np.ndarray, carried: int, lo: int, width: int) -> np.ndarray:
    """The gains of samples lo, lo + 1, ... as float32 factors: the released reduction (dB)
    averaged over (i - width, i], from its running sums c (c[carried + k] is the sum before
    sample lo + k; `carried` sums before that, up to width - 1)."""
    count = len(c) - carried - 1
    smooth = np.empty(count)
    # The clip's first samples average over what there is before them.
    head = min(count, max(0, width - 1 - lo))
    if head:
        ahead = c[carried + 1 : carried + 1 + head]
        smooth[:head] = ahead / np.arange(lo + 1, lo + head + 1)
    start = carried + 1 + head
    np.subtract(c[start:], c[start - width : len(c) - width], out=smooth[head:])
    smooth[head:] /= width
    smooth *= -1.0 / 20.0
    np.power(10.0, smooth, out=smooth)
    return smooth.astype(np.float32)


def normalize(
    sound: np.ndarray,
    target: float | None,
    rate: int = RATE,
    ceiling: float = CEILING,
    *,
    inplace: bool = False,
) -> np.ndarray:
    """Bring `sound` to `target` LUFS with true peaks at most `ceiling` dBTP.

    Besides the result, the work holds one float32 envelope of n samples and pieces of a few
    seconds: the limited sound is made piece by piece as ffmpeg measures it.

    Args:
        sound: float32 (n, channels).
        target: Integrated loudness wanted, LUFS; None leaves the level as it is (only peaks
            over the ceiling are limited, where they would otherwise clip).
        rate: Sample rate.
        ceiling: True-peak ceiling, dBTP.
        inplace: Change `sound` itself (float32, C-contiguous, writeable) and return it,
            rather than a copy.

    Returns:
        float32 samples, the same shape. Silence stays silence.

    Raises:
        ValueError: `inplace` with a sound that is not a writeable C-contiguous float32 array.
    """
    if inplace:
        arr = sound
        if not (
            isinstance(arr, np.ndarray)
            and arr.dtype == np.float32
            and arr.flags.c_contiguous
            and arr.flags.writeable
        ):
            raise ValueError("normalize(inplace=True) needs a writeable C-contiguous float32 array")
    else:
        arr = np.array(sound, dtype=np.float32, order="C")
    # ffmpeg measures the loudness while the envelope is worked out here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        measured = pool.submit(measure_loudness, arr, rate) if target is not None else None
        envelope = true_peak_envelope(arr)
        loudness = measured.result() if measured is not None else -math.inf
    aim = target if target is not None and math.isfinite(loudness) else None
    gain_db = aim - loudness if aim is not None else 0.0
    top = float(envelope.max()) if len(envelope) else 0.0
    if top * db_to_gain(gain_db) <= db_to_gain(ceiling):
        # No peak to limit: a plain gain, so the loudness is exactly the aim.
        arr *= np.float32(db_to_gain(gain_db))
        return arr
    if aim is not None:
        gain_db = _limited_gain(arr, envelope, loudness, aim, gain_db, rate, ceiling)
    marked = _apply_limited(arr, envelope, gain_db, rate, ceiling)
    del envelope
    # The gain curve moves the oversampled waveform by a hair: check the real thing where it
    # comes within 0.5 dB of the ceiling (elsewhere the smooth gain times the input's envelope
    # bounds it).
    excess = _to_db(_blocks_peak(arr, marked, _MARK_BLOCK)) - ceiling
    if excess > 0:
        arr *= np.float32(db_to_gain(-excess))
    return arr


def _limited_gain(
    arr: np.ndarray,
    envelope: np.ndarray,
    loudness: float,
    aim: float,
    gain_db: float,
    rate: int,
    ceiling: float,
) -> float:
    """The gain (dB) whose limited result meets `aim`, or the last one tried.

    The limiter takes loudness off the peaks, the more the harder it works: the gain is found
    by the secant method (loudness rises with gain), the unscaled sound (`loudness` at 0 dB)
    the first point. Each try is measured as it is made, a piece at a time.
    """
    tried = [(0.0, loudness)]
    for attempt in range(MAX_ROUNDS):
        pieces = (piece for _, piece in _limited(arr, envelope, gain_db, rate, ceiling))
        reached = _measure_pieces(pieces, len(arr), arr.shape[1], rate)
        if abs(aim - reached) < TOLERANCE or attempt == MAX_ROUNDS - 1:
            break
        tried.append((gain_db, reached))
        if tried[-1][1] != tried[-2][1]:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            slope = max((l1 - l0) / (g1 - g0), 0.05)
            gain_db = g1 + (aim - l1) / slope
        else:
            gain_db += aim - reached
    return gain_db


def _limited(
    arr: np.ndarray, envelope: np.ndarray, gain_db: float, rate: int, ceiling: float
) -> Iterator[tuple[int, np.ndarray]]:
    """`arr` at `gain_db` through the limiter, a piece at a time: (start, float32 samples)."""
    for lo, curve in _curve(envelope, gain_db, rate, ceiling):
        yield lo, arr[lo : lo + len(curve)] * curve[:, None]


def _curve(
    envelope: np.ndarray, gain_db: float, rate: int, ceiling: float
) -> Iterator[tuple[int, np.ndarray]]:
    """The gain and the limiter's reduction together, a piece at a time: (start, float32)."""
    g = db_to_gain(gain_db)
    for lo, gain in _limiter(lambda a, b: envelope[a:b] * g, len(envelope), ceiling, rate):
        yield lo, g * gain


def _apply_limited(
    arr: np.ndarray, envelope: np.ndarray, gain_db: float, rate: int, ceiling: float
) -> np.ndarray:
    """Apply gain and limiter to `arr` in place; the (blocks,) mask of _MARK_BLOCK-sample
    blocks where the input's envelope under the gain comes within 0.5 dB of the ceiling."""
    near = db_to_gain(ceiling - 0.5)
    marked = np.zeros(-(-len(arr) // _MARK_BLOCK), bool)
    for lo, curve in _curve(envelope, gain_db, rate, ceiling):
        hi = lo + len(curve)
        arr[lo:hi] *= curve[:, None]
        marked[(np.flatnonzero(envelope[lo:hi] * curve >= near) + lo) // _MARK_BLOCK] = True
    return marked


def _forward_max(x: np.ndarray, width: int) -> np.ndarray:
    """Max of x over [i, i + width)."""
    return window_max(x, width)
