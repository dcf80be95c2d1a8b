"""The reference job of DESIGN.md, rendered three ways and timed: clipforge, ffmpeg, moviepy.

The job (``benchmarks/reference.yaml``): 15 s of 1080x1920 at 30 fps; brightness, contrast and
saturation plus a vignette; three stickers (one static, one moving, one shown 2-10 s); a
caption with an outline; music (-3 dB, fades) mixed with the original sound at -12 dB;
x264 veryfast crf 20 and AAC 128k.

The input is made once into the cache folder: by default 15 s of ``clipforge.demo_media``
footage (a sunset with scrolling hills and bokeh, which encodes like real footage) and its
demo sound, H.264 (x264 veryfast crf 18, BT.709 tags) + AAC 128k; ``--source testsrc2`` uses
ffmpeg's ``testsrc2`` and ``sine`` sources instead.

Each way runs in its own subprocess; the order rotates between runs so that no way always
runs first (cold caches) or last (warm). Reported: median wall time and peak memory of the
process tree (see ``_measure.py``).

Usage::

    python benchmarks/reference_job.py                      # all three ways, 3 runs each
    python benchmarks/reference_job.py --skip-moviepy       # moviepy takes ~2 min a run
    python benchmarks/reference_job.py --only ffmpeg,moviepy --runs 1 --json out/bench.json
    python benchmarks/reference_job.py --draft              # adds clipforge --draft
    python benchmarks/reference_job.py --seconds 60         # a 60 s job (limit raised)
    python benchmarks/reference_job.py --still              # also: one preview still in process

Besides wall time and peak memory, the CPU time of each way's process tree is reported (user +
system; steadier than wall time when the machine is shared) and which process held the memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import wave
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))  # for _measure when run as a script
from _measure import Measurement, measure  # noqa: E402

PRESET = HERE / "reference.yaml"
ASSETS = REPO / "clipforge" / "assets"
DEFAULT_CACHE = REPO / "out" / "bench"

W, H, FPS, SECONDS = 1080, 1920, 30, 15.0
SIDE_FILES = False  # --side-files: clipforge also writes its thumbnail and sidecar
RATE = 48000
CAPTION = "#MachDichZumClip @creator"
# The job's parameters, as in reference.yaml (kept here for the ffmpeg and moviepy ways).
BRIGHTNESS, CONTRAST, SATURATION = 0.05, 1.1, 1.3
VIGNETTE = {"strength": 0.4, "radius": 0.8, "softness": 0.5}
HEART = {"file": "stickers/heart.png", "width": 240, "at": (0.8 * W, 0.2 * H)}
STAR = {"file": "stickers/star.png", "width": 200, "from": (200, 400), "to": (880, 1500)}
SPARKLE = {
    "file": "stickers/sparkle.png",
    "width": 300,
    "at": (0.5 * W, 0.45 * H),
    "start": 2.0,
    "end": 10.0,
}
MUSIC = {"file": "music/pop-120.m4a", "volume_db": -3.0, "fade_in": 0.5, "fade_out": 1.5}
ORIGINAL_DB = -12.0
CAPTION_AT = (0.5 * W, 0.85 * H)

ALL_WAYS = ("clipforge", "ffmpeg", "moviepy")


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def roboto() -> Path:
    """The built-in font of clipforge (Roboto, variable), from the fontpkg-roboto package."""
    import fontpkg_roboto

    return Path(fontpkg_roboto.ROOT) / "files" / "Roboto[wdth,wght].ttf"


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


def make_input(cache: Path, source: str) -> Path:
    """Make (once) the SECONDS long 1080x1920 30 fps H.264 + AAC input clip in ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / (f"input-{source}.mp4" if SECONDS == 15 else f"input-{source}-{SECONDS:g}s.mp4")
    if path.exists():
        return path
    tmp = path.with_suffix(".part.mp4")
    video_out = [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ar",
        str(RATE),
        "-t",
        str(SECONDS),
        "-movflags",
        "+faststart",
        str(tmp),
    ]
    print(f"making the input ({source}) in {path} ...", flush=True)
    if source == "testsrc2":
        cmd = [
            ffmpeg_exe(),
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=s={W}x{H}:r={FPS}:d={SECONDS}",
            "-f",
            "lavfi",
            "-i",
            f"sine=f=440:beep_factor=4:d={SECONDS}:r={RATE}",
            "-ac",
            "2",
            *video_out,
        ]
        subprocess.run(cmd, check=True)
    else:
        from clipforge.demo_media import demo_frames, demo_sound

        wav = cache / "input-sound.wav"
        pcm = (np.clip(demo_sound(SECONDS, RATE), -1, 1) * 32767).round().astype("<i2")
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(pcm.tobytes())
        cmd = [
            ffmpeg_exe(),
            "-y",
            "-v",
            "error",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{W}x{H}",
            "-r",
            str(FPS),
            "-i",
            "pipe:0",
            "-i",
            str(wav),
            # RGB -> BT.709 limited-range YUV, matching the tags written below.
            "-vf",
            "scale=out_color_matrix=bt709:out_range=tv",
            *video_out,
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        for frame in demo_frames(SECONDS, (W, H), FPS):
            proc.stdin.write(frame.tobytes())
        proc.stdin.close()
        if proc.wait() != 0:
            raise SystemExit("ffmpeg failed to encode the input clip")
        wav.unlink()
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------------------------
# The three ways
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def job_seconds(seconds: float) -> Iterator[None]:
    """Within the block, SECONDS (the job length every way and check uses) is `seconds`."""
    global SECONDS
    saved, SECONDS = SECONDS, float(seconds)
    try:
        yield
    finally:
        SECONDS = saved


def job_preset(cache: Path | None = None) -> Path:
    """The reference preset as the job runs it: without the thumbnail and sidecar (side files
    the other ways do not make; `--side-files` keeps them), its 15 s limit raised for longer
    jobs. A copy in the cache folder."""
    import yaml

    spec = yaml.safe_load(PRESET.read_text(encoding="utf-8"))
    if not SIDE_FILES:
        spec["output"] = {**spec.get("output", {}), "thumbnail": None, "sidecar": False}
    if SECONDS > 15:
        spec["limit"] = {**spec.get("limit", {}), "max_seconds": SECONDS}
    tags = ("" if SECONDS <= 15 else f"-{SECONDS:g}s") + ("-side-files" if SIDE_FILES else "")
    path = (cache or DEFAULT_CACHE) / f"reference{tags}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def clipforge_cmd(src: Path, out: Path, draft: bool = False) -> list[str]:
    """``clipforge render INPUT --preset benchmarks/reference.yaml -o OUT`` [--draft]."""
    script = Path(sys.executable).with_name("clipforge")
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "clipforge"]
    cmd = [*exe, "render", str(src), "--preset", str(job_preset()), "-o", str(out), "-q"]
    return [*cmd, "--draft"] if draft else cmd


def ffmpeg_filtergraph(font: Path) -> str:
    """The whole job as one ffmpeg filtergraph (inputs: 0 footage, 1-3 stickers, 4 music)."""
    (fx, fy), (tx, ty) = STAR["from"], STAR["to"]
    # ffmpeg's vignette is a lens model (angle); PI/4 darkens the corners about as much as
    # strength 0.4 does. Its mask is computed once (eval=init), like clipforge's.
    fade_out_at = SECONDS - MUSIC["fade_out"]
    return ";".join(
        [
            f"[0:v]eq=brightness={BRIGHTNESS}:contrast={CONTRAST}:saturation={SATURATION},"
            "vignette=angle=PI/4[base]",
            f"[1:v]scale={HEART['width']}:-1[heart]",
            f"[2:v]scale={STAR['width']}:-1[star]",
            f"[3:v]scale={SPARKLE['width']}:-1[sparkle]",
            f"[base][heart]overlay=x={HEART['at'][0]}-w/2:y={HEART['at'][1]}-h/2[v1]",
            f"[v1][star]overlay=x='{fx}+({tx}-{fx})*t/{SECONDS}-w/2'"
            f":y='{fy}+({ty}-{fy})*t/{SECONDS}-h/2'[v2]",
            f"[v2][sparkle]overlay=x={SPARKLE['at'][0]}-w/2:y={SPARKLE['at'][1]}-h/2"
            f":enable='between(t,{SPARKLE['start']},{SPARKLE['end']})'[v3]",
            f"[v3]drawtext=fontfile='{font}':text='{CAPTION}':fontsize=72:fontcolor=white"
            f":borderw=6:bordercolor=black:x={CAPTION_AT[0]}-text_w/2:y={CAPTION_AT[1]}-text_h/2"
            ",format=yuv420p[v]",
            f"[4:a]atrim=0:{SECONDS},asetpts=PTS-STARTPTS,volume={MUSIC['volume_db']}dB,"
            f"afade=t=in:st=0:d={MUSIC['fade_in']},"
            f"afade=t=out:st={fade_out_at}:d={MUSIC['fade_out']}[music]",
            f"[0:a]volume={ORIGINAL_DB}dB[orig]",
            "[music][orig]amix=inputs=2:duration=first:normalize=0[a]",
        ]
    )


def ffmpeg_cmd(src: Path, out: Path, cache: Path) -> list[str]:
    """The bundled ffmpeg doing the whole job in one filtergraph."""
    # The font's file name has "[", "," and "]", which the filtergraph parser would need
    # escaped at two levels; a plainly named copy in the cache avoids that.
    font = cache / "Roboto.ttf"
    if not font.exists():
        shutil.copyfile(roboto(), font)
    return [
        ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        "-i",
        str(src),
        "-i",
        str(ASSETS / HEART["file"]),
        "-i",
        str(ASSETS / STAR["file"]),
        "-i",
        str(ASSETS / SPARKLE["file"]),
        "-i",
        str(ASSETS / MUSIC["file"]),
        "-filter_complex",
        ffmpeg_filtergraph(font),
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "20",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-t",
        str(SECONDS),
        "-movflags",
        "+faststart",
        str(out),
    ]


def moviepy_cmd(src: Path, out: Path, cache: Path) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "moviepy",
        "--seconds",
        f"{SECONDS:g}",
        "--cache",
        str(cache),
        str(src),
        str(out),
    ]


# The presets the still benchmark looks at: the reference job and catalog looks with a 3D LUT,
# grain, a blur and animated layers.
STILL_PRESETS = ("reference", "teal-orange", "vintage", "noir", "glitch", "birthday")
STILL_AT = 2.5


def still_cmd(src: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", "still", str(src)]


def still_job(src: Path) -> dict[str, dict[str, float]]:
    """In process, after the imports: one preview still of a preset at a time, timed.

    For each preset, over the demo footage and over the reference input: the first still
    (the preset compiled: LUT baked, stickers loaded) and the median of three more (a designer
    looking again). Printed as JSON for the parent process.
    """
    import time

    from clipforge.preview import render_stills

    results: dict[str, dict[str, float]] = {}
    for name in STILL_PRESETS:
        preset = str(PRESET) if name == "reference" else name
        for source, inputs in (("demo", ()), ("input", (str(src),))):
            times = []
            for _ in range(4):
                t0 = time.perf_counter()
                render_stills(preset, [STILL_AT], inputs=inputs)
                times.append(time.perf_counter() - t0)
            results[f"{name} over {source}"] = {
                "first_s": round(times[0], 3),
                "again_s": round(statistics.median(times[1:]), 3),
            }
    print(json.dumps(results))
    return results


def vignette_mask(
    width: int, height: int, strength: float, radius: float, softness: float
) -> np.ndarray:
    """(H, W, 1) float32 gain: 1 inside ``radius`` (of the half diagonal), falling smoothly."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    d = np.hypot((xs - width / 2) / (width / 2), (ys - height / 2) / (height / 2)) / np.sqrt(2)
    t = np.clip((d - (radius - softness)) / softness, 0, 1)
    return (1 - strength * t * t * (3 - 2 * t))[..., None].astype(np.float32)


def moviepy_job(src: Path, out: Path, cache: Path) -> None:
    """The job in idiomatic moviepy 2.x: clips, effects and a CompositeVideoClip."""
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        VideoFileClip,
        afx,
    )

    video = VideoFileClip(str(src)).subclipped(0, SECONDS)
    vig = vignette_mask(W, H, **VIGNETTE)
    luma = np.float32([0.2126, 0.7152, 0.0722])

    def grade(frame: np.ndarray) -> np.ndarray:
        f = frame.astype(np.float32) / 255.0
        f = (f - 0.5) * CONTRAST + 0.5 + BRIGHTNESS
        y = (f @ luma)[..., None]
        f = (y + (f - y) * SATURATION) * vig
        return (np.clip(f, 0.0, 1.0) * 255.0).astype(np.uint8)

    base = video.image_transform(grade)

    heart = ImageClip(str(ASSETS / HEART["file"])).resized(width=HEART["width"])
    heart = heart.with_position((HEART["at"][0] - heart.w / 2, HEART["at"][1] - heart.h / 2))
    heart = heart.with_duration(SECONDS)

    star = ImageClip(str(ASSETS / STAR["file"])).resized(width=STAR["width"])
    (fx, fy), (tx, ty) = STAR["from"], STAR["to"]
    sw, sh = star.size
    star = star.with_position(
        lambda t: (fx + (tx - fx) * t / SECONDS - sw / 2, fy + (ty - fy) * t / SECONDS - sh / 2)
    )
    star = star.with_duration(SECONDS)

    sparkle = ImageClip(str(ASSETS / SPARKLE["file"])).resized(width=SPARKLE["width"])
    sparkle = sparkle.with_position(
        (SPARKLE["at"][0] - sparkle.w / 2, SPARKLE["at"][1] - sparkle.h / 2)
    )
    sparkle = sparkle.with_start(SPARKLE["start"]).with_end(SPARKLE["end"])

    caption = TextClip(
        font=str(roboto()),
        text=CAPTION,
        font_size=72,
        color="white",
        stroke_color="black",
        stroke_width=6,
    )
    caption = caption.with_position(
        (CAPTION_AT[0] - caption.w / 2, CAPTION_AT[1] - caption.h / 2)
    ).with_duration(SECONDS)

    music = AudioFileClip(str(ASSETS / MUSIC["file"])).subclipped(0, SECONDS)
    music = music.with_effects(
        [
            afx.MultiplyVolume(10 ** (MUSIC["volume_db"] / 20)),
            afx.AudioFadeIn(MUSIC["fade_in"]),
            afx.AudioFadeOut(MUSIC["fade_out"]),
        ]
    )
    original = video.audio.with_effects([afx.MultiplyVolume(10 ** (ORIGINAL_DB / 20))])

    final = CompositeVideoClip([base, heart, star, sparkle, caption], size=(W, H))
    final = final.with_audio(CompositeAudioClip([music, original])).with_duration(SECONDS)
    final.write_videofile(
        str(out),
        fps=FPS,
        codec="libx264",
        preset="veryfast",
        ffmpeg_params=["-crf", "20", "-movflags", "+faststart"],
        audio_codec="aac",
        audio_bitrate="128k",
        temp_audiofile_path=str(cache),
        logger=None,
    )


# --------------------------------------------------------------------------------------------
# Checking and reporting
# --------------------------------------------------------------------------------------------


def probe(path: Path, size: tuple[int, int] = (W, H)) -> dict[str, object]:
    """Duration, size and codecs of a file, read from ``ffmpeg -i`` (there is no ffprobe)."""
    if not path.exists():
        return {"ok": False, "why": "no output file"}
    text = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    dur = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    seconds = int(dur[1]) * 3600 + int(dur[2]) * 60 + float(dur[3]) if dur else 0.0
    video = re.search(r"Video: (\w+).*?(\d{2,5})x(\d{2,5})", text)
    audio = re.search(r"Audio: (\w+)", text)
    info: dict[str, object] = {
        "seconds": seconds,
        "video": f"{video[1]} {video[2]}x{video[3]}" if video else None,
        "audio": audio[1] if audio else None,
    }
    problems = []
    if abs(seconds - SECONDS) > 0.2:
        problems.append(f"duration {seconds:.2f} s")
    if not video or video[1] != "h264" or (video[2], video[3]) != (str(size[0]), str(size[1])):
        problems.append(f"video {info['video']}")
    if not audio or audio[1] != "aac":
        problems.append(f"audio {info['audio']}")
    info["ok"] = not problems
    info["why"] = ", ".join(problems)
    return info


def rotate(ways: Sequence[str], run: int) -> list[str]:
    """Run ``run``'s order: a rotation, reversed every other run."""
    k = run % len(ways)
    order = list(ways[k:]) + list(ways[:k])
    return order[::-1] if run % 2 else order


def main(argv: Sequence[str] | None = None) -> int:
    global SECONDS, SIDE_FILES  # --seconds sets the job length for every way
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each way (median taken)")
    parser.add_argument(
        "--only",
        default=",".join(ALL_WAYS),
        help="comma-separated ways to run: clipforge, ffmpeg, moviepy",
    )
    parser.add_argument("--skip-moviepy", action="store_true", help="leave moviepy out")
    parser.add_argument("--draft", action="store_true", help="also run clipforge --draft")
    parser.add_argument(
        "--still", action="store_true", help="also time preview stills in process (see still_job)"
    )
    parser.add_argument(
        "--seconds", type=float, default=SECONDS, help="job length in seconds (default 15)"
    )
    parser.add_argument(
        "--scaling",
        type=float,
        metavar="SECONDS",
        help="also run clipforge on a job this long (limit raised), alternated with the others",
    )
    parser.add_argument(
        "--side-files",
        action="store_true",
        help="clipforge also writes its thumbnail and sidecar (not part of the job)",
    )
    parser.add_argument("--json", type=Path, help="save the figures to this JSON file")
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"folder for the input and outputs (default {DEFAULT_CACHE})",
    )
    parser.add_argument(
        "--source",
        choices=("demo", "testsrc2"),
        default="demo",
        help="input footage: clipforge.demo_media or ffmpeg's testsrc2",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run at most")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    SECONDS, SIDE_FILES = float(args.seconds), args.side_files

    if args.worker == "moviepy":  # the child process of the moviepy way
        src, out = args.paths
        moviepy_job(src, out, args.cache)
        return 0
    if args.worker == "still":
        still_job(*args.paths)
        return 0

    ways = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(ways) - set(ALL_WAYS)
    if unknown:
        parser.error(f"--only: unknown way(s) {', '.join(sorted(unknown))}")
    if args.skip_moviepy:
        ways = [w for w in ways if w != "moviepy"]
    if args.draft and "clipforge" in ways:
        ways.append("clipforge-draft")
    long_way = f"clipforge-{args.scaling:g}s" if args.scaling else None
    if long_way:
        ways.append(long_way)
    if not ways and not args.still:
        parser.error("nothing to run")

    cache = args.cache.resolve()
    src = make_input(cache, args.source)
    outs = {w: cache / f"out-{w}.mp4" for w in ways}
    lengths = {w: SECONDS for w in ways}
    if long_way:
        lengths[long_way] = args.scaling
        with job_seconds(args.scaling):
            long_src = make_input(cache, args.source)

    def long_cmd() -> list[str]:
        with job_seconds(args.scaling):
            return clipforge_cmd(long_src, outs[long_way])

    commands = {
        long_way: long_cmd,
        "clipforge": lambda: clipforge_cmd(src, outs["clipforge"]),
        "clipforge-draft": lambda: clipforge_cmd(src, outs["clipforge-draft"], draft=True),
        "ffmpeg": lambda: ffmpeg_cmd(src, outs["ffmpeg"], cache),
        "moviepy": lambda: moviepy_cmd(src, outs["moviepy"], cache),
    }

    results: dict[str, list[Measurement]] = {w: [] for w in ways}
    failures: dict[str, str] = {}
    for run in range(args.runs):
        for way in rotate(ways, run):
            if way in failures:
                continue
            outs[way].unlink(missing_ok=True)
            m = measure(commands[way](), cwd=REPO, timeout=args.timeout)
            with job_seconds(lengths[way]):
                check = (
                    probe(outs[way], (W // 2, H // 2) if way.endswith("draft") else (W, H))
                    if m.ok
                    else {"ok": False, "why": f"exit {m.returncode}"}
                )
            status = "ok" if check["ok"] else f"FAILED ({check['why']})"
            print(
                f"run {run + 1}/{args.runs} {way:16s} {m.wall_s:7.2f} s "
                f"{m.peak_mib:7.0f} MiB  {status}",
                flush=True,
            )
            if not check["ok"]:
                failures[way] = f"{check['why']}\n{m.output_tail}"
                continue
            results[way].append(m)

    medians = {w: statistics.median(r.wall_s for r in ms) for w, ms in results.items() if ms}
    peaks = {w: statistics.median(r.peak_mib for r in ms) for w, ms in results.items() if ms}
    cpus = {w: statistics.median(r.cpu_s for r in ms) for w, ms in results.items() if ms}
    ref = medians.get("ffmpeg")
    print()
    print(
        f"reference job: {SECONDS:g} s of {W}x{H} at {FPS} fps, input: {args.source}, "
        f"{args.runs} run(s), {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'way':18s} {'median wall s':>13s} {'vs ffmpeg':>10s} {'CPU s':>7s} {'vs ffmpeg':>10s}"
        f" {'peak MiB':>9s}  per process (MiB, largest run)"
    )
    for way in ways:
        if way in medians:
            ratio = f"{medians[way] / ref:9.2f}x" if ref else f"{'-':>10s}"
            cref = cpus.get("ffmpeg")
            cratio = f"{cpus[way] / cref:9.2f}x" if cref else f"{'-':>10s}"
            top = max(results[way], key=lambda m: m.peak_mib).peaks
            parts = ", ".join(f"{k.split(':')[0]} {v:.0f}" for k, v in list(top.items())[:4])
            print(
                f"{way:18s} {medians[way]:13.2f} {ratio} {cpus[way]:7.1f} {cratio}"
                f" {peaks[way]:9.0f}  {parts}"
            )
        else:
            print(f"{way:18s} {'failed':>13s}")
    ratios: dict[str, float] = {}
    if "clipforge" in medians and ref:
        ratios["clipforge_vs_ffmpeg"] = medians["clipforge"] / ref
        print(f"clipforge vs ffmpeg: {ratios['clipforge_vs_ffmpeg']:.2f}x the time")
    if "moviepy" in medians and "clipforge" in medians:
        ratios["moviepy_over_clipforge"] = medians["moviepy"] / medians["clipforge"]
        print(f"moviepy / clipforge: {ratios['moviepy_over_clipforge']:.2f}x")
    if "moviepy" in medians and ref:
        ratios["moviepy_vs_ffmpeg"] = medians["moviepy"] / ref
    if long_way in medians and "clipforge" in medians:
        ratios["long_over_reference"] = medians[long_way] / medians["clipforge"]
        print(
            f"{long_way} / clipforge ({SECONDS:g} s): "
            f"{ratios['long_over_reference']:.2f}x the time, {args.scaling / SECONDS:g}x the length"
            f", peak {peaks[long_way]:.0f} vs {peaks['clipforge']:.0f} MiB"
        )
    for way, why in failures.items():
        print(f"\n{way} failed: {why}", file=sys.stderr)
    stills = None
    if args.still:
        proc = subprocess.run(still_cmd(src), capture_output=True, text=True, cwd=REPO)
        if proc.returncode != 0:
            print(f"\nstills failed: {proc.stderr[-2000:]}", file=sys.stderr)
        else:
            stills = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"\none preview still (render_stills in process, after imports, at {STILL_AT} s):"
            )
            for key, v in stills.items():
                print(f"  {key:28s} first {v['first_s']:6.3f} s, again {v['again_s']:6.3f} s")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "job": "reference",
                    "seconds": SECONDS,
                    "size": [W, H],
                    "fps": FPS,
                    "source": args.source,
                    "runs": args.runs,
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "ffmpeg": ffmpeg_exe(),
                    "wall_s": {w: [round(m.wall_s, 3) for m in ms] for w, ms in results.items()},
                    "peak_mib": {
                        w: [round(m.peak_mib, 1) for m in ms] for w, ms in results.items()
                    },
                    "median_wall_s": {w: round(v, 3) for w, v in medians.items()},
                    "median_peak_mib": {w: round(v, 1) for w, v in peaks.items()},
                    "cpu_s": {w: [round(m.cpu_s, 2) for m in ms] for w, ms in results.items()},
                    "median_cpu_s": {w: round(v, 2) for w, v in cpus.items()},
                    "peak_by_process_mib": {
                        w: max(ms, key=lambda m: m.peak_mib).peaks
                        for w, ms in results.items()
                        if ms
                    },
                    "load_average": os.getloadavg()[0],
                    "stills": stills,
                    "ratios": {k: round(v, 3) for k, v in ratios.items()},
                    "failed": {
                        w: why.splitlines()[0] if why else "" for w, why in failures.items()
                    },
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
