"""Batch files: parse YAML, JSON, JSON Lines and CSV into jobs, then validate each job.

A problem with the file itself (syntax, no `jobs` list, an unknown CSV column) refuses the whole
batch (`PresetError`, exit code 2). A problem with one job (a preset that does not load, a
missing input, a duplicate output) fails only that job, reported with its index (`jobs[3]`) or
its line (`batch.csv:5`), and the other jobs still render.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clipforge.errors import ClipforgeError, PresetError, Problem
from clipforge.spec.documents import MAX_BYTES, load_json, parse_document, read_capped_text
from clipforge.spec.locations import LineMap, Mark
from clipforge.spec.models import Job

JOB_KEYS = frozenset(Job.model_fields)
DEFAULT_KEYS = frozenset({"preset", "variables", "music", "inputs"})
CSV_COLUMNS = frozenset({"output", "inputs", "preset", "music"})
VAR_PREFIX = "var:"
OUTPUT_SUFFIXES = (".mp4", ".m4v", ".mov")
PRESET_SUFFIXES = (".yaml", ".yml", ".json")
# A batch file for 60,000 jobs is a few MiB; the preset loader's 1 MiB cap is too small here.
MAX_BATCH_BYTES = 64 * MAX_BYTES


@dataclass(frozen=True)
class RawJob:
    """One job as written in the batch file, defaults merged, before validation.

    Attributes:
        index: Position in the batch (0-based).
        where: How users find it: `jobs[3]`, or `batch.csv:5` / `batch.jsonl:4` for row files.
        data: The job mapping (`inputs`, `output`, `preset`, `variables`, `music`).
        base_dir: The folder relative paths are resolved against (the batch file's).
        lines: Positions of the job's keys, for messages.
    """

    index: int
    where: str
    data: Any
    base_dir: Path
    lines: LineMap


@dataclass(frozen=True)
class BatchJob:
    """A validated job: absolute paths, its preset loaded and checked.

    Attributes:
        index: Position in the batch.
        where: `jobs[3]` or `file:line`.
        inputs: The input files, absolute.
        output: The MP4 to write, absolute.
        preset: A catalog name or an absolute preset file path.
        variables: The job's variables (over the preset's defaults).
        music: A music file replacing the preset's, absolute, or None.
        preset_digest: Hash of the resolved preset and its assets (see manifest.py).
    """

    index: int
    where: str
    inputs: tuple[Path, ...]
    output: Path
    preset: str
    variables: dict[str, str] = field(default_factory=dict)
    music: Path | None = None
    preset_digest: str = ""

    def payload(self, draft: bool, asset_roots: Sequence[Path]) -> dict[str, Any]:
        """The job as plain JSON data, for the process (or cluster worker) that renders it."""
        return {
            "index": self.index,
            "inputs": [str(p) for p in self.inputs],
            "output": str(self.output),
            "preset": self.preset,
            "variables": dict(self.variables),
            "music": str(self.music) if self.music else None,
            "draft": draft,
            "asset_roots": [str(r) for r in asset_roots],
        }


@dataclass(frozen=True)
class JobProblem:
    """A job refused by validation, with every reason found."""

    index: int
    where: str
    output: str | None
    problems: tuple[str, ...]

    @property
    def error(self) -> str:
        """All problems in one message."""
        return "; ".join(self.problems)


# --- parsing ------------------------------------------------------------------------------------


def load_batch(path: str | Path) -> list[RawJob]:
    """Read a batch file of any supported format (by its suffix).

    `.csv` is CSV, `.jsonl`/`.ndjson` is JSON Lines, `.json` is JSON and anything else YAML
    (safe loading only, no aliases).

    Args:
        path: The batch file.

    Returns:
        The jobs in file order, defaults merged, paths still as written.

    Raises:
        PresetError: The file cannot be read or is not a batch file (names file and line).
    """
    path = Path(path)
    text = read_capped_text(path, MAX_BATCH_BYTES, "batch file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return parse_csv(text, path)
    if suffix in (".jsonl", ".ndjson"):
        return parse_jsonl(text, path)
    return parse_mapping(text, path, is_json=suffix == ".json")


def parse_mapping(text: str, path: Path, is_json: bool = False) -> list[RawJob]:
    """A YAML or JSON batch document: `defaults` (optional) and `jobs` (a list of mappings).

    Raises:
        PresetError: Syntax errors, unknown top-level keys, a missing or empty `jobs` list,
            unknown keys in `defaults`.
    """
    file = str(path)
    # parse_document caps presets at 1 MiB; a batch may be larger, so check here instead.
    data, lines = _parse_big_document(text, file, is_json)
    unknown = sorted(set(data) - {"defaults", "jobs"})
    if unknown:
        mark = lines.find((unknown[0],))
        raise PresetError(
            Problem(
                f"unknown key '{unknown[0]}' in a batch file (expected defaults, jobs)",
                file,
                mark.line,
                mark.column,
            )
        )
    defaults = _check_defaults(data.get("defaults"), lines, file)
    jobs = data.get("jobs")
    if not isinstance(jobs, list) or not jobs:
        mark = lines.find(("jobs",))
        raise PresetError(
            Problem("expected `jobs:` with a list of jobs", file, mark.line, mark.column, "jobs")
        )
    out = []
    for index, item in enumerate(jobs):
        sub = _sub_lines(lines, ("jobs", index))
        data = merge_defaults(defaults, item)
        out.append(RawJob(index, f"jobs[{index}]", data, path.parent, sub))
    return out


def _parse_big_document(text: str, file: str, is_json: bool) -> tuple[dict, LineMap]:
    if len(text) <= MAX_BYTES:
        return parse_document(text, file, is_json=is_json)
    if is_json:  # big JSON: positions are a luxury; parse without them
        data = load_json(text, file)
        if not isinstance(data, dict):
            raise PresetError(Problem("expected a mapping with `jobs`", file, 1, 1))
        return data, LineMap(file)
    raise PresetError(
        Problem(
            f"YAML batch files are limited to {MAX_BYTES // 1024} KiB; "
            "use CSV or JSON Lines for big batches",
            file,
        )
    )


def _check_defaults(defaults: Any, lines: LineMap, file: str) -> dict:
    if defaults is None:
        return {}
    mark = lines.find(("defaults",))
    if not isinstance(defaults, dict):
        raise PresetError(Problem("expected a mapping", file, mark.line, mark.column, "defaults"))
    for key in defaults:
        if key not in DEFAULT_KEYS:
            where = lines.find(("defaults", key))
            raise PresetError(
                Problem(
                    f"unknown key '{key}' (defaults may set {', '.join(sorted(DEFAULT_KEYS))})",
                    file,
                    where.line,
                    where.column,
                    f"defaults.{key}",
                )
            )
    return defaults


def merge_defaults(defaults: Mapping[str, Any], job: Any) -> Any:
    """`job` over `defaults`: `variables` merge key by key, other keys are replaced."""
    if not isinstance(job, dict):
        return job  # validation reports it
    merged = {**defaults, **job}
    if isinstance(defaults.get("variables"), dict) and isinstance(job.get("variables"), dict):
        merged["variables"] = {**defaults["variables"], **job["variables"]}
    return merged


def _sub_lines(lines: LineMap, prefix: tuple) -> LineMap:
    """The positions under `prefix`, re-rooted so a job's keys are found as its own."""
    size = len(prefix)
    marks = {k[size:]: m for k, m in lines.marks.items() if k[:size] == prefix}
    return LineMap(lines.file, marks)


def _row_lines(file: str, line: int) -> LineMap:
    """Every key of a CSV or JSON Lines row points at the row's line."""
    return LineMap(file, {(): Mark(file, line, None)})


def parse_jsonl(text: str, path: Path) -> list[RawJob]:
    """JSON Lines: one job object per line; blank lines are skipped.

    A line holding only `{"defaults": {...}}` sets defaults for the lines after it.

    Raises:
        PresetError: No jobs at all. (A line that is not valid JSON fails only that job.)
    """
    file = str(path)
    defaults: dict = {}
    out: list[RawJob] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            item = _Broken(f"JSON syntax error at column {exc.colno}: {exc.msg}")
        except (ValueError, RecursionError) as exc:
            item = _Broken(f"invalid JSON: {exc}")
        if isinstance(item, dict) and set(item) == {"defaults"}:
            defaults = _check_defaults(item["defaults"], _row_lines(file, number), file)
            continue
        data = merge_defaults(defaults, item)
        out.append(RawJob(len(out), where, data, path.parent, _row_lines(file, number)))
    if not out:
        raise PresetError(Problem("no jobs in the file (one JSON object per line)", file))
    return out


def parse_csv(text: str, path: Path) -> list[RawJob]:
    """CSV with a header row: `output`, `inputs` (`;`-separated), `preset`, `music`, `var:NAME`.

    Empty cells count as not given (the preset's default variable, the default preset).

    Raises:
        PresetError: No header, a missing `output`/`inputs` column, an unknown column, no rows.
    """
    file = str(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise PresetError(Problem("empty CSV file (expected a header row)", file, 1)) from None
    except csv.Error as exc:
        raise PresetError(Problem(f"CSV error: {exc}", file, 1)) from None
    columns = [h.strip() for h in header]
    _check_columns(columns, file)
    out: list[RawJob] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise PresetError(Problem(f"CSV error: {exc}", file, reader.line_num)) from None
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path.name}:{line}"
        data: Any = _csv_job(columns, row)
        out.append(RawJob(len(out), where, data, path.parent, _row_lines(file, line)))
    if not out:
        raise PresetError(Problem("no jobs in the CSV file (only a header)", file))
    return out


def _check_columns(columns: list[str], file: str) -> None:
    seen: set[str] = set()
    for column in columns:
        name = column[len(VAR_PREFIX) :] if column.startswith(VAR_PREFIX) else None
        if column in seen:
            raise PresetError(Problem(f"column '{column}' appears twice", file, 1))
        seen.add(column)
        if column not in CSV_COLUMNS and not (name and name.strip()):
            raise PresetError(
                Problem(
                    f"unknown column '{column}' (expected output, inputs, preset, music, var:NAME)",
                    file,
                    1,
                )
            )
    missing = [c for c in ("output", "inputs") if c not in seen]
    if missing:
        raise PresetError(Problem(f"missing column(s): {', '.join(missing)}", file, 1))


def _csv_job(columns: list[str], row: list[str]) -> dict | _Broken:
    if len(row) > len(columns):
        return _Broken(f"{len(row)} cells but {len(columns)} columns")
    data: dict[str, Any] = {}
    variables: dict[str, str] = {}
    for column, cell in zip(columns, row, strict=False):
        value = cell.strip()
        if not value:
            continue
        if column.startswith(VAR_PREFIX):
            variables[column[len(VAR_PREFIX) :]] = cell  # variables keep their spaces
        elif column == "inputs":
            data["inputs"] = [part.strip() for part in value.split(";") if part.strip()]
        else:
            data[column] = value
    if variables:
        data["variables"] = variables
    return data


class _Broken:
    """A row that could not even be parsed; validation reports `why`."""

    def __init__(self, why: str):
        self.why = why


def jobs_from_list(items: Iterable[Any], base_dir: Path | None = None) -> list[RawJob]:
    """Jobs given in code (mappings or `BatchJob`s), relative paths against `base_dir`.

    Args:
        items: Job mappings shaped like the batch file's, or already validated `BatchJob`s
            (their fields are used as they are, validated again).
        base_dir: Folder for relative paths (default: the current folder).

    Returns:
        The jobs, in order.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    out = []
    for index, item in enumerate(items):
        data = item
        if isinstance(item, BatchJob):
            data = {
                "inputs": [str(p) for p in item.inputs],
                "output": str(item.output),
                "preset": item.preset,
                "variables": dict(item.variables),
                "music": str(item.music) if item.music else None,
            }
        out.append(RawJob(index, f"jobs[{index}]", data, base, LineMap(None)))
    if not out:
        raise PresetError("no jobs given")
    return out


# --- validation ---------------------------------------------------------------------------------


class PresetCache:
    """Loaded and checked presets by (reference, variables): a campaign reuses one preset."""

    def __init__(self, asset_roots: Sequence[Path]):
        self.asset_roots = tuple(asset_roots)
        self._cache: dict[tuple, Any] = {}

    def get(self, ref: str, variables: Mapping[str, str]) -> Any:
        """The validated preset, or raises the (cached) PresetError."""
        key = (ref, tuple(sorted(variables.items())))
        if key not in self._cache:
            try:
                self._cache[key] = _check_preset(ref, dict(variables), self.asset_roots)
            except ClipforgeError as exc:
                self._cache[key] = exc
        value = self._cache[key]
        if isinstance(value, BaseException):
            raise value
        return value


def _check_preset(ref: str, variables: dict[str, str], roots: Sequence[Path]) -> Any:
    """Load the preset as a render would, plus assets, features and moderation."""
    from clipforge.delivery.moderation import check_blocklist
    from clipforge.delivery.texts import clip_texts
    from clipforge.spec.validate import validate_preset

    preset = validate_preset(ref, variables, roots)
    search = [*preset.source_dirs[1:], *preset.asset_roots, *roots]
    check_blocklist(preset, clip_texts(preset, search))
    return preset


def is_preset_path(ref: str) -> bool:
    """Whether a `preset` value is a file path (else a catalog name), as the loader decides."""
    return "/" in ref or "\\" in ref or ref.lower().endswith(PRESET_SUFFIXES)


def validate_jobs(
    raw: Sequence[RawJob],
    asset_roots: Sequence[Path] = (),
    digest: Any = None,
) -> list[BatchJob | JobProblem]:
    """Validate every job; a broken job becomes a `JobProblem`, the others `BatchJob`s.

    Checks: the job's keys and types, its preset (loads with its variables, assets exist,
    features supported, moderation), inputs (an image sequence: its images) and music exist
    and are non-empty regular files, the output is an `.mp4` (or `.m4v`/`.mov`) whose folder
    can be made, is not one of the inputs, and no two jobs write the same output (or the same
    side files).

    Args:
        raw: Parsed jobs.
        asset_roots: Extra asset folders for presets.
        digest: Called as `digest(preset)` to fingerprint a loaded preset (see manifest.py).

    Returns:
        One entry per job, in order.
    """
    from clipforge.spec.loader import job_from_dict

    presets = PresetCache(asset_roots)
    checked: list[BatchJob | JobProblem] = []
    for job in raw:
        problems: list[str] = []
        output_text = job.data.get("output") if isinstance(job.data, dict) else None
        if isinstance(job.data, _Broken):
            checked.append(JobProblem(job.index, job.where, None, (job.data.why,)))
            continue
        if not isinstance(job.data, dict):
            problems.append(f"expected a job mapping, found {type(job.data).__name__}")
            checked.append(JobProblem(job.index, job.where, None, tuple(problems)))
            continue
        try:
            spec = job_from_dict(job.data, job.lines.file, job.lines)
        except PresetError as exc:
            checked.append(
                JobProblem(job.index, job.where, _text(output_text), _problem_texts(exc))
            )
            continue
        base = job.base_dir
        inputs = tuple(_absolute(base, p) for p in spec.inputs)
        output = _absolute(base, spec.output)
        music = _absolute(base, spec.music) if spec.music else None
        ref = spec.preset or "default"
        if is_preset_path(ref):
            ref = str(_absolute(base, ref))
        try:
            problems += _file_problems(source_files(inputs), "input")
        except ClipforgeError as exc:  # an image sequence that matches nothing usable
            problems.append(f"input {exc}")
        if music is not None:
            problems += _file_problems((music,), "music")
        problems += _output_problems(output, inputs)
        preset_digest = ""
        try:
            preset = presets.get(ref, spec.variables)
            preset_digest = digest(preset) if digest else ""
        except PresetError as exc:
            problems += [f"preset {spec.preset or 'default'}: {p}" for p in exc.problems]
        except ClipforgeError as exc:
            problems.append(f"preset {spec.preset or 'default'}: {exc}")
        if problems:
            checked.append(JobProblem(job.index, job.where, str(output), tuple(problems)))
            continue
        checked.append(
            BatchJob(
                job.index,
                job.where,
                inputs,
                output,
                ref,
                dict(spec.variables),
                music,
                preset_digest,
            )
        )
    return _refuse_duplicates(checked)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _problem_texts(exc: PresetError) -> tuple[str, ...]:
    return tuple(str(p) for p in exc.problems)


def _absolute(base: Path, value: str | Path) -> Path:
    """A path from the batch file, relative to its folder; `~` is not expanded (portable)."""
    path = Path(value)
    return Path((path if path.is_absolute() else base / path).resolve(strict=False))


def source_files(inputs: Iterable[str | Path], music: str | Path | None = None) -> list[Path]:
    """The files a job reads, in order: each input (an image sequence's images), the music.

    The manifest hashes exactly these, so editing one image of a sequence renders it again.

    Raises:
        InputError: An image sequence (a folder or pattern) matches nothing or a non-image.
    """
    from clipforge.timeline.sources import image_sequence, is_sequence

    files: list[Path] = []
    for source in inputs:
        files.extend(image_sequence(source, 1.0).paths if is_sequence(source) else [Path(source)])
    if music:
        files.append(Path(music))
    return files


def _file_problems(paths: Iterable[Path], what: str) -> list[str]:
    from clipforge.media.ffmpeg import input_file

    problems = []
    for path in paths:
        try:
            input_file(path)
        except ClipforgeError as exc:
            problems.append(f"{what} {exc}")
    return problems


def _output_problems(output: Path, inputs: Sequence[Path]) -> list[str]:
    problems = []
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        problems.append(f"output {output}: name the output .mp4 (or .m4v, .mov)")
    if output.is_dir():
        problems.append(f"output {output}: is a folder")
    if output in inputs:
        problems.append(f"output {output}: is also an input of the job")
    parent = output.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        problems.append(f"output {output}: {parent} is not a folder")
    return problems


def _refuse_duplicates(checked: list[BatchJob | JobProblem]) -> list[BatchJob | JobProblem]:
    """Fail every job whose output (or side files: same folder and stem) another job writes.

    All of them fail, not all but the first: which one the author meant is a guess.
    """
    owners: dict[tuple[str, str], list[int]] = {}
    for pos, entry in enumerate(checked):
        if isinstance(entry, BatchJob):
            key = (str(entry.output.parent), entry.output.stem.casefold())
            owners.setdefault(key, []).append(pos)
    for positions in owners.values():
        if len(positions) < 2:
            continue
        names = [checked[p].where for p in positions]
        for pos in positions:
            entry = checked[pos]
            assert isinstance(entry, BatchJob)
            others = ", ".join(n for n in names if n != entry.where)
            checked[pos] = JobProblem(
                entry.index,
                entry.where,
                str(entry.output),
                (
                    f"output {entry.output}: also written by {others} (the same output, or "
                    "the same name in the same folder, whose side files would collide)",
                ),
            )
    return checked
