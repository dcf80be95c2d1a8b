"""Fill `{{name}}` placeholders in every string of a document from variables."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from clipforge.errors import PresetError, Problem
from clipforge.spec.locations import KeyPath, LineMap, format_key_path

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")

# The variables section holds the defaults themselves; its values are inserted as written.
_SKIP: frozenset[KeyPath] = frozenset({("variables",)})


def variables_as_text(values: Any) -> dict[str, str]:
    """The scalar entries of a `variables` mapping as text (`2024` -> "2024", `true` -> "true").

    Args:
        values: The document's `variables` value (anything; non-mappings give no variables).

    Returns:
        Name to text; non-scalar values are left out (validation reports them).
    """
    if not isinstance(values, Mapping):
        return {}
    out: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, bool):
            out[str(name)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            out[str(name)] = str(value)
    return out


def _unknown(name: str, known: Mapping[str, str]) -> str:
    message = f"unknown placeholder '{{{{{name}}}}}'"
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"{message}; did you mean '{close[0]}'?"
    if known:
        return f"{message}; known variables: {', '.join(sorted(known))}"
    return f"{message}; define it under `variables:` or pass it per job (--set {name}=...)"


def fill_placeholders(data: Any, variables: Mapping[str, str], lines: LineMap) -> Any:
    """Return a copy of `data` with every `{{name}}` in its strings replaced.

    Mapping keys and the `variables` section are left as written. Values are inserted once, not
    expanded again, so a variable cannot recurse.

    Args:
        data: The document (mappings, lists, scalars).
        variables: Name to text.
        lines: Positions, for messages.

    Returns:
        The filled copy.

    Raises:
        PresetError: Listing every unknown placeholder with where it is.
    """
    problems: list[Problem] = []

    def fill_text(text: str, path: KeyPath) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                return variables[name]
            mark = lines.find(path)
            problems.append(
                Problem(
                    _unknown(name, variables),
                    mark.file,
                    mark.line,
                    mark.column,
                    format_key_path(path),
                )
            )
            return match.group(0)

        return PLACEHOLDER.sub(replace, text)

    def fill(value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            return fill_text(value, path)
        if isinstance(value, dict):
            return {
                key: item if (*path, key) in _SKIP else fill(item, (*path, key))
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [fill(item, (*path, index)) for index, item in enumerate(value)]
        return value

    filled = fill(data, ())
    if problems:
        raise PresetError(problems)
    return filled
