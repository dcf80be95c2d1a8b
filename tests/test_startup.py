"""Start-up and the audio made alongside the video (issue 11): lazy imports, loudness by ffmpeg's
ebur128, the encoder taking late audio, draft decoding."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.audio.loudness import integrated_loudness, measure_loudness, normalize
from clipforge.audio.mix import window_max
from clipforge.errors import InputError
from tests.audio_helpers import RATE, decoded, song
from tests.gen import make_video

HEAVY = ("numpy", "cv2", "scipy", "pyloudnorm", "pydantic", "PIL")


def loaded_after(code: str) -> dict[str, bool]:
    """Which of the heavy modules a fresh interpreter has loaded after running `code`."""
    report = f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    probe = f"{code}\nimport json, sys\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def write_preset(folder: Path, body: str, name: str = "preset.yaml") -> Path:
    path = folder / name
    path.write_text("clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n" + body)
    return path


# -- lazy imports ------------------------------------------------------------------------------


def test_import_clipforge_loads_no_render_stack() -> None:
    loaded = loaded_after("import clipforge")
    assert not any(loaded.values()), loaded


def test_public_names_still_resolve() -> None:
    from clipforge.render import render as render_function

    for name in clipforge.__all__:
        assert getattr(clipforge, name) is not None, name
    # The submodule of the same name never hides the function.
    assert clipforge.render is render_function
    assert callable(clipforge.render)
    assert set(clipforge.__all__) <= set(dir(clipforge))
    with pytest.raises(AttributeError):
        clipforge.no_such_name  # noqa: B018
    from clipforge.media import probe
    from clipforge.media.probe import MediaInfo

    assert callable(probe) and MediaInfo.__name__ == "MediaInfo"


def test_submodule_import_first_keeps_the_function() -> None:
    code = "import clipforge.render\nimport clipforge\nassert callable(clipforge.render)\n"
    code += "import clipforge.media.probe, clipforge.media\nassert callable(clipforge.media.probe)"
    loaded_after(code)  # raises CalledProcessError on a failed assert


@pytest.mark.parametrize("args", [["--help"], ["presets", "--help"], ["probe", "{clip}"]])
def test_light_commands_load_no_render_stack(tmp_path, args) -> None:
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None) if "{clip}" in args else None
    argv = [str(clip) if a == "{clip}" else a for a in args]
    code = (
        "import sys\nfrom clipforge.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as exc:\n    assert not exc.code, exc.code"
    )
    loaded = loaded_after(code)
    assert not (loaded["cv2"] or loaded["scipy"] or loaded["pydantic"]), loaded


def test_render_process_does_not_import_scipy() -> None:
    loaded = loaded_after("import clipforge.render")
    assert not loaded["scipy"] and not loaded["pyloudnorm"], loaded


# -- loudness by ffmpeg ------------------------------------------------------------------------


def test_ffmpeg_loudness_agrees_with_pyloudnorm_on_a_mix() -> None:
    sound = song(8.0, seed=5) * 0.6
    sound[: RATE // 2] *= 0.1  # a quiet intro the gates must see
    theirs = integrated_loudness(sound)  # pyloudnorm: the independent figure
    ours = measure_loudness(sound)
    assert ours == pytest.approx(theirs, abs=1.0)
    assert ours == pytest.approx(theirs, abs=0.1)  # in fact: pyloudnorm reads ~0.035 LU lower
    mono = sound[:, 0]
    assert measure_loudness(mono) == pytest.approx(integrated_loudness(mono), abs=0.1)
    short = sound[:2400]  # 50 ms: measured repeated, as integrated_loudness does
    assert measure_loudness(short) == pytest.approx(integrated_loudness(short), abs=0.2)
    assert measure_loudness(np.zeros((RATE, 2), np.float32)) == -np.inf
    assert measure_loudness(np.zeros((0, 2), np.float32)) == -np.inf


def test_normalize_reaches_the_target_by_pyloudnorm_too() -> None:
    loud = song(6.0, seed=7) * 0.9
    out = normalize(loud, -14.0)
    assert integrated_loudness(out) == pytest.approx(-14.0, abs=0.1)
    assert measure_loudness(out) == pytest.approx(-14.0, abs=0.1)


def test_window_max_is_a_forward_running_max() -> None:
    rng = np.random.default_rng(1)
    for n in (1, 5, 97, 1000):
        x = rng.random(n)
        for width in (1, 2, 3, 8, 96, 1500):
            want = np.array([x[i : i + width].max() for i in range(n)])
            assert np.array_equal(window_max(x, width), want), (n, width)


# -- late audio in the encoder ------------------------------------------------------------------


def _frames(n: int) -> list[np.ndarray]:
    return [np.full((64, 64, 3), 40 * (i % 5), np.uint8) for i in range(n)]


def test_writer_takes_audio_that_arrives_late(tmp_path) -> None:
    from clipforge.media import VideoWriter

    ready = threading.Event()
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)).astype(np.float32)

    def audio() -> np.ndarray:
        ready.wait(10)
        return np.stack([tone, tone], axis=1)

    out = tmp_path / "late.mp4"
    with VideoWriter(out, (64, 64), 30, preset="ultrafast", audio=audio) as writer:
        for i, frame in enumerate(_frames(30)):
            writer.write(frame)
            if i == 5:
                ready.set()  # frames were taken before the audio existed
    sound = decoded(out)
    assert len(sound) / RATE == pytest.approx(1.0, abs=1 / 30)
    assert np.abs(sound[RATE // 4 : RATE // 2]).max() > 0.2

    future: Future[np.ndarray] = Future()
    out2 = tmp_path / "future.mp4"
    with VideoWriter(out2, (64, 64), 30, preset="ultrafast", audio=future) as writer:
        writer.write(_frames(1)[0])
        future.set_result(np.stack([tone, tone], axis=1))
        for frame in _frames(14):
            writer.write(frame)
    assert np.abs(decoded(out2)).max() > 0.2


def test_an_error_making_the_audio_leaves_no_output(tmp_path) -> None:
    from clipforge.media import VideoWriter

    def audio() -> np.ndarray:
        raise InputError("cannot decode audio: broken", "song.mp3")

    out = tmp_path / "never.mp4"
    writer = VideoWriter(out, (64, 64), 30, preset="ultrafast", audio=audio)
    with pytest.raises(InputError, match="broken"), writer:
        for frame in _frames(30):
            writer.write(frame)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no part file either


def test_render_fails_without_output_when_the_background_mix_fails(tmp_path, monkeypatch):
    render_module = importlib.import_module("clipforge.render")
    footage = make_video(tmp_path / "in.mp4", 1.0, tone=None)
    calls: list[int] = []

    def broken_mix(*args, **kwargs):
        raise InputError("cannot be used as music: broken halfway", "song.mp3")

    monkeypatch.setattr(render_module, "mix_audio", broken_mix)
    out = tmp_path / "out.mp4"
    with pytest.raises(InputError, match="broken halfway"):
        clipforge.render(
            [footage], out, write_preset(tmp_path, ""), progress=lambda d, t: calls.append(d)
        )
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.mp4")]


def test_bad_music_is_refused_before_the_mix_or_any_video_work(tmp_path, monkeypatch):
    render_module = importlib.import_module("clipforge.render")
    footage = make_video(tmp_path / "in.mp4", 1.0, tone=None)
    notes = tmp_path / "notes.mp3"
    notes.write_text("lyrics, not audio\n" * 20)
    started: list[str] = []
    monkeypatch.setattr(render_module, "mix_audio", lambda *a, **k: started.append("mix"))
    monkeypatch.setattr(render_module, "VideoWriter", lambda *a, **k: started.append("writer"))
    monkeypatch.setattr(render_module, "compile_chain", lambda *a, **k: started.append("chain"))
    out = tmp_path / "out.mp4"
    with pytest.raises(InputError, match=r"cannot be used as music \(the job's music\)"):
        clipforge.render([footage], out, write_preset(tmp_path, ""), music=notes)
    with pytest.raises(InputError, match=r"audio\.effects\[0\]\.file: asset not found"):
        clipforge.render(
            [footage], out, write_preset(tmp_path, "audio: {effects: [{file: no.wav, at: 0}]}\n")
        )
    assert started == [] and not out.exists()


# -- draft decoding ----------------------------------------------------------------------------


def started_ffmpeg(module, monkeypatch) -> list[list[str]]:
    """The argument lists of the ffmpeg processes `module` starts from now on (they still run)."""
    seen: list[list[str]] = []
    real = module.FFmpegProcess

    def spy(args, **kwargs):
        seen.append(list(args))
        return real(args, **kwargs)

    monkeypatch.setattr(module, "FFmpegProcess", spy)
    return seen


def test_draft_decoding_is_only_for_drafts(tmp_path, monkeypatch) -> None:
    from clipforge.media import decode

    seen = started_ffmpeg(decode, monkeypatch)
    footage = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    preset = write_preset(tmp_path, "")
    clipforge.render([footage], tmp_path / "full.mp4", preset)
    assert seen and all("-skip_loop_filter" not in a for a in seen)
    assert all("fast_bilinear" not in " ".join(a) for a in seen)
    seen.clear()
    result = clipforge.render([footage], tmp_path / "draft.mp4", preset, draft=True)
    # The footage is decoded the draft way; the thumbnail, taken from the finished file after
    # the frames, is not.
    of_footage = [a for a in seen if any(str(footage) in arg for arg in a)]
    assert of_footage and all("-skip_loop_filter" in a for a in of_footage)
    assert all("fast_bilinear" in " ".join(a) for a in of_footage)
    assert result.size == (90, 160)


def test_drafts_encode_on_one_x264_thread_with_the_fast_aac_search(tmp_path, monkeypatch) -> None:
    from clipforge.media import encode

    def option(args: list[str], name: str) -> str:
        return args[args.index(name) + 1]

    seen = started_ffmpeg(encode, monkeypatch)
    footage = make_video(tmp_path / "in.mp4", 0.5)
    preset = write_preset(tmp_path, "")
    for draft, threads, coder in ((False, "3", "twoloop"), (True, "1", "fast")):
        seen.clear()
        clipforge.render([footage], tmp_path / f"{draft}.mp4", preset, draft=draft)
        (args,) = seen
        assert (option(args, "-threads"), option(args, "-aac_coder")) == (threads, coder)
