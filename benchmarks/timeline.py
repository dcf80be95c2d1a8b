"""Peak memory and wall time of the reference job cut into a timeline with a reversed segment.

The job: ``benchmarks/reference.yaml`` (1080x1920 at 30 fps, grade, vignette, stickers,
caption, music) over the same 15 s input used three times: 0-5 s forward, 5-10 s reversed,
10-15 s forward, with two transitions (crossfade by default) of 0.5 s: 14 s of output. Both it
and the plain reference job run through the command line in a subprocess; memory is the peak
PSS of the whole process tree (``_measure.py``). The goal of issue 6: under 500 MiB.

Usage::

    python benchmarks/timeline.py                     # 1 run of each
    python benchmarks/timeline.py --runs 3 --transition slide-left
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for _measure and reference_job when run as a script
from _measure import measure  # noqa: E402
from reference_job import DEFAULT_CACHE, PRESET, make_input  # noqa: E402

GOAL_MIB = 500


def timeline_preset(cache: Path, transition: str) -> Path:
    """reference.yaml plus the timeline: three 5 s segments, the middle one reversed."""
    text = PRESET.read_text(encoding="utf-8")
    text += (
        "timeline:\n"
        f"  transition: {{type: {transition}, seconds: 0.5}}\n"
        "  segments:\n"
        "    - {input: 0, in: 0, out: 5}\n"
        "    - {input: 1, in: 5, out: 10, reverse: true}\n"
        "    - {input: 2, in: 10, out: 15}\n"
    )
    path = cache / f"timeline-{transition}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def render_cmd(inputs: Sequence[Path], preset: Path, out: Path) -> list[str]:
    script = Path(sys.executable).with_name("clipforge")
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "clipforge"]
    return [*exe, "render", *map(str, inputs), "--preset", str(preset), "-q", "-o", str(out)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--transition", default="crossfade")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--source", choices=("demo", "testsrc2"), default="demo")
    args = parser.parse_args(argv)
    src = make_input(args.cache, args.source)
    ways = {
        "reference (no timeline)": render_cmd([src], PRESET, args.cache / "plain.mp4"),
        f"timeline (reverse + 2x {args.transition})": render_cmd(
            [src] * 3, timeline_preset(args.cache, args.transition), args.cache / "timeline.mp4"
        ),
    }
    failed = False
    for name, cmd in ways.items():
        runs = [measure(cmd, timeout=900) for _ in range(args.runs)]
        bad = [r for r in runs if not r.ok]
        if bad:
            print(f"{name}: failed\n{bad[0].output_tail}")
            failed = True
            continue
        wall = statistics.median(r.wall_s for r in runs)
        peak = max(r.peak_mib for r in runs)
        verdict = "ok" if peak < GOAL_MIB else f"OVER the {GOAL_MIB} MiB goal"
        print(f"{name:40s} wall {wall:6.1f} s   peak PSS {peak:6.0f} MiB   {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
