"""What overlays cost: 20 extra stickers on the reference job, captions per frame, tracking.

1. Stickers, end to end. The reference job (``benchmarks/reference.yaml``: 15 s of 1080x1920
   at 30 fps) through ``clipforge render``, against a copy of it that adds 20 stickers of
   200x200 px, half of them animated (GIF, APNG, WebP), all shown the whole clip. Blending
   touches only each sticker's bounding box and animated frames are transformed once per frame
   of their animation, so the extra cost follows sticker area, not frame area. Goal: at most
   +15 %. The two presets alternate run by run; medians of wall time and of CPU time (the
   render with its ffmpeg processes: steadier when the machine is shared) are compared.
2. Stickers, in process: the draw time per frame of the same 20 stickers at 100, 200 and
   400 px on 540x960 and 1080x1920 frames, to show what the cost follows.
3. Captions, in process. A caption layer's draw time on its first frame (the text is rendered
   then) against its later frames (a cached bounding-box blend), next to the time one frame of
   the reference job takes. Goal: no measurable time per frame after the first.
4. Face tracking, in process (needs scikit-image, a dev dependency): the tracker's time per
   frame on 1080x1920 footage with the astronaut photo moving across it.

Usage::

    python benchmarks/overlays.py                 # all three, 3 runs of each render
    python benchmarks/overlays.py --runs 5 --json out/bench/overlays.json
    python benchmarks/overlays.py --skip-render   # only the in-process parts (fast)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))  # for _measure and reference_job when run as a script
from _measure import measure  # noqa: E402
from reference_job import (  # noqa: E402  # noqa: E402
    DEFAULT_CACHE,
    FPS,
    PRESET,
    SECONDS,
    H,
    W,
    clipforge_cmd,
    make_input,
    probe,
)

GOAL_RATIO = 1.15
STICKER_PX = 200
STILLS = ["heart", "star", "fire", "crown", "like-badge", "sparkle", "speech-bubble",
          "sunglasses", "arrow", "dog-ears"]  # fmt: skip
ANIMATED = ["sparkle-anim.gif", "heart-beat.png", "confetti.webp"]


def stickers_preset(cache: Path) -> Path:
    """A copy of the reference preset with 20 more stickers (10 still, 10 animated)."""
    spec = yaml.safe_load(PRESET.read_text(encoding="utf-8"))
    extra = []
    for i in range(20):
        # A 4 x 5 grid over the canvas, 200 px each.
        x = 140 + (i % 4) * 267
        y = 220 + (i // 4) * 370
        image = f"stickers/{STILLS[i // 2]}.png" if i % 2 == 0 else (
            f"stickers/{ANIMATED[(i // 2) % 3]}"
        )  # fmt: skip
        extra.append({"image": image, "at": [x, y], "width": STICKER_PX, "height": STICKER_PX})
    spec["stickers"] = spec.get("stickers", []) + extra
    spec["name"] = "reference-20-stickers"
    path = cache / "reference-20-stickers.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def render_cmd(src: Path, out: Path, preset: Path) -> list[str]:
    cmd = clipforge_cmd(src, out)
    cmd[cmd.index("--preset") + 1] = str(preset)
    return cmd


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes and their own children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_stickers(cache: Path, runs: int, timeout: float) -> dict:
    """Wall and CPU time of the reference render with and without the 20 stickers.

    CPU time (the render and its ffmpeg processes) is reported beside wall time because it
    hardly moves when other work shares the machine, while wall time does.
    """
    src = make_input(cache, "demo")
    presets = {"reference": PRESET, "reference+20 stickers": stickers_preset(cache)}
    walls: dict[str, list[float]] = {name: [] for name in presets}
    cpus: dict[str, list[float]] = {name: [] for name in presets}
    for run in range(runs):
        order = list(presets) if run % 2 == 0 else list(presets)[::-1]
        for name in order:
            out = cache / f"out-overlays-{'base' if name == 'reference' else 'stickers'}.mp4"
            out.unlink(missing_ok=True)
            cpu0 = _children_cpu()
            m = measure(render_cmd(src, out, presets[name]), cwd=REPO, timeout=timeout)
            cpu = _children_cpu() - cpu0
            check = probe(out) if m.ok else {"ok": False, "why": f"exit {m.returncode}"}
            if not check["ok"]:
                raise SystemExit(f"{name} failed: {check['why']}\n{m.output_tail}")
            walls[name].append(m.wall_s)
            cpus[name].append(cpu)
            print(
                f"run {run + 1}/{runs} {name:24s} {m.wall_s:7.2f} s wall {cpu:7.2f} s CPU "
                f"{m.peak_mib:6.0f} MiB",
                flush=True,
            )
    wall = {name: statistics.median(v) for name, v in walls.items()}
    cpu = {name: statistics.median(v) for name, v in cpus.items()}
    ratios = {
        "wall": wall["reference+20 stickers"] / wall["reference"],
        "cpu": cpu["reference+20 stickers"] / cpu["reference"],
    }
    for kind, medians in (("wall", wall), ("CPU", cpu)):
        ratio = ratios[kind.lower()]
        print(
            f"20 stickers of {STICKER_PX}x{STICKER_PX} px (10 animated), {kind} time: "
            f"{medians['reference']:.2f} s -> {medians['reference+20 stickers']:.2f} s, "
            f"x{ratio:.3f} (goal <= x{GOAL_RATIO}) {'OK' if ratio <= GOAL_RATIO else 'OVER'}"
        )
    return {
        "wall_s": walls,
        "cpu_s": cpus,
        "median_wall_s": wall,
        "median_cpu_s": cpu,
        "ratio": ratios,
        "goal": GOAL_RATIO,
    }


def bench_draw(frames: int = 90) -> dict:
    """In process: what drawing the 20 stickers costs per frame, by sticker and frame size.

    The same 20 stickers (10 animated) at 100, 200 and 400 px on a 540x960 and a 1080x1920
    frame: the cost follows the stickers' area and not the frame's.
    """
    from clipforge.geometry import Geometry
    from clipforge.overlay.build import build_overlays
    from clipforge.spec import preset_from_dict

    spec = yaml.safe_load(stickers_preset(DEFAULT_CACHE).read_text(encoding="utf-8"))
    extra = spec["stickers"][-20:]
    results: dict[str, float] = {}
    for px in (100, 200, 400):
        for canvas in ((540, 960), (W, H)):
            k = canvas[0] / W
            stickers = [
                {**s, "at": [s["at"][0] * k, s["at"][1] * k], "width": px, "height": px}
                for s in extra
            ]
            preset = preset_from_dict({"clipforge": 1, "canvas": {"size": list(canvas)},
                                       "stickers": stickers})  # fmt: skip
            overlays = build_overlays(preset, Geometry(canvas), duration=SECONDS)
            frame = np.random.default_rng(0).integers(0, 256, (canvas[1], canvas[0], 3), np.uint8)
            for n in range(15):  # warm the caches: every animation frame transformed once
                overlays.draw(frame, n / FPS)
            times = []
            for n in range(frames):
                t0 = time.perf_counter()
                overlays.draw(frame, n / FPS)
                times.append(time.perf_counter() - t0)
            ms = statistics.median(times) * 1000
            results[f"{px}px on {canvas[0]}x{canvas[1]}"] = ms
            print(
                f"draw 20 stickers of {px}x{px} px on {canvas[0]}x{canvas[1]}: "
                f"{ms:.2f} ms per frame",
                flush=True,
            )
    return results


def _frame() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (H, W, 3), dtype=np.uint8)


def bench_captions(frame_ms: float | None, frames: int = 300) -> dict:
    """Per-frame draw time of a caption (text layer) and of an SRT cue, first vs later."""
    from clipforge.geometry import Geometry
    from clipforge.overlay.build import build_overlays
    from clipforge.spec import preset_from_dict

    cache = DEFAULT_CACHE
    cache.mkdir(parents=True, exist_ok=True)
    srt = cache / "overlays-bench.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:15,000\nZwei Zeilen Untertitel,\ngrüß dich!\n")
    style = {
        "size": 64,
        "stroke": {"width": 6, "color": "black"},
        "shadow": {"offset": [4, 4], "blur": 6},
        "box": {"padding": 16, "radius": 12},
    }
    results = {}
    for kind, text in (
        ("caption", {"content": "#MachDichZumClip @creator", **style}),
        ("srt cue", {"captions": srt.name, **style}),
    ):
        preset = preset_from_dict({"clipforge": 1, "text": [text]})
        overlays = build_overlays(preset, Geometry((W, H)), [cache], duration=SECONDS)
        frame = _frame()
        times = []
        for n in range(frames):
            t0 = time.perf_counter()
            overlays.draw(frame, n / FPS)
            times.append(time.perf_counter() - t0)
        later = statistics.median(times[1:])
        results[kind] = {"first_ms": times[0] * 1000, "later_median_ms": later * 1000}
        share = f", {later * 1000 / frame_ms:.2%} of a frame" if frame_ms else ""
        print(
            f"{kind}: first frame {times[0] * 1000:.2f} ms (renders the text), "
            f"later frames median {later * 1000:.3f} ms{share}"
        )
    return results


def bench_tracking(frames: int = 150) -> dict | None:
    """The face tracker's time per 1080x1920 frame, a face moving across the footage."""
    try:
        import cv2
        import skimage
    except ImportError:
        print("face tracking: skipped (needs scikit-image, a dev dependency)")
        return None
    from clipforge.overlay.faces import FaceTracker

    head = cv2.resize(skimage.data.astronaut()[20:230, 120:330], (480, 480))
    base = _frame() // 2 + 64
    tracker = FaceTracker()
    times, found = [], 0
    for n in range(frames):
        t = n / FPS
        frame = base.copy()
        x = int(300 + 250 * math.sin(1.7 * t))
        y = int(700 + 400 * math.sin(1.1 * t))
        frame[y : y + 480, x : x + 480] = head
        t0 = time.perf_counter()
        tracker.observe(frame, t)
        times.append(time.perf_counter() - t0)
        found += tracker.face is not None
    mean = statistics.fmean(times) * 1000
    print(
        f"face tracking: {mean:.2f} ms per frame on average ({tracker.detections} detector runs "
        f"in {frames} frames, face tracked in {found})"
    )
    return {"mean_ms": mean, "detections": tracker.detections, "frames": frames, "found": found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each render (median)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="input/output folder")
    parser.add_argument("--skip-render", action="store_true", help="only the in-process parts")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per render at most")
    parser.add_argument("--json", type=Path, help="save the figures to this JSON file")
    args = parser.parse_args(argv)
    figures: dict = {"cores": os.cpu_count()}
    frame_ms = None
    if not args.skip_render:
        figures["stickers"] = bench_stickers(args.cache.resolve(), args.runs, args.timeout)
        frame_ms = figures["stickers"]["median_wall_s"]["reference"] / (SECONDS * FPS) * 1000
    figures["draw"] = bench_draw()
    figures["captions"] = bench_captions(frame_ms)
    figures["tracking"] = bench_tracking()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    ok = args.skip_render or figures["stickers"]["ratio"]["cpu"] <= GOAL_RATIO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
