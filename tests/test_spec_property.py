"""Whatever a document holds, `preset_from_dict` answers with a Preset or a PresetError only."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipforge.errors import PresetError
from clipforge.spec import Preset, preset_from_dict

VALID: dict[str, Any] = {
    "clipforge": 1,
    "name": "p",
    "canvas": {"size": "720x1280", "fps": 30, "fit": "contain", "background": "#112233"},
    "limit": {"max_seconds": 15, "policy": "trim"},
    "variables": {"caption": "hi"},
    "timeline": {
        "speed": 1.0,
        "segments": [{"input": 0, "in": 0.5, "out": 2.0}],
        "transition": {"type": "crossfade", "seconds": 0.3},
    },
    "filters": [
        {"type": "adjust", "saturation": 1.2, "strength": [{"t": 0, "value": 0.5}]},
        {"type": "curves", "rgb": [[0, 0], [255, 255]]},
        {"type": "vignette", "strength": 0.3},
    ],
    "stickers": [
        {
            "image": "a.png",
            "at": ["50%", 100],
            "enter": {"type": "pop"},
            "animate": [{"t": 0, "at": [1, 2], "ease": "out-back"}, {"t": 1, "opacity": 0.5}],
            "track": {"target": "face"},
        }
    ],
    "text": [
        {"content": "{{caption}}", "stroke": {"width": 3, "color": "black"}, "box": {}},
        {"captions": "s.srt", "shadow": {"offset": [1, 1]}},
    ],
    "audio": {
        "music": {"file": "m.mp3", "volume": -3},
        "original": {"volume": -12},
        "duck": {},
        "effects": [{"file": "a.wav", "at": 1}],
    },
    "moderation": {"blocklist": ["spam"]},
    "output": {"crf": 20, "preset": "fast", "audio_bitrate": "96k", "preview": "gif"},
}

KEYS = sorted(
    {
        "clipforge", "canvas", "size", "fps", "fit", "filters", "type", "strength", "stickers",
        "image", "at", "animate", "t", "ease", "text", "content", "captions", "audio", "original",
        "output", "crf", "extends", "variables", "in", "value", "track", "box", "color",
    }
)  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["50%", "-5%", "mute", "adjust", "#fff", "{{caption}}", "{{nope}}", "1080x1920"]
    ),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(-3, 3))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path into a document, the root included."""
    out = [path]
    if isinstance(node, dict):
        for key, item in node.items():
            out += _paths(item, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            out += _paths(item, (*path, index))
    return out


@st.composite
def mutated_presets(draw: st.DrawFn) -> dict:
    """The valid preset with a few values replaced, removed, or keys added."""
    doc = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_paths(doc)[1:]))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(keys)] = draw(values)
    return doc


def _check(doc: Any) -> None:
    try:
        preset = preset_from_dict(doc)
    except PresetError as exc:
        assert exc.problems, "a PresetError must list at least one problem"
        for problem in exc.problems:
            str(problem)  # every problem renders
    else:
        assert isinstance(preset, Preset)


def test_valid_base_document_is_valid() -> None:
    preset = preset_from_dict(VALID)
    assert preset.canvas.size == (720, 1280)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_presets())
def test_mutated_presets_raise_only_preset_error(doc: dict) -> None:
    _check(doc)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, max_size=6), st.booleans())
def test_random_documents_raise_only_preset_error(doc: dict, with_version: bool) -> None:
    if with_version:
        doc["clipforge"] = 1
    _check(doc)


@settings(max_examples=50, deadline=None)
@given(values)
def test_non_mapping_documents_raise_preset_error(doc: Any) -> None:
    _check(doc)
