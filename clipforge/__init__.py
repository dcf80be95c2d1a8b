"""clipforge: finished short vertical clips from captured footage.

The API in one call: `clipforge.render(inputs, output, preset)`. Presets are loaded from the
catalog or a file (`load_preset`) or built in code from the models re-exported here.

The names below are imported on first use (PEP 562): `import clipforge` alone, and the command
line's `--help` or `probe`, do not pay for the render stack (numpy, OpenCV, pydantic models,
the filters and overlays), which takes a second or two to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clipforge.errors import (
    ClipforgeError,
    InputError,
    LimitError,
    PresetError,
    Problem,
    RenderError,
)
from clipforge.lazy import export_lazily

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from clipforge.render import RenderResult, render
    from clipforge.spec import (
        AdjustFilter,
        Animation,
        Audio,
        Box,
        Canvas,
        Keyframe,
        Limit,
        Music,
        Original,
        Output,
        Preset,
        Shadow,
        Sticker,
        Stroke,
        TextLayer,
        VignetteFilter,
        catalog,
        load_preset,
    )
    from clipforge.timeline import FrameSource

# Public name -> the module it comes from, imported when the name is first used.
_LAZY = {
    "RenderResult": "clipforge.render",
    "render": "clipforge.render",
    "FrameSource": "clipforge.timeline",
    **{
        name: "clipforge.spec"
        for name in (
            "AdjustFilter",
            "Animation",
            "Audio",
            "Box",
            "Canvas",
            "Keyframe",
            "Limit",
            "Music",
            "Original",
            "Output",
            "Preset",
            "Shadow",
            "Sticker",
            "Stroke",
            "TextLayer",
            "VignetteFilter",
            "catalog",
            "load_preset",
        )
    },
}

__all__ = [
    "AdjustFilter",
    "Animation",
    "Audio",
    "Box",
    "Canvas",
    "ClipforgeError",
    "FrameSource",
    "InputError",
    "Keyframe",
    "Limit",
    "LimitError",
    "Music",
    "Original",
    "Output",
    "Preset",
    "PresetError",
    "Problem",
    "RenderError",
    "RenderResult",
    "Shadow",
    "Sticker",
    "Stroke",
    "TextLayer",
    "VignetteFilter",
    "catalog",
    "load_preset",
    "render",
]

export_lazily(__name__, _LAZY, functions_over_submodules=("render",))
