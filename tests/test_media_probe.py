"""clipforge.media.probe: values measured on generated files, and refusals."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from media_fixtures import lavfi
from PIL import Image

from clipforge.errors import InputError
from clipforge.media import probe
from clipforge.media.probe import parse_probe


def test_probe_video_with_audio(av_clip: Path) -> None:
    info = probe(av_clip)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert (info.width, info.height) == (320, 180)
    assert info.fps == pytest.approx(30.0)
    assert info.rotation == 0
    assert info.has_video and info.has_audio and not info.is_image
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.audio_rate == 48000 and info.audio_channels == 1
    assert info.pix_fmt == "yuv420p"
    assert info.frame_count == 60


def test_probe_silent_clip_has_no_audio(silent_clip: Path) -> None:
    info = probe(silent_clip)
    assert not info.has_audio
    assert info.audio_rate == 0 and info.audio_codec is None
    assert (info.width, info.height, info.fps) == (180, 320, 25.0)


def test_probe_colour_tags(bars_clip: Path) -> None:
    info = probe(bars_clip)
    assert (info.color_space, info.color_range) == ("bt709", "tv")


@pytest.mark.parametrize(("display_rotation", "rotation"), [(90, 270), (-90, 90), (180, 180)])
def test_probe_rotation_swaps_display_size(
    av_clip: Path, tmp_path: Path, display_rotation: int, rotation: int
) -> None:
    out = lavfi(
        tmp_path / "rot.mp4", ["-display_rotation", str(display_rotation), "-i", str(av_clip),
                               "-c", "copy"],
    )  # fmt: skip
    info = probe(out)
    assert info.rotation == rotation
    expect = (180, 320) if rotation in (90, 270) else (320, 180)
    assert (info.width, info.height) == expect
    assert (info.coded_width, info.coded_height) == (320, 180)


def test_probe_audio_only(sine_wav: Path) -> None:
    info = probe(sine_wav)
    assert not info.has_video and info.has_audio
    assert info.duration == pytest.approx(2.0, abs=0.01)
    assert (info.audio_rate, info.audio_channels) == (44100, 1)


def test_probe_png_is_image(tmp_path: Path) -> None:
    path = tmp_path / "still.png"
    Image.new("RGB", (40, 30), (1, 2, 3)).save(path)
    info = probe(path)
    assert info.is_image and info.has_video and not info.has_audio
    assert (info.width, info.height, info.duration, info.frame_count) == (40, 30, 0.0, 1)


def test_probe_exif_rotated_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.new("RGB", (40, 30), (9, 9, 9)).save(path, exif=exif)
    info = probe(path)
    assert info.is_image and info.rotation == 90
    assert (info.width, info.height) == (30, 40)


def test_probe_raw_h264_without_container_duration(av_clip: Path, tmp_path: Path) -> None:
    # A raw elementary stream has no header duration: probe measures it by decoding.
    out = lavfi(tmp_path / "raw.h264", ["-i", str(av_clip), "-an", "-c:v", "copy", "-f", "h264"])
    info = probe(out)
    assert info.has_video
    assert info.duration == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("kind", ["empty", "garbage", "text"])
def test_probe_refuses_non_media(bad_files: dict[str, Path], kind: str) -> None:
    with pytest.raises(InputError) as err:
        probe(bad_files[kind])
    assert str(bad_files[kind]) in str(err.value)
    assert err.value.path == str(bad_files[kind])


def test_probe_refuses_missing_and_directories(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(InputError, match="not a regular file"):
        probe(tmp_path)


OLD_STYLE = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mov':
  Metadata:
    creation_time   : 2020-01-01T00:00:00.000000Z
  Duration: 00:00:15.02, start: 0.000000, bitrate: 17000 kb/s
    Stream #0:0(und): Video: hevc (Main 10) (hvc1 / 0x31637668), yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67), 1920x1080, 16000 kb/s, 29.97 fps, 29.97 tbr, 600 tbn, 600 tbc (default)
    Metadata:
      rotate          : 90
    Side data:
      displaymatrix: rotation of -90.00 degrees
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 160 kb/s (default)
    Stream #0:2(und): Data: none (mebx / 0x7862656D), 0 kb/s (default)
"""  # noqa: E501


def test_parse_older_ffmpeg_phone_hdr_output() -> None:
    info = parse_probe("phone.mov", OLD_STYLE)
    assert info.rotation == 90
    assert (info.width, info.height) == (1080, 1920)
    assert info.fps == pytest.approx(29.97)
    assert info.duration == pytest.approx(15.02)
    assert (info.color_space, info.color_primaries, info.color_transfer) == (
        "bt2020nc", "bt2020", "arib-std-b67",
    )  # fmt: skip
    assert info.is_hdr and info.pix_fmt == "yuv420p10le"
    assert (info.audio_channels, info.audio_rate) == (2, 44100)


def test_probe_runs_ffmpeg_once_per_unchanged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe_module = importlib.import_module("clipforge.media.probe")  # the name is also the function
    runs: list[list[str]] = []
    real = probe_module.run_ffmpeg

    def counting(args, *rest, **kwargs):
        runs.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(probe_module, "run_ffmpeg", counting)
    path = tmp_path / "tone.wav"
    lavfi(path, ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "8000"])
    first = probe(path)
    assert probe(path) == first and len(runs) == 1  # the second look is free
    # Rewritten in place: same path, new contents, probed again.
    lavfi(path, ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-ar", "8000"])
    second = probe(path)
    assert len(runs) == 2
    assert (first.duration, second.duration) == (
        pytest.approx(1.0, abs=0.01),
        pytest.approx(2.0, abs=0.01),
    )
