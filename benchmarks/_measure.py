"""Run a command and measure its wall time and the peak memory of its whole process tree.

The benchmark's ways start helpers (moviepy and clipforge start ffmpeg; ffmpeg may start
nothing), so memory is summed over the process and all of its descendants, sampled every 50 ms.
The sum is of proportional set sizes (PSS, Linux): a page shared by k processes counts 1/k in
each, so two ffmpeg processes mapping the same 170 MB static binary are not charged for it twice
(a plain RSS sum would be). Where PSS cannot be read, RSS is used.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measurement:
    """What one run cost."""

    wall_s: float
    peak_mib: float
    returncode: int
    output_tail: str  # last lines of stdout+stderr, for error messages

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _tree_memory(proc: psutil.Process) -> int:
    """Bytes (PSS) resident in ``proc`` and its descendants (processes that vanish are skipped)."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        # A process that ended between listing and reading has nothing resident any more.
        with contextlib.suppress(psutil.Error):
            try:
                total += p.memory_full_info().pss
            except (AttributeError, psutil.AccessDenied):
                total += p.memory_info().rss
    return total


def measure(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Measurement:
    """Run ``cmd`` (argument list, no shell) to completion and measure it.

    Args:
        cmd: The program and its arguments.
        cwd: Working directory of the child.
        env: Environment of the child (default: this process's).
        timeout: Seconds after which the whole tree is killed (returncode -9).

    Returns:
        Wall time in seconds, peak tree PSS in MiB, the exit status and the output's tail.
    """
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = psutil.Popen(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        peak = 0
        returncode = None
        while returncode is None:
            peak = max(peak, _tree_memory(proc))
            try:
                returncode = proc.wait(timeout=SAMPLE_SECONDS)
            except psutil.TimeoutExpired:
                if timeout is not None and time.perf_counter() - start > timeout:
                    for child in proc.children(recursive=True):
                        child.kill()
                    proc.kill()
                    returncode = proc.wait()
        wall = time.perf_counter() - start
        log.seek(0)
        tail = log.read().decode("utf-8", "replace").strip().splitlines()[-15:]
    return Measurement(wall, peak / 2**20, returncode, "\n".join(tail))
