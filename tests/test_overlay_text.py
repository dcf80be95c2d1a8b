"""Text layers: fonts from assets, enter/exit, keyframes, rendered once per change."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.errors import InputError
from clipforge.geometry import Geometry
from clipforge.overlay import build
from clipforge.overlay.build import build_overlays
from clipforge.overlay.fonts import BUILTIN_FONT, load_font, missing_glyphs
from clipforge.overlay.text import TextStyle, render_text
from clipforge.spec import preset_from_dict
from tests.gen import blob_centre, frame_at, make_video

SMALL = (180, 320)


def _overlays(tmp_path: Path, text: dict, duration: float = 2.0):
    preset = preset_from_dict({"clipforge": 1, "canvas": {"size": "180x320"}, "text": [text]})
    return build_overlays(preset, Geometry(SMALL), [tmp_path], duration=duration)


def _ink(layer) -> float:
    return float(layer.source[..., 3].astype(np.float64).sum())


def test_font_from_assets_is_used(tmp_path):
    # The built-in font is Roboto at weight 700; the same file as an asset is its default
    # (regular, 400) instance: a thinner font, so less ink for the same text.
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copyfile(BUILTIN_FONT, fonts / "regular.ttf")
    builtin = _overlays(tmp_path, {"content": "Grüße", "size": 40}).layers[0]
    asset = _overlays(tmp_path, {"content": "Grüße", "size": 40, "font": "fonts/regular.ttf"})
    assert _ink(asset.layers[0]) < 0.85 * _ink(builtin)


def test_broken_font_asset_is_a_clear_error(tmp_path):
    (tmp_path / "broken.ttf").write_bytes(b"not a font at all")
    with pytest.raises(InputError, match=r"broken\.ttf: cannot read font"):
        _overlays(tmp_path, {"content": "hi", "font": "broken.ttf"})


def test_missing_glyph_warns_and_still_renders(tmp_path):
    with pytest.warns(UserWarning, match=r"text\[0\].*no glyph.*\u4e2d"):
        overlays = _overlays(tmp_path, {"content": "Käse \u4e2d"})
    assert _ink(overlays.layers[0]) > 0


def test_text_is_rendered_once_however_it_moves(tmp_path, monkeypatch):
    calls = []
    real = build.render_text
    monkeypatch.setattr(build, "render_text", lambda *a: calls.append(a[0]) or real(*a))
    overlays = _overlays(
        tmp_path,
        {
            "content": "Hallo",
            "size": 30,
            "enter": {"type": "pop", "seconds": 0.5},
            "animate": [{"t": 0, "at": [40, 60]}, {"t": 2, "at": [140, 260], "rotate": 20}],
        },
    )
    frame = np.zeros((320, 180, 3), np.uint8)
    for n in range(60):
        overlays.draw(frame, n / 30)
    assert calls == ["Hallo"]


def test_wrapping_alignment_and_line_spacing():
    font = load_font(None, 30)
    text = "eins zwei drei vier fünf sechs"

    def rows(img):
        return np.nonzero(img[..., 3].max(axis=1) > 0)[0]

    narrow = render_text(text, TextStyle(font=font, max_width=120))
    wide = render_text(text, TextStyle(font=font, max_width=None))
    assert narrow.shape[1] <= 120 + 4 < wide.shape[1] and narrow.shape[0] > 2 * wide.shape[0]
    loose = render_text(text, TextStyle(font=font, max_width=120, line_spacing=2.0))
    assert rows(loose)[-1] - rows(loose)[0] > 1.4 * (rows(narrow)[-1] - rows(narrow)[0])

    def left_edges(align):
        img = render_text("a\nlonger line", TextStyle(font=font, align=align))
        top = img[: img.shape[0] // 2, :, 3].max(axis=0)
        return np.nonzero(top)[0][[0, -1]], img.shape[1]

    (left, _), w = left_edges("left")
    (_, right), _ = left_edges("right")
    (l2, r2), _ = left_edges("center")
    assert left < 10 and right > w - 10 and abs((l2 + r2) / 2 - w / 2) < 4


def test_box_has_rounded_corners():
    font = load_font(None, 30)
    square = render_text("Box", TextStyle(font=font, box_color=(0, 0, 255, 255), box_padding=12))
    round_ = render_text(
        "Box", TextStyle(font=font, box_color=(0, 0, 255, 255), box_padding=12, box_radius=12)
    )
    ys, xs = np.nonzero(square[..., 3])
    corner = (ys.min(), xs.min())
    assert square[corner][3] == 255 and round_[corner][3] < 60
    assert round_[(ys.min() + ys.max()) // 2, xs.min() + 1][3] == 255  # edge middle is filled


@pytest.fixture(scope="module")
def gray_clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "gray.mp4", seconds=2.0, tone=None)


def test_text_enter_and_exit_in_the_output(tmp_path, gray_clip):
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        "text:\n  - {content: 'HI', at: [90, 160], size: 60, color: '#ff0000',"
        " start: 0.5, end: 1.7, enter: {type: slide-right, seconds: 0.4},"
        " exit: {type: fade, seconds: 0.6}}\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset)

    def red(t):
        frame = frame_at(out, t, SMALL).astype(int)
        mask = (frame[..., 0] - frame[..., 1]) > 40
        return frame, mask

    frame, mask = red(1.0)  # settled, fully opaque
    settled_x, _ = blob_centre(frame, mask)
    assert abs(settled_x - 90) < 3
    contrast = frame[..., 0] - frame[..., 1]
    # slide-right comes from the left: 20% of the canvas width (36 px) away at the start,
    # ease-out; at 0.6 s it is 1/4 of the way in time.
    frame, mask = red(0.6)
    x, _ = blob_centre(frame, mask)
    left = 36 * (1 - 0.25) ** 3  # what ease-out (1 - (1 - p)^3) leaves to go
    assert abs(x - (settled_x - left)) < 2, (x, settled_x, left)
    # Fading out from 1.1 s to 1.7 s: at 1.5 s the opacity is 1/3.
    faded, _ = red(1.5)
    core = mask_at_1 = contrast > 200
    assert mask_at_1.sum() > 50
    ratio = (faded[..., 0] - faded[..., 1])[core].mean() / contrast[core].mean()
    assert ratio == pytest.approx(1 / 3, abs=0.08)
    assert not red(1.8)[1].any() and not red(0.4)[1].any()


def test_decomposed_accents_render_like_composed_ones_without_a_warning():
    font = load_font(None, 40)
    composed = render_text("Grüße, café", TextStyle(font=font))
    decomposed = render_text("Gru\u0308ße, cafe\u0301", TextStyle(font=font))
    assert np.array_equal(composed, decomposed)
    assert missing_glyphs(font, "Gru\u0308ße cafe\u0301") == []
