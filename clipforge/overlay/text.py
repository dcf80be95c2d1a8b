"""Text rendered once with Pillow into a premultiplied sprite: wrap, align, stroke, shadow, box."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from clipforge.overlay.sprite import premultiply

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class TextStyle:
    """Everything that decides how a text block looks, in output pixels."""

    font: ImageFont.FreeTypeFont
    color: RGBA = (255, 255, 255, 255)
    align: str = "center"
    max_width: float | None = None
    line_spacing: float = 1.15
    stroke_width: int = 0
    stroke_color: RGBA = (0, 0, 0, 255)
    shadow_offset: tuple[float, float] | None = None
    shadow_blur: float = 0.0
    shadow_color: RGBA = (0, 0, 0, 153)
    box_color: RGBA | None = None
    box_padding: float = 0.0
    box_radius: float = 0.0


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float | None) -> list[str]:
    """Greedy word wrap at `max_width` px; explicit newlines are kept; a word longer than the
    width stays whole on its own line rather than being cut."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if max_width is None or not line or font.getlength(candidate) <= max_width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def render_text(text: str, style: TextStyle) -> np.ndarray:
    """The text block as a premultiplied RGBA array, its box (if any) included."""
    # Composed form: a letter with a separate combining accent becomes the font's own glyph.
    text = unicodedata.normalize("NFC", text)
    font = style.font
    lines = wrap(text, font, style.max_width)
    ascent, descent = font.getmetrics()
    line_height = round(font.size * style.line_spacing)
    widths = [font.getlength(line) for line in lines]
    block_w = max(widths, default=0)
    block_h = line_height * (len(lines) - 1) + ascent + descent
    stroke = style.stroke_width
    pad = style.box_padding if style.box_color else 0.0
    shadow_dx, shadow_dy = style.shadow_offset or (0.0, 0.0)
    blur_margin = 2 * style.shadow_blur if style.shadow_offset else 0.0
    margin = stroke + pad
    extra_x = abs(shadow_dx) + blur_margin if style.shadow_offset else 0.0
    extra_y = abs(shadow_dy) + blur_margin if style.shadow_offset else 0.0
    width = int(np.ceil(block_w + 2 * margin + 2 * extra_x)) + 2
    height = int(np.ceil(block_h + 2 * margin + 2 * extra_y)) + 2
    origin_x, origin_y = margin + extra_x + 1, margin + extra_y + 1

    glyphs = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(glyphs)
    positions = []
    for i, line_width in enumerate(widths):
        spare = block_w - line_width
        offset = {"left": 0.0, "center": spare / 2, "right": spare}
        positions.append((origin_x + offset[style.align], origin_y + i * line_height))
    if stroke:
        # Stroke first, fill on top: the stroke only shows outside the glyph, never eating in.
        for (x, y), line in zip(positions, lines, strict=True):
            draw.text(
                (x, y),
                line,
                font=font,
                fill=style.stroke_color,
                stroke_width=stroke,
                stroke_fill=style.stroke_color,
            )
    for (x, y), line in zip(positions, lines, strict=True):
        draw.text((x, y), line, font=font, fill=style.color)

    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if style.box_color:
        box = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        ImageDraw.Draw(box).rounded_rectangle(
            (
                origin_x - margin,
                origin_y - margin,
                origin_x + block_w + margin,
                origin_y + block_h + margin,
            ),
            radius=style.box_radius,
            fill=style.box_color,
        )
        canvas = Image.alpha_composite(canvas, box)
    if style.shadow_offset:
        canvas = Image.alpha_composite(canvas, _shadow(glyphs, style))
    canvas = Image.alpha_composite(canvas, glyphs)
    return premultiply(np.asarray(canvas))


def _shadow(glyphs: Image.Image, style: TextStyle) -> Image.Image:
    alpha = np.asarray(glyphs)[:, :, 3].astype(np.float32) * (style.shadow_color[3] / 255.0)
    dx, dy = style.shadow_offset or (0.0, 0.0)
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    alpha = cv2.warpAffine(alpha, m, (alpha.shape[1], alpha.shape[0]))
    if style.shadow_blur > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), style.shadow_blur / 2)
    out = np.zeros((*alpha.shape, 4), np.uint8)
    out[:, :, :3] = style.shadow_color[:3]
    out[:, :, 3] = np.clip(alpha, 0, 255).astype(np.uint8)
    return Image.fromarray(out)
