"""The same batch on a Dask cluster: one task per attempt, each rendering in its own process.

Validation, resume and the report stay on the client (this process); workers only render.
Outputs and inputs are on storage every machine sees at the same paths. On a worker a task
borrows a forker (see forker.py) kept warm in that worker process, so a crashing or hanging
render ends its own process, never the Dask worker, and the timeout kills the job's whole
process group there. Retries are decided here, with the same policy as the local pool, so a bad
input is never retried; a worker that dies mid-task is resubmitted by Dask itself first.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Sequence
from typing import Any

from clipforge.batch.forker import POOL
from clipforge.batch.runner import CANCELLED, Hooks, Policy, Task, should_retry
from clipforge.batch.task import Outcome
from clipforge.errors import ClipforgeError

INSTALL_HINT = 'pip install "clipforge[distributed]"'
CONNECT_TIMEOUT = "30s"  # how long to wait for the scheduler before giving up

# On a worker: one event per batch, set by `cancel_batch` (run on every worker on Ctrl-C).
_CANCEL: dict[str, threading.Event] = {}
_CANCEL_LOCK = threading.Lock()


def import_distributed() -> Any:
    """The `distributed` module, or a clear error saying how to install it.

    Raises:
        ClipforgeError: dask.distributed is not installed.
    """
    try:
        import distributed
    except ImportError as exc:
        raise ClipforgeError(
            f"running a batch on a Dask cluster needs dask.distributed: {INSTALL_HINT}"
        ) from exc
    return distributed


def _cancel_event(batch_id: str) -> threading.Event:
    with _CANCEL_LOCK:
        return _CANCEL.setdefault(batch_id, threading.Event())


def remote_attempt(payload: dict[str, Any], timeout: float | None, batch_id: str) -> dict:
    """A Dask task: render one job in a child process of this worker.

    Args:
        payload: The job.
        timeout: Seconds for the attempt (enforced here, on the worker).
        batch_id: Lets the client cancel its running jobs (`cancel_batch`).

    Returns:
        The `Outcome` as a dict.
    """
    forker = POOL.acquire()
    try:
        outcome = forker.run(payload, timeout, cancel=_cancel_event(batch_id))
    finally:
        POOL.release(forker)
    return outcome.to_dict()


def warm_worker(dask_worker: Any) -> int:
    """Start a worker's forkers, one per thread, before its first task (run with `Client.run`).

    A cold worker would otherwise import the render stack twice in a row for its first task
    (the task's module, then the forker); started here, the forkers import while tasks are
    being submitted and scheduled.
    """
    threads = max(1, int(dask_worker.state.nthreads))
    POOL.warm(threads)
    return threads


def cancel_batch(batch_id: str) -> int:
    """Stop this worker's running jobs of `batch_id` (run on every worker with `Client.run`)."""
    _cancel_event(batch_id).set()
    return 0


def run_dask(
    tasks: Sequence[Task],
    scheduler: Any,
    policy: Policy,
    hooks: Hooks,
) -> str:
    """Run `tasks` on a Dask cluster.

    Args:
        tasks: Jobs to render.
        scheduler: A scheduler address (`tcp://host:8786`) or a `distributed.Client`.
        policy: Timeout and retries.
        hooks: Progress and results (called from this thread; `started` is not known here).

    Returns:
        The scheduler's address.

    Raises:
        ClipforgeError: dask.distributed is missing, or the scheduler cannot be reached.
        KeyboardInterrupt: After cancelling every job on the cluster.
    """
    distributed = import_distributed()
    if not tasks:
        return str(getattr(scheduler, "scheduler", None) and scheduler.scheduler.address)
    own = not isinstance(scheduler, distributed.Client)
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT) if own else scheduler
    except OSError as exc:
        raise ClipforgeError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
    batch_id = uuid.uuid4().hex[:12]
    payloads = dict(tasks)
    meta: dict[str, tuple[int, int]] = {}
    pending = distributed.as_completed()

    def submit(index: int, attempt: int) -> None:
        key = f"clipforge-batch-{batch_id}-{index}-{attempt}"
        future = client.submit(
            remote_attempt, payloads[index], policy.timeout, batch_id, key=key, pure=False
        )
        meta[future.key] = (index, attempt)
        pending.add(future)

    with contextlib.suppress(Exception):  # only a head start: tasks start forkers anyway
        client.run(warm_worker)
    try:
        for index, _ in tasks:
            submit(index, 1)
        for future in pending:
            index, attempt = meta.pop(future.key)
            try:
                outcome = Outcome.from_dict(future.result())
            except Exception as exc:  # the task itself failed: a worker died, a lost result
                outcome = Outcome("failed", "crash", True, f"the Dask task failed: {exc!r}")
            future.release()
            if should_retry(outcome, attempt, policy):
                hooks.retrying(index, outcome, attempt + 1)
                submit(index, attempt + 1)
            else:
                hooks.finished(index, outcome, attempt)
        return str(client.scheduler.address)
    except BaseException:
        _cancel_all(client, batch_id, pending, meta, hooks)
        raise
    finally:
        if own:
            client.close()


def _cancel_all(client: Any, batch_id: str, pending: Any, meta: dict, hooks: Hooks) -> None:
    """Stop running jobs on every worker, drop queued ones, report them cancelled."""
    # The cluster may be what failed; then there is nothing more to stop.
    with contextlib.suppress(Exception):
        client.run(cancel_batch, batch_id)
    futures = list(pending.futures) if hasattr(pending, "futures") else []
    with contextlib.suppress(Exception):
        client.cancel(futures)
    for index, attempt in sorted(set(meta.values())):
        hooks.finished(index, Outcome("failed", "cancelled", False, CANCELLED), attempt)
    meta.clear()
