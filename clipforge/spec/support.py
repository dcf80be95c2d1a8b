"""Which parts of the format the renderer does not do yet, as plain data.

Each entry is (key path pattern, predicate, description). `[*]` in a pattern means every item of
a list; a pattern that names a field a model lacks (say `temperature` on a vignette) skips that
model. The predicate gets the value and the model holding it, and answers "is this used?" (set to
a non-default value). Delete an entry when its feature lands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from pydantic import BaseModel

from clipforge.errors import PresetError, Problem
from clipforge.spec.locations import LineMap, format_key_path, parse_key_path
from clipforge.spec.models import Preset


class Unsupported(NamedTuple):
    """A feature not built yet: where it lives, when it counts as used, what it is."""

    pattern: str
    used: Callable[[Any, BaseModel], bool]
    description: str


def _explicit(field: str) -> Callable[[Any, BaseModel], bool]:
    """Used when written in the document (or API call) with a non-null value."""
    return lambda value, owner: field in owner.model_fields_set and value is not None


UNSUPPORTED: list[Unsupported] = []


def _tokens(pattern: str) -> list[str]:
    return [t for t in pattern.replace("[*]", ".*").split(".") if t]


def _matches(obj: Any, tokens: list[str], path: tuple) -> Iterator[tuple[tuple, Any, Any]]:
    """Yield (key path, value, owner model) for every place the pattern reaches."""
    head, rest = tokens[0], tokens[1:]
    if head == "*":
        items = obj if isinstance(obj, list) else []
        for index, item in enumerate(items):
            if rest:
                yield from _matches(item, rest, (*path, index))
        return
    if not isinstance(obj, BaseModel) or head not in type(obj).model_fields:
        return
    value = getattr(obj, head)
    if rest:
        yield from _matches(value, rest, (*path, head))
    else:
        yield (*path, head), value, obj


def unsupported_uses(preset: Preset) -> list[tuple[str, Unsupported]]:
    """Every (key path, table entry) of the preset that uses a feature not built yet."""
    found: list[tuple[str, Unsupported]] = []
    for entry in UNSUPPORTED:
        for path, value, owner in _matches(preset, _tokens(entry.pattern), ()):
            if entry.used(value, owner):
                found.append((format_key_path(path), entry))
    return found


def check_supported(preset: Preset, file: str | None = None) -> None:
    """Refuse a preset that uses features the renderer does not have yet.

    Args:
        preset: The validated preset.
        file: The preset's file for messages (default: where it was loaded from).

    Raises:
        PresetError: One problem per used unsupported field, `not supported yet: <key>`.
    """
    uses = unsupported_uses(preset)
    if not uses:
        return
    lines = preset._lines if isinstance(preset._lines, LineMap) else None
    if file is None and preset.source is not None:
        file = str(preset.source)
    problems: list[Problem] = []
    for key, entry in uses:
        line = column = None
        where = file
        if lines is not None:
            mark = lines.find(parse_key_path(key))
            line, column = mark.line, mark.column
            where = mark.file or file
        problems.append(
            Problem(f"not supported yet: {key} ({entry.description})", where, line, column, key)
        )
    # Document order when positions are known, table order otherwise (sort is stable).
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.column or 0))
    raise PresetError(problems)
