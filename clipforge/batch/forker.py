"""Job processes that start in milliseconds: a preloaded server forks one child per job.

Importing clipforge's render stack (numpy, OpenCV, SciPy) takes 2-4 s on the target machines,
longer than a draft render of a short clip. A *forker* pays it once: it is a small Python
process (`python -m clipforge.batch.forker`) that imports the render code, then, for each job
it is sent, forks a child in a process group of its own, reports the child's pid and later its
exit status. The child renders and writes its `Outcome` to a file.

The side that sends jobs (`Forker.run`, used by the local pool and by Dask tasks alike) owns
the timeout: on expiry or cancellation it sends SIGTERM to the job (which unwinds: the encoder
kills ffmpeg and removes its .part file), then after a grace period SIGKILL to the job's whole
process group, so no ffmpeg outlives its job, even one left behind by a crash. Forking from a
helper (not `multiprocessing`) also works inside Dask's daemonic worker processes, which may not
have `multiprocessing` children.

Protocol, one JSON object per line: the forker says `{"ready": pid}` once imported; a request
`{"payload", "result", "log"}` is answered with `{"pid"}` at once and `{"pid", "exit"}` when
the child ends (`exit` as `os.waitstatus_to_exitcode`: negative for a signal).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clipforge.batch.task import Outcome

GRACE_SECONDS = 3.0  # between SIGTERM (clean unwind) and SIGKILL of the job's group
READY_SECONDS = 300.0  # a forker's imports on a loaded machine
_TICK = 0.2
_LOG_TAIL = 800


class ForkerGone(RuntimeError):
    """The forker process ended or stopped answering."""


def sweep_partials(output: Path) -> None:
    """Remove the temporary files a killed render of `output` may have left.

    The encoder writes `.<name>.part-<hex>.mp4` and side files `.<stem>.part-<hex><suffix>`
    beside the output; a SIGKILLed job cannot remove its own.
    """
    folder = output.parent
    for pattern in (f".{output.name}.part-*", f".{output.stem}.part-*"):
        for path in folder.glob(pattern):
            with contextlib.suppress(OSError):
                path.unlink()


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a whole process group; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class Forker:
    """The sending side of one forker process; runs one job at a time."""

    def __init__(self) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="clipforge-forker-"))
        env = dict(os.environ)
        # One BLAS thread per job: parallelism comes from running jobs side by side, and a
        # single-threaded forker forks safely.
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        env.setdefault("OMP_NUM_THREADS", "1")
        # Dask's nanny sets a 64 KiB trim threshold for its workers; renders use clipforge's
        # own allocator settings (allocator.py, media/ffmpeg.py), the same locally and on Dask.
        env.pop("MALLOC_TRIM_THRESHOLD_", None)
        self._stderr = open(self._tmp / "forker.log", "wb")  # noqa: SIM115 - lives with the process
        # Its own session: a Ctrl-C in the terminal reaches only the batch, which then stops
        # the jobs in order instead of every process dying at once mid-write.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "clipforge.batch.forker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
            env=env,
        )
        self._buffer = b""
        self._ready = False
        self._count = 0
        self.broken = False

    @property
    def alive(self) -> bool:
        """Whether the forker can take another job."""
        return not self.broken and self.proc.poll() is None

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """The next message, or None if none came within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                self.broken = True
                raise ForkerGone(self._log_tail(self._tmp / "forker.log") or "forker exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def wait_ready(self, cancel: threading.Event | None = None) -> bool:
        """Block until the forker has imported the render code.

        Args:
            cancel: Stop waiting when set.

        Returns:
            True when ready, False when cancelled first.

        Raises:
            ForkerGone: It failed to start (its stderr tail is the message).
        """
        deadline = time.monotonic() + READY_SECONDS
        while not self._ready:
            if cancel is not None and cancel.is_set():
                return False
            if time.monotonic() > deadline:
                self.close()
                raise ForkerGone("the job process server did not start in time")
            message = self._read(_TICK)
            if message is not None:
                if "ready" not in message:
                    self.close()
                    raise ForkerGone(f"unexpected message from the job process server: {message}")
                self._ready = True
        return True

    def run(
        self,
        payload: dict[str, Any],
        timeout: float | None = None,
        cancel: threading.Event | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> Outcome:
        """Render one job in a fresh child process and return its outcome.

        Args:
            payload: The job (`BatchJob.payload()`).
            timeout: Seconds the job may take (None: no limit).
            cancel: Set it to stop the job early (outcome `cancelled`).
            on_start: Called with the child's pid once it runs.

        Returns:
            The outcome; a crash, a timeout or a lost forker are outcomes too (retryable).
        """
        try:
            if not self.wait_ready(cancel):
                return Outcome("failed", "cancelled", False, "cancelled")
        except ForkerGone as exc:
            return Outcome("failed", "crash", True, f"could not start a job process: {exc}")
        self._count += 1
        result = self._tmp / f"result-{self._count}.json"
        log = self._tmp / f"log-{self._count}.txt"
        request = {"payload": payload, "result": str(result), "log": str(log)}
        output = Path(payload["output"])
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
            started = self._read(30.0)
        except (OSError, ForkerGone, ValueError) as exc:
            self.broken = True
            return Outcome("failed", "crash", True, f"the job process server failed: {exc}")
        if not started or "pid" not in started:
            self.broken = True
            return Outcome("failed", "crash", True, "the job process server did not answer")
        pid = int(started["pid"])
        start = time.monotonic()
        if on_start:
            on_start(pid)
        status, reason = self._wait(pid, start, timeout, cancel)
        kill_group(pid)  # whatever the job left running (ffmpeg after a crash)
        seconds = time.monotonic() - start
        outcome = self._outcome(result, log, status, reason, timeout)
        outcome.seconds = seconds
        if outcome.status != "done":
            sweep_partials(output)
        with contextlib.suppress(OSError):
            result.unlink(missing_ok=True)
            log.unlink(missing_ok=True)
        return outcome

    def _wait(
        self, pid: int, start: float, timeout: float | None, cancel: threading.Event | None
    ) -> tuple[int | None, str | None]:
        """(exit status or None, why it was stopped or None)."""
        try:
            while True:
                message = self._read(_TICK)
                if message is not None and message.get("pid") == pid and "exit" in message:
                    return int(message["exit"]), None
                if cancel is not None and cancel.is_set():
                    return self._stop(pid), "cancelled"
                if timeout is not None and time.monotonic() - start > timeout:
                    return self._stop(pid), "timeout"
        except ForkerGone:
            return None, "forker"

    def _stop(self, pid: int) -> int | None:
        """SIGTERM the job, then SIGKILL its group after the grace period; its exit status."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
        for grace, sig in ((GRACE_SECONDS, signal.SIGKILL), (10.0, None)):
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                message = self._read(min(_TICK, max(0.0, deadline - time.monotonic())))
                if message is not None and message.get("pid") == pid and "exit" in message:
                    return int(message["exit"])
            if sig is not None:
                kill_group(pid, sig)
        self.broken = True  # the forker does not answer: replace it
        self.close()
        return None

    def _outcome(
        self,
        result: Path,
        log: Path,
        status: int | None,
        reason: str | None,
        timeout: float | None,
    ) -> Outcome:
        if reason == "timeout":
            return Outcome("failed", "timeout", True, f"timed out after {timeout:g} s (stopped)")
        if reason == "cancelled":
            return Outcome("failed", "cancelled", False, "cancelled")
        try:
            return Outcome.from_dict(json.loads(result.read_text()))
        except (OSError, ValueError, TypeError):
            pass
        if status is None:
            why = "the job process server died"
        elif status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            why = f"the job's process crashed (killed by {name})"
        else:
            why = f"the job's process exited with status {status} without a result"
        tail = self._log_tail(log)
        return Outcome("failed", "crash", True, f"{why}: {tail}" if tail else why)

    @staticmethod
    def _log_tail(path: Path) -> str:
        try:
            text = path.read_bytes()[-_LOG_TAIL:].decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return text

    def close(self) -> None:
        """End the forker (EOF, then a kill after 2 s) and remove its temporary folder."""
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        try:
            self.proc.wait(2.0)
        except subprocess.TimeoutExpired:
            kill_group(self.proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5.0)
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdout.close()  # type: ignore[union-attr]
        self._stderr.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
        self.broken = True


class ForkerPool:
    """Idle forkers kept warm between the jobs of a batch (and on a Dask worker, between tasks)."""

    def __init__(self) -> None:
        self._idle: list[Forker] = []
        self._lock = threading.Lock()

    def warm(self, count: int) -> None:
        """Start forkers until `count` are idle (they import in the background)."""
        with self._lock:
            self._idle = [f for f in self._idle if f.alive]
            missing = max(0, count - len(self._idle))
        started = [Forker() for _ in range(missing)]
        with self._lock:
            self._idle.extend(started)

    def acquire(self) -> Forker:
        """An idle forker, or a new one."""
        with self._lock:
            while self._idle:
                forker = self._idle.pop()
                if forker.alive:
                    return forker
                forker.close()
        return Forker()

    def release(self, forker: Forker) -> None:
        """Give a forker back (a broken one is closed)."""
        if not forker.alive:
            forker.close()
            return
        with self._lock:
            self._idle.append(forker)

    def close(self) -> None:
        """Close every idle forker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for forker in idle:
            forker.close()


POOL = ForkerPool()
atexit.register(POOL.close)


# --- the forker process itself ------------------------------------------------------------------


def _send(message: dict[str, Any]) -> None:
    # Unbuffered writes: a child forked later must not inherit unflushed output.
    os.write(1, json.dumps(message).encode() + b"\n")


def serve() -> None:
    """The forker's main loop (`python -m clipforge.batch.forker`)."""
    import warnings

    from clipforge.allocator import tune_allocator, tune_opencv

    # As `clipforge render` does, before the preload imports numpy (allocator.py); children
    # inherit it through fork.
    tune_allocator(opencv=False)
    import clipforge.render  # noqa: F401  (the preload: every child starts with it imported)
    from clipforge.batch import task

    # Python warns about fork() in a process with threads; this one has only its main thread
    # of Python code, and library threads (if any) are not used before the fork.
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch stops us with EOF, not Ctrl-C
    tune_opencv()
    _send({"ready": os.getpid()})
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the job
            code = 70
            try:
                os.setpgid(0, 0)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                task.child_main(request)
                code = 0
            except BaseException:
                pass
            finally:
                os._exit(code)
        # Both sides set the group, so it exists before anyone may signal it.
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)
        _send({"pid": pid})
        _, status = os.waitpid(pid, 0)
        _send({"pid": pid, "exit": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve()
