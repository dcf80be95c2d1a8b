"""Read a YAML or JSON document safely, remembering where every key and item is.

Only `yaml.SafeLoader` is used. Aliases are refused (they are how "billion laughs" documents
blow up, and presets have no need for them), files are capped at 1 MiB and nesting at 64 levels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import MappingNode, Node, SequenceNode

from clipforge.errors import PresetError, Problem
from clipforge.spec.locations import KeyPath, LineMap

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, so a document's size bounds its expanded size."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        """Compose as usual, but stop at the first alias with its position."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None,
                None,
                "YAML aliases (*name) are not allowed in presets; repeat the value instead",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _type_name(value: Any) -> str:
    if value is None:
        return "an empty document"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def _record(
    loader: _SafeLoader,
    node: Node,
    path: KeyPath,
    lines: LineMap,
    depth: int,
    check_duplicates: bool,
) -> None:
    """Record the position of every key and item under `node`."""
    if depth > MAX_DEPTH:
        mark = node.start_mark
        raise PresetError(
            Problem(
                f"nested more than {MAX_DEPTH} levels deep",
                lines.file,
                mark.line + 1,
                mark.column + 1,
            )
        )
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if check_duplicates and key in seen:
                raise PresetError(
                    Problem(
                        f"duplicate key '{key}' (first at line {seen[key]})",
                        lines.file,
                        line,
                        column,
                    )
                )
            seen[key] = line
            lines.add((*path, key), line, column)
            _record(loader, value_node, (*path, key), lines, depth + 1, check_duplicates)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            lines.add((*path, index), item.start_mark.line + 1, item.start_mark.column + 1)
            _record(loader, item, (*path, index), lines, depth + 1, check_duplicates)


def _parse_yaml(text: str, file: str | None, check_duplicates: bool) -> tuple[Any, LineMap]:
    lines = LineMap(file)
    try:
        # The reader checks for unprintable characters already here.
        loader = _SafeLoader(text)
    except yaml.YAMLError as exc:
        raise PresetError(Problem(f"YAML syntax error: {exc}", file)) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        data = loader.construct_document(node)
        lines.add((), node.start_mark.line + 1, node.start_mark.column + 1)
        _record(loader, node, (), lines, 0, check_duplicates)
        return data, lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise PresetError(Problem(f"YAML syntax error: {what}", file, line, column)) from None
    except yaml.YAMLError as exc:
        raise PresetError(Problem(f"YAML syntax error: {exc}", file)) from None
    except RecursionError:
        raise PresetError(Problem("document nested too deeply", file)) from None
    except ValueError as exc:  # e.g. an impossible date, or an integer with too many digits
        raise PresetError(Problem(f"invalid value: {exc}", file)) from None
    finally:
        loader.dispose()


def load_json(text: str, file: str | None) -> Any:
    """JSON text as data, without key positions.

    Raises:
        PresetError: A syntax error (with line and column), or a value Python refuses (an
            integer with too many digits, nesting too deep for the parser).
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PresetError(
            Problem(f"JSON syntax error: {exc.msg}", file, exc.lineno, exc.colno)
        ) from None
    except (ValueError, RecursionError) as exc:
        raise PresetError(Problem(f"invalid JSON: {exc}", file)) from None


def _parse_json(text: str, file: str | None) -> tuple[Any, LineMap]:
    data = load_json(text, file)
    try:
        # JSON is (nearly) YAML: reuse the YAML pass only for positions; it is optional.
        _, lines = _parse_yaml(text, file, check_duplicates=False)
    except PresetError:
        lines = LineMap(file)
    return data, lines


def parse_document(
    text: str, file: str | None = None, is_json: bool = False
) -> tuple[dict, LineMap]:
    """Parse document text that must hold a mapping at the top.

    Args:
        text: The document.
        file: Its name, for messages.
        is_json: Parse as JSON instead of YAML.

    Returns:
        The data and the positions of its keys.

    Raises:
        PresetError: Syntax errors (with line and column), aliases, a non-mapping top level.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise PresetError(Problem(f"document larger than {MAX_BYTES // 1024} KiB", file))
    data, lines = _parse_json(text, file) if is_json else _parse_yaml(text, file, True)
    if not isinstance(data, dict):
        raise PresetError(
            Problem(
                f"expected a mapping at the top (for example `clipforge: 1`), "
                f"found {_type_name(data)}",
                file,
                1,
                1,
            )
        )
    return data, lines


def load_document(path: str | Path) -> tuple[dict, LineMap]:
    """Read a YAML (or `.json`) file into a mapping and the positions of its keys.

    Args:
        path: The file.

    Returns:
        The data and a `LineMap` of `file:line:column` for every key path.

    Raises:
        PresetError: The file is missing, too large, not UTF-8, or not a valid mapping document.
    """
    path = Path(path)
    text = read_capped_text(path, MAX_BYTES)
    return parse_document(text, str(path), is_json=path.suffix.lower() == ".json")


def read_capped_text(path: Path, max_bytes: int, what: str = "file") -> str:
    """A UTF-8 text file of at most `max_bytes`, read without loading more than that.

    Args:
        path: The file.
        max_bytes: The size cap (documents come from strangers).
        what: How messages name the file ("file", "batch file").

    Raises:
        PresetError: The file is missing, unreadable, too large or not UTF-8.
    """
    file = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise PresetError(Problem(f"{what} not found", file)) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PresetError(Problem(f"cannot read the {what}: {reason}", file)) from None
    if len(raw) > max_bytes:
        cap = f"{max_bytes >> 20} MiB" if max_bytes % 2**20 == 0 else f"{max_bytes >> 10} KiB"
        raise PresetError(Problem(f"{what} larger than {cap}", file))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PresetError(
            Problem(f"not UTF-8 text (bad byte at offset {exc.start})", file)
        ) from None
