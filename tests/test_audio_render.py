"""The audio of whole renders, decoded back and measured: loudness, music, ducking, effects,
A/V sync, refusals, and two renders at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.errors import InputError
from tests.audio_helpers import (
    RATE,
    band_level,
    bright_frames,
    click_times,
    decoded,
    ebur128,
    encode,
    flash_clip,
    lag_of,
    song,
    tone,
    with_clicks,
)
from tests.gen import make_video

FRAME = 1 / 30


def write_preset(folder: Path, body: str, name: str = "preset.yaml") -> Path:
    path = folder / name
    path.write_text("clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n" + body)
    return path


def video_with_sound(path: Path, sound: np.ndarray) -> Path:
    """A gray 180x320 clip as long as `sound`, with `sound` as its track (AAC)."""
    from clipforge.media.ffmpeg import run_ffmpeg

    wav = encode(path.with_suffix(".wav"), sound)
    seconds = len(sound) / RATE
    run_ffmpeg(
        [
            "-y", "-f", "lavfi", "-i", f"color=c=gray:s=180x320:r=30:d={seconds}",
            "-i", str(wav), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "192k", "-shortest", str(path),
        ],
        timeout=60,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audio-render")


def test_default_loudness_is_minus_14_lufs_under_minus_1_dbtp(tmp_path, media) -> None:
    # Loud clicks over speech-level tone: at -14 LUFS their peaks need the limiter.
    sound = with_clicks(tone(4.0, 300.0, 0.1), [0.5, 1.2, 1.9, 2.6, 3.3])
    footage = video_with_sound(tmp_path / "clicks.mp4", sound)
    preset = write_preset(tmp_path, "audio: {music: {file: music/pop-120.m4a, volume: -6}}\n")
    out = tmp_path / "out.mp4"
    clipforge.render([footage], out, preset)
    loudness, peak = ebur128(out)
    assert loudness == pytest.approx(-14.0, abs=1.0) and peak <= -1.0
    preset = write_preset(tmp_path, "audio: {music: {file: music/pop-120.m4a}, loudness: -20}\n")
    clipforge.render([footage], out, preset)
    loudness, peak = ebur128(out)
    assert loudness == pytest.approx(-20.0, abs=1.0) and peak <= -1.0


def test_music_start_offset_and_fades_where_the_preset_says(tmp_path) -> None:
    # Music-like peaks (crest about 9 dB): at -14 LUFS the limiter has nothing to do, so the
    # level follows the fades alone.
    source = song(10.0, seed=2, burst=0.04)
    encode(tmp_path / "song.m4a", source, codec=("-c:a", "aac", "-b:a", "192k"))
    footage = make_video(tmp_path / "in.mp4", 4.0, tone=None)
    preset = write_preset(
        tmp_path,
        "audio: {music: {file: song.m4a, start: 2.5, fade_in: 1.0, fade_out: 1.5}}\n",
    )
    out = tmp_path / "out.mp4"
    clipforge.render([footage], out, preset)
    sound = decoded(out)
    assert len(sound) == pytest.approx(4 * RATE, abs=RATE * FRAME)
    # Where the output's steady middle sits in the song: at start + 1.5 s, to the sample.
    middle = sound[round(1.5 * RATE) : round(2.5 * RATE)]
    assert lag_of(middle, source) == pytest.approx(round(4.0 * RATE), abs=2)
    # The level against the song, window by window, follows the fades.
    aligned = source[round(2.5 * RATE) : round(2.5 * RATE) + len(sound)]
    win = RATE // 20
    times, ratios = [], []
    for i in range(0, len(sound) - win, win):
        times.append((i + win / 2) / RATE)
        ratios.append(np.std(sound[i : i + win]) / np.std(aligned[i : i + win]))
    times, ratios = np.array(times), np.array(ratios)
    steady = np.median(ratios[(times > 1.1) & (times < 2.4)])
    expected = np.clip(np.minimum(times / 1.0, (4.0 - times) / 1.5), 0, 1)
    edges = (times > 0.05) & (times < 3.95)  # the clip's 25 ms end fades aside
    error = np.abs(ratios[edges] / steady - expected[edges])
    assert error.max() < 0.06, (times[edges][np.argmax(error)], error.max())


def test_ducking_lowers_the_music_by_the_amount_while_the_original_is_loud(tmp_path) -> None:
    talk = tone(4.0, 440.0, 0.3)
    talk[: round(1.0 * RATE)] = 0
    talk[round(2.0 * RATE) :] = 0
    footage = video_with_sound(tmp_path / "talk.mp4", talk)
    encode(tmp_path / "music.wav", tone(5.0, 1000.0, 0.2))
    preset = write_preset(
        tmp_path, "audio: {music: {file: music.wav}, duck: {amount: -9, threshold: -30}}\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([footage], out, preset)
    sound = decoded(out)

    def music_at(start: float, end: float) -> float:
        return band_level(sound[round(start * RATE) : round(end * RATE)], 1000.0)

    drop = 20 * np.log10(music_at(1.3, 1.8) / music_at(0.3, 0.8))
    assert drop == pytest.approx(-9.0, abs=2.0)
    back = 20 * np.log10(music_at(3.0, 3.5) / music_at(0.3, 0.8))
    assert back == pytest.approx(0.0, abs=0.5)  # released after the original stops


def test_sound_effects_at_their_times_and_volumes(tmp_path) -> None:
    beep = tone(0.15, 2000.0, 0.4)
    encode(tmp_path / "beep.wav", beep)
    footage = make_video(tmp_path / "in.mp4", 3.0, tone=None)
    preset = write_preset(
        tmp_path,
        "audio:\n  loudness: null\n  effects:\n"
        "    - {file: beep.wav, at: 0.5}\n    - {file: beep.wav, at: 1.75, volume: -6}\n"
        "    - {file: beep.wav, at: 9.0}\n",  # after the end: left out
    )
    out = tmp_path / "out.mp4"
    clipforge.render([footage], out, preset)
    sound = decoded(out)
    assert np.abs(click_times(sound, threshold=0.2) - [0.5, 1.75]).max() < FRAME
    first = band_level(sound[round(0.52 * RATE) : round(0.62 * RATE)], 2000.0)
    second = band_level(sound[round(1.77 * RATE) : round(1.87 * RATE)], 2000.0)
    assert first == pytest.approx(0.4, rel=0.05)
    assert 20 * np.log10(second / first) == pytest.approx(-6.0, abs=0.5)


def test_missing_effect_file_names_the_key(tmp_path) -> None:
    footage = make_video(tmp_path / "in.mp4", 1.0, tone=None)
    preset = write_preset(tmp_path, "audio: {effects: [{file: nope.wav, at: 0.2}]}\n")
    with pytest.raises(InputError, match=r"nope\.wav: audio\.effects\[0\]\.file: asset not found"):
        clipforge.render([footage], tmp_path / "out.mp4", preset)
    (tmp_path / "text.wav").write_text("not a sound")
    preset = write_preset(tmp_path, "audio: {effects: [{file: text.wav, at: 0.2}]}\n")
    with pytest.raises(InputError, match=r"audio\.effects\[0\]\.file") as err:
        clipforge.render([footage], tmp_path / "out.mp4", preset)
    assert "text.wav" in str(err.value)


def test_av_sync_clicks_land_on_their_flashes_across_inputs(tmp_path) -> None:
    take = flash_clip(tmp_path / "take.mp4", 2.0, [15, 45], [0.5, 1.5])
    out = tmp_path / "out.mp4"
    result = clipforge.render([take, take], out, write_preset(tmp_path, ""))
    flashes = np.array(bright_frames(out)) * FRAME
    clicks = click_times(decoded(out))
    assert np.allclose(flashes, [0.5, 1.5, 2.5, 3.5], atol=0.001)
    assert np.abs(clicks - flashes).max() < FRAME
    # Audio and video last as long as each other, within a frame.
    assert len(decoded(out)) / RATE == pytest.approx(result.frames * FRAME, abs=FRAME)


def test_unusable_music_is_refused_before_any_video_work(tmp_path) -> None:
    footage = make_video(tmp_path / "in.mp4", 1.0, tone=None)
    notes = tmp_path / "notes.mp3"
    notes.write_text("lyrics, not audio\n" * 20)
    out = tmp_path / "out.mp4"
    calls: list[int] = []
    with pytest.raises(InputError, match="music") as err:
        clipforge.render(
            [footage],
            out,
            write_preset(tmp_path, ""),
            music=notes,
            progress=lambda d, t: calls.append(d),
        )
    assert str(notes) in str(err.value)
    assert calls == [] and not out.exists()
    gone = write_preset(tmp_path, "audio: {music: {file: gone.mp3}}\n", name="gone.yaml")
    with pytest.raises(InputError, match=r"gone\.mp3: audio\.music\.file: asset not found"):
        clipforge.render([footage], out, gone)
    preset = write_preset(tmp_path, "audio: {music: {file: notes.mp3}}\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "clipforge",
            "render",
            str(footage),
            "-p",
            str(preset),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2 and "notes.mp3" in run.stderr and "audio.music.file" in run.stderr
    assert not out.exists()


RENDER = """
import sys, clipforge
clipforge.render([sys.argv[1]], sys.argv[2], sys.argv[3], music=sys.argv[4])
"""


def test_two_renders_at_once_keep_their_own_audio_and_leave_no_temp_files(tmp_path) -> None:
    footage = make_video(tmp_path / "in.mp4", 2.0, tone=None)
    preset = write_preset(tmp_path, "")
    songs = {
        700.0: encode(tmp_path / "a.wav", tone(3.0, 700.0)),
        1100.0: encode(tmp_path / "b.wav", tone(3.0, 1100.0)),
    }
    temp = tmp_path / "tmp"
    temp.mkdir()
    before = set(os.listdir(tmp_path))
    env = {**os.environ, "TMPDIR": str(temp)}
    runs = {
        freq: subprocess.Popen(
            [
                sys.executable,
                "-c",
                RENDER,
                str(footage),
                str(tmp_path / f"{int(freq)}.mp4"),
                str(preset),
                str(path),
            ],
            env=env,
            stderr=subprocess.PIPE,
        )
        for freq, path in songs.items()
    }
    for run in runs.values():
        assert run.wait(timeout=300) == 0, run.stderr.read() if run.stderr else ""
        if run.stderr:
            run.stderr.close()
    for freq in songs:
        other = 1800.0 - freq
        sound = decoded(tmp_path / f"{int(freq)}.mp4")[RATE // 2 : 3 * RATE // 2]
        assert band_level(sound, freq) > 0.1 and band_level(sound, other) < 0.001
    # Only the two outputs (and what a render writes beside its output: thumbnail, sidecar).
    new = set(os.listdir(tmp_path)) - before
    assert {"700.mp4", "1100.mp4"} <= new
    assert all(name.split(".")[0] in {"700", "1100"} and name[0] != "." for name in new), new
    assert os.listdir(temp) == []
