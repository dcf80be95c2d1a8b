"""Where things are in a document: key paths and their file, line and column."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

KeyPath = tuple[str | int, ...]
"""A path into a document: mapping keys (str) and sequence indexes (int)."""


class Mark(NamedTuple):
    """A position in a file; line and column are 1-based."""

    file: str | None
    line: int | None
    column: int | None


def format_key_path(path: Iterable[object]) -> str:
    """Format a key path the way users read it: `stickers[1].animate[0].ease`.

    Args:
        path: Keys and indexes from the top of the document.

    Returns:
        The dotted path, with indexes in brackets.
    """
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_key_path(key: str) -> tuple[str | int, ...]:
    """The inverse of `format_key_path`: `stickers[1].track` -> ("stickers", 1, "track")."""
    parts: list[str | int] = []
    for chunk in key.split("."):
        name, *indexes = chunk.replace("]", "").split("[")
        parts.append(name)
        parts.extend(int(i) for i in indexes)
    return tuple(parts)


class LineMap:
    """Positions of the keys and items of a document, by key path.

    A lookup for a path that has no entry (a key that is missing, for example) answers with the
    nearest enclosing entry, so an error always points somewhere useful.
    """

    def __init__(self, file: str | None = None, marks: dict[KeyPath, Mark] | None = None):
        self.file = file
        self.marks: dict[KeyPath, Mark] = dict(marks or {})

    def add(self, path: KeyPath, line: int, column: int, file: str | None = None) -> None:
        """Record the position of the key or item at `path`."""
        self.marks[path] = Mark(file if file is not None else self.file, line, column)

    def find(self, path: KeyPath) -> Mark:
        """The position of `path`, or of its nearest recorded ancestor, or just the file."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark is not None:
                return mark
        return Mark(self.file, None, None)

    def drop_under(self, path: KeyPath) -> None:
        """Forget every position strictly below `path` (its value was replaced)."""
        size = len(path)
        for key in [k for k in self.marks if len(k) > size and k[:size] == path]:
            del self.marks[key]

    def merged_over(self, base: LineMap) -> LineMap:
        """Return a map with these positions laid over `base`'s (for `extends`)."""
        out = LineMap(self.file, base.marks)
        out.marks.update(self.marks)
        return out
