"""Animated stickers (GIF, APNG, WebP): frames decoded once, shown at their own timing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import clipforge
from clipforge.errors import InputError
from clipforge.geometry import Geometry
from clipforge.overlay import animated, build, layers
from clipforge.overlay.animated import SpriteFrames, load_sticker
from clipforge.overlay.build import build_overlays
from clipforge.spec import preset_from_dict
from clipforge.spec.assets import shipped_assets_dir
from tests.gen import frame_at, make_video

SMALL = (180, 320)
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
DURATIONS_MS = [200, 100, 300]


def make_animation(path: Path, colours=COLOURS, durations=DURATIONS_MS, size: int = 40) -> Path:
    """Solid-colour frames with their own durations, saved as GIF / APNG / WebP by suffix."""
    frames = [Image.new("RGBA", (size, size), (*c, 255)) for c in colours]
    options = {"lossless": True} if path.suffix == ".webp" else {}
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=durations, loop=0, **options
    )
    return path


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp"])
def test_frames_and_timing_are_read_from_each_format(tmp_path, suffix):
    sprite = load_sticker(make_animation(tmp_path / f"anim{suffix}"))
    assert len(sprite.frames) == 3
    assert sprite.durations == pytest.approx([d / 1000 for d in DURATIONS_MS])
    for frame, colour in zip(sprite.frames, COLOURS, strict=True):
        assert frame.shape == (40, 40, 4)
        assert np.abs(frame[20, 20].astype(int) - [*colour, 255]).max() <= 2


@pytest.mark.parametrize(
    ("name", "count", "ms"),
    [("sparkle-anim.gif", 10, 80), ("heart-beat.png", 8, 100), ("confetti.webp", 12, 83)],
)
def test_shipped_animated_stickers(name, count, ms):
    sprite = load_sticker(shipped_assets_dir() / "stickers" / name)
    assert len(sprite.frames) == count
    assert sprite.durations == pytest.approx([ms / 1000] * count)
    # It is an animation, not one frame repeated.
    assert len({frame.tobytes() for frame in sprite.frames}) >= count // 2


def test_frames_are_premultiplied(tmp_path):
    path = tmp_path / "half.gif"
    # A GIF has on/off transparency only: a transparent pixel must come out all zero.
    image = Image.new("RGBA", (10, 10), (255, 255, 0, 0))
    image.putpixel((5, 5), (255, 255, 0, 255))
    image.save(path)
    frame = load_sticker(path).frames[0]
    assert frame[0, 0].tolist() == [0, 0, 0, 0]
    assert frame[5, 5].tolist() == [255, 255, 0, 255]


def test_index_at_loops_or_holds():
    frames = tuple(np.zeros((2, 2, 4), np.uint8) for _ in range(3))
    looping = SpriteFrames(frames, (0.2, 0.1, 0.3))
    assert [looping.index_at(t) for t in (0.0, 0.19, 0.21, 0.35, 0.61, 0.85, 1.25)] == [
        0,
        0,
        1,
        2,
        0,
        1,
        0,
    ]
    held = looping.with_loop(False)
    assert [held.index_at(t) for t in (0.1, 0.61, 5.0)] == [0, 2, 2]


def test_gif_without_delays_uses_100_ms(tmp_path):
    path = make_animation(tmp_path / "fast.gif", durations=[0, 0, 0])
    assert load_sticker(path).durations == pytest.approx([0.1, 0.1, 0.1])


def test_caps_on_frames_and_total_pixels(tmp_path, monkeypatch):
    path = make_animation(tmp_path / "anim.gif")  # 3 frames of 40x40 = 4800 px
    monkeypatch.setattr(animated, "MAX_ANIMATED_PIXELS", 4000)
    with pytest.raises(InputError, match=r"anim\.gif.*3 frames of 40x40"):
        load_sticker(path)
    monkeypatch.setattr(animated, "MAX_ANIMATED_PIXELS", 10_000)
    monkeypatch.setattr(animated, "MAX_STICKER_FRAMES", 2)
    with pytest.raises(InputError, match=r"anim\.gif.*3 frames, more than the 2"):
        load_sticker(path)


def test_unreadable_sticker_names_the_file(tmp_path):
    path = tmp_path / "broken.webp"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WEBPjunk")
    with pytest.raises(InputError, match=r"broken\.webp: cannot read sticker image"):
        load_sticker(path)


@pytest.mark.parametrize("copies", [1, 3])
def test_each_frame_is_transformed_once_and_shared(tmp_path, monkeypatch, copies):
    make_animation(tmp_path / "anim.gif")
    sticker = {"image": "anim.gif", "width": 30}
    stickers = [{**sticker, "at": [40 + 50 * i, 160]} for i in range(copies)]
    preset = preset_from_dict({"clipforge": 1, "canvas": {"size": "180x320"}, "stickers": stickers})
    loads, calls = [], []
    real_load, real_transform = build.load_sticker, layers.transform
    monkeypatch.setattr(build, "load_sticker", lambda p: loads.append(p) or real_load(p))
    monkeypatch.setattr(
        layers, "transform", lambda *a, **k: calls.append(a[1:]) or real_transform(*a, **k)
    )
    overlays = build_overlays(preset, Geometry((180, 320)), [tmp_path], duration=2.0)
    frame = np.zeros((320, 180, 3), np.uint8)
    for n in range(60):  # two seconds: more than three loops of the 0.6 s animation
        overlays.draw(frame, n / 30)
    # Decoded once, and each of its 3 frames resized once, however many layers show it.
    assert len(loads) == 1 and len(calls) == 3
    assert (frame[160, 40 + 50 * (copies - 1)] > 0).any()


def test_animated_frames_are_shrunk_to_the_size_shown():
    preset = preset_from_dict(
        {"clipforge": 1, "stickers": [{"image": "stickers/confetti.webp", "width": 100}]}
    )
    (layer,) = build_overlays(preset, Geometry((1080, 1920)), duration=1.0).layers
    # 384 px source, shown at 100 px: kept at no more than the margin above that.
    assert layer.frames.size[0] <= 125 and len(layer.frames.frames) == 12


@pytest.fixture(scope="module")
def gray_clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "gray.mp4", seconds=2.0, tone=None)


def _colour_at(path: Path, t: float) -> tuple[int, int, int]:
    frame = frame_at(path, t, SMALL).astype(int)
    return tuple(int(v) for v in frame[150:170, 80:100].reshape(-1, 3).mean(axis=0))


def _nearest(colour) -> int:
    return int(np.argmin([np.abs(np.subtract(colour, c)).sum() for c in COLOURS]))


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
@pytest.mark.parametrize("loop", [True, False])
def test_animated_sticker_shows_its_frames_at_their_own_timing(tmp_path, gray_clip, suffix, loop):
    make_animation(tmp_path / f"anim{suffix}")
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        f"stickers: [{{image: anim{suffix}, at: [90, 160], width: 60, start: 0.5,"
        f" loop: {str(loop).lower()}}}]\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset)
    # Frames: red 0-0.2 s, green 0.2-0.3 s, blue 0.3-0.6 s after the sticker's start (0.5 s).
    expected = (
        {0.1: 0, 0.25: 1, 0.45: 2, 0.7: 0, 0.85: 1, 1.2: 2}
        if loop
        else {0.1: 0, 0.25: 1, 0.45: 2, 0.7: 2, 0.85: 2, 1.2: 2}
    )
    seen = {local: _nearest(_colour_at(out, 0.5 + local)) for local in expected}
    assert seen == expected
    # Before its start the sticker is not there: the footage's grey shows.
    before = _colour_at(out, 0.3)
    assert max(before) - min(before) < 10
