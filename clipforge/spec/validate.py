"""Whole-preset validation for designers and CI: loading, features, and every asset reference.

Loading already reports every schema problem at once; this adds the checks that need the file
system (each referenced asset exists inside the asset roots) and the "not supported yet" table,
all as problems with file, line and key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from clipforge.errors import ClipforgeError, PresetError, Problem
from clipforge.spec.assets import resolve_asset
from clipforge.spec.loader import load_preset
from clipforge.spec.locations import LineMap, format_key_path
from clipforge.spec.models import Preset
from clipforge.spec.support import check_supported


def asset_references(preset: Preset) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(key path, reference) of every file the preset uses."""
    for i, flt in enumerate(preset.filters):
        if getattr(flt, "file", None):
            yield ("filters", i, "file"), flt.file
    for i, sticker in enumerate(preset.stickers):
        yield ("stickers", i, "image"), sticker.image
    for i, layer in enumerate(preset.text):
        if layer.font:
            yield ("text", i, "font"), layer.font
        if getattr(layer, "captions", None):
            yield ("text", i, "captions"), layer.captions
    if preset.audio.music is not None:
        yield ("audio", "music", "file"), preset.audio.music.file
    for i, effect in enumerate(preset.audio.effects):
        yield ("audio", "effects", i, "file"), effect.file


def asset_problems(preset: Preset, roots: Sequence[Path] = ()) -> list[Problem]:
    """A problem for each asset reference that is missing or outside the asset roots."""
    lines = preset._lines if isinstance(preset._lines, LineMap) else None
    file = str(preset.source) if preset.source else None
    search = [*preset.source_dirs[1:], *preset.asset_roots, *roots]
    problems = []
    for path, ref in asset_references(preset):
        try:
            resolve_asset(ref, preset.source_dir, search)
        except ClipforgeError as exc:
            key = format_key_path(path)
            mark = lines.find(path) if lines is not None else None
            message = str(exc)
            problems.append(
                Problem(
                    message,
                    (mark.file if mark else None) or file,
                    mark.line if mark else None,
                    mark.column if mark else None,
                    key,
                )
            )
    return problems


def validate_preset(
    source: str | Path, variables: dict[str, str] | None = None, roots: Sequence[Path] = ()
) -> Preset:
    """Load `source` and check features and assets; raise one PresetError listing everything."""
    preset = load_preset(source, variables=variables, asset_roots=roots)
    problems = asset_problems(preset, roots)
    try:
        check_supported(preset)
    except PresetError as exc:
        problems = exc.problems + problems
    if problems:
        raise PresetError(problems)
    return preset
