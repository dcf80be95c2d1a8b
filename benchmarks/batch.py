"""Batch throughput: 12 draft jobs with 1 and 2 local workers and on a local Dask cluster.

The jobs render ``benchmarks/reference.yaml`` (the reference job's preset: adjust + vignette,
three stickers, a caption, music) with ``--draft`` (540x960, x264 ultrafast) over the first
``--seconds`` (default 6) of the reference input (``reference_job.make_input``: the demo
footage at 1080x1920, 30 fps, H.264 + AAC), cut without re-encoding. Each job writes its own
output with its own caption variable.

Each way runs ``clipforge batch`` in a fresh process (``--force``), timed from start to exit, so
every way pays the same start-up: importing clipforge and starting the job processes. The Dask
way gets a fresh ``distributed.LocalCluster`` (2 worker processes, 1 thread each, loopback)
before each run; starting the cluster is not timed (a real cluster is already up).

Reported: wall seconds, jobs per minute, and the Dask way's overhead against the local pool
with the same number of workers (goal: at most 10 %). The 2-worker ways run ``--runs`` times,
alternating, and the medians are compared (the machine is shared; single runs swing).

Usage::

    python benchmarks/batch.py                 # 12 jobs, 6 s clips, 2 runs of the 2-worker ways
    python benchmarks/batch.py --jobs 6 --seconds 3 --runs 1 --json out/bench/batch.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))  # for reference_job when run as a script
from reference_job import PRESET, ffmpeg_exe, make_input  # noqa: E402

DEFAULT_CACHE = REPO / "out" / "bench-batch"


def cut(source: Path, seconds: float, cache: Path) -> Path:
    """The first `seconds` of `source`, stream-copied (made once)."""
    path = cache / f"input-{seconds:g}s.mp4"
    if not path.exists():
        cmd = [ffmpeg_exe(), "-y", "-v", "error", "-i", str(source), "-t", f"{seconds:g}"]
        subprocess.run([*cmd, "-c", "copy", "-movflags", "+faststart", str(path)], check=True)
    return path


def write_batch(cache: Path, clip: Path, jobs: int, folder: str) -> Path:
    """A batch of `jobs` jobs over `clip`, writing into `cache/folder`."""
    data = {
        "defaults": {"preset": str(PRESET)},
        "jobs": [
            {
                "inputs": [str(clip)],
                "output": f"{folder}/clip-{i:02d}.mp4",
                "variables": {"caption": f"#Clip{i}"},
            }
            for i in range(jobs)
        ],
    }
    path = cache / f"batch-{folder}.json"
    path.write_text(json.dumps(data, indent=1))
    return path


def clipforge_exe() -> list[str]:
    script = Path(sys.executable).with_name("clipforge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "clipforge"]


def run_way(batch: Path, report: Path, extra: list[str]) -> tuple[float, dict]:
    """Run `clipforge batch` once; (wall seconds, report)."""
    cmd = [*clipforge_exe(), "batch", str(batch), "--draft", "--force", "-q"]
    cmd += ["--report", str(report), *extra]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return wall, json.loads(report.read_text())


def dask_way(batch: Path, report: Path, workers: int) -> tuple[float, dict]:
    """A fresh LocalCluster (not timed), then the batch on it."""
    import distributed

    with distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        return run_way(batch, report, ["--scheduler", cluster.scheduler_address])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each job's clip")
    parser.add_argument("--runs", type=int, default=2, help="runs of each 2-worker way")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--json", type=Path, help="save the figures to this JSON file")
    args = parser.parse_args(argv)

    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    clip = cut(make_input(cache, "demo"), args.seconds, cache)
    walls: dict[str, list[float]] = {"local-1": [], "local-2": [], "dask-2": []}
    ways = {
        "local-1": lambda b, r: run_way(b, r, ["--workers", "1"]),
        "local-2": lambda b, r: run_way(b, r, ["--workers", "2"]),
        "dask-2": lambda b, r: dask_way(b, r, 2),
    }
    order = ["local-1"]
    for run in range(args.runs):  # alternate which 2-worker way goes first
        order += ["local-2", "dask-2"] if run % 2 == 0 else ["dask-2", "local-2"]
    for n, way in enumerate(order):
        batch = write_batch(cache, clip, args.jobs, way)
        wall, report = ways[way](batch, cache / f"report-{way}.json")
        done = report["counts"]["done"]
        if done != args.jobs:
            raise SystemExit(f"{way}: only {done} of {args.jobs} jobs done")
        walls[way].append(wall)
        print(f"run {n + 1}/{len(order)} {way:8s} {wall:7.1f} s  {done / wall * 60:6.1f} jobs/min")

    medians = {way: statistics.median(w) for way, w in walls.items()}
    print()
    print(
        f"{args.jobs} draft jobs of {args.seconds:g} s (reference preset, 540x960 draft), "
        f"{os.cpu_count()} cores"
    )
    print(f"{'way':10s} {'wall s':>8s} {'jobs/min':>9s} {'s/job/worker':>13s}")
    for way, wall in medians.items():
        workers = int(way.split("-")[1])
        print(
            f"{way:10s} {wall:8.1f} {args.jobs / wall * 60:9.1f} {wall * workers / args.jobs:13.2f}"
        )
    overhead = medians["dask-2"] / medians["local-2"] - 1
    print(f"Dask overhead vs local, 2 workers: {overhead * 100:+.1f} % (goal: at most +10 %)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "jobs": args.jobs,
                    "seconds": args.seconds,
                    "cores": os.cpu_count(),
                    "wall_s": walls,
                    "median_wall_s": medians,
                    "jobs_per_minute": {w: args.jobs / m * 60 for w, m in medians.items()},
                    "dask_overhead": overhead,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
