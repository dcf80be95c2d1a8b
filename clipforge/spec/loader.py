"""Load presets: find them (catalog or file), follow `extends`, fill placeholders, validate.

The order is fixed by the format: extends-merge, then `{{placeholders}}` (preset defaults
overridden by job variables), then validation, which reports every problem at once with
`file:line:column` and the key path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from clipforge.errors import PresetError, Problem
from clipforge.spec.documents import load_document, parse_document
from clipforge.spec.locations import LineMap
from clipforge.spec.models import Job, Preset
from clipforge.spec.placeholders import fill_placeholders, variables_as_text
from clipforge.spec.problems import problems_from_validation

__all__ = [
    "catalog",
    "catalog_dir",
    "job_from_dict",
    "load_document",
    "load_preset",
    "parse_document",
    "preset_from_dict",
]

MAX_EXTENDS = 16
PRESET_SUFFIXES = (".yaml", ".yml", ".json")
_CATALOG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# The installed `clipforge/` folder (this file is clipforge/spec/<module>.py).
_PACKAGE_DIR = Path(__file__).parent.parent
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

M = TypeVar("M", bound=BaseModel)


def catalog_dir() -> Path:
    """The folder of the shipped presets (`clipforge/presets/`)."""
    return _PACKAGE_DIR / "presets"


def catalog() -> list[tuple[str, str]]:
    """The shipped presets as (name, description), sorted by name.

    A preset that does not load is listed with its first problem as the description, so a
    broken catalog entry shows up instead of hiding.
    """
    entries: list[tuple[str, str]] = []
    for path in sorted(catalog_dir().glob("*.yaml")):
        try:
            description = load_preset(path).description
        except PresetError as exc:
            description = f"(invalid: {exc.problems[0].message})" if exc.problems else "(invalid)"
        entries.append((path.stem, description))
    return entries


def _catalog_path(name: str) -> Path | None:
    if not _CATALOG_NAME.match(name):
        return None
    path = catalog_dir() / f"{name}.yaml"
    return path if path.is_file() else None


def _unknown_catalog(name: str) -> str:
    names = sorted(p.stem for p in catalog_dir().glob("*.yaml"))
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    if not hint and names:
        hint = f"; available: {', '.join(names)}"
    return f"no catalog preset named '{name}'{hint}"


def _is_path_like(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.lower().endswith(PRESET_SUFFIXES)


def _locate(source: str | Path) -> Path:
    """A preset source (catalog name or file path) as a file path."""
    if isinstance(source, Path) or _is_path_like(source):
        path = Path(source)
        if not path.is_file():
            raise PresetError(Problem("preset file not found", str(path)))
        return path
    found = _catalog_path(source)
    if found is None:
        raise PresetError(_unknown_catalog(source))
    return found


def _resolve_extends(ref: Any, base_dir: Path, lines: LineMap) -> Path:
    """The file an `extends` value names: a catalog preset or a path relative to `base_dir`."""
    mark = lines.find(("extends",))

    def refuse(message: str) -> PresetError:
        return PresetError(Problem(message, mark.file, mark.line, mark.column, "extends"))

    if not isinstance(ref, str) or not ref.strip():
        raise refuse(f"expected a catalog preset name or a relative path, found {ref!r}")
    if not _is_path_like(ref):
        found = _catalog_path(ref)
        if found is None:
            raise refuse(_unknown_catalog(ref))
        return found
    if _SCHEME.match(ref) or Path(ref).is_absolute() or ref.startswith(("/", "\\")):
        raise refuse(f"expected a path relative to the preset's folder, found '{ref}'")
    relative = ref.replace("\\", "/")
    # Like assets, a parent preset lives in the preset's folder or below: an untrusted preset
    # must not make us read (and quote in errors) files elsewhere.
    if ".." in PurePosixPath(relative).parts or "\x00" in relative:
        raise refuse(f"extends '{ref}': paths may not contain '..'; keep parents beside the preset")
    path = base_dir / relative
    try:
        exists = path.is_file()
        inside = exists and path.resolve().is_relative_to(base_dir.resolve())
    except (OSError, ValueError, RuntimeError):
        exists = inside = False
    if not exists:
        raise refuse(f"extends '{ref}': no such file ({path})")
    if not inside:
        raise refuse(f"extends '{ref}' resolves outside the preset's folder (a symlink)")
    return path


def _merge(
    base: dict, base_lines: LineMap, over: dict, over_lines: LineMap
) -> tuple[dict, LineMap]:
    """Deep-merge `over` onto `base`: mappings key by key, anything else (lists) replaced whole."""

    def merge(into: dict, top: Mapping, path: tuple) -> dict:
        out = dict(into)
        for key, value in top.items():
            sub = (*path, key)
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value, sub)
            else:
                out[key] = value
                base_lines.drop_under(sub)  # the parent's positions below no longer apply
        return out

    merged = merge(base, over, ())
    return merged, over_lines.merged_over(base_lines)


def _expand(
    data: dict, lines: LineMap, base_dir: Path, chain: list[str], seen: list[Path]
) -> tuple[dict, LineMap, list[Path]]:
    """Follow `extends` from `data` and return the merged data, positions and source folders."""
    if "extends" not in data or data["extends"] is None:
        return data, lines, [base_dir]
    parent_path = _resolve_extends(data["extends"], base_dir, lines)
    resolved = parent_path.resolve()
    names = [*chain, parent_path.name]
    if resolved in seen:
        mark = lines.find(("extends",))
        raise PresetError(
            Problem(
                f"extends cycle: {' -> '.join(names)}", mark.file, mark.line, mark.column, "extends"
            )
        )
    if len(seen) >= MAX_EXTENDS:
        raise PresetError(
            Problem(f"extends chain longer than {MAX_EXTENDS}: {' -> '.join(names)}", lines.file)
        )
    parent, parent_lines = load_document(parent_path)
    parent, parent_lines, dirs = _expand(
        parent, parent_lines, parent_path.parent, names, [*seen, resolved]
    )
    # A preset's name is its own (or its file's stem), never its parent's.
    parent = {k: v for k, v in parent.items() if k not in ("name", "extends")}
    merged, merged_lines = _merge(parent, parent_lines, data, lines)
    return merged, merged_lines, [base_dir, *dirs]


def _validate(model: type[M], data: Any, lines: LineMap) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PresetError(problems_from_validation(exc, model, data, lines)) from None


def _finish(
    data: dict,
    lines: LineMap,
    variables: Mapping[str, str] | None,
    dirs: list[Path],
    source: Path | None,
    asset_roots: Sequence[Path],
) -> Preset:
    """Fill placeholders, validate, and record where the preset came from."""
    defaults = data.get("variables")
    effective = {
        **variables_as_text(defaults),
        **{str(k): str(v) for k, v in (variables or {}).items()},
    }
    filled = fill_placeholders(data, effective, lines)
    if defaults is None or isinstance(defaults, dict):
        filled["variables"] = effective  # the sidecar reports the values actually used
    preset = _validate(Preset, filled, lines)
    preset._source = source
    preset._source_dirs = tuple(dirs)
    preset._asset_roots = tuple(Path(root) for root in asset_roots)
    preset._lines = lines
    return preset


def load_preset(
    source: str | Path,
    variables: Mapping[str, str] | None = None,
    asset_roots: Sequence[Path] = (),
) -> Preset:
    """Load, merge, fill and validate a preset.

    Args:
        source: A catalog name (`neon-night`) or a path to a `.yaml`/`.yml`/`.json` file.
        variables: Job variables; they override the preset's `variables` defaults.
        asset_roots: Extra asset folders, kept on the preset (`Preset.asset_roots`).

    Returns:
        The validated preset; `source`, `source_dir` and `source_dirs` say where it came from.

    Raises:
        PresetError: Every problem found, each with file, line, column and key path.
    """
    path = _locate(source)
    data, lines = load_document(path)
    own_name = data.get("name")
    try:
        data, lines, dirs = _expand(data, lines, path.parent, [path.name], [path.resolve()])
    except RecursionError:
        raise PresetError(Problem("extends chain too deep", str(path))) from None
    data["name"] = own_name if own_name is not None else path.stem
    return _finish(data, lines, variables, dirs, path, asset_roots)


def preset_from_dict(
    data: Mapping[str, Any],
    variables: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
) -> Preset:
    """Build a preset from a mapping shaped like the YAML (for API users).

    Args:
        data: The preset document.
        variables: Job variables overriding the preset's `variables`.
        base_dir: Folder for relative `extends` paths and assets (default: none, and `extends`
            paths are relative to the current folder).

    Returns:
        The validated preset.

    Raises:
        PresetError: Every problem found, with key paths.
    """
    if not isinstance(data, Mapping):
        raise PresetError(
            f"expected a mapping (for example {{'clipforge': 1}}), found {data!r:.60}"
        )
    lines = LineMap(None)
    folder = base_dir if base_dir is not None else Path.cwd()
    try:
        merged, lines, dirs = _expand(dict(data), lines, folder, ["<dict>"], [])
        if base_dir is None:
            dirs = dirs[1:]  # no folder of its own for assets
        return _finish(merged, lines, variables, dirs, None, ())
    except RecursionError:
        raise PresetError("document nested too deeply") from None


def job_from_dict(data: Any, file: str | None = None, lines: LineMap | None = None) -> Job:
    """Validate one job (inputs, preset, output, variables, music).

    Args:
        data: The job mapping.
        file: Where it came from, for messages.
        lines: Positions of its keys, if known.

    Returns:
        The validated job.

    Raises:
        PresetError: Every problem found.
    """
    return _validate(Job, data, lines or LineMap(file))
