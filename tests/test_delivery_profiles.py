"""Output profiles: size, frame rate and bitrate caps, decoded back and measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.delivery import PROFILES, plan_encoding, profile_geometry
from clipforge.media import probe
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.spec import preset_from_dict
from tests.delivery_cli import run_cli
from tests.gen import blob_centre, frame_at, make_square_png, make_video


def video_kbps(path: Path) -> float:
    """Average bitrate of the H.264 stream alone (its bytes, extracted by ffmpeg)."""
    raw = run_ffmpeg(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "h264", "-"], 60)
    return len(raw.stdout) * 8 / 1000 / probe(path).duration


def test_the_required_profiles_exist_with_their_sizes() -> None:
    sizes = {name: (p.size, p.fps) for name, p in PROFILES.items()}
    assert sizes["tiktok"] == ((1080, 1920), 30) and sizes["square"] == ((1080, 1080), 30)
    assert sizes["preview"] == ((540, 960), 30)
    assert {"reels", "shorts"} <= set(sizes)
    assert all(p.max_video_kbps > 0 and p.max_audio_kbps > 0 for p in PROFILES.values())


def test_same_aspect_scales_and_other_aspect_keeps_the_width() -> None:
    vertical = profile_geometry((180, 320), PROFILES["preview"])
    assert vertical.output_size == (540, 960) and vertical.point(("50%", "85%")) == (270, 816)
    assert vertical.px(20) == 60  # font sizes and widths scale with the picture
    square = profile_geometry((1080, 1920), PROFILES["square"])
    assert square.output_size == (1080, 1080) and square.point(("50%", "85%")) == (540, 918)
    assert square.px(72) == 72


def test_encoding_plan_applies_caps_and_preview_speed() -> None:
    spec = preset_from_dict(
        {"clipforge": 1, "canvas": {"fps": 24}, "output": {"audio_bitrate": "320k"}}
    )
    plain = plan_encoding(spec)
    assert (plain.fps, plain.max_video_kbps, plain.audio_bitrate) == (24, None, "320k")
    tiktok = plan_encoding(spec, "tiktok")
    assert (tiktok.fps, tiktok.max_video_kbps, tiktok.audio_bitrate) == (30, 10_000, "192k")
    preview = plan_encoding(spec, "preview")
    assert preview.x264_preset == "superfast" and preview.geometry.output_size == (540, 960)
    draft = plan_encoding(spec, "preview", draft=True)
    assert draft.geometry.output_size == (270, 480) and draft.x264_preset == "ultrafast"
    # A draft's sound takes ffmpeg's fast AAC search; finals keep its best one.
    assert (plain.aac_coder, tiktok.aac_coder, draft.aac_coder) == ("twoloop", "twoloop", "fast")
    assert plan_encoding(spec, draft=True).aac_coder == "fast"


def test_preview_profile_renders_540x960_with_layers_scaled(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "in.mp4", 1.0, fps=25, tone=None)
    make_square_png(tmp_path / "green.png", 40, (0, 255, 0, 255))
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 25}\n"
        "stickers: [{image: green.png, at: [30, 40], width: 20}]\n"
        "output: {profile: tiktok, thumbnail: null, sidecar: false}\n"
    )
    out = tmp_path / "out.mp4"
    # --profile wins over the preset's output.profile.
    result = run_cli("render", str(clip), "-p", str(preset), "-o", str(out), "--profile", "preview")
    assert result.exit_code == 0, result.stderr
    info = probe(out)
    assert (info.width, info.height) == (540, 960) and info.fps == pytest.approx(30)
    frame = frame_at(out, 0.5, (540, 960)).astype(int)
    green = (frame[..., 1] > 200) & (frame[..., 0] < 80) & (frame[..., 2] < 80)
    x, y = blob_centre(frame, green)
    assert abs(x - 90) <= 2 and abs(y - 120) <= 2 and 3000 < green.sum() < 4000  # 60x60 px


def test_square_profile_keeps_percent_positions_in_the_new_frame(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320}\n"
        "text: [{content: 'x', at: ['50%', '85%'], size: 4, color: '#0000ff',"
        " box: {color: '#0000ff', padding: 4}}]\n"
        "output: {profile: square, thumbnail: null, sidecar: false}\n"
    )
    out = tmp_path / "sq.mp4"
    clipforge.render([clip], out, preset)
    info = probe(out)
    assert (info.width, info.height) == (1080, 1080)
    frame = frame_at(out, 0.2, (1080, 1080)).astype(int)
    blue = (frame[..., 2] > 180) & (frame[..., 0] < 80)
    x, y = blob_centre(frame, blue)
    assert abs(x - 540) <= 6 and abs(y - 918) <= 6


def test_bitrate_cap_holds_on_busy_footage(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    noise = [rng.integers(0, 256, (96, 54, 3), np.uint8) for _ in range(60)]

    def source() -> clipforge.FrameSource:
        # Blocky noise: expensive for any encoder, cheap to make.
        frames = (np.repeat(np.repeat(f, 10, axis=0), 10, axis=1) for f in noise)
        return clipforge.FrameSource(frames, fps=30, duration=2.0)

    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 540x960}\n"
        "output: {thumbnail: null, sidecar: false, preset: superfast}\n"
    )
    free, capped = tmp_path / "free.mp4", tmp_path / "capped.mp4"
    clipforge.render([source()], free, preset)
    clipforge.render([source()], capped, preset, profile="preview")
    cap = PROFILES["preview"].max_video_kbps
    # x264's VBV buffer (one second of the cap) may start 90 % full: spread over 2 s.
    allowed = cap * (1 + 0.9 / 2)
    assert video_kbps(capped) <= allowed * 1.03
    assert video_kbps(free) > 3 * allowed  # without the cap the same footage is far bigger


def test_unknown_profiles_are_refused(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    preset = tmp_path / "p.yaml"
    preset.write_text("clipforge: 1\noutput:\n  profile: tiktk\n")
    result = run_cli("render", str(clip), "-p", str(preset), "-o", str(tmp_path / "a.mp4"))
    assert result.exit_code == 2
    assert f"{preset}:3" in result.stderr and "output.profile" in result.stderr
    assert "known profiles: preview, reels, shorts, square, tiktok" in result.stderr
    result = run_cli("render", str(clip), "-o", str(tmp_path / "b.mp4"), "--profile", "vine")
    assert result.exit_code == 2 and "'vine' is not one of" in result.stderr
    assert sorted(tmp_path.iterdir()) == sorted([clip, preset])
