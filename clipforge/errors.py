"""The one exception hierarchy of clipforge.

Every error a user can cause is a `ClipforgeError`; its message names the file, and where it
applies the line, the key, the layer and the time. The command line maps `exit_code` to the
process exit status (see PRESET-FORMAT.md, "Exit codes").
"""

from __future__ import annotations

from dataclasses import dataclass


class ClipforgeError(Exception):
    """Base of every error clipforge raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a preset, job or batch file, with where it is."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class PresetError(ClipforgeError):
    """A preset, job or batch document is invalid. Holds every problem found, not only the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str, file: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems, file=file)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InputError(ClipforgeError):
    """An input file (footage, image, music, asset) cannot be used."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class LimitError(InputError):
    """The clip would be longer than the preset's `limit.max_seconds` under policy `error`."""


class RenderError(ClipforgeError):
    """Rendering failed after validation (encoder crash, disk full, ...)."""

    exit_code = 1
