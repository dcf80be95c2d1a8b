"""Sprites, animation and text: measured on the pixels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from clipforge.animation import EASINGS, Track
from clipforge.overlay.fonts import load_font, missing_glyphs
from clipforge.overlay.sprite import Sprite, anchored_origin, blend, premultiply, transform
from clipforge.overlay.text import TextStyle, render_text, wrap


def test_blend_matches_alpha_compositing_formula():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (10, 12, 4), dtype=np.uint8)
    out = frame.copy()
    blend(out, Sprite.from_rgba(rgba), 5, 7)
    a = rgba[..., 3:4] / 255.0
    expected = rgba[..., :3] * a + frame[7:17, 5:17] * (1 - a)
    assert np.abs(out[7:17, 5:17].astype(float) - expected).max() <= 1.5
    untouched = out.copy()
    untouched[7:17, 5:17] = frame[7:17, 5:17]
    assert np.array_equal(untouched, frame)  # nothing outside the bounding box changes


def test_blend_clips_at_frame_edges():
    frame = np.zeros((20, 20, 3), np.uint8)
    white = np.full((10, 10, 4), 255, np.uint8)
    blend(frame, Sprite.from_rgba(white), -5, 15)
    assert frame[15:, :5].min() == 255 and frame[:15].max() == 0 and frame[:, 5:].max() == 0


def test_transform_size_rotation_opacity():
    square = premultiply(np.full((100, 50, 4), 255, np.uint8))
    assert transform(square, 20, 40).shape[:2] == (40, 20)
    turned = transform(square, 50, 100, rotate=90)
    assert turned.shape[:2] == (50, 100)
    faded = transform(square, 50, 100, opacity=0.5)
    assert abs(int(faded[50, 25, 3]) - 128) <= 1 and abs(int(faded[50, 25, 0]) - 128) <= 1


def test_no_dark_fringe_when_scaling_premultiplied():
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[16:48, 16:48] = (255, 255, 255, 255)  # white square, black transparent surround
    small = transform(premultiply(rgba), 17, 17)
    frame = np.full((17, 17, 3), 255, np.uint8)
    blend(frame, Sprite.from_premultiplied(small), 0, 0)
    assert frame.min() >= 254  # white on white stays white at the soft edge


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [("center", (90, 180)), ("top-left", (100, 200)), ("bottom-right", (80, 160))],
)
def test_anchor(anchor, expected):
    assert anchored_origin((100.0, 200.0), (20, 40), anchor) == expected


def test_easings_start_at_zero_and_end_at_one():
    for name, ease in EASINGS.items():
        assert ease(0.0) == pytest.approx(0.0, abs=1e-9), name
        assert ease(1.0) == pytest.approx(1.0, abs=1e-9), name
    assert EASINGS["out-back"](0.7) > 1.0  # overshoots


def test_track_interpolates_and_holds():
    track = Track.of([(0.0, (0.0, 0.0), "linear"), (2.0, (100.0, 50.0), "linear")])
    assert track(1.0) == (50.0, 25.0)
    assert track(-1.0) == (0.0, 0.0) and track(5.0) == (100.0, 50.0)
    eased = Track.of([(0.0, 0.0, "ease-in"), (1.0, 1.0, "linear")])
    assert eased(0.5) == pytest.approx(0.125)


def test_builtin_font_has_german_and_accents_and_reports_missing():
    font = load_font(None, 48)
    assert missing_glyphs(font, "Grüße aus Köln, déjà vu, ñ") == []
    assert missing_glyphs(font, "ok \U0001f600") == ["\U0001f600"]


def test_wrap_at_max_width():
    font = load_font(None, 40)
    lines = wrap("one two three four five six seven", font, 200)
    assert len(lines) > 1 and all(font.getlength(line) <= 200 for line in lines)


def test_stroke_is_outside_the_glyph():
    font = load_font(None, 80)
    plain = render_text("I", TextStyle(font=font, color=(255, 255, 255, 255)))
    stroked = render_text(
        "I",
        TextStyle(
            font=font, color=(255, 255, 255, 255), stroke_width=6, stroke_color=(255, 0, 0, 255)
        ),
    )

    # The white core of the glyph is as wide with a stroke as without one.
    def white_width(img):
        row = img[img.shape[0] // 2]
        return int(((row[:, 0] > 250) & (row[:, 1] > 250) & (row[:, 3] > 250)).sum())

    assert white_width(stroked) == white_width(plain) > 0
    red = (stroked[..., 0] > 200) & (stroked[..., 1] < 60)
    assert red.sum() > 0


def test_box_is_drawn_with_padding():
    font = load_font(None, 40)
    img = render_text("Hi", TextStyle(font=font, box_color=(0, 0, 255, 255), box_padding=10))
    assert img[img.shape[0] // 2, 3, 2] == 255  # blue box reaches past the text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_text("Grüße", TextStyle(font=font))


def test_shadow_is_offset_and_blurred():
    font = load_font(None, 60)
    style = TextStyle(
        font=font, shadow_offset=(8.0, 8.0), shadow_blur=0.0, shadow_color=(255, 0, 0, 255)
    )
    img = render_text("I", style)
    red = (img[..., 0] > 200) & (img[..., 1] < 50) & (img[..., 3] > 200)
    white = (img[..., 1] > 200) & (img[..., 3] > 200)
    rx, ry = np.nonzero(red)[1].mean(), np.nonzero(red)[0].mean()
    wx, wy = np.nonzero(white)[1].mean(), np.nonzero(white)[0].mean()
    assert rx > wx + 3 and ry > wy + 3  # the shadow shows to the lower right
    blurred = render_text(
        "I",
        TextStyle(
            font=font, shadow_offset=(8.0, 8.0), shadow_blur=8.0, shadow_color=(255, 0, 0, 255)
        ),
    )
    soft = (blurred[..., 3] > 10) & (blurred[..., 3] < 200)
    assert soft.sum() > red.sum() * 0.2  # the blur spreads a soft edge
