"""What a batch did, per job and in all: the `--report` JSON and the summary table."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clipforge.batch.manifest import write_json_atomic

STATUSES = ("done", "skipped", "failed", "cancelled")
REPORT_VERSION = 1


@dataclass
class JobReport:
    """One job's line in the report.

    Attributes:
        index: Position in the batch (0-based); also its id.
        where: `jobs[3]`, or `batch.csv:5` / `batch.jsonl:4` for row files.
        output: The output path (None if the job was too broken to name one).
        status: `pending` while running, then `done`, `skipped` (up to date), `failed`, or
            `cancelled` (not finished when the batch was interrupted).
        seconds: Wall time of the last attempt.
        error: Why it failed.
        kind: The failure's kind (`preset`, `input`, `render`, `crash`, `timeout`, ...).
        attempts: Render attempts made (0: refused by validation, or skipped).
    """

    index: int
    where: str
    output: str | None
    status: str = "pending"
    seconds: float = 0.0
    error: str | None = None
    kind: str | None = None
    attempts: int = 0

    @property
    def id(self) -> int:
        """The job's id: its index in the batch."""
        return self.index

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (with `id`)."""
        return {"id": self.index, **asdict(self), "seconds": round(self.seconds, 3)}


@dataclass
class BatchReport:
    """The whole batch: one `JobReport` per job, in batch order.

    Attributes:
        source: The batch file (or `<list>` for jobs given in code).
        jobs: Per job.
        seconds: Wall time of the batch.
        workers: Local workers used (None with a scheduler).
        scheduler: The Dask scheduler address, if one was used.
        interrupted: The batch was stopped by Ctrl-C.
    """

    source: str
    jobs: list[JobReport] = field(default_factory=list)
    seconds: float = 0.0
    workers: int | None = None
    scheduler: str | None = None
    interrupted: bool = False

    def count(self, status: str) -> int:
        """How many jobs have `status`."""
        return sum(1 for job in self.jobs if job.status == status)

    @property
    def failed(self) -> list[JobReport]:
        """The jobs that failed."""
        return [job for job in self.jobs if job.status == "failed"]

    @property
    def ok(self) -> bool:
        """Every job done or skipped."""
        return all(job.status in ("done", "skipped") for job in self.jobs)

    @property
    def exit_code(self) -> int:
        """0 all good, 1 a job failed, 130 interrupted (see PRESET-FORMAT.md)."""
        if self.interrupted:
            return 130
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written by `--report`."""
        return {
            "clipforge_batch_report": REPORT_VERSION,
            "source": self.source,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "scheduler": self.scheduler,
            "interrupted": self.interrupted,
            "counts": {status: self.count(status) for status in STATUSES},
            "jobs": [job.to_dict() for job in self.jobs],
        }

    def write(self, path: str | Path) -> Path:
        """Write the report as JSON, atomically.

        Args:
            path: The file (its folder is created).

        Returns:
            The path written.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, self.to_dict())
        return path

    def summary(self, max_rows: int = 40) -> str:
        """A plain-text table: counts, throughput, then the failed jobs (or every job if few).

        Args:
            max_rows: Up to this many jobs, every job gets a row; beyond, only failures.
        """
        done = self.count("done")
        rate = f", {done / self.seconds * 60:.1f} jobs/min" if done and self.seconds else ""
        lines = [
            f"{len(self.jobs)} jobs in {self.seconds:.1f} s: {done} done, "
            f"{self.count('skipped')} skipped, {self.count('failed')} failed"
            + (f", {self.count('cancelled')} cancelled" if self.count("cancelled") else "")
            + rate
        ]
        rows = self.jobs if len(self.jobs) <= max_rows else self.failed
        if rows:
            where_w = max(len(j.where) for j in rows)
            out_w = min(48, max(len(j.output or "-") for j in rows))
            lines.append(
                f"{'job':<{where_w}}  {'status':<9}  {'tries':>5}  {'seconds':>7}  "
                f"{'output':<{out_w}}  error"
            )
            for job in rows:
                error = (job.error or "").splitlines()[0] if job.error else ""
                lines.append(
                    f"{job.where:<{where_w}}  {job.status:<9}  {job.attempts:>5}  "
                    f"{job.seconds:>7.1f}  {_short(job.output or '-', out_w):<{out_w}}  {error}"
                )
        return "\n".join(lines)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else "..." + text[-(width - 3) :]
