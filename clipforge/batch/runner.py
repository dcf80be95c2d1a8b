"""The local pool: a few worker threads, each feeding jobs to its own forker, one process a job.

A job's process can crash (even SIGKILL or a segfault) or hang without harming the batch: the
thread that owns it sees the exit or the timeout (see forker.py), and the main thread decides
whether to try again. Ctrl-C stops every running job cleanly and re-raises.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from clipforge.batch.forker import POOL, ForkerPool
from clipforge.batch.task import Outcome

Task = tuple[int, dict[str, Any]]
"""(job index, payload)."""


@dataclass(frozen=True)
class Policy:
    """How jobs are run: per-attempt timeout (seconds, None: none) and retries after the first."""

    timeout: float | None = None
    retries: int = 2


class Hooks(Protocol):
    """What a runner reports to the batch (always from the thread that called the runner)."""

    def started(self, index: int, attempt: int, pid: int | None) -> None:
        """An attempt began (pid of its process, if known)."""

    def retrying(self, index: int, outcome: Outcome, attempt: int) -> None:
        """An attempt failed in a way a retry can fix; `attempt` is the next one."""

    def finished(self, index: int, outcome: Outcome, attempts: int) -> None:
        """The job is over: done, or failed for good, or cancelled."""


def should_retry(outcome: Outcome, attempts: int, policy: Policy) -> bool:
    """Whether to try again: only failures that can pass (crash, timeout, encoder, OS)."""
    return outcome.status != "done" and outcome.retryable and attempts <= policy.retries


def default_workers() -> int:
    """Half the cores the process may use: x264 runs 2 threads per render by itself."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


CANCELLED = "cancelled (the batch was interrupted)"


def run_local(
    tasks: Sequence[Task],
    workers: int,
    policy: Policy,
    hooks: Hooks,
    pool: ForkerPool = POOL,
) -> None:
    """Run `tasks` on `workers` local job processes at a time.

    Args:
        tasks: Jobs to render.
        workers: How many at once.
        policy: Timeout and retries.
        hooks: Progress and results, called from this thread.
        pool: Where forkers come from; closed at the end, so a program that runs a batch is
            not left with idle child processes.

    Raises:
        KeyboardInterrupt: After stopping every running job (their `finished` is called with a
            `cancelled` outcome, and so is every job that never started).
    """
    if not tasks:
        return
    count = max(1, min(workers, len(tasks)))
    payloads = dict(tasks)
    work: queue.Queue[tuple[int, int] | None] = queue.Queue()
    events: queue.Queue[tuple[str, int, int, Any]] = queue.Queue()
    stop = threading.Event()
    for index, _ in tasks:
        work.put((index, 1))
    pool.warm(count)
    threads = [
        threading.Thread(
            target=_slot,
            args=(pool, payloads, work, events, stop, policy),
            name=f"clipforge-batch-{n}",
            daemon=True,
        )
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    open_jobs = set(payloads)
    try:
        while open_jobs:
            try:
                kind, index, attempt, data = events.get(timeout=0.5)
            except queue.Empty:
                continue
            _handle(kind, index, attempt, data, policy, hooks, work, open_jobs)
    except BaseException:
        with _sigint_ignored():
            stop.set()
            for thread in threads:
                thread.join()
            # Jobs that finished while we stopped still count (their outputs are complete).
            while True:
                try:
                    kind, index, attempt, data = events.get_nowait()
                except queue.Empty:
                    break
                if kind == "outcome" and index in open_jobs:
                    open_jobs.discard(index)
                    hooks.finished(index, data, attempt)
            for index in sorted(open_jobs):
                hooks.finished(index, Outcome("failed", "cancelled", False, CANCELLED), 0)
        raise
    finally:
        stop.set()
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join(timeout=30)
        pool.close()


def _handle(
    kind: str,
    index: int,
    attempt: int,
    data: Any,
    policy: Policy,
    hooks: Hooks,
    work: queue.Queue,
    open_jobs: set[int],
) -> None:
    if kind == "started":
        hooks.started(index, attempt, data)
        return
    outcome: Outcome = data
    if should_retry(outcome, attempt, policy):
        hooks.retrying(index, outcome, attempt + 1)
        work.put((index, attempt + 1))
        return
    open_jobs.discard(index)
    hooks.finished(index, outcome, attempt)


def _slot(
    pool: ForkerPool,
    payloads: dict[int, dict[str, Any]],
    work: queue.Queue,
    events: queue.Queue,
    stop: threading.Event,
    policy: Policy,
) -> None:
    """One worker: take a job, run it in a fresh process, post what happened."""
    forker = pool.acquire()
    try:
        while not stop.is_set():
            try:
                item = work.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                break
            index, attempt = item

            def started(pid: int, index: int = index, attempt: int = attempt) -> None:
                events.put(("started", index, attempt, pid))

            outcome = forker.run(payloads[index], policy.timeout, cancel=stop, on_start=started)
            if stop.is_set() and outcome.status != "done":
                outcome = Outcome("failed", "cancelled", False, CANCELLED, outcome.seconds)
            events.put(("outcome", index, attempt, outcome))
            if not forker.alive:
                forker.close()
                forker = pool.acquire()
    finally:
        pool.release(forker)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """A second Ctrl-C must not cut the cleanup short (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
