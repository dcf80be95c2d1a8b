"""Batch rendering: many jobs from a YAML, JSON, JSON Lines or CSV file, locally or on Dask.

`run_batch(source, ...)` validates every job, skips outputs that are up to date (a manifest
beside them records what they were made from), renders the rest each in its own process
(locally, or on a Dask cluster with `scheduler=`), and returns a `BatchReport`.
"""

from clipforge.batch.jobs import BatchJob, JobProblem, load_batch, validate_jobs
from clipforge.batch.manifest import MANIFEST_NAME
from clipforge.batch.report import BatchReport, JobReport
from clipforge.batch.run import BatchEvent, BatchInterrupted, run_batch
from clipforge.batch.runner import default_workers

__all__ = [
    "MANIFEST_NAME",
    "BatchEvent",
    "BatchInterrupted",
    "BatchJob",
    "BatchReport",
    "JobProblem",
    "JobReport",
    "default_workers",
    "load_batch",
    "run_batch",
    "validate_jobs",
]
