"""The filter set as data, read from the spec models: names, parameters, defaults, ranges.

`clipforge filters` prints this; it is derived from the same pydantic models that validate
presets, so it cannot drift from what a preset accepts.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass

import annotated_types
from pydantic_core import PydanticUndefined

from clipforge.spec.models import Filter, FilterBase

COMMON = ("start", "end", "strength")

# What each parameter does, in a few words (the models hold names, defaults and ranges).
MEANINGS: dict[str, str] = {
    "adjust.brightness": "added to every level, in full scale",
    "adjust.contrast": "around mid-grey; 1 keeps",
    "adjust.saturation": "around Rec. 709 luma; 0 is black and white",
    "adjust.exposure": "stops, in linear light; +1 doubles the light",
    "adjust.gamma": "> 1 brightens the midtones",
    "adjust.temperature": "+ warmer (red up, blue down), - cooler",
    "adjust.tint": "+ magenta, - green",
    "adjust.hue": "degrees around the colour wheel; luma kept",
    "curves.rgb": "master curve [[in, out], ...] in 0..255, applied after r, g, b",
    "curves.r": "red curve points",
    "curves.g": "green curve points",
    "curves.b": "blue curve points",
    "lut.file": ".cube file (1D or 3D), relative to the preset or the asset roots",
    "vignette.strength": "darkness at the corners",
    "vignette.radius": "where darkening starts (1 = the corners)",
    "vignette.softness": "width of the transition",
    "grain.amount": "standard deviation, in full scale",
    "grain.seed": "same seed, same grain",
    "blur.radius": "Gaussian sigma in canvas pixels",
    "sharpen.amount": "unsharp-mask gain",
    "posterize.levels": "levels per channel",
    "rgb-split.offset": "canvas pixels red moves left and blue right",
    "pixelate.size": "block size in canvas pixels",
}


@dataclass(frozen=True)
class ParamInfo:
    """One filter parameter."""

    name: str
    default: object
    allowed: str  # e.g. "-1..1", "> 0", "" when anything of its type goes
    meaning: str
    required: bool = False


@dataclass(frozen=True)
class FilterInfo:
    """One filter type and its own parameters (every filter also takes `COMMON`)."""

    name: str
    summary: str
    params: tuple[ParamInfo, ...]


def filter_models() -> list[type[FilterBase]]:
    """The spec model of every filter type, in the format's order."""
    union = typing.get_args(Filter)[0]
    return list(typing.get_args(union))


def filter_catalog() -> list[FilterInfo]:
    """Every filter type with its parameters, defaults, allowed values and meaning."""
    infos = []
    for model in filter_models():
        name = model.model_fields["type"].default
        params = []
        for field_name, field in model.model_fields.items():
            own = field_name not in ("type", *COMMON)
            # Vignette's strength is its darkness (default 0.4): worth listing.
            if not own and not (field_name == "strength" and field.default != 1.0):
                continue
            default, required = field.default, False
            if default is PydanticUndefined:
                required = field.default_factory is None
                default = None if required else field.default_factory()
            allowed = _allowed(field.metadata)
            if field_name == "strength":
                allowed = "0..1 or keyframes"
            params.append(
                ParamInfo(
                    field_name,
                    default,
                    allowed,
                    MEANINGS.get(f"{name}.{field_name}", ""),
                    required,
                )
            )
        summary = (model.__doc__ or "").strip().splitlines()[0]
        infos.append(FilterInfo(name, summary, tuple(params)))
    return infos


def _allowed(metadata: list) -> str:
    """A short range from pydantic's constraint metadata (Ge/Le/Gt/Lt)."""
    low = high = None
    low_open = high_open = False
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Gt):
            low, low_open = item.gt, True
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.Lt):
            high, high_open = item.lt, True
    if low is not None and high is not None:
        if low_open or high_open:
            above = f"{'>' if low_open else '>='} {_num(low)}"
            return f"{above}, {'<' if high_open else '<='} {_num(high)}"
        return f"{_num(low)}..{_num(high)}"
    if low is not None:
        return f"{'>' if low_open else '>='} {_num(low)}"
    if high is not None:
        return f"{'<' if high_open else '<='} {_num(high)}"
    return ""


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def catalog_text() -> str:
    """The catalog as the text `clipforge filters` prints."""
    lines = []
    for info in filter_catalog():
        lines.append(f"{info.name}: {info.summary}")
        for p in info.params:
            allowed = f" ({p.allowed})" if p.allowed else ""
            meaning = f"  {p.meaning}" if p.meaning else ""
            value = "(required)" if p.required else f"= {json.dumps(p.default)}"
            lines.append(f"    {p.name} {value}{allowed}{meaning}")
    lines.append(f"every filter also takes: {', '.join(COMMON)} (strength: 0..1 or keyframes)")
    return "\n".join(lines)
