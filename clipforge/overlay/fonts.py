"""Fonts: the built-in one (Roboto, shipped by a registry package) and font files from assets."""

from __future__ import annotations

import functools
import unicodedata
import warnings
from pathlib import Path

import fontpkg_roboto
from PIL import ImageFont

BUILTIN_FONT = fontpkg_roboto.ROOT / "files" / "Roboto[wdth,wght].ttf"
BUILTIN_WEIGHT = 700  # captions on short videos are bold


@functools.lru_cache(maxsize=64)
def load_font(path: Path | None, size: int) -> ImageFont.FreeTypeFont:
    """The font at `path` (None: the built-in bold Roboto) at `size` px."""
    font = ImageFont.truetype(str(path or BUILTIN_FONT), size)
    if path is None:
        # Variable font axes are (weight, width) in the file's order.
        axes = [a["name"] for a in font.get_variation_axes()]
        values = [BUILTIN_WEIGHT if name == b"Weight" else 100 for name in axes]
        font.set_variation_by_axes(values)
    return font


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    """Characters of `text` the font has no glyph for (drawn as boxes).

    The text is compared in NFC form (an "u" followed by a combining diaeresis is the "ü" the
    font has), and combining marks left over are not judged alone: they attach to a letter.
    """
    notdef = font.getmask("\uffff").getbbox()
    missing: list[str] = []
    for ch in sorted(set(unicodedata.normalize("NFC", text))):
        if ch.isspace() or ch in missing or unicodedata.combining(ch):
            continue
        # A missing glyph renders exactly like the .notdef box, in size and in pixels.
        if font.getmask(ch).getbbox() == notdef and bytes(font.getmask(ch)) == bytes(
            font.getmask("\uffff")
        ):
            missing.append(ch)
    return missing


def warn_missing_glyphs(font: ImageFont.FreeTypeFont, text: str, where: str) -> None:
    missing = missing_glyphs(font, text)
    if missing:
        warnings.warn(
            f"{where}: the font has no glyph for {''.join(missing)!r}; shown as boxes",
            stacklevel=2,
        )
