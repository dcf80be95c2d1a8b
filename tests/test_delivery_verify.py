"""`clipforge verify`: each kind of broken file fails the check that names its problem."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import clipforge
from clipforge.delivery import Check, VerificationError, VerifyReport, verify_file
from clipforge.media.ffmpeg import run_ffmpeg
from tests.delivery_cli import run_cli
from tests.gen import make_video

LAVFI = ["-f", "lavfi", "-i", "testsrc2=s=180x320:r=30:d=2",
         "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=2"]  # fmt: skip
H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"]


def failing(report: VerifyReport) -> set[str]:
    return {check.name for check in report.problems}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("verify")
    preset = folder / "p.yaml"
    preset.write_text("clipforge: 1\ncanvas: {size: 180x320}\noutput: {thumbnail: null}\n")
    out = folder / "good.mp4"
    clipforge.render([make_video(folder / "in.mp4", 2.0, color=None)], out, preset)
    return out


def ffmpeg_file(path: Path, *args: str) -> Path:
    run_ffmpeg(["-v", "error", "-y", *args, str(path)], 60)
    return path


def test_a_rendered_clip_passes_every_check(rendered: Path) -> None:
    report = verify_file(rendered)
    assert report.ok, report.text()
    names = [check.name for check in report.checks]
    assert names == [
        "container", "codec", "profile", "pixel format", "faststart", "duration", "sync", "decode",
    ]  # fmt: skip
    decode = next(c for c in report.checks if c.name == "decode")
    assert decode.detail.startswith("60 video frames")


def test_moov_after_mdat_fails_faststart(tmp_path: Path) -> None:
    path = ffmpeg_file(tmp_path / "slow.mp4", *LAVFI, *H264, "-pix_fmt", "yuv420p")
    assert failing(verify_file(path)) == {"faststart"}


def test_444_chroma_fails_profile_and_pixel_format(tmp_path: Path) -> None:
    path = ffmpeg_file(
        tmp_path / "444.mp4", *LAVFI, *H264, "-pix_fmt", "yuv444p", "-movflags", "+faststart"
    )
    report = verify_file(path)
    assert failing(report) == {"profile", "pixel format"}
    assert "High 4:4:4" in report.text()


def test_late_audio_fails_sync(tmp_path: Path) -> None:
    args = ["-f", "lavfi", "-i", "testsrc2=s=180x320:r=30:d=2", "-itsoffset", "0.3",
            "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=1.7"]  # fmt: skip
    path = ffmpeg_file(
        tmp_path / "late.mp4", *args, *H264[:-1], "-pix_fmt", "yuv420p", "-movflags", "+faststart"
    )
    report = verify_file(path)
    assert failing(report) == {"sync"}
    # 300 ms late, less the AAC encoder's 1024 priming samples (21 ms) ffmpeg trims.
    late = re.search(r"audio starts \+(\d+) ms", report.text())
    assert late is not None and 270 <= int(late.group(1)) <= 300


def test_over_the_limit_fails_duration(rendered: Path) -> None:
    assert failing(verify_file(rendered, max_seconds=1.5)) == {"duration"}


def test_truncated_file_fails_decode(rendered: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    data = rendered.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    report = verify_file(cut)
    assert "decode" in failing(report) and not report.ok


def test_output_profile_checks_size_and_bitrate(rendered: Path) -> None:
    report = verify_file(rendered, profile="preview")
    assert failing(report) == {"output profile"}
    assert "size 180x320, need 540x960" in report.text()


def test_cli_verify_exit_codes(rendered: Path, tmp_path: Path) -> None:
    ok = run_cli("verify", str(rendered))
    assert ok.exit_code == 0 and ok.stdout.splitlines()[0] == f"{rendered}: ok"
    assert "faststart" in ok.stdout and "sync" in ok.stdout
    too_long = run_cli("verify", str(rendered), "--max-seconds", "1")
    assert too_long.exit_code == 1 and "FAIL  duration" in too_long.stdout
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00junk" * 500)
    bad = run_cli("verify", str(garbage))
    assert bad.exit_code == 1 and "FAIL  container" in bad.stdout
    missing = run_cli("verify", str(tmp_path / "nope.mp4"))
    assert missing.exit_code == 2 and "nope.mp4: file not found" in missing.stderr


def test_render_verify_reports_and_fails_on_a_problem(tmp_path: Path, monkeypatch) -> None:
    clip = make_video(tmp_path / "in.mp4", 1.0)
    out = tmp_path / "v.mp4"
    result = run_cli("render", str(clip), "-o", str(out), "--verify", "--profile", "preview", "-q")
    assert result.exit_code == 0, result.stderr
    assert f"{out}: ok" in result.stdout
    assert "ok    output profile  preview: 540x960" in result.stdout

    # The package's `render` is the function; the module has the names to patch.
    render_module = importlib.import_module("clipforge.render")
    bad = VerifyReport(out, (Check("sync", False, "audio starts +300 ms"),))
    monkeypatch.setattr(render_module, "verify_file", lambda *a, **k: bad)
    with pytest.raises(VerificationError) as info:
        clipforge.render([clip], out, verify=True)
    assert info.value.exit_code == 1 and "FAIL  sync" in str(info.value)
