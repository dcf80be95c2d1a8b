"""Ducking: the music's gain curve under a loud original."""

from __future__ import annotations

import numpy as np
import pytest

from clipforge.audio.duck import duck_gain, level_db
from tests.audio_helpers import RATE, tone


@pytest.fixture(scope="module")
def talk() -> np.ndarray:
    """Loud from 1.0 to 2.0 s, with two 100 ms pauses between "words" at 1.3 and 1.6 s."""
    sound = tone(3.5, 440.0, 0.3)
    for lo, hi in ((0.0, 1.0), (1.3, 1.4), (1.6, 1.7), (2.0, 3.5)):
        sound[round(lo * RATE) : round(hi * RATE)] = 0
    return sound


def test_level_is_rms_in_dbfs() -> None:
    # A sine's RMS is its peak / sqrt(2): 0.3 -> -13.5 dBFS.
    level = level_db(tone(1.0, 440.0, 0.3))
    assert level[RATE // 2] == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=0.05)


def test_music_is_down_by_the_amount_while_loud(talk) -> None:
    gain_db = 20 * np.log10(duck_gain(talk, -9.0, -30.0))
    at = lambda t: gain_db[round(t * RATE)]  # noqa: E731
    assert at(0.5) == pytest.approx(0.0, abs=0.01) and at(3.2) == pytest.approx(0.0, abs=0.01)
    assert at(1.1) == pytest.approx(-9.0, abs=0.01) and at(1.9) == pytest.approx(-9.0, abs=0.01)
    # The hold bridges the pauses between words: no pumping.
    assert gain_db[round(1.3 * RATE) : round(1.7 * RATE)].max() < -8.9


def test_ramps_are_smooth_and_look_ahead(talk) -> None:
    gain = duck_gain(talk, -12.0, -30.0)
    gain_db = 20 * np.log10(gain)
    # Going down starts before the original gets loud and is done when it is.
    assert gain_db[round(0.95 * RATE)] < -0.5 and gain_db[round(1.0 * RATE)] < -11.5
    # Coming back takes the release time, and no sample jumps: nothing changes faster than a
    # straight 30 ms ramp over the whole 12 dB would (a step would change by 0.75 at once).
    assert -11.5 < gain_db[round(2.3 * RATE)] < -0.5
    assert np.abs(np.diff(gain)).max() < (1 - 10 ** (-12 / 20)) / (0.03 * RATE)


def test_quiet_original_leaves_the_music_alone() -> None:
    whisper = tone(2.0, 440.0, 0.01)  # -43 dBFS
    assert np.all(duck_gain(whisper, -9.0, -30.0) == 1.0)
    assert np.all(duck_gain(np.zeros((RATE, 2), np.float32), -9.0, -30.0) == 1.0)
