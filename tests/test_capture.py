"""Camera capture without a camera: OpenCV opens a generated video file in place of the device.

The stand-in file numbers its frames by grey level, so every take can be checked for length,
frame rate, and which part of the "camera's" picture it holds.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from clipforge import cli
from clipforge.capture import capture_clip, constant_rate, record_takes, take_paths
from clipforge.errors import InputError
from clipforge.media import open_video, probe
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.spec import preset_from_dict

FPS = 15
FRAMES = 30  # 2 s
STEP = 8  # source frame i is grey level 8 + 8 i
SIZE = (64, 48)


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s at 15 fps, 64x48, frame i a flat grey of level 8 + 8 i (lossless)."""
    path = tmp_path_factory.mktemp("camera") / "camera.mp4"
    w, h = SIZE
    raw = b"".join(np.full((h, w, 3), STEP + STEP * i, np.uint8).tobytes() for i in range(FRAMES))
    run_ffmpeg(
        ["-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
         "-r", str(FPS), "-i", "pipe:0", "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast",
         "-pix_fmt", "yuv444p", str(path)],
        timeout=60, input_bytes=raw,
    )  # fmt: skip
    return path


def source_indexes(path: Path) -> list[int]:
    """Which source frame each frame of a take shows (by its grey level)."""
    info = probe(path)
    with open_video(path, (info.width, info.height), info.fps, "stretch", info=info) as reader:
        return [round(float(f.mean()) / STEP) - 1 for f in reader]


class Recorder:
    """Collects what record_takes reports and how long it sleeps (the countdown)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.slept: list[float] = []

    def report(self, line: str) -> None:
        self.lines.append(line)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_takes_share_the_budget_and_the_last_is_cut(camera_file: Path, tmp_path: Path) -> None:
    rec = Recorder()
    paths = record_takes(
        camera_file, 5.0, 3, output=tmp_path / "take.mp4", countdown=2,
        report=rec.report, sleep=rec.sleep,
    )  # fmt: skip
    assert paths == [tmp_path / f"take-{n}.mp4" for n in (1, 2, 3)]
    infos = [probe(p) for p in paths]
    assert [i.fps for i in infos] == [FPS] * 3  # the camera's frame rate
    assert [i.frame_count for i in infos] == [30, 30, 15]
    assert sum(i.duration for i in infos) == pytest.approx(5.0, abs=0.02)
    # Each take films the scene from the start; the third stops at the budget, mid-scene.
    assert source_indexes(paths[1]) == list(range(30))
    assert source_indexes(paths[2]) == list(range(15))
    # A 2-second countdown before each of the 3 takes, then "recording".
    assert rec.slept == [1.0] * 6
    countdown = [line for line in rec.lines if line.endswith("...")]
    assert countdown == [f"take {n}/3: {s}..." for n in (1, 2, 3) for s in (2, 1)]
    assert rec.lines.index("take 2/3: 2...") > rec.lines.index(countdown[1]) + 1
    assert any("take 3/3: recording" in line for line in rec.lines)


def test_platform_limit_caps_takes_and_skips_the_rest(camera_file: Path, tmp_path: Path) -> None:
    rec = Recorder()
    paths = record_takes(
        camera_file, 60.0, 4, output=tmp_path / "t{n}.mp4", countdown=0, max_seconds=3.0,
        take_seconds=1.2, report=rec.report,
    )  # fmt: skip
    assert [p.name for p in paths] == ["t1.mp4", "t2.mp4", "t3.mp4"]
    assert [probe(p).frame_count for p in paths] == [18, 18, 9]  # 1.2 + 1.2 + 0.6 = 3 s
    assert not (tmp_path / "t4.mp4").exists()
    assert any("skipped" in line for line in rec.lines)


class PressAfter(threading.Event):
    """A stop event that reports a press (Enter) once it has been asked `frames` times."""

    def __init__(self, frames: int) -> None:
        super().__init__()
        self.frames = frames

    def is_set(self) -> bool:
        self.frames -= 1
        return self.frames < 0 or super().is_set()


def test_stop_event_ends_a_take_early(camera_file: Path, tmp_path: Path) -> None:
    stale = threading.Event()
    stale.set()  # cleared at the start of the take: an old press does not end it
    kwargs = {"countdown": 0, "report": lambda line: None}
    (full,) = record_takes(camera_file, 5.0, 1, output=tmp_path / "a.mp4", stop=stale, **kwargs)
    assert probe(full).frame_count == 30
    (short,) = record_takes(
        camera_file, 5.0, 1, output=tmp_path / "b.mp4", stop=PressAfter(10), **kwargs
    )
    assert source_indexes(short) == list(range(11))


def test_constant_rate_repeats_late_frames_and_drops_early_ones() -> None:
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(6)]
    # Camera times: a stall after frame 1, then a burst.
    times = [0.0, 0.1, 0.43, 0.47, 0.49, 0.6]
    out = list(constant_rate(iter(zip(times, frames, strict=True)), 10, 100))
    # Ticks 0.2 and 0.3 repeat frame 1; frame 3 loses tick 0.5 to the later frame 4.
    assert [int(f[0, 0, 0]) for f in out] == [0, 1, 1, 1, 2, 4, 5]
    capped = list(constant_rate(iter(zip(times, frames, strict=True)), 10, 3))
    assert len(capped) == 3


def test_take_names() -> None:
    assert take_paths("x/take.mp4", 1) == [Path("x/take.mp4")]
    assert take_paths("take.mp4", 2) == [Path("take-1.mp4"), Path("take-2.mp4")]
    assert take_paths("s-{n}-cam.mp4", 2) == [Path("s-1-cam.mp4"), Path("s-2-cam.mp4")]


def test_capture_clip_renders_the_takes_as_one_clip(camera_file: Path, tmp_path: Path) -> None:
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "canvas": {"size": "64x48", "fps": FPS, "fit": "stretch"},
            "limit": {"max_seconds": 3},
            "output": {"thumbnail": None, "sidecar": False},
        }
    )
    takes_dir = tmp_path / "takes"
    result = capture_clip(
        camera_file, tmp_path / "clip.mp4", preset, takes=2, countdown=0, takes_dir=takes_dir,
        report=lambda line: None,
    )  # fmt: skip
    assert result.duration == pytest.approx(3.0)
    assert sorted(p.name for p in takes_dir.iterdir()) == ["take-1.mp4", "take-2.mp4"]
    shown = source_indexes(result.output)
    assert len(shown) == 45
    # Take 1 (the whole 2 s), then take 2 cut at the 3 s limit: the scene from its start again.
    assert shown == list(range(30)) + list(range(15))


def test_cli_capture_with_preset_limit_and_countdown(camera_file: Path, tmp_path: Path) -> None:
    preset = tmp_path / "p.yaml"
    preset.write_text("clipforge: 1\nlimit: {max_seconds: 3}\n")
    out = tmp_path / "cam" / "take.mp4"
    result = CliRunner().invoke(
        cli.main,
        ["capture", "--device", str(camera_file), "--takes", "2", "--seconds", "10",
         "--countdown", "1", "-p", str(preset), "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    takes = [out.with_name("take-1.mp4"), out.with_name("take-2.mp4")]
    assert [probe(p).frame_count for p in takes] == [30, 15]
    assert "take 1/2: 1..." in result.stderr and "take 2/2: 1..." in result.stderr
    assert f"wrote {takes[1]}" in result.stdout and "recording" not in result.stdout


@pytest.mark.parametrize("device", ["9", "missing.mp4"])
def test_cli_capture_device_that_cannot_open(tmp_path: Path, device: str) -> None:
    out = tmp_path / "take.mp4"
    result = CliRunner().invoke(
        cli.main, ["capture", "--device", device, "--countdown", "0", "-o", str(out)]
    )
    assert result.exit_code == 2
    name = "camera 9" if device == "9" else device
    assert f"error: {name}: cannot open capture device" in result.stderr
    assert not out.exists()


def test_record_takes_refuses_a_url(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"http://example\.invalid/cam"):
        record_takes("http://example.invalid/cam", 1.0, output=tmp_path / "t.mp4", countdown=0)
