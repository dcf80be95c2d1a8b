"""JSON Schema of the preset format, for editors (YAML language servers) and docs."""

from __future__ import annotations

from typing import Any

from clipforge.spec.models import Preset


def preset_json_schema() -> dict[str, Any]:
    """The JSON Schema of `Preset`, with YAML key names (aliases).

    Shorthands the models accept before validation are added so editors do not flag them:
    `original: mute`.
    """
    schema = Preset.model_json_schema(by_alias=True)
    schema["title"] = "clipforge preset (format 1)"
    audio = schema.get("$defs", {}).get("Audio", {}).get("properties", {})
    original = audio.get("original")
    if original is not None:
        audio["original"] = {
            "anyOf": [{"$ref": "#/$defs/Original"}, {"const": "mute"}],
            "default": original.get("default"),
        }
    return schema
