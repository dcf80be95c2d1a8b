"""Builds the sprite layers of a render from a preset's `stickers` and `text`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from clipforge.errors import InputError
from clipforge.geometry import Geometry
from clipforge.overlay.fonts import load_font, warn_missing_glyphs
from clipforge.overlay.layers import SpriteLayer, build_motion
from clipforge.overlay.sprite import premultiply
from clipforge.overlay.text import TextStyle, render_text
from clipforge.spec.assets import resolve_asset
from clipforge.spec.values import parse_color

# Stickers are small: anything bigger than this is a mistake or a decompression bomb.
MAX_STICKER_PIXELS = 4096 * 4096


def _name(value) -> str:
    """Enum members and plain strings alike."""
    return str(getattr(value, "value", value))


def load_sticker(path: Path) -> np.ndarray:
    """A still sticker as premultiplied RGBA uint8."""
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_STICKER_PIXELS:
                raise InputError(
                    f"sticker is {image.width}x{image.height} px, more than the "
                    f"{MAX_STICKER_PIXELS} pixels allowed",
                    str(path),
                )
            rgba = np.asarray(image.convert("RGBA"))
    except InputError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"cannot read sticker image: {exc}", str(path)) from exc
    return premultiply(rgba)


def sticker_layer(
    index: int, spec, geometry: Geometry, preset_dir: Path | None, roots: Sequence[Path]
) -> SpriteLayer:
    path = resolve_asset(spec.image, preset_dir, roots)
    source = load_sticker(path)
    h, w = source.shape[:2]
    motion = build_motion(spec, geometry, (w * geometry.scale, h * geometry.scale))
    return SpriteLayer(
        f"stickers[{index}]", source, motion, _name(spec.anchor), spec.start, spec.end
    )


def text_style(spec, geometry: Geometry, preset_dir: Path | None, roots: Sequence[Path]):
    font_path = resolve_asset(spec.font, preset_dir, roots) if spec.font else None
    font = load_font(font_path, max(1, round(geometry.px(spec.size))))
    style = TextStyle(
        font=font,
        color=parse_color(spec.color),
        align=_name(spec.align),
        max_width=geometry.x(spec.max_width) if spec.max_width is not None else None,
        line_spacing=spec.line_spacing,
    )
    changes: dict = {}
    if spec.stroke is not None:
        changes |= {
            "stroke_width": max(1, round(geometry.px(spec.stroke.width))),
            "stroke_color": parse_color(spec.stroke.color),
        }
    if spec.shadow is not None:
        changes |= {
            "shadow_offset": geometry.point(spec.shadow.offset),
            "shadow_blur": geometry.px(spec.shadow.blur),
            "shadow_color": parse_color(spec.shadow.color),
        }
    if spec.box is not None:
        changes |= {
            "box_color": parse_color(spec.box.color),
            "box_padding": geometry.px(spec.box.padding),
            "box_radius": geometry.px(spec.box.radius),
        }
    return TextStyle(**{**style.__dict__, **changes})


def text_layer(
    index: int, spec, geometry: Geometry, preset_dir: Path | None, roots: Sequence[Path]
) -> SpriteLayer:
    style = text_style(spec, geometry, preset_dir, roots)
    warn_missing_glyphs(style.font, spec.content, f"text[{index}]")
    source = render_text(spec.content, style)
    h, w = source.shape[:2]
    # Text keeps its rendered size unless keyframes scale it.
    motion = build_motion(_without_size(spec), geometry, (w, h))
    return SpriteLayer(f"text[{index}]", source, motion, _name(spec.anchor), spec.start, spec.end)


class _without_size:
    """A text spec seen as a sprite spec: `width`/`height` are not text properties."""

    def __init__(self, spec):
        self._spec = spec
        self.width = None
        self.height = None

    def __getattr__(self, name):
        return getattr(self._spec, name)


def build_layers(preset, geometry: Geometry, roots: Sequence[Path] = ()) -> list[SpriteLayer]:
    """All overlay layers in drawing order: stickers first, then text on top."""
    preset_dir = preset.source_dir
    layers = [
        sticker_layer(i, spec, geometry, preset_dir, roots)
        for i, spec in enumerate(preset.stickers)
    ]
    layers += [
        text_layer(i, spec, geometry, preset_dir, roots) for i, spec in enumerate(preset.text)
    ]
    return layers
