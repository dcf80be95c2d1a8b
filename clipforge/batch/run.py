"""`run_batch`: parse, validate, skip what is up to date, render the rest, record, report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clipforge.batch.jobs import (
    BatchJob,
    JobProblem,
    jobs_from_list,
    load_batch,
    source_files,
    validate_jobs,
)
from clipforge.batch.manifest import Manifests, job_key, preset_digest
from clipforge.batch.report import BatchReport, JobReport
from clipforge.batch.runner import Policy, default_workers, run_local
from clipforge.batch.task import Outcome
from clipforge.errors import ClipforgeError

DEFAULT_TIMEOUT = 600.0  # 45x the reference job: only a stuck render gets there
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class BatchEvent:
    """One step of a batch, for progress displays.

    Attributes:
        kind: `failed` (also for jobs refused by validation), `skipped`, `started`, `retry`,
            `done`, `cancelled`.
        job: A snapshot of the job's report line.
        finished: Jobs over (done, skipped, failed, cancelled) so far.
        total: Jobs in the batch.
        pid: The job's process (`started`, local runs only).
        message: For `retry`: why the attempt failed.
    """

    kind: str
    job: JobReport
    finished: int
    total: int
    pid: int | None = None
    message: str = ""


ProgressCallback = Callable[[BatchEvent], None]


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the batch; finished outputs are kept and recorded. Carries the report."""

    def __init__(self, report: BatchReport):
        super().__init__("batch interrupted")
        self.report = report


class _Batch:
    """The hooks a runner calls: keeps the report, the manifests and the progress in step."""

    def __init__(
        self,
        report: BatchReport,
        jobs: dict[int, BatchJob],
        manifests: Manifests,
        progress: ProgressCallback | None,
    ):
        self.report = report
        self.jobs = jobs
        self.manifests = manifests
        self.progress = progress
        self.finished_count = 0

    def emit(self, kind: str, index: int, pid: int | None = None, message: str = "") -> None:
        if kind in ("done", "skipped", "failed", "cancelled"):
            self.finished_count += 1
        if self.progress:
            job = replace(self.report.jobs[index])
            total = len(self.report.jobs)
            self.progress(BatchEvent(kind, job, self.finished_count, total, pid, message))

    def started(self, index: int, attempt: int, pid: int | None) -> None:
        self.report.jobs[index].attempts = attempt
        self.emit("started", index, pid)

    def retrying(self, index: int, outcome: Outcome, attempt: int) -> None:
        line = self.report.jobs[index]
        line.attempts = attempt - 1
        self.emit("retry", index, message=outcome.error or outcome.kind)

    def finished(self, index: int, outcome: Outcome, attempts: int) -> None:
        line = self.report.jobs[index]
        line.attempts = attempts
        line.seconds = outcome.seconds
        if outcome.status == "done":
            line.status, line.error, line.kind = "done", None, None
            self._record(self.jobs[index], outcome)
        else:
            line.status = "cancelled" if outcome.kind == "cancelled" else "failed"
            line.error, line.kind = outcome.error, outcome.kind
        self.emit(line.status, index)

    def _record(self, job: BatchJob, outcome: Outcome) -> None:
        hashes = self.manifests.hashes
        for path, value in outcome.files.items():
            hashes.add(path, value)
        try:
            files = [str(p) for p in source_files(job.inputs, job.music)]
            shas = [hashes.entries[p][2] for p in files]
        except (KeyError, ClipforgeError):  # not what the worker hashed (a sequence changed)
            return
        self.manifests.record(
            job.output, job_key(job.preset_digest, shas, job.variables), outcome.made, files
        )
        self.manifests.save(force=False)


def _source_jobs(source: Any, base_dir: Path | None) -> tuple[str, list]:
    if isinstance(source, (str, Path)):
        return str(source), load_batch(source)
    return "<list>", jobs_from_list(source, base_dir)


def _is_current(job: BatchJob, manifests: Manifests) -> bool:
    """Whether `job`'s output is up to date (the inputs are hashed only if needed)."""
    if manifests.record_of(job.output) is None or not job.output.exists():
        return False
    try:
        shas = [manifests.hashes.sha256(p) for p in source_files(job.inputs, job.music)]
    except (OSError, ClipforgeError):
        return False
    return manifests.is_current(job.output, job_key(job.preset_digest, shas, job.variables))


def run_batch(
    source: str | Path | Iterable[dict[str, Any] | BatchJob],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    progress: ProgressCallback | None = None,
    force: bool = False,
    draft: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    asset_roots: Sequence[str | Path] = (),
    report: str | Path | None = None,
    base_dir: str | Path | None = None,
) -> BatchReport:
    """Render a batch of jobs: locally in parallel processes, or on a Dask cluster.

    Every job is validated first; a broken job fails alone. Jobs whose output is up to date
    (see manifest.py) are skipped unless `force`. Each attempt runs in its own process, killed
    with its ffmpeg children at `timeout`; crashes, timeouts and encoder failures are retried up
    to `retries` times, bad presets and inputs never.

    Args:
        source: A batch file (YAML, JSON, JSON Lines, CSV), or jobs as mappings shaped like the
            batch file's (`inputs`, `output`, `preset`, `variables`, `music`) or `BatchJob`s.
        workers: Jobs at once on this machine (default: half the cores, at least 1).
        scheduler: A Dask scheduler address (`tcp://host:8786`) or a `distributed.Client`:
            render on that cluster instead (shared storage assumed).
        progress: Called with a `BatchEvent` at each step.
        force: Render every job, up to date or not.
        draft: Half size and the fastest encoder, for every job.
        timeout: Seconds per attempt (None: no limit).
        retries: Attempts after the first, for failures that can pass on a retry.
        asset_roots: Extra folders for the presets' assets.
        report: Also write the JSON report there (also when interrupted).
        base_dir: For jobs given in code: the folder their relative paths are relative to
            (default: the current folder). A batch file's paths are relative to its folder.

    Returns:
        The report; `report.exit_code` is 0 (all done or skipped) or 1 (a job failed).

    Raises:
        PresetError: The batch file itself was refused (exit code 2).
        BatchInterrupted: Ctrl-C; running jobs were stopped, finished outputs kept and recorded
            (`exc.report` has the details).
    """
    start = time.monotonic()
    label, raw = _source_jobs(source, Path(base_dir) if base_dir else None)
    roots = [Path(r) for r in asset_roots]
    manifests = Manifests()
    checked = validate_jobs(
        raw, roots, digest=lambda preset: preset_digest(preset, manifests.hashes, draft)
    )
    count = workers if workers is not None else default_workers()
    result = BatchReport(label, workers=None if scheduler else count)
    if scheduler is not None:
        result.scheduler = str(getattr(scheduler, "scheduler", None) or scheduler)
    jobs: dict[int, BatchJob] = {}
    for entry in checked:
        output = str(entry.output) if isinstance(entry, BatchJob) else entry.output
        result.jobs.append(JobReport(entry.index, entry.where, output))
        if isinstance(entry, BatchJob):
            jobs[entry.index] = entry
    batch = _Batch(result, jobs, manifests, progress)
    for entry in checked:
        if isinstance(entry, JobProblem):
            line = result.jobs[entry.index]
            line.status, line.error, line.kind = "failed", entry.error, "invalid"
            batch.emit("failed", entry.index)
    tasks = []
    for index, job in jobs.items():
        if not force and _is_current(job, manifests):
            result.jobs[index].status = "skipped"
            batch.emit("skipped", index)
            continue
        manifests.forget(job.output)
        tasks.append((index, job.payload(draft, roots)))
    manifests.save()
    policy = Policy(timeout=timeout, retries=max(0, retries))
    try:
        if scheduler is not None:
            from clipforge.batch.distributed import run_dask

            result.scheduler = run_dask(tasks, scheduler, policy, batch) or result.scheduler
        else:
            run_local(tasks, count, policy, batch)
    except KeyboardInterrupt:
        result.interrupted = True
        raise BatchInterrupted(_finish(result, manifests, start, report)) from None
    return _finish(result, manifests, start, report)


def _finish(
    result: BatchReport, manifests: Manifests, start: float, report: str | Path | None
) -> BatchReport:
    manifests.save()
    result.seconds = time.monotonic() - start
    if report is not None:
        result.write(report)
    return result
