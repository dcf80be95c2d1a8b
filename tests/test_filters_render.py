"""Filters end to end: renders decoded back and measured, every look preset of the catalog."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import clipforge
from clipforge.filters import compile_chain
from clipforge.spec import catalog, load_preset
from tests.gen import frame_at, make_video

SMALL = (180, 320)
LOOKS = sorted(
    name
    for name, _ in catalog()
    if any(f.type == "lut" for f in load_preset(name).filters) or name == "glitch"
)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("looks")


@pytest.fixture(scope="module")
def source(media) -> Path:
    return make_video(media / "bars.mp4", seconds=1.0, color=None, tone=None)


@pytest.fixture(scope="module")
def plain(media, source) -> Path:
    out = media / "plain.mp4"
    clipforge.render([source], out, small_preset(media, "default"))
    return out


def small_preset(folder: Path, name: str) -> Path:
    """The catalog preset `name` on a small canvas (filters, radii and all else unchanged)."""
    path = folder / f"small-{name}.yaml"
    path.write_text(
        f"clipforge: 1\nextends: {name}\ncanvas: {{size: 180x320, fps: 30}}\n"
        "output: {thumbnail: null, sidecar: false}\n"
    )
    return path


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(float) - b.astype(float)) ** 2).mean())
    return 10 * np.log10(255**2 / max(mse, 1e-12))


def soft(frame: np.ndarray) -> np.ndarray:
    """Blurred a little: codec noise and grain out, the grade kept."""
    return cv2.GaussianBlur(frame, (0, 0), 2.0)


def test_there_are_look_presets_using_shipped_luts():
    assert len(LOOKS) >= 6


@pytest.mark.parametrize("name", LOOKS)
def test_look_preset_renders_its_filters(media, source, plain, name):
    preset = small_preset(media, name)
    out = media / f"{name}.mp4"
    clipforge.render([source], out, preset)
    t = 0.5
    graded = frame_at(out, t, SMALL)
    before = frame_at(plain, t, SMALL)
    # What the preset's filters do to the plain decoded frame, at the same time (same grain).
    expected = compile_chain(load_preset(preset).filters, SMALL)(before.copy(), t)
    assert psnr(soft(graded), soft(expected)) >= 33.0
    assert psnr(soft(graded), soft(before)) < psnr(soft(graded), soft(expected)) - 3


def test_filter_window_and_strength_keyframes_in_a_render(tmp_path):
    clip = make_video(tmp_path / "red.mp4", seconds=2.0, color="0xC83C32", tone=None)
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320}\nfilters:\n"
        "  - {type: grayscale, start: 0.5, end: 1.5,\n"
        "     strength: [{t: 0, value: 0.5}, {t: 0.5, value: 1}]}\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([clip], out, preset)

    def spread(t: float) -> float:  # max - min of the channels: 0 is grey
        pixel = frame_at(out, t, SMALL)[100:220, 40:140].reshape(-1, 3).mean(axis=0)
        return float(pixel.max() - pixel.min())

    colour = spread(0.2)
    assert colour > 120
    assert spread(0.5) == pytest.approx(colour / 2, abs=8)  # window opens at strength 0.5
    assert spread(1.2) < 6  # full strength after 0.5 s of the window
    assert spread(1.7) == pytest.approx(colour, abs=6)  # window closed


def test_same_render_twice_gives_the_same_grain(tmp_path):
    clip = make_video(tmp_path / "grey.mp4", seconds=0.5, color="0x808080", tone=None)
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320}\nfilters: [{type: grain, amount: 0.06, seed: 42}]\n"
    )
    first, second = tmp_path / "a.mp4", tmp_path / "b.mp4"
    clipforge.render([clip], first, preset)
    clipforge.render([clip], second, preset)
    a, b = frame_at(first, 0.2, SMALL), frame_at(second, 0.2, SMALL)
    assert np.array_equal(a, b)
    assert a.astype(float).std() > 0.6 * 0.06 * 255  # grain survives the encoder
    assert not np.array_equal(a, frame_at(first, 0.3, SMALL))  # and moves every frame
