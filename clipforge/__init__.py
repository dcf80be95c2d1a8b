"""clipforge: finished short vertical clips from captured footage.

The API in one call: `clipforge.render(inputs, output, preset)`. Presets are loaded from the
catalog or a file (`load_preset`) or built in code from the models re-exported here.
"""

from clipforge.errors import (
    ClipforgeError,
    InputError,
    LimitError,
    PresetError,
    Problem,
    RenderError,
)
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
