"""The loudness stages work a piece at a time; their results are those of the whole-clip
formulas they replaced, to the bit (the reference implementations below are those formulas as
they were, applied to the whole clip at once)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from clipforge.audio import loudness
from clipforge.audio.loudness import (
    CEILING,
    LOOKAHEAD,
    MAX_ROUNDS,
    RELEASE_DB_PER_SECOND,
    TOLERANCE,
    limiter_gain,
    measure_loudness,
    normalize,
    true_peak,
    true_peak_envelope,
)
from clipforge.audio.mix import db_to_gain, samples, window_max
from tests.audio_helpers import RATE, song

WIDTH = samples(LOOKAHEAD)

# -- the whole-clip reference ------------------------------------------------------------------


def reference_envelope(sound: np.ndarray) -> np.ndarray:
    """true_peak_envelope over the whole clip: the padded copy, every chunk of it."""
    arr = np.asarray(sound, dtype=np.float32)
    if not len(arr):
        return np.zeros(0, np.float32)
    pad = loudness._PAD
    padded = np.pad(arr, ((pad, pad), (0, 0)), mode="reflect" if len(arr) > 1 else "edge")
    n = len(arr)
    envelope = np.zeros(n, np.float32)
    first, width = loudness._FIRST, len(loudness._KERNEL)
    for channel in range(padded.shape[1]):
        x = padded[:, channel]
        for lo in range(0, n, 1 << 16):
            count = min(1 << 16, n - lo)
            window = x[first + lo : first + lo + count + width - 1]
            points = loudness.phase_points(window, count)
            np.abs(points, out=points)
            part = envelope[lo : lo + count]
            for column in points:
                np.maximum(part, column, out=part)
    return envelope


def reference_true_peak(sound: np.ndarray, where: np.ndarray | None = None) -> float:
    arr = np.asarray(sound, dtype=np.float32)
    if where is None:
        peak = float(reference_envelope(arr).max()) if len(arr) else 0.0
    else:
        peak = 0.0
        block, margin = samples(0.05), 64
        marked = np.flatnonzero(np.bincount(np.flatnonzero(where) // block, minlength=1))
        runs = np.split(marked, np.flatnonzero(np.diff(marked) > 1) + 1) if len(marked) else []
        for run in runs:
            first, last = run[0] * block, min(len(arr), (run[-1] + 1) * block)
            lo, hi = max(0, first - margin), min(len(arr), last + margin)
            envelope = reference_envelope(arr[lo:hi])[first - lo : last - lo]
            peak = max(peak, float(envelope.max()))
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def reference_limiter_gain(
    envelope: np.ndarray, ceiling: float = CEILING, rate: int = RATE
) -> np.ndarray:
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
    held = window_max(need, width)
    ramp = np.arange(n, dtype=np.float64)
    ramp *= RELEASE_DB_PER_SECOND / rate
    held += ramp
    np.maximum.accumulate(held, out=held)
    held -= ramp
    c = np.empty(n + 1)
    c[0] = 0.0
    np.cumsum(held, out=c[1:])
    smooth = np.empty(n)
    head = min(width - 1, n)
    smooth[:head] = c[1 : head + 1] / np.arange(1, head + 1)
    np.subtract(c[width:], c[: n + 1 - width], out=smooth[head:])
    smooth[head:] /= width
    smooth *= -1.0 / 20.0
    np.power(10.0, smooth, out=smooth)
    return smooth.astype(np.float32)


def reference_normalize(
    sound: np.ndarray, target: float | None, rate: int = RATE, ceiling: float = CEILING
) -> np.ndarray:
    arr = np.asarray(sound, dtype=np.float32)
    envelope = reference_envelope(arr)
    loudness_now = measure_loudness(arr, rate) if target is not None else -math.inf
    aim = target if target is not None and math.isfinite(loudness_now) else None
    gain_db = aim - loudness_now if aim is not None else 0.0
    top = float(envelope.max()) if len(envelope) else 0.0
    if top * db_to_gain(gain_db) <= db_to_gain(ceiling):
        return (arr * np.float32(db_to_gain(gain_db))).astype(np.float32)
    tried: list[tuple[float, float]] = [(0.0, loudness_now)] if aim is not None else []
    for _ in range(MAX_ROUNDS):
        g = db_to_gain(gain_db)
        curve = g * reference_limiter_gain(envelope * g, ceiling, rate)
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
    where = envelope * curve >= db_to_gain(ceiling - 0.5)
    excess = reference_true_peak(out, where=where) - ceiling
    if excess > 0:
        out = out * np.float32(db_to_gain(-excess))
    return out.astype(np.float32)


# -- signals with their loudest moments where the pieces meet --------------------------------


def peaks_at(sound: np.ndarray, edges: list[int], level: float = 1.6) -> np.ndarray:
    """`sound` with single-sample spikes and 1 ms bursts at and around the given samples."""
    out = sound.copy()
    rng = np.random.default_rng(len(edges))
    for edge in edges:
        for at in (edge - WIDTH, edge - WIDTH // 2, edge - 1, edge, edge + 1, edge + WIDTH):
            if 0 <= at < len(out):
                out[at] = level * np.sign(rng.standard_normal(2))
        burst = rng.standard_normal((48, 2)).astype(np.float32) * level / 2
        lo = max(0, edge - 24)
        out[lo : lo + 48] += burst[: len(out[lo : lo + 48])]
    return out


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Pieces of ~1000 samples: a few seconds of sound are then hundreds of pieces."""
    monkeypatch.setattr(loudness, "_CHUNK", 777)
    monkeypatch.setattr(loudness, "_PIECE", 1000)
    return 777, 1000


def boundaries(n: int, step: int) -> list[int]:
    """Where pieces of `step` samples meet in n samples, and the two ends."""
    return [0, *range(step, n, step), n - 1]


# -- envelope and true peak ------------------------------------------------------------------


@pytest.mark.parametrize(
    "n", [0, 1, 2, 5, 7, 13, 26, 27, 28, 40, 777, 778, 1554, 1555, 5 * 777 + 123]
)
def test_envelope_is_the_whole_clips_at_any_length(small_pieces, n: int) -> None:
    rng = np.random.default_rng(n)
    sound = (rng.standard_normal((n, 2)) * 0.4).astype(np.float32)
    sound = peaks_at(sound, boundaries(n, small_pieces[0]))
    assert np.array_equal(true_peak_envelope(sound), reference_envelope(sound))


@pytest.mark.parametrize("count", [1, 2, 1000, 1 << 16])
def test_phase_points_are_the_kernel_run_along_the_input(count: int) -> None:
    kernel = loudness._KERNEL
    x = np.random.default_rng(count).standard_normal(count + len(kernel) - 1).astype(np.float32)
    # The definition: each column of the kernel dotted with every window of the input.
    want = np.einsum("wc,nw->cn", kernel.astype(np.float64), sliding_window_view(x, len(kernel)))
    got = loudness.phase_points(x, count)
    assert got.shape == (4, count) and got.dtype == np.float32
    assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max()


def test_envelope_in_real_chunks_over_several_of_them() -> None:
    n = 3 * (1 << 16) + 4321
    sound = peaks_at(song(n / RATE, seed=2) * 0.8, boundaries(n, 1 << 16))
    assert np.array_equal(true_peak_envelope(sound), reference_envelope(sound))
    mono = sound[:, :1].copy()
    assert np.array_equal(true_peak_envelope(mono), reference_envelope(mono))


def test_true_peak_is_the_whole_clips(small_pieces) -> None:
    n = round(1.3 * RATE)
    sound = peaks_at(song(1.3, seed=4) * 0.5, boundaries(n, 2400), level=1.2)
    assert true_peak(sound) == reference_true_peak(sound)
    rng = np.random.default_rng(9)
    for density in (0.0, 1e-5, 1e-3, 0.3, 1.0):
        where = rng.random(n) < density
        where[:50] = density > 0.5  # a run from the very first sample ...
        where[-50:] = density > 0.5  # ... and one to the very last
        assert true_peak(sound, where=where) == reference_true_peak(sound, where=where)


# -- limiter ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n", [1, 40, 95, 96, 97, 999, 1000, 1001, 1095, 1096, 1097, 2000, 7 * 1000 + 37]
)
def test_limiter_gain_is_the_whole_clips_at_any_length(small_pieces, n: int) -> None:
    rng = np.random.default_rng(n)
    envelope = (rng.random(n) * 0.6).astype(np.float32)
    for edge in boundaries(n, small_pieces[1]):
        for at in (edge - WIDTH + 1, edge - 2, edge - 1, edge, edge + 1, edge + WIDTH - 1):
            if 0 <= at < n:
                envelope[at] = 1.5 + rng.random()
    for ceiling in (-2.0, -6.0, 10.0):  # 10 dBTP: nothing to limit, the gain is exactly 1
        got, want = limiter_gain(envelope, ceiling), reference_limiter_gain(envelope, ceiling)
        assert got.dtype == np.float32 and np.array_equal(got, want), ceiling


@pytest.mark.parametrize("level", [1.0, 3.0, 30.0])
def test_limiter_gain_skips_quiet_pieces_to_the_same_bits(small_pieces, monkeypatch, level) -> None:
    # Sparse peaks over quiet sound: pieces with nothing to limit, between releases of up to
    # 0.9 s (30 dB at 40 dB/s, 43 pieces) and attacks reaching back over a piece's start.
    at_rest = loudness._at_rest
    skipped = []
    monkeypatch.setattr(loudness, "_at_rest", lambda *a: skipped.append(at_rest(*a)) or skipped[-1])
    n = 120 * small_pieces[1] + 7
    rng = np.random.default_rng(int(level))
    envelope = (rng.random(n) * 0.05).astype(np.float32)
    for at in [0, 999, 1000 + WIDTH - 1, 5000 - WIDTH + 1, 20000, 77777, n - 1]:
        envelope[at] = level * (0.5 + rng.random())
    got, want = limiter_gain(envelope, -6.0), reference_limiter_gain(envelope, -6.0)
    assert np.array_equal(got, want)
    assert any(skipped) and not all(skipped)


def test_limiter_gain_in_real_pieces_over_several_of_them() -> None:
    n = 3 * (1 << 17) + 999
    sound = peaks_at(song(n / RATE, seed=6) * 0.9, boundaries(n, 1 << 17))
    envelope = true_peak_envelope(sound)
    assert np.array_equal(limiter_gain(envelope), reference_limiter_gain(envelope))


# -- normalize ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "scale"),
    [
        (-14.0, 0.2),  # limited, the gain found in rounds
        (-10.0, 0.5),  # limited hard
        (-30.0, 0.5),  # a plain gain down: nothing to limit
        (None, 1.0),  # the level kept, only the overs limited
        (None, 0.1),  # nothing to do
    ],
)
def test_normalize_is_the_whole_clips(small_pieces, target: float | None, scale: float) -> None:
    seconds = 2.5  # 120 pieces of 1000 samples
    n = samples(seconds)
    sound = peaks_at(song(seconds, seed=8) * scale, boundaries(n, 1000)[::7], level=3 * scale)
    want = reference_normalize(sound, target)
    got = normalize(sound, target)
    assert got.dtype == np.float32 and np.array_equal(got, want)
    assert got is not sound and not np.shares_memory(got, sound)


def test_normalize_in_real_pieces_over_several_of_them() -> None:
    n = 4 * (1 << 17) + 555  # 11 s
    sound = peaks_at(song(n / RATE, seed=10) * 0.3, boundaries(n, 1 << 17), level=1.0)
    want = reference_normalize(sound, -14.0)
    mix = sound.copy()
    assert normalize(mix, -14.0, inplace=True) is mix
    assert np.array_equal(mix, want)


def test_normalize_in_place_needs_a_float32_array_it_can_change() -> None:
    sound = song(0.5, seed=1)
    with pytest.raises(ValueError, match="inplace"):
        normalize(sound.astype(np.float64), -14.0, inplace=True)
    with pytest.raises(ValueError, match="inplace"):
        normalize(np.asfortranarray(sound), -14.0, inplace=True)
    sound.flags.writeable = False
    with pytest.raises(ValueError, match="inplace"):
        normalize(sound, -14.0, inplace=True)


def test_loudness_of_pieces_is_that_of_the_whole() -> None:
    sound = song(3.0, seed=12) * 0.5
    pieces = (sound[lo : lo + 10000] for lo in range(0, len(sound), 10000))
    assert loudness._measure_pieces(pieces, len(sound), 2, RATE) == measure_loudness(sound)
    short = sound[:1000]  # under one gating block: measured repeated, as measure_loudness does
    split = iter([short[:400], short[400:]])
    assert loudness._measure_pieces(split, 1000, 2, RATE) == measure_loudness(short)


def test_a_failing_piece_fails_the_measurement() -> None:
    def pieces():
        yield np.zeros((RATE, 2), np.float32)
        raise ArithmeticError("piece 2")

    with pytest.raises(ArithmeticError, match="piece 2"):
        loudness._measure_pieces(pieces(), 3 * RATE, 2, RATE)
