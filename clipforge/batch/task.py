"""One render attempt, as it runs in its own process: hash the inputs, render, measure the output.

The outcome is a plain dict (JSON) written to a result file; the process that started the job
classifies what happened (see `Outcome`). Errors are sorted by whether trying again can help:
a bad preset or input will fail the same way again, an encoder failure or a crash may not.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clipforge.batch.jobs import source_files
from clipforge.batch.manifest import hash_file, sha256_file, write_json_atomic
from clipforge.errors import ClipforgeError, InputError, PresetError, RenderError


@dataclass
class Outcome:
    """What one attempt at a job came to.

    Attributes:
        status: `done` or `failed`.
        kind: `ok`, or why it failed: `preset`, `input` (bad input: never retried), `render`
            (the encoder), `os` (disk, memory), `error` (a bug), `crash` (the process died),
            `timeout`, `cancelled`.
        retryable: Whether another attempt may succeed.
        error: The message, or None.
        seconds: Wall time of the attempt.
        made: `size`, `mtime_ns`, `sha256` of the output (when done).
        files: (size, mtime_ns, sha256) of each input and the music file, by path.
    """

    status: str
    kind: str = "ok"
    retryable: bool = False
    error: str | None = None
    seconds: float = 0.0
    made: dict[str, Any] = field(default_factory=dict)
    files: dict[str, list[Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for a result file or a Dask result)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        """Back from `to_dict`; unknown keys are ignored."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


class Cancelled(BaseException):
    """Raised in the job's process by SIGTERM: unwind so the encoder removes its .part file."""


def _on_term(signum: int, frame: Any) -> None:
    raise Cancelled(f"stopped by signal {signum}")


def classify(exc: BaseException) -> tuple[str, bool]:
    """(kind, retryable) of an exception raised by a render."""
    if isinstance(exc, PresetError):
        return "preset", False
    if isinstance(exc, InputError):  # LimitError too
        return "input", False
    if isinstance(exc, RenderError):
        return "render", True
    if isinstance(exc, (OSError, MemoryError)):
        return "os", True
    if isinstance(exc, ClipforgeError):
        return "error", False
    return "error", False


def attempt(payload: dict[str, Any]) -> Outcome:
    """Render one job (in the current process).

    Args:
        payload: `BatchJob.payload()`: inputs, output, preset, variables, music, draft,
            asset_roots.

    Returns:
        The outcome; never raises for a failed render (only `Cancelled` propagates).
    """
    from clipforge.render import render

    start = time.monotonic()
    files: dict[str, list[Any]] = {}
    try:
        for path in source_files(payload["inputs"], payload.get("music")):
            files[str(path)] = list(hash_file(path))
        output = Path(payload["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        before = _identity(output)
        try:
            render(
                payload["inputs"],
                output,
                payload["preset"],
                variables=payload.get("variables") or {},
                music=payload.get("music"),
                draft=bool(payload.get("draft")),
                asset_roots=payload.get("asset_roots") or (),
            )
        except BaseException:
            # Stopped after the MP4 was renamed into place but before the side files and the
            # report: the job is not done, so its output must not look done either.
            if _identity(output) not in (None, before):
                output.unlink(missing_ok=True)
            raise
        st = output.stat()
        made = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256_file(output)}
        return Outcome("done", seconds=time.monotonic() - start, made=made, files=files)
    except Exception as exc:
        kind, retryable = classify(exc)
        message = str(exc) or type(exc).__name__
        if kind == "error" and not isinstance(exc, ClipforgeError):
            message = f"{type(exc).__name__}: {message}\n{traceback.format_exc(limit=8)}"
        return Outcome("failed", kind, retryable, message, time.monotonic() - start, files=files)


def _identity(path: Path) -> tuple[int, int] | None:
    """(inode, mtime) of a file, None when it does not exist: tells a new output from an old."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def child_main(request: dict[str, Any]) -> None:
    """The body of a forked job process: quiet stdio, SIGTERM unwinds, result to a file.

    Args:
        request: `payload`, `result` (the JSON file to write) and `log` (stdout/stderr).
    """
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    try:
        outcome = attempt(request["payload"])
    except Cancelled as exc:
        outcome = Outcome("failed", "cancelled", False, str(exc))
    write_json_atomic(Path(request["result"]), outcome.to_dict())
