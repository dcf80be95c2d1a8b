"""cut_on_beat, and the original sound following trims and speed through render()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.spec import preset_from_dict
from clipforge.timeline import FrameSource, plan_timeline
from tests.audio_helpers import RATE, click_times, encode, flash_clip, tone, with_clicks
from tests.timeline_footage import BLUE, RED, body, coded_video, decode_all, near

FRAME = 1 / 30
BEATS = [0.1 + 0.5 * k for k in range(12)]  # a click track at 120 BPM


def first_frame_near(frames: list[np.ndarray], colour, after: int = 0) -> int:
    return next(i for i in range(after, len(frames)) if near(body(frames[i]), colour, 20))


def test_cuts_land_on_the_beats_of_a_click_track(tmp_path):
    music = encode(tmp_path / "clicks.wav", with_clicks(tone(6.0, 300.0, 0.02), BEATS))
    a = coded_video(tmp_path / "a.mp4", 90, RED)
    b = coded_video(tmp_path / "b.mp4", 90, BLUE)
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\ntimeline:\n  cut_on_beat: true\n"
        "  segments: [{input: 0, out: 1.45}, {input: 1, out: 1.35}]\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([a, b, a], out, preset, music=music)
    frames = decode_all(out)
    # Planned cuts at 1.45 and 2.8 s. The first moves later to the beat at 1.6 (input 0 has
    # more footage after its out), the second later to 3.1 (2.6 is further).
    first = first_frame_near(frames, BLUE)
    second = first_frame_near(frames, RED, after=first)
    assert abs(first / 30 - 1.6) <= FRAME + 1e-9
    assert abs(second / 30 - 3.1) <= FRAME + 1e-9


def plan_cuts(durations, beats, segments=(), transition=None) -> list[float]:
    data = {"clipforge": 1, "timeline": {"cut_on_beat": True, "segments": list(segments)}}
    if transition:
        data["timeline"]["transition"] = {"type": "crossfade", "seconds": transition}
    inputs = [FrameSource([], fps=30, duration=d) for d in durations]
    plan = plan_timeline(inputs, preset_from_dict(data), beats=lambda seconds: beats)
    return [c.start + c.transition_seconds / 2 for c in plan.clips[1:]]


def test_cut_on_beat_rule():
    # Whole inputs have no footage to spare: a cut can only move earlier (2.0 -> 1.6).
    assert plan_cuts([2.0, 2.0], [1.6, 2.1]) == pytest.approx([1.6])
    # Every clip keeps 0.5 s: the beat at 0.3 is out of reach for a 0.8 s first clip.
    assert plan_cuts([0.8, 2.0], [0.3, 1.5]) == pytest.approx([0.8])
    # Beyond a second away a cut stays.
    assert plan_cuts([3.0, 2.0], [1.5]) == pytest.approx([3.0])
    # Later cuts are placed after earlier ones moved (ripple): 2 -> 1.6, then 1.6 + 2 -> 3.5.
    assert plan_cuts([2.0, 2.0, 1.0], [1.6, 3.5]) == pytest.approx([1.6, 3.5])
    # With a transition the middle of the overlap goes onto the beat.
    assert plan_cuts([2.0, 2.0], [1.5], transition=0.4) == pytest.approx([1.5])


def test_original_sound_follows_a_trim_and_a_double_speed_segment(tmp_path):
    clip = flash_clip(tmp_path / "clicks.mp4", 3.0, [], [0.4, 1.1, 1.75, 2.3])
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\ntimeline:\n  segments:\n"
        "    - {input: 0, in: 0.9, out: 2.0}\n    - {input: 1, in: 2.0, speed: 2}\n"
    )
    out = tmp_path / "out.mp4"
    result = clipforge.render([clip, clip], out, preset)
    assert result.duration == pytest.approx(1.1 + 0.5)
    found = click_times(clipforge.media.decode_audio(out, rate=RATE, channels=2))
    # 1.1 and 1.75 s less the 0.9 s trim; 2.3 s at 2x from 2.0 s after the 1.1 s first clip.
    expected = [0.2, 0.85, 1.1 + 0.3 / 2]
    assert len(found) == len(expected)
    assert np.abs(found - expected).max() < FRAME


def test_cut_on_beat_without_music_keeps_the_cuts(tmp_path: Path):
    preset = preset_from_dict({"clipforge": 1, "timeline": {"cut_on_beat": True}})
    inputs = [FrameSource([], fps=30, duration=d) for d in (1.3, 1.0)]
    plan = plan_timeline(inputs, preset, beats=lambda seconds: None)
    assert plan.clips[1].start == pytest.approx(1.3)
