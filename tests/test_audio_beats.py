"""Beats: tempo and beat times on generated tracks with noise, the shipped loops, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clipforge.audio.beats import beat_times, file_beats
from clipforge.audio.timeline import mix_audio, music_beats
from clipforge.errors import InputError
from clipforge.spec import preset_from_dict
from clipforge.spec.assets import shipped_assets_dir
from clipforge.timeline import Plan
from tests.audio_helpers import RATE, beat_scores, drums, encode

MUSIC = shipped_assets_dir() / "music"
FACTS = json.loads((MUSIC / "beats.json").read_text())
TEMPOS = [80, 88, 97, 105, 114, 123, 131, 140, 151, 160]


@pytest.mark.parametrize("noise_db", [-6.0, 0.0])
@pytest.mark.parametrize("bpm", TEMPOS)
def test_generated_tracks_tempo_and_beats(bpm, noise_db) -> None:
    sound, truth = drums(bpm, 15.0, seed=bpm, noise_db=noise_db)
    info = beat_times(sound, RATE)
    recall, precision = beat_scores(info.times, truth)
    assert recall >= 0.9 and precision >= 0.9, (bpm, recall, precision)
    assert info.tempo == pytest.approx(bpm, rel=0.02)


def truth_of(name: str, start: float, seconds: float) -> np.ndarray:
    """The shipped loop's beats (beats.json) on a clip's timeline: from `start`, looped."""
    facts = FACTS[name]
    period = 60.0 / facts["bpm"]
    song = np.arange(facts["beats"] * 3) * period + facts["first_beat"]
    times = song - start
    return times[(times >= 0) & (times < seconds - 0.05)]


@pytest.mark.parametrize(("name", "start"), [("pop-120.m4a", 7.3), ("chill-90.m4a", 21.0)])
def test_shipped_loops_through_the_loop_seam(name, start) -> None:
    info = file_beats(MUSIC / name, start=start, seconds=15.0)  # both cross the 32 s seam
    recall, precision = beat_scores(info.times, truth_of(name, start, 15.0))
    assert recall >= 0.9 and precision >= 0.9
    assert info.tempo == pytest.approx(FACTS[name]["bpm"], rel=0.02)


def test_silence_and_short_sound_have_no_beats() -> None:
    assert len(beat_times(np.zeros((RATE * 3, 2), np.float32), RATE).times) == 0
    assert beat_times(np.zeros(100, np.float32), RATE).tempo == 0.0


def test_render_beats_follow_start_and_loop_on_the_output_timeline(tmp_path) -> None:
    preset = preset_from_dict(
        {"clipforge": 1, "audio": {"music": {"file": "music/pop-120.m4a", "start": 28.25}}}
    )
    expected = truth_of("pop-120.m4a", 28.25, 8.0)  # beats at 0.25, 0.75, ...; seam at 3.75 s
    info = music_beats(preset, 8.0, [])
    assert info is not None
    recall, precision = beat_scores(info.times, expected)
    assert recall >= 0.9 and precision >= 0.9
    mixed = mix_audio(preset, Plan([]), 8.0, [])
    assert mixed.beats is not None
    assert beat_scores(mixed.beats.times, expected) >= (0.9, 0.9)
    assert music_beats(preset_from_dict({"clipforge": 1}), 8.0, []) is None


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clipforge", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_beats_prints_json(tmp_path) -> None:
    sound, truth = drums(128.0, 12.0, seed=3)
    path = encode(tmp_path / "beat.mp3", sound, codec=("-c:a", "libmp3lame", "-b:a", "192k"))
    result = cli("beats", str(path), "--start", "2", "--seconds", "8")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["start"] == 2.0 and data["tempo"] == pytest.approx(128.0, rel=0.02)
    expected = truth - 2.0
    expected = expected[(expected >= 0) & (expected < 7.95)]
    assert beat_scores(np.array(data["beats"]), expected) >= (0.9, 0.9)


def test_cli_beats_refuses_non_audio(tmp_path) -> None:
    text = tmp_path / "song.m4a"
    text.write_text("hello")
    result = cli("beats", str(text))
    assert result.returncode == 2 and str(text) in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(InputError, match="past the end"):
        file_beats(MUSIC / "pop-120.m4a", start=40.0)


def test_beats_json_is_what_the_loops_say() -> None:
    # The facts the other tests lean on: beat k at first_beat + k * 60 / bpm, whole loop.
    for name, facts in FACTS.items():
        assert (MUSIC / name).is_file()
        assert facts["beats"] * 60.0 / facts["bpm"] == pytest.approx(facts["seconds"])


def test_file_beats_with_no_seconds_runs_to_the_song_end() -> None:
    info = file_beats(Path(MUSIC / "chill-90.m4a"), start=20.0)
    assert info.times.max() < 12.0 and info.tempo == pytest.approx(90.0, rel=0.02)
