"""clipforge: finished short vertical clips from captured footage.

The API in one call: `clipforge.render(inputs, output, preset)`. Presets are loaded from the
catalog or a file (`load_preset`) or built in code from the models re-exported here.

The names below are imported on first use (PEP 562): `import clipforge` alone, and the command
line's `--help` or `probe`, do not pay for the render stack (numpy, OpenCV, pydantic models,
the filters and overlays), which takes a second or two to import.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from clipforge.errors import (
    ClipforgeError,
    InputError,
    LimitError,
    PresetError,
    Problem,
    RenderError,
)

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later uses are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The package's module type: `clipforge.render` stays the function.

    Importing the submodule `clipforge.render` binds it as the package's `render` attribute
    (the import system does that after loading it), which would hide the function of the same
    name that the eager `from clipforge.render import render` used to put there. Only that
    binding is ignored; any other value (a test's monkeypatch, say) is stored as usual.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "render" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
