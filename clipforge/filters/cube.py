"""Reading `.cube` lookup tables (Adobe/Resolve), 1D or 3D, strictly, with line numbers.

Hand-written on purpose: the format is a dozen lines of grammar, and the readers in registry
packages either skip 1D tables or domains, or fail without saying which line is wrong. Here a
broken file is refused with a `CubeError` naming the file and the line.

Grammar: `#` comments and blank lines anywhere; keyword lines (`TITLE "..."`, `LUT_1D_SIZE n`,
`LUT_3D_SIZE n`, `DOMAIN_MIN r g b`, `DOMAIN_MAX r g b`, and Resolve's
`LUT_1D_INPUT_RANGE lo hi` / `LUT_3D_INPUT_RANGE lo hi`) before the table; then exactly `n`
(1D) or `n**3` (3D) rows of three numbers, red changing fastest.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clipforge.errors import InputError

MAX_1D_SIZE = 65536
MAX_3D_SIZE = 256
# Every .cube keyword is an upper-case identifier; anything else on a line is table data.
_KEYWORD = re.compile(r"^[A-Z][A-Z0-9_]*$")
_KNOWN = {
    "TITLE",
    "LUT_1D_SIZE",
    "LUT_3D_SIZE",
    "DOMAIN_MIN",
    "DOMAIN_MAX",
    "LUT_1D_INPUT_RANGE",
    "LUT_3D_INPUT_RANGE",
}


class CubeError(InputError):
    """A `.cube` file that cannot be used; the message names the file and the line."""

    def __init__(self, message: str, path: str, line: int | None = None, key: str | None = None):
        self.file = path
        self.line = line
        self.key = key
        self.reason = message
        where = f"{path}:{line}" if line is not None else path
        prefix = f"{key}: " if key else ""
        super().__init__(f"{prefix}{message}", where)

    def for_key(self, key: str) -> CubeError:
        """The same error, also naming the preset key that refers to the file."""
        return CubeError(self.reason, self.file, self.line, key)


@dataclass(frozen=True, eq=False)
class CubeLut:
    """A parsed `.cube` table; output values as written (usually 0..1)."""

    path: str
    title: str
    size: int
    dimensions: int  # 1 or 3
    domain_min: np.ndarray  # (3,)
    domain_max: np.ndarray  # (3,)
    table: np.ndarray  # 1D: (size, 3); 3D: (size, size, size, 3) indexed [b, g, r]

    @property
    def covers_unit_domain(self) -> bool:
        """True when the domain includes 0..1, so every input level maps inside it."""
        return bool((self.domain_min <= 0).all() and (self.domain_max >= 1).all())


def load_cube(path: str | Path) -> CubeLut:
    """Read and check a `.cube` file (cached per file version, for batches of renders).

    Raises:
        CubeError: the file is unreadable or broken (the message names the line).
    """
    p = Path(path)
    try:
        stat = p.stat()
    except OSError as exc:
        raise CubeError(f"cannot read LUT file: {exc.strerror}", str(p)) from None
    return _load_cached(str(p), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> CubeLut:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CubeError(f"cannot read LUT file: {exc.strerror}", path) from None
    except UnicodeDecodeError:
        raise CubeError("not a text file (expected a .cube LUT)", path) from None
    return parse_cube(text, path)


def parse_cube(text: str, path: str = "<cube>") -> CubeLut:
    """Parse the text of a `.cube` file; `path` is only used in messages.

    Raises:
        CubeError: what is wrong and on which line.
    """
    header = _Header(path)
    rows: list[list[str]] = []
    row_lines: list[int] = []
    last_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        last_line = number
        word = line.split(maxsplit=1)[0]
        if _KEYWORD.match(word) and (word in _KNOWN or not rows):
            if rows:
                raise CubeError(f"keyword {word} after the table rows started", path, number)
            header.read(word, line, number)
            continue
        parts = line.split()
        if len(parts) != 3:
            raise CubeError(
                f"expected 3 numbers (red green blue) on a table row, found {len(parts)}",
                path,
                number,
            )
        rows.append(parts)
        row_lines.append(number)
    # Where the table starts is where a missing size should have been given.
    size, dimensions = header.shape(row_lines[0] if row_lines else last_line)
    table = _numbers(rows, row_lines, path)
    expected = size if dimensions == 1 else size**3
    if len(rows) != expected:
        kind = f"LUT_{dimensions}D_SIZE {size}"
        if len(rows) > expected:
            raise CubeError(
                f"too many table rows: {kind} needs {expected}, this is row {expected + 1}",
                path,
                row_lines[expected],
            )
        raise CubeError(
            f"too few table rows: {kind} needs {expected}, found {len(rows)}",
            path,
            last_line or None,
        )
    if dimensions == 3:
        table = table.reshape(size, size, size, 3)  # red fastest: [b, g, r]
    return CubeLut(
        path, header.title, size, dimensions, header.domain_min, header.domain_max, table
    )


def _numbers(rows: list[list[str]], row_lines: list[int], path: str) -> np.ndarray:
    try:
        table = np.array(rows, dtype=np.float64)
    except ValueError:
        table = None
    if table is not None and np.isfinite(table).all():
        return table
    for parts, number in zip(rows, row_lines, strict=True):  # slow path: find the culprit
        for token in parts:
            try:
                value = float(token)
            except ValueError:
                raise CubeError(f"not a number: {token!r}", path, number) from None
            if not math.isfinite(value):
                raise CubeError(f"not a finite number: {token!r}", path, number)
    raise AssertionError("unreachable: a non-number was found above")  # pragma: no cover


class _Header:
    """The keyword lines of a `.cube` file, checked as they come."""

    def __init__(self, path: str):
        self.path = path
        self.title = ""
        self.sizes: dict[int, tuple[int, int]] = {}  # dimensions -> (size, line)
        self.domain_min = np.zeros(3)
        self.domain_max = np.ones(3)
        self._domain_lines: list[int] = []

    def read(self, word: str, line: str, number: int) -> None:
        key = word
        rest = line[len(word) :].strip()
        if key == "TITLE":
            self.title = rest.strip('"')
        elif key in ("LUT_1D_SIZE", "LUT_3D_SIZE"):
            dimensions = 1 if key == "LUT_1D_SIZE" else 3
            limit = MAX_1D_SIZE if dimensions == 1 else MAX_3D_SIZE
            size = self._integer(key, rest, number)
            if not 2 <= size <= limit:
                raise CubeError(f"{key} must be within 2..{limit}, found {size}", self.path, number)
            self.sizes[dimensions] = (size, number)
        elif key in ("DOMAIN_MIN", "DOMAIN_MAX"):
            values = self._floats(key, rest, 3, number)
            if key == "DOMAIN_MIN":
                self.domain_min = values
            else:
                self.domain_max = values
            self._domain_lines.append(number)
        elif key in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
            low, high = self._floats(key, rest, 2, number)
            self.domain_min, self.domain_max = np.full(3, low), np.full(3, high)
            self._domain_lines.append(number)
        # Other keywords (LUT_IN_VIDEO_RANGE, vendor tags) do not change the table: skipped.

    def shape(self, table_line: int) -> tuple[int, int]:
        if not self.sizes:
            raise CubeError(
                "missing LUT_3D_SIZE (or LUT_1D_SIZE) before the table", self.path, table_line or 1
            )
        if len(self.sizes) == 2:
            raise CubeError(
                "both LUT_1D_SIZE and LUT_3D_SIZE (a shaper + cube LUT) are not supported; "
                "export a plain 3D LUT",
                self.path,
                self.sizes[3][1],
            )
        if (self.domain_max <= self.domain_min).any():
            raise CubeError(
                f"DOMAIN_MAX {self.domain_max.tolist()} must be above DOMAIN_MIN "
                f"{self.domain_min.tolist()} in every channel",
                self.path,
                max(self._domain_lines),
            )
        ((dimensions, (size, _line)),) = self.sizes.items()
        return size, dimensions

    def _integer(self, key: str, rest: str, number: int) -> int:
        try:
            return int(rest)
        except ValueError:
            raise CubeError(
                f"{key} needs a whole number, found {rest!r}", self.path, number
            ) from None

    def _floats(self, key: str, rest: str, count: int, number: int) -> np.ndarray:
        parts = rest.split()
        try:
            values = np.array([float(p) for p in parts])
        except ValueError:
            raise CubeError(
                f"{key} needs {count} numbers, found {rest!r}", self.path, number
            ) from None
        if len(values) != count or not np.isfinite(values).all():
            raise CubeError(f"{key} needs {count} numbers, found {rest!r}", self.path, number)
        return values
