"""Value types shared by the preset models and the renderer: lengths, points, colours, sizes.

The `parse_*` helpers raise `ValueError` with a message that names the offending value, so that
pydantic reports them as validation problems at the right key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from clipforge.spec.css_colors import CSS_COLORS

_PERCENT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)%$")
_HEX = re.compile(r"^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")

# Bounds that keep a typo (an extra zero, a stray minus) from producing absurd geometry.
MAX_PIXELS = 100_000.0
MAX_PERCENT = 1_000.0


class Easing(StrEnum):
    """How an animated value moves from one keyframe to the next."""

    LINEAR = "linear"
    EASE_IN = "ease-in"
    EASE_OUT = "ease-out"
    EASE_IN_OUT = "ease-in-out"
    OUT_BACK = "out-back"
    OUT_BOUNCE = "out-bounce"
    OUT_ELASTIC = "out-elastic"
    STEP = "step"


class Anchor(StrEnum):
    """Which point of a layer sits at its `at` position."""

    TOP_LEFT = "top-left"
    TOP = "top"
    TOP_RIGHT = "top-right"
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"
    BOTTOM_LEFT = "bottom-left"
    BOTTOM = "bottom"
    BOTTOM_RIGHT = "bottom-right"


def _show(value: Any) -> str:
    """Render a user value briefly for an error message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_length(value: Any) -> float | str:
    """Validate a length: a number of pixels or a percentage string like "50%".

    Args:
        value: The raw value from the document.

    Returns:
        The number as a float, or the percentage string unchanged.

    Raises:
        ValueError: The value is neither, or is out of range.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number of pixels or a percentage like '50%', found {value}")
    if isinstance(value, int | float):
        number = float(value)
        if number != number or abs(number) > MAX_PIXELS:  # NaN compares unequal to itself
            raise ValueError(f"expected a number of pixels within ±{MAX_PIXELS:g}, found {value}")
        return number
    if isinstance(value, str) and _PERCENT.match(value):
        if abs(float(value[:-1])) > MAX_PERCENT:
            raise ValueError(f"expected a percentage within ±{MAX_PERCENT:g}%, found '{value}'")
        return value
    raise ValueError(
        f"expected a number of pixels or a percentage like '50%', found {_show(value)}"
    )


def _check_positive_length(value: float | str) -> float | str:
    """Refuse zero and negative sizes (in pixels or percent)."""
    number = float(value[:-1]) if isinstance(value, str) else value
    if number <= 0:
        raise ValueError(f"expected a size greater than 0, found {_show(value)}")
    return value


_LENGTH_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": _PERCENT.pattern},
    ]
}

Length = Annotated[float | str, BeforeValidator(check_length), WithJsonSchema(_LENGTH_SCHEMA)]
"""Pixels of the canvas, or a percentage string of the canvas dimension ("50%", "-12.5%")."""

PositiveLength = Annotated[Length, AfterValidator(_check_positive_length)]
"""A `Length` that must be greater than zero (widths, heights)."""

Point = tuple[Length, Length]
"""An (x, y) position; a two-item list in YAML."""


def resolve_length(value: float | str, total: float) -> float:
    """Turn a length into pixels.

    Args:
        value: Pixels, or a percentage string such as "50%".
        total: The dimension a percentage refers to, in pixels.

    Returns:
        The length in pixels.
    """
    if isinstance(value, str):
        return float(value.strip()[:-1]) / 100.0 * total
    return float(value)


def resolve_point(
    point: Sequence[float | str], canvas_w: float, canvas_h: float
) -> tuple[float, float]:
    """Turn a point into canvas pixels (x of the width, y of the height).

    Args:
        point: An (x, y) pair of lengths.
        canvas_w: Canvas width in pixels.
        canvas_h: Canvas height in pixels.

    Returns:
        The point in pixels.
    """
    x, y = point
    return resolve_length(x, canvas_w), resolve_length(y, canvas_h)


def parse_color(text: str) -> tuple[int, int, int, int]:
    """Parse a colour into RGBA, each 0..255.

    Args:
        text: `#RRGGBB`, `#RRGGBBAA`, `#RGB`, `#RGBA`, a CSS colour name, or `transparent`.

    Returns:
        The colour as (R, G, B, A).

    Raises:
        ValueError: The text is not a colour; the message names it.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a colour like '#RRGGBB' or 'white', found {_show(text)}")
    value = text.strip()
    if _HEX.match(value):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)  # #abc means #aabbcc
        if len(digits) == 6:
            digits += "ff"
        r, g, b, a = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
        return r, g, b, a
    name = value.lower()
    if name == "transparent":
        return 0, 0, 0, 0
    if name in CSS_COLORS:
        return (*CSS_COLORS[name], 255)
    raise ValueError(
        f"expected a colour like '#RRGGBB', '#RRGGBBAA' or a CSS name such as 'white', "
        f"found {_show(text)}"
    )


def _check_color(value: Any) -> str:
    """Validate a colour field and keep its text; the renderer parses it with `parse_color`."""
    if value is None:
        # An unquoted `#000000` in YAML is a comment, which leaves the key empty.
        raise ValueError(
            "expected a colour, found nothing (null); an unquoted '#...' starts a YAML comment, "
            'so write colours in quotes: "#RRGGBB"'
        )
    parse_color(value)
    return value


Color = Annotated[
    str,
    BeforeValidator(_check_color),
    WithJsonSchema({"type": "string", "description": "#RRGGBB, #RRGGBBAA, #RGB or a CSS name"}),
]
"""A colour kept as written; see `parse_color`."""


def parse_size(value: Any) -> tuple[int, int]:
    """Parse a canvas size.

    Args:
        value: "1080x1920" or a two-item sequence [1080, 1920].

    Returns:
        (width, height) in pixels.

    Raises:
        ValueError: The value is not a size; the message names it.
    """
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            return int(match.group(1)), int(match.group(2))
    elif isinstance(value, list | tuple) and len(value) == 2:
        w, h = value
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (w, h)):
            return w, h
        if all(isinstance(v, float) and v.is_integer() for v in (w, h)):
            return int(w), int(h)
    raise ValueError(f"expected a size like '1080x1920' or [1080, 1920], found {_show(value)}")
