"""A preset written back as YAML, resolved: what the renderer will actually use."""

from __future__ import annotations

import yaml

from clipforge.spec.models import Preset


def preset_yaml(preset: Preset) -> str:
    """Every field, defaults included, with the format's key names (`in`, not `in_`)."""
    data = preset.model_dump(mode="json", by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
