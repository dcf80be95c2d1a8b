"""Run a command and measure its wall time and the peak memory of its whole process tree.

The benchmark's ways start helpers (moviepy and clipforge start ffmpeg; ffmpeg may start
nothing), so memory is summed over the process and all of its descendants, sampled every 50 ms.
The sum is of proportional set sizes (PSS, Linux): a page shared by k processes counts 1/k in
each, so two ffmpeg processes mapping the same 170 MB static binary are not charged for it twice
(a plain RSS sum would be). Where PSS cannot be read, RSS is used.

CPU time (user + system) of the whole tree is measured too: on a shared machine it moves far
less than wall time, and on two cores the wall time of a render that keeps both busy is about
half of it. Per-process peaks (``peaks``) show which process holds the memory.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
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
    cpu_s: float = 0.0  # user + system seconds of the process and all its descendants
    peaks: dict[str, float] = field(default_factory=dict)  # per-process peak PSS, MiB

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _label(p: psutil.Process) -> str:
    """A short name for a process of the tree: python, ffmpeg-decode, ffmpeg-encode, ..."""
    with contextlib.suppress(psutil.Error):
        cmd = p.cmdline()
        name = Path(cmd[0]).name if cmd else p.name()
        if "ffmpeg" in name:
            if "pipe:1" in cmd:
                return "ffmpeg-decode"
            if "pipe:0" in cmd:
                return "ffmpeg-encode"
            return "ffmpeg"
        return "python" if name.startswith("python") or name == "clipforge" else name
    return "?"


def _tree_memory(proc: psutil.Process, peaks: dict[str, float] | None = None) -> int:
    """Bytes (PSS) resident in ``proc`` and its descendants (processes that vanish are skipped).

    With ``peaks``, each process's own peak is kept there too (bytes, by label).
    """
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        # A process that ended between listing and reading has nothing resident any more.
        with contextlib.suppress(psutil.Error):
            try:
                size = p.memory_full_info().pss
            except (AttributeError, psutil.AccessDenied):
                size = p.memory_info().rss
            total += size
            if peaks is not None:
                key = f"{_label(p)}:{p.pid}"
                peaks[key] = max(peaks.get(key, 0), size)
    return total


def _children_cpu() -> float:
    """CPU seconds of the finished (reaped) children of this process and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
        Wall time in seconds, peak tree PSS in MiB, the exit status, the output's tail, the
        tree's CPU seconds and each process's peak PSS.
    """
    peaks: dict[str, float] = {}
    with tempfile.TemporaryFile() as log:
        cpu0 = _children_cpu()
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
            peak = max(peak, _tree_memory(proc, peaks))
            try:
                returncode = proc.wait(timeout=SAMPLE_SECONDS)
            except psutil.TimeoutExpired:
                if timeout is not None and time.perf_counter() - start > timeout:
                    for child in proc.children(recursive=True):
                        child.kill()
                    proc.kill()
                    returncode = proc.wait()
        wall = time.perf_counter() - start
        cpu = _children_cpu() - cpu0
        log.seek(0)
        tail = log.read().decode("utf-8", "replace").strip().splitlines()[-15:]
    by_process = {k: round(v / 2**20, 1) for k, v in sorted(peaks.items(), key=lambda kv: -kv[1])}
    return Measurement(wall, peak / 2**20, returncode, "\n".join(tail), cpu, by_process)
