"""Labelled contact sheets: frames in a grid with a caption under each, as one PIL image."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from clipforge.overlay.fonts import load_font

BACKGROUND = (24, 24, 28)
LABEL_COLOR = (235, 235, 240)
TITLE_COLOR = (255, 255, 255)


def contact_sheet(
    tiles: Sequence[tuple[str, np.ndarray]],
    *,
    columns: int = 6,
    tile_width: int = 216,
    title: str | None = None,
    gap: int = 10,
    label_size: int | None = None,
    label_height: int | None = None,
) -> Image.Image:
    """Frames (RGB arrays of any size) scaled to `tile_width`, each with its label beneath.

    Tiles sit `gap` pixels apart (and from the edges); labels are `label_size` px high in a strip
    `label_height` px high (defaults scale with the tile). With `gap=0` and no title, tile i is
    at (col * tile_width, row * (tile height + label_height)): what tests read tiles back by.
    """
    if not tiles:
        raise ValueError("a contact sheet needs at least one frame")
    columns = max(1, min(columns, len(tiles)))
    h0, w0 = tiles[0][1].shape[:2]
    tile_height = round(tile_width * h0 / w0)
    label_font = load_font(None, label_size or max(11, tile_width // 14))
    title_font = load_font(None, max(14, tile_width // 9))
    label_h = label_height or round(label_font.size * 1.8)
    title_h = round(title_font.size * 2.0) if title else 0
    rows = -(-len(tiles) // columns)
    sheet = Image.new(
        "RGB",
        (columns * (tile_width + gap) + gap, title_h + rows * (tile_height + label_h + gap) + gap),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text(
            (gap, gap // 2 + title_h // 2), title, font=title_font, fill=TITLE_COLOR, anchor="lm"
        )
    for i, (label, frame) in enumerate(tiles):
        x = gap + (i % columns) * (tile_width + gap)
        y = title_h + gap + (i // columns) * (tile_height + label_h + gap)
        image = Image.fromarray(np.ascontiguousarray(frame)).resize(
            (tile_width, tile_height), Image.Resampling.LANCZOS
        )
        sheet.paste(image, (x, y))
        draw.text(
            (x + tile_width // 2, y + tile_height + label_h // 2),
            _fit(label, 28),
            font=label_font,
            fill=LABEL_COLOR,
            anchor="mm",
        )
    return sheet


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
