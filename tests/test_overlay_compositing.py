"""Stickers against independent references: ffmpeg's overlay filter and easing formulas."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import clipforge
from clipforge.geometry import Geometry
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.overlay.build import build_overlays
from clipforge.overlay.sprite import Sprite, blend, premultiply
from clipforge.spec import preset_from_dict
from clipforge.spec.assets import shipped_assets_dir
from tests.gen import blob_centre, frame_at, make_square_png, make_video


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def ffmpeg_overlay(background: Path, sticker: Path, x: int, y: int, out: Path) -> np.ndarray:
    """ffmpeg's own `overlay` of a straight-alpha RGBA PNG on an RGB PNG, as RGB."""
    run_ffmpeg(
        [
            "-y", "-i", str(background), "-i", str(sticker), "-filter_complex",
            f"[0:v][1:v]overlay=x={x}:y={y}:format=rgb,format=rgb24", "-frames:v", "1", str(out),
        ],
        timeout=60,
    )  # fmt: skip
    return np.asarray(Image.open(out).convert("RGB"))


def soft_sticker(path: Path) -> Path:
    """Saturated colours under a soft radial alpha, black where fully transparent (the case
    that shows dark fringes when alpha is handled wrong)."""
    size = 120
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - size / 2, yy - size / 2) / (size / 2)
    alpha = np.clip((1.0 - r) * 2.5, 0, 1) * 255
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 1] = (xx * 255 / size).astype(np.uint8)
    rgba[..., 2] = (yy * 255 / size).astype(np.uint8)
    rgba[..., 3] = alpha.astype(np.uint8)
    rgba[alpha == 0, :3] = 0
    Image.fromarray(rgba).save(path)
    return path


@pytest.mark.parametrize("sticker", ["soft", "heart"])
def test_static_sticker_matches_ffmpeg_overlay(tmp_path, sticker):
    path = (
        soft_sticker(tmp_path / "soft.png")
        if sticker == "soft"
        else shipped_assets_dir() / "stickers" / "heart.png"
    )
    w, h = Image.open(path).size
    canvas = (w + 80, h + 60)
    rng = np.random.default_rng(3)
    # A busy light background: dark fringes would show against it.
    background = np.clip(rng.normal(200, 30, (canvas[1], canvas[0], 3)), 0, 255).astype(np.uint8)
    Image.fromarray(background).save(tmp_path / "bg.png")
    x, y = 37, 23
    reference = ffmpeg_overlay(tmp_path / "bg.png", path, x, y, tmp_path / "ref.png")

    preset = preset_from_dict(
        {
            "clipforge": 1,
            "canvas": {"size": list(canvas)},
            "stickers": [{"image": path.name, "at": [x, y], "anchor": "top-left"}],
        }
    )
    overlays = build_overlays(preset, Geometry(canvas), [path.parent], duration=1.0)
    frame = background.copy()
    overlays.draw(frame, 0.0)
    box = (slice(y, y + h), slice(x, x + w))
    assert psnr(frame[box], reference[box]) >= 40
    assert psnr(frame, reference) >= 40
    # No dark fringe: nowhere is the blend darker than both the background and the sticker's
    # own colour would allow (a fringe shows as pixels well below ffmpeg's).
    assert (reference[box].astype(int) - frame[box].astype(int)).max() <= 6


def expected_track(t: float) -> tuple[float, float]:
    """The keyframes of the test below, evaluated with the textbook easing formulas."""
    points = [(0.0, (100.0, 200.0)), (1.0, (900.0, 1500.0)), (1.6, (500.0, 1700.0))]

    def ease_in_out_cubic(x):
        return 4 * x**3 if x < 0.5 else 1 - (-2 * x + 2) ** 3 / 2

    def out_back(x):
        c1 = 1.70158
        return 1 + (c1 + 1) * (x - 1) ** 3 + c1 * (x - 1) ** 2

    eases = [ease_in_out_cubic, out_back]
    for (t0, a), (t1, b), ease in zip(points, points[1:], eases, strict=False):
        if t0 <= t <= t1:
            k = ease((t - t0) / (t1 - t0))
            return a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k
    raise AssertionError(t)


@pytest.mark.slow
def test_keyframed_sticker_is_at_the_interpolated_position_full_size(tmp_path):
    clip = make_video(tmp_path / "gray.mp4", seconds=1.7, size=(1080, 1920), tone=None)
    make_square_png(tmp_path / "red.png", 64, (255, 0, 0, 255))
    preset = tmp_path / "p.yaml"
    preset.write_text(
        """clipforge: 1
output: {preset: ultrafast}
stickers:
  - image: red.png
    at: [100, 200]
    animate:
      - {t: 0, at: [100, 200], ease: ease-in-out}
      - {t: 1.0, at: [900, 1500], ease: out-back}
      - {t: 1.6, at: [500, 1700]}
"""
    )
    out = tmp_path / "out.mp4"
    clipforge.render([clip], out, preset)
    for t in (0.3, 0.6, 1.2):  # 9th, 18th and 36th frames
        frame = frame_at(out, t, (1080, 1920)).astype(int)
        red = (frame[..., 0] > 180) & (frame[..., 1] < 90) & (frame[..., 2] < 90)
        x, y = blob_centre(frame, red)
        ex, ey = expected_track(t)
        # Pixel i spans [i, i + 1): the mean index of a blob is its centre minus half a pixel.
        assert abs(x + 0.5 - ex) <= 2 and abs(y + 0.5 - ey) <= 2, (t, (x, y), (ex, ey))


def test_transparent_margins_are_trimmed_but_placement_is_unchanged():
    rng = np.random.default_rng(5)
    rgba = np.zeros((60, 80, 4), np.uint8)
    rgba[10:30, 25:70] = rng.integers(0, 256, (20, 45, 4), dtype=np.uint8)
    rgba[10:30, 25:70, 3] = rng.integers(1, 256, (20, 45), dtype=np.uint8)
    premultiplied = premultiply(rgba)
    trimmed = Sprite.from_premultiplied(premultiplied)
    whole = Sprite.from_premultiplied(premultiplied, trim=False)
    assert trimmed.color.shape[:2] == (20, 45) and trimmed.offset == (25, 10)
    assert trimmed.size == whole.size == (80, 60)
    frame = rng.integers(0, 256, (100, 120, 3), dtype=np.uint8)
    for x, y in ((7, 9), (-30, -5), (90, 70)):  # inside, and clipped at both edges
        a, b = frame.copy(), frame.copy()
        blend(a, trimmed, x, y)
        blend(b, whole, x, y)
        assert np.array_equal(a, b)


def test_premultiply_rounds_every_colour_and_alpha_pair_to_nearest() -> None:
    levels = np.arange(256, dtype=np.uint8)
    colour, alpha = np.meshgrid(levels, levels)  # every (c, a) pair, in all three channels
    rgba = np.dstack([colour, colour[:, ::-1], colour, alpha])
    out = premultiply(rgba)
    expect = (rgba[:, :, :3].astype(np.int64) * alpha[:, :, None] + 127) // 255
    assert np.array_equal(out[:, :, :3], expect) and np.array_equal(out[:, :, 3], alpha)
    # Views (a sticker frame cut out of a sheet) are read correctly too.
    assert np.array_equal(premultiply(rgba[::2, 1::3]), out[::2, 1::3])


def test_a_still_layer_keeps_one_state_and_a_moving_one_follows_its_keyframes() -> None:
    from clipforge.animation import Track
    from clipforge.overlay.layers import Motion

    still = Motion(*(Track.constant(v) for v in ((10.0, 20.0), 50.0, 40.0, 0.0, 1.0)))
    assert still.state(0.0) is still.state(7.5)  # made once
    assert still.state(7.5).at == (10.0, 20.0)
    moving = Motion(
        Track.of([(0.0, (0.0, 0.0), "linear"), (2.0, (100.0, 50.0), "linear")]),
        *(Track.constant(v) for v in (50.0, 40.0, 0.0, 1.0)),
    )
    assert moving.state(1.0).at == (50.0, 25.0) and moving.state(2.0).at == (100.0, 50.0)
