"""Terminal progress for a batch: one overall bar and a status line per job step (tqdm)."""

from __future__ import annotations

import sys
from typing import IO

from tqdm import tqdm

from clipforge.batch.run import BatchEvent

_LINE_KINDS = {
    "done": "done     ",
    "skipped": "skipped  ",
    "failed": "FAILED   ",
    "retry": "retry    ",
    "cancelled": "cancelled",
}


class BatchProgress:
    """A `progress` callback for `run_batch` that draws on stderr.

    Args:
        quiet: Print nothing.
        verbose_skips: Also print a line for every skipped job (many on a resumed batch).
        stream: Where to draw (default: stderr).
    """

    def __init__(self, quiet: bool = False, verbose_skips: bool = False, stream: IO | None = None):
        self.quiet = quiet
        self.verbose_skips = verbose_skips
        self.stream = stream or sys.stderr
        self.bar: tqdm | None = None

    def __call__(self, event: BatchEvent) -> None:
        """Draw one event."""
        if self.quiet:
            return
        if self.bar is None:
            self.bar = tqdm(
                total=event.total, desc="batch", unit="job", file=self.stream, dynamic_ncols=True
            )
        self.bar.update(event.finished - self.bar.n)
        job = event.job
        if event.kind == "started":
            return
        if event.kind == "skipped" and not self.verbose_skips:
            return
        text = f"{_LINE_KINDS.get(event.kind, event.kind)}  {job.where}  {job.output or '-'}"
        if event.kind == "done":
            text += f"  ({job.seconds:.1f} s"
            text += f", attempt {job.attempts})" if job.attempts > 1 else ")"
        elif event.kind == "retry":
            text += f"  attempt {job.attempts} failed: {_first_line(event.message)}"
        elif event.kind == "failed":
            text += f"  {_first_line(job.error)}"
        self.bar.write(text, file=self.stream)

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else ""
