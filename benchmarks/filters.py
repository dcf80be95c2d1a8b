"""Milliseconds per 1080x1920 frame for every filter: clipforge's compiled kernels against the
same filter done by ffmpeg (the bundled binary) on the same frames.

clipforge: each chain is compiled once, then applied to the frames over and over as the render
loop does, `chain(frame, t, inplace=True)` on a frame it owns (a copy, made untimed: the render
hands over each decoded frame), so steps that can write into the frame do (median and minimum
of the per-frame wall times, and CPU time per frame over all threads). ffmpeg: the
same frames are looped through `-vf FILTER -f null -`; the per-frame time is the run's wall
(and user CPU) time minus a run with `-vf null` on the same input, divided by the frame count
(after a warm-up run; filter and null runs alternate; best of `--repeat`). CPU time is the
steadier figure when other work shares the machine. Threads: by default both sides use their
libraries' own (OpenCV and ffmpeg's slice-threaded filters: one thread per core); `--threads 1`
runs OpenCV on one thread, as the render does (allocator.py), and ffmpeg's filters likewise.
Columns:

- "rgb24 in": the very frames clipforge filters (RGB), so ffmpeg adds the conversions its
  filter needs, as it would to filter these frames; the ratio is against this column;
- "native": the frames pre-converted (untimed) to the format the filter works in (yuv420p for
  `eq`, planar RGB for `gblur`...), i.e. ffmpeg inside its own pipeline: its best case.

Run: .venv/bin/python benchmarks/filters.py [--frames 120] [--repeat 3] [--only "grain,vignette"]
[--threads 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from clipforge.demo_media import demo_frames
from clipforge.filters import compile_chain
from clipforge.media.ffmpeg import ffmpeg_exe
from clipforge.spec import (
    AdjustFilter,
    BlurFilter,
    CurvesFilter,
    GrainFilter,
    GrayscaleFilter,
    LutFilter,
    PixelateFilter,
    PosterizeFilter,
    RgbSplitFilter,
    SepiaFilter,
    SharpenFilter,
    SmoothFilter,
    VignetteFilter,
    shipped_assets_dir,
)

W, H = 1080, 1920
DISTINCT = 10  # distinct frames, cycled
LUTS = shipped_assets_dir() / "luts"
CURVE = [(0, 0), (64, 44), (192, 218), (255, 255)]
FF_CURVE = " ".join(f"{x / 255:.4f}/{y / 255:.4f}" for x, y in CURVE)
SEPIA = ".393:.769:.189:0:.349:.686:.168:0:.272:.534:.131"
GREY = ".2126:.7152:.0722:0:.2126:.7152:.0722:0:.2126:.7152:.0722"
POSTER = ":".join(f"{c}='round(val*5/255)*51'" for c in "rgb")


@dataclass(frozen=True)
class Case:
    """One benchmark line: clipforge filters, and ffmpeg's graph with its native pixel format."""

    name: str
    filters: tuple
    ffmpeg: str | None
    pix_fmt: str = "rgb24"
    target_ms: float | None = None


CASES = (
    Case("adjust", (AdjustFilter(brightness=0.05, contrast=1.1, saturation=1.3),),
         "eq=brightness=0.05:contrast=1.1:saturation=1.3", "yuv420p"),
    Case("adjust + curves", (AdjustFilter(brightness=0.05, contrast=1.1, saturation=1.3),
                             CurvesFilter(rgb=CURVE)),
         f"eq=brightness=0.05:contrast=1.1:saturation=1.3,format=gbrp,curves=m='{FF_CURVE}'",
         "yuv420p", 6.0),
    Case("curves", (CurvesFilter(rgb=CURVE),), f"curves=m='{FF_CURVE}'"),
    Case("lut 3D (33 points)", (LutFilter(file="luts/teal-orange.cube"),),
         f"lut3d=file={LUTS / 'teal-orange.cube'}:interp=trilinear", "rgb24", 20.0),
    Case("lut 3D strength 0.8", (LutFilter(file="luts/teal-orange.cube", strength=0.8),), None),
    Case("lut 1D", (LutFilter(file="luts/matte.cube"),),
         f"lut1d=file={LUTS / 'matte.cube'}:interp=linear"),
    Case("vignette", (VignetteFilter(strength=0.4),), "vignette", "yuv420p", 4.0),
    Case("grain", (GrainFilter(amount=0.05, seed=7),), "noise=alls=13:allf=t", "yuv420p"),
    Case("blur radius 4", (BlurFilter(radius=4),), "gblur=sigma=4", "gbrp"),
    Case("blur radius 16", (BlurFilter(radius=16),), "gblur=sigma=16", "gbrp"),
    Case("sharpen", (SharpenFilter(amount=0.5),), "unsharp=5:5:0.5", "yuv420p"),
    Case("smooth", (SmoothFilter(),), "bilateral=sigmaS=6:sigmaR=0.06:planes=7", "gbrp"),
    Case("grayscale", (GrayscaleFilter(),), f"colorchannelmixer={GREY}"),
    Case("sepia", (SepiaFilter(),), f"colorchannelmixer={SEPIA}"),
    Case("posterize", (PosterizeFilter(levels=6),), f"lutrgb={POSTER}"),
    Case("rgb-split", (RgbSplitFilter(offset=6),), "rgbashift=rh=-6:bh=6:edge=smear"),
    Case("pixelate", (PixelateFilter(size=24),), "pixelize=w=24:h=24", "gbrp"),
    Case("reference chain (adjust + vignette)",
         (AdjustFilter(brightness=0.05, contrast=1.1, saturation=1.3),
          VignetteFilter(strength=0.4, radius=0.8, softness=0.5)),
         "eq=brightness=0.05:contrast=1.1:saturation=1.3,vignette", "yuv420p"),
)  # fmt: skip


def source_frames() -> list[np.ndarray]:
    """Distinct 1080x1920 frames of the demo footage (a real-looking, moving picture)."""
    frames = demo_frames(seconds=float(DISTINCT), size=(W, H), fps=1.0)
    return [np.ascontiguousarray(f) for f in frames]


def cpu_seconds(who: int, user_only: bool = False) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + (0.0 if user_only else usage.ru_stime)


def ours(case: Case, frames: list[np.ndarray], count: int) -> tuple[float, float, float]:
    """(median, min) wall ms per frame of the compiled chain, and CPU ms per frame (all
    threads: less sensitive than wall time to other work on the machine)."""
    chain = compile_chain(case.filters, (W, H))
    chain(frames[0].copy(), 0.0)  # compile the plan, bake LUTs: once per render, not timed
    times = []
    cpu = 0.0
    for i in range(count):
        frame = frames[i % len(frames)].copy()  # the decoded frame the render hands over
        cpu_start = cpu_seconds(resource.RUSAGE_SELF)
        start = time.perf_counter()
        chain(frame, i / 30, inplace=True)
        times.append((time.perf_counter() - start) * 1000)
        cpu += cpu_seconds(resource.RUSAGE_SELF) - cpu_start
    cpu_ms = cpu * 1000 / count
    return statistics.median(times), min(times), cpu_ms


def write_raw(frames: list[np.ndarray], folder: Path, pix_fmt: str) -> Path:
    """The frames as a raw file in `pix_fmt` (converted by ffmpeg once, untimed)."""
    rgb = folder / "frames.rgb24"
    if not rgb.exists():
        rgb.write_bytes(b"".join(f.tobytes() for f in frames))
    if pix_fmt == "rgb24":
        return rgb
    out = folder / f"frames.{pix_fmt}"
    if not out.exists():
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
             "-s", f"{W}x{H}", "-i", str(rgb), "-pix_fmt", pix_fmt, "-f", "rawvideo", str(out)],
            check=True,
        )  # fmt: skip
    return out


def ffmpeg_run(
    raw: Path, pix_fmt: str, graph: str, loops: int, threads: int = 0
) -> tuple[float, float]:
    """(wall, user CPU) seconds of one ffmpeg run (system time is mostly reading the input
    and varies from run to run; the filters run in user time); `threads` 0: ffmpeg's own."""
    args = [ffmpeg_exe(), "-v", "error", "-nostdin", "-stream_loop", str(loops - 1),
            "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{W}x{H}", "-i", str(raw),
            *(["-filter_threads", str(threads)] if threads else []),
            "-vf", graph, "-f", "null", "-"]  # fmt: skip
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN, user_only=True)
    start = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - start, cpu_seconds(resource.RUSAGE_CHILDREN, True) - cpu


def theirs(
    graph: str,
    pix_fmt: str,
    folder: Path,
    frames: list[np.ndarray],
    count: int,
    repeat: int,
    threads: int = 0,
) -> tuple[float, float]:
    """(wall, CPU) ms per frame of an ffmpeg filter graph on the frames in `pix_fmt`, over a
    `null` run on the same input (best of `repeat` runs each)."""
    raw = write_raw(frames, folder, pix_fmt)
    loops = max(1, round(count / len(frames)))
    ffmpeg_run(raw, pix_fmt, "null", 1)  # warm the page cache: a cold first run reads slower
    runs, nulls = [], []
    for _ in range(repeat):  # alternate, so a busy moment hits both kinds of run alike
        runs.append(ffmpeg_run(raw, pix_fmt, graph, loops, threads))
        nulls.append(ffmpeg_run(raw, pix_fmt, "null", loops, threads))
    n = loops * len(frames)
    wall = (min(r[0] for r in runs) - min(r[0] for r in nulls)) * 1000 / n
    cpu = (min(r[1] for r in runs) - min(r[1] for r in nulls)) * 1000 / n
    return max(0.0, wall), max(0.0, cpu)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--frames", type=int, default=120, help="frames timed per filter")
    parser.add_argument("--repeat", type=int, default=3, help="ffmpeg runs (best is kept)")
    parser.add_argument(
        "--ffmpeg-frames",
        type=int,
        default=600,
        help="frames per ffmpeg run: a difference of two runs needs many to be steady",
    )
    parser.add_argument("--only", default="", help="comma-separated case names to run")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="OpenCV threads and ffmpeg filter threads (default 0: each library's own, one per"
        " core; 1: as the render runs OpenCV)",
    )
    args = parser.parse_args(argv)
    if args.threads:
        cv2.setNumThreads(args.threads)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    frames = source_frames()
    # The machine is shared: say how busy it was, since contention inflates every figure.
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"threads: OpenCV {cv2.getNumThreads()}, ffmpeg filters {args.threads or 'default'}")
    print(f"ms per {W}x{H} frame; clipforge wall: median / min over {args.frames} frames\n")
    print(
        f"{'filter':36} {'clipforge':>13} {'cpu':>6} {'ffmpeg':>7} {'cpu':>6} {'native':>7}"
        f" {'ratio':>6}  target     ffmpeg graph (native format)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for case in CASES:
            if only and case.name not in only:
                continue
            median, best, cpu = ours(case, frames, args.frames)
            same = same_cpu = native = ratio = ""
            if case.ffmpeg:
                n = args.ffmpeg_frames
                wall, ff_cpu = theirs(
                    case.ffmpeg, "rgb24", folder, frames, n, args.repeat, args.threads
                )
                same, same_cpu, ratio = f"{wall:.1f}", f"{ff_cpu:.1f}", f"{wall / median:.1f}x"
                native = same
                if case.pix_fmt != "rgb24":
                    fast, _ = theirs(
                        case.ffmpeg, case.pix_fmt, folder, frames, n, args.repeat, args.threads
                    )
                    native = f"{fast:.1f}"
            target = ""
            if case.target_ms is not None:
                target = f"<={case.target_ms:g} {'ok' if median <= case.target_ms else 'MISSED'}"
            graph = f"{case.ffmpeg} ({case.pix_fmt})" if case.ffmpeg else "-"
            mine = f"{median:.1f} / {best:.1f}"
            print(
                f"{case.name:36} {mine:>13} {cpu:6.1f} {same:>7} {same_cpu:>6} {native:>7}"
                f" {ratio:>6}  {target:10} {graph}"
            )
    print(
        "\nffmpeg: RGB frames in (rgb24), as clipforge gets them; native: pre-converted frames;"
        "\ncpu: CPU ms per frame over all threads (ffmpeg: user time); ratio: ffmpeg wall /"
        " clipforge median wall"
    )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
