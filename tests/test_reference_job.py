"""The reference job of DESIGN.md, at full size, decoded back and measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.media import decode_audio
from clipforge.spec.assets import shipped_assets_dir
from tests.audio_helpers import ebur128
from tests.gen import ffmpeg_info, frame_at, make_video, tone_level, top_level_boxes, window

ROOT = Path(__file__).resolve().parents[1]
FULL = (1080, 1920)
MUSIC = shipped_assets_dir() / "music" / "pop-120.m4a"


@pytest.fixture(scope="module")
def reference_output(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reference")
    footage = make_video(folder / "in.mp4", 15.0, size=FULL, color="gray", tone=440.0)
    out = folder / "out.mp4"
    clipforge.render([footage], out, ROOT / "benchmarks" / "reference.yaml")
    return out


def red_mask(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(int)
    return (f[..., 0] > 180) & (f[..., 1] < 110) & (f[..., 2] < 140)


@pytest.mark.slow
def test_reference_job_format(reference_output):
    info = clipforge.media.probe(reference_output)
    assert (info.width, info.height) == FULL and info.fps == pytest.approx(30.0)
    assert 14.9 <= info.duration <= 15.0 + 1e-6 or info.duration == pytest.approx(15.0, abs=0.03)
    text = ffmpeg_info(reference_output)
    assert "h264 (High)" in text and "yuv420p" in text and "Audio: aac" in text
    boxes = top_level_boxes(reference_output)
    assert boxes.index("moov") < boxes.index("mdat")


@pytest.mark.slow
def test_reference_job_layers_where_the_preset_puts_them(reference_output):
    early = frame_at(reference_output, 1.0, FULL)
    # The heart: 240 px wide (white border included), centred on ("80%", "20%") = (864, 384).
    # Only the right half is searched: the star's orange rim is red enough to count.
    ys, xs = np.nonzero(red_mask(early[:, 600:]))
    xs = xs + 600
    assert abs(xs.mean() - 864) < 15 and abs(ys.mean() - 384) < 25
    assert 160 < xs.max() - xs.min() <= 240  # the red inside the white rim
    sparkle_box = (slice(714, 1014), slice(390, 690))  # 300 px around ("50%", "45%")
    mid = frame_at(reference_output, 5.0, FULL)
    late = frame_at(reference_output, 11.0, FULL)
    diff_on = np.abs(mid[sparkle_box].astype(int) - early[sparkle_box]).mean()
    diff_off = np.abs(late[sparkle_box].astype(int) - early[sparkle_box]).mean()
    assert diff_on > 10 and diff_off < 3  # shown 2-10 s only (the star passes elsewhere)
    caption = late[1580:1690, 100:980].astype(int)
    assert ((caption > 235).all(axis=2)).sum() > 2000  # white caption glyphs


@pytest.mark.slow
def test_reference_job_sound(reference_output):
    body = window(reference_output, 3.0, 2.0)
    original = tone_level(body, 440.0)
    rms = float(np.sqrt((body**2).mean()))
    # The mix is brought to -14 LUFS (`audio.loudness` defaults to it): one gain for every
    # track, so the original keeps its level against the music (-12 dB vs -3 dB), not its
    # absolute level.
    loudness, peak = ebur128(reference_output)
    assert loudness == pytest.approx(-14.0, abs=1.0) and peak <= -1.0
    tone = 0.125 * 10 ** (-12 / 20)
    music = decode_audio(MUSIC, start=3.0, duration=2.0) * 10 ** (-3 / 20)
    expected = tone / np.sqrt(np.mean(music**2) + tone**2 / 2)
    assert original / rms == pytest.approx(expected, rel=0.25)
    assert rms > 3 * original  # the music plays over the original
    tail = window(reference_output, 14.9, 0.1)
    assert float(np.sqrt((tail**2).mean())) < rms / 3  # faded out at the end
