"""The original sound following the timeline: trims, speed with pitch kept, reverse, crossfades."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from clipforge.audio.original import lay_out, original_sound, shape_segment
from clipforge.audio.stretch import time_stretch
from clipforge.media import probe
from clipforge.timeline import Clip, FrameSource
from tests.audio_helpers import RATE, band_level, click_times, flash_clip, tone, with_clicks
from tests.gen import make_video

FRAME = 1 / 30
CLICKS = [0.4, 1.1, 1.75, 2.3]


@pytest.fixture(scope="module")
def clicky() -> np.ndarray:
    """3 s of a quiet 300 Hz tone with clicks at CLICKS."""
    return with_clicks(tone(3.0, 300.0, 0.05), CLICKS)


def test_clicks_are_found_where_they_are(clicky) -> None:
    # The measuring stick itself, on the unprocessed sound.
    assert np.abs(click_times(clicky) - CLICKS).max() < 0.001


@pytest.mark.parametrize("speed", [0.25, 0.5, 2.0, 4.0])
def test_trim_and_speed_put_each_click_at_its_time(clicky, speed) -> None:
    source_start = 0.7
    excerpt = clicky[round(source_start * RATE) :]
    out = shape_segment(excerpt, speed=speed)
    assert len(out) == round(len(excerpt) / speed)
    expected = [(t - source_start) / speed for t in CLICKS if t > source_start]
    found = click_times(out)
    assert len(found) == len(expected)
    # Within one frame, as A/V sync asks; a 4x stretch smears a 2 ms click over tens of ms.
    assert np.abs(found - expected).max() < FRAME, (speed, found, expected)


def test_reverse_mirrors_click_times(clicky) -> None:
    excerpt = clicky[: 2 * RATE]  # source 0..2 s
    out = shape_segment(excerpt, speed=2.0, reverse=True)
    found = click_times(out, threshold=0.2)
    # A click at source t plays at (2 - t) / 2; reversed, a click's decay comes first, so its
    # loudest (the attack) ends the 2 ms burst.
    expected = sorted((2.0 - t) / 2.0 for t in CLICKS if t < 2.0)
    assert np.abs(found - expected).max() < FRAME / 4


@pytest.mark.parametrize("speed", [0.5, 2.0])
def test_speed_keeps_the_pitch(speed) -> None:
    out = time_stretch(tone(2.0, 440.0), speed)
    body = out[len(out) // 4 : 3 * len(out) // 4, 0]
    spectrum = np.abs(np.fft.rfft(body * np.hanning(len(body))))
    peak = np.argmax(spectrum) * RATE / len(body)
    assert peak == pytest.approx(440.0, rel=0.01)
    assert band_level(out[len(out) // 4 : 3 * len(out) // 4], 440.0) == pytest.approx(0.25, rel=0.1)


def test_overlap_crossfades_at_equal_power_and_cuts_are_declicked() -> None:
    a, b = tone(1.0, 400.0, 0.5), tone(1.0, 900.0, 0.5)
    # a at 0-1 s, b at 0.7-1.7 s (a 0.3 s transition), a again at 1.7-2.7 s (a plain cut).
    track = lay_out([(0.0, 1.0, a), (0.7, 1.0, b), (1.7, 1.0, a)], round(2.7 * RATE))
    middle = track[round(0.84 * RATE) : round(0.86 * RATE)]
    # Half way through, each side is at sin(45°) = 0.707 of its level: equal power.
    assert band_level(middle, 400.0) == pytest.approx(0.5 * 0.707, rel=0.05)
    assert band_level(middle, 900.0) == pytest.approx(0.5 * 0.707, rel=0.05)
    assert band_level(track[round(0.5 * RATE) : round(0.6 * RATE)], 400.0) == pytest.approx(
        0.5, rel=0.02
    )
    assert band_level(track[round(0.5 * RATE) : round(0.6 * RATE)], 900.0) < 0.01
    # At the cut the waveform goes smoothly through zero: no step between samples steeper than
    # the 900 Hz tone's own slope.
    cut = round(1.7 * RATE)
    assert np.abs(track[cut - 2 : cut + 2]).max() < 0.01
    steady = np.abs(np.diff(track[round(1.2 * RATE) : round(1.3 * RATE), 0])).max()
    assert np.abs(np.diff(track[cut - 480 : cut + 480, 0])).max() <= steady * 1.01


@dataclass(frozen=True)
class SpeedClip(Clip):
    """A timeline clip with the speed and reverse fields issue 6 adds."""

    speed: float = 1.0
    reverse: bool = False


def test_original_follows_trims_and_speed_of_timeline_clips(tmp_path) -> None:
    video = flash_clip(tmp_path / "clicks.mp4", 3.0, [], CLICKS)
    info = probe(video)
    clips = [
        Clip(video, "video", 0.0, 1.0, source_start=0.9, info=info),  # clicks 1.1, 1.75
        SpeedClip(video, "video", 1.0, 0.5, source_start=2.0, info=info, speed=2.0),  # 2.3
    ]
    out = original_sound(clips, round(1.5 * RATE))
    expected = [1.1 - 0.9, 1.75 - 0.9, 1.0 + (2.3 - 2.0) / 2]
    assert np.abs(click_times(out) - expected).max() < FRAME / 2


def test_silent_inputs_and_frames_with_their_own_sound(tmp_path) -> None:
    still = make_video(tmp_path / "silent.mp4", 1.0, tone=None)
    clips = [Clip(still, "video", 0.0, 1.0, info=probe(still))]
    assert original_sound(clips, RATE) is None
    rate44 = 44100
    t = np.arange(rate44) / rate44
    mono = (0.3 * np.sin(2 * np.pi * 441.0 * t)).astype(np.float32)
    source = FrameSource(frames=[], fps=30, duration=1.0, audio=mono, audio_rate=rate44)
    out = original_sound([Clip(source, "frames", 0.0, 1.0)], RATE)
    assert out is not None and out.shape == (RATE, 2)
    # Resampled, not sped up: the tone keeps its pitch and level.
    assert band_level(out[4800:-4800], 441.0) == pytest.approx(0.3, rel=0.02)
