"""Loudness: BS.1770 measurement against ffmpeg's own meter, true peak, limiter, normalising."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clipforge.audio.loudness import (
    LOOKAHEAD,
    RELEASE_DB_PER_SECOND,
    integrated_loudness,
    limiter_gain,
    normalize,
    true_peak,
    true_peak_envelope,
)
from tests.audio_helpers import RATE, ebur128, encode, song, tone, with_clicks


def test_loudness_agrees_with_ffmpegs_ebur128(tmp_path) -> None:
    sound = song(6.0, seed=3) * 0.7
    ours = integrated_loudness(sound)
    theirs, _ = ebur128(encode(tmp_path / "s.wav", sound))
    assert ours == pytest.approx(theirs, abs=0.15)  # ebur128 prints one decimal


def test_loudness_of_a_reference_sine() -> None:
    # BS.1770: a 1 kHz sine at 0 dBFS peak in one channel reads -3.01 LUFS.
    t = np.arange(2 * RATE) / RATE
    left = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    assert integrated_loudness(np.stack([left, 0 * left], axis=1)) == pytest.approx(-3.01, abs=0.05)
    assert integrated_loudness(np.zeros((RATE, 2), np.float32)) == -math.inf
    short = np.stack([left[:4800], left[:4800]], axis=1)  # 0.1 s: under one gating block
    assert integrated_loudness(short) == pytest.approx(0.0, abs=0.1)


def test_true_peak_sees_between_samples() -> None:
    # A sine at a quarter of the rate, 45° off: every sample is at 0.707, the wave reaches 1.
    t = np.arange(RATE)
    wave = np.sin(2 * np.pi * t / 4 + np.pi / 4).astype(np.float32)
    sound = np.stack([wave, wave], axis=1)
    assert np.abs(sound).max() == pytest.approx(0.7071, abs=1e-3)
    envelope = true_peak_envelope(sound)
    assert len(envelope) == len(sound)
    # Away from the ends, where the abrupt start and stop of the wave ring in any filter.
    assert 20 * np.log10(envelope[1000:-1000].max()) == pytest.approx(0.0, abs=0.05)
    assert true_peak(sound) >= 0.0


def test_limiter_gain_is_smooth_and_holds_the_ceiling() -> None:
    sound = with_clicks(tone(2.0, 200.0, 0.3), [0.5, 0.52, 1.5])  # clicks reach about 1.0
    envelope = true_peak_envelope(sound)
    gain = limiter_gain(envelope, -6.0)
    assert (envelope * gain).max() <= 10 ** (-6 / 20) * 1.001
    assert gain.max() == 1.0 and np.abs(np.diff(gain)).max() < 0.01  # no steps: no clicks
    untouched = slice(round(1.0 * RATE), round(1.4 * RATE))  # well away from the clicks
    assert np.all(gain[untouched] == 1.0)
    # The reduction starts before the click (look-ahead) and is gone 0.3 s later.
    assert gain[round(0.4995 * RATE)] < 1.0 and gain[round(0.85 * RATE)] == 1.0


@pytest.mark.parametrize("n", [1, 40, 95, 96, 97, 400])
def test_limiter_gain_is_hold_release_and_average_as_documented(n: int) -> None:
    rng = np.random.default_rng(n)
    envelope = (rng.random(n) * 1.5).astype(np.float32)
    ceiling, rate = -3.0, RATE
    width = round(LOOKAHEAD * rate)
    with np.errstate(divide="ignore"):
        need = np.maximum(20 * np.log10(envelope.astype(np.float64)) - ceiling, 0.0)
    held = np.array([need[i : i + width].max() for i in range(n)])
    released = held.copy()
    for i in range(1, n):
        released[i] = max(held[i], released[i - 1] - RELEASE_DB_PER_SECOND / rate)
    smooth = np.array([released[max(0, i - width + 1) : i + 1].mean() for i in range(n)])
    want = 10 ** (-smooth / 20)
    assert np.allclose(limiter_gain(envelope, ceiling, rate), want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("target", [-14.0, -20.0])
def test_normalize_hits_the_target_under_the_ceiling(target) -> None:
    sound = with_clicks(song(8.0, seed=5) * 0.2, [1.0, 3.0, 5.0])
    out = normalize(sound, target)
    assert integrated_loudness(out) == pytest.approx(target, abs=0.1)
    assert true_peak(out) <= -2.0 + 0.01
    # Where the limiter was not needed the level change is the plain gain.
    quiet = slice(round(6.5 * RATE), round(7.5 * RATE))
    ratio = np.std(out[quiet]) / np.std(sound[quiet])
    assert 20 * np.log10(ratio) == pytest.approx(target - integrated_loudness(sound), abs=0.5)


def test_loud_target_on_music_limits_hard_and_still_arrives() -> None:
    from clipforge.audio.music import music_excerpt
    from clipforge.spec.assets import shipped_assets_dir

    music = music_excerpt(shipped_assets_dir() / "music" / "pop-120.m4a", 2.0, 8.0)
    out = normalize(music, -10.0)  # about 4 dB of limiting on this loop
    assert integrated_loudness(out) == pytest.approx(-10.0, abs=0.1)
    assert true_peak(out) <= -2.0 + 0.01


def test_unreachable_target_gets_as_close_as_the_ceiling_allows() -> None:
    # Sparse clicks over near-silence: no gain brings this to -5 LUFS under -2 dBTP.
    sound = with_clicks(tone(3.0, 300.0, 0.001), [0.5, 1.5, 2.5])
    out = normalize(sound, -5.0)
    assert true_peak(out) <= -2.0 + 0.01
    assert integrated_loudness(out) > integrated_loudness(sound) + 10


def test_null_target_keeps_levels_and_only_limits_overs() -> None:
    sound = tone(1.0, 300.0, 0.3)
    assert np.array_equal(normalize(sound, None), sound)
    hot = tone(1.0, 300.0, 1.5)  # would clip
    out = normalize(hot, None)
    assert true_peak(out) <= -2.0 + 0.01
    assert np.array_equal(normalize(np.zeros((RATE, 2), np.float32), -14.0), np.zeros((RATE, 2)))
