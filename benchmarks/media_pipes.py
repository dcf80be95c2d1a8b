"""Milliseconds per 1080x1920 frame through ffmpeg pipes: rgb24 vs yuv420p + OpenCV.

Decode: read N frames of an H.264 1080x1920 clip as RGB numpy arrays.
  rgb24            ffmpeg's swscale converts (BT.709 in) and pipes 6.2 MB RGB frames
  yuv+colormatrix  colormatrix BT.709 -> BT.601 in ffmpeg, yuv420p pipe, cv2 I420 -> RGB (chosen)
  yuv+scale601     swscale's yuv->yuv matrix change instead of colormatrix
  yuv+own709       plain yuv420p pipe, chroma upsampled + BT.709 matrix by cv2.transform
  yuv 601 (wrong)  plain yuv420p + cv2 I420 with the wrong matrix: the floor, not correct
  VideoReader      the library (chosen path + prefetch thread)
Encode: write N RGB frames to x264 veryfast crf 20.
  rgb24            ffmpeg's swscale converts to BT.709 yuv420p
  cv2 I420+cm      cv2 RGB -> I420 (BT.601), colormatrix BT.601 -> BT.709 in ffmpeg (chosen)
  cv2 I420 (wrong) no matrix fix: the floor, not correct
  VideoWriter      the library (chosen path + pipe thread)

Run: .venv/bin/python benchmarks/media_pipes.py [--frames 150] [--repeat 2]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from clipforge.media import VideoWriter, open_video
from clipforge.media.ffmpeg import ffmpeg_exe

W, H = 1080, 1920


def make_source(path: Path, frames: int) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i",
         f"testsrc2=s={W}x{H}:r=30", "-frames:v", str(frames), "-c:v", "libx264",
         "-preset", "veryfast", "-pix_fmt", "yuv420p", "-colorspace", "bt709", str(path)],
        check=True,
    )  # fmt: skip


def _bt709_to_rgb_matrix() -> np.ndarray:
    kr, kb = 0.2126, 0.0722
    kg = 1 - kr - kb
    m = np.array([[1, 0, 2 - 2 * kr], [1, -(2 - 2 * kb) * kb / kg, -(2 - 2 * kr) * kr / kg],
                  [1, 2 - 2 * kb, 0]])  # fmt: skip
    a = m @ np.diag([255 / 219, 255 / 224, 255 / 224])
    return np.hstack([a, (-a @ np.array([16, 128, 128]))[:, None]]).astype(np.float32)


M709 = _bt709_to_rgb_matrix()


def own709(yuv: np.ndarray) -> np.ndarray:
    y = yuv[:H]
    uv = yuv[H:].reshape(2, H // 2, W // 2)
    u = cv2.resize(uv[0], (W, H), interpolation=cv2.INTER_LINEAR)
    v = cv2.resize(uv[1], (W, H), interpolation=cv2.INTER_LINEAR)
    return cv2.transform(cv2.merge([y, u, v]), M709)


def decode_raw(src: Path, vf: str | None, pix: str, convert: Callable) -> float:
    size = W * H * 3 if pix == "rgb24" else W * H * 3 // 2
    args = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(src)]
    args += ["-vf", vf] if vf else []
    args += ["-f", "rawvideo", "-pix_fmt", pix, "pipe:1"]
    t = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, bufsize=0)
    assert proc.stdout is not None
    buf = bytearray(size)
    view = memoryview(buf)
    shape = (H, W, 3) if pix == "rgb24" else (H * 3 // 2, W)
    n = 0
    while True:
        got = 0
        while got < size and (k := proc.stdout.readinto(view[got:])):
            got += k
        if got < size:
            break
        convert(np.frombuffer(buf, np.uint8).reshape(shape))
        n += 1
    proc.wait()
    return (time.perf_counter() - t) * 1000 / n


def decode_library(src: Path) -> float:
    t = time.perf_counter()
    with open_video(src, (W, H), 30, "cover") as reader:
        n = sum(1 for _ in reader)
    return (time.perf_counter() - t) * 1000 / n


def encode_raw(frames: list[np.ndarray], n: int, pix: str, vf: str | None, convert) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        args = [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", pix]
        args += ["-s", f"{W}x{H}", "-r", "30", "-i", "pipe:0"]
        args += ["-vf", vf] if vf else []
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
        args += [str(Path(tmp) / "o.mp4")]
        t = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        for i in range(n):
            proc.stdin.write(convert(frames[i % len(frames)]))
        proc.stdin.close()
        proc.wait()
        return (time.perf_counter() - t) * 1000 / n


def encode_library(frames: list[np.ndarray], n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        with VideoWriter(Path(tmp) / "o.mp4", (W, H), 30) as writer:
            for i in range(n):
                writer.write(frames[i % len(frames)])
        return (time.perf_counter() - t) * 1000 / n


def cpu_seconds() -> float:
    """User + system CPU of this process and its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], float], n: int) -> tuple[float, float]:
    """(wall ms per frame, CPU ms per frame) of one run."""
    c = cpu_seconds()
    wall = fn()
    return wall, (cpu_seconds() - c) * 1000 / n


def round_trip(src: Path, n: int, rgb24: bool) -> float:
    """decode -> numpy -> encode, the Python frame-loop floor, through one of the two pipes."""
    with tempfile.TemporaryDirectory() as tmp:
        dec = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(src), "-f", "rawvideo"]
        enc = [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-s", f"{W}x{H}", "-r", "30"]
        if rgb24:
            dec += ["-vf", "scale=in_color_matrix=bt709:in_range=tv", "-pix_fmt", "rgb24"]
            enc += ["-pix_fmt", "rgb24", "-i", "pipe:0", "-vf",
                    "scale=out_color_matrix=bt709:out_range=tv"]  # fmt: skip
        else:
            dec += ["-vf", "colormatrix=src=bt709:dst=bt601", "-pix_fmt", "yuv420p"]
            enc += ["-pix_fmt", "yuv420p", "-i", "pipe:0", "-vf", "colormatrix=src=bt601:dst=bt709"]
        enc += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                str(Path(tmp) / "o.mp4")]  # fmt: skip
        size = W * H * 3 if rgb24 else W * H * 3 // 2
        t = time.perf_counter()
        d = subprocess.Popen([*dec, "pipe:1"], stdout=subprocess.PIPE, bufsize=0)
        e = subprocess.Popen(enc, stdin=subprocess.PIPE)
        assert d.stdout is not None and e.stdin is not None
        buf = bytearray(size)
        view = memoryview(buf)
        frames = 0
        while True:
            got = 0
            while got < size and (k := d.stdout.readinto(view[got:])):
                got += k
            if got < size:
                break
            if rgb24:
                frame = np.frombuffer(buf, np.uint8).reshape(H, W, 3).copy()
                e.stdin.write(frame)
            else:
                yuv = np.frombuffer(buf, np.uint8).reshape(H * 3 // 2, W)
                frame = cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)
                e.stdin.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420))
            frames += 1
        d.wait()
        e.stdin.close()
        e.wait()
        return (time.perf_counter() - t) * 1000 / frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    opts = ap.parse_args()
    n = opts.frames
    i420 = cv2.COLOR_YUV2RGB_I420
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src.mp4"
        make_source(src, n)
        raw = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(src), "-frames:v", "30",
             "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        frames = list(np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3))
        t = time.perf_counter()
        subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(src), "-f", "null",
                        "-"], check=True)  # fmt: skip
        floor = (time.perf_counter() - t) * 1000 / n
        decoders = {
            "rgb24 (swscale)": ("scale=in_color_matrix=bt709:in_range=tv", "rgb24", np.copy),
            "yuv+colormatrix+cv2 (chosen)": (
                "colormatrix=src=bt709:dst=bt601", "yuv420p",
                lambda a: cv2.cvtColor(a, i420),
            ),
            "yuv+scale601+cv2": (
                "scale=in_color_matrix=bt709:out_color_matrix=bt601:in_range=tv:out_range=tv",
                "yuv420p", lambda a: cv2.cvtColor(a, i420),
            ),
            "yuv+own709 cv2.transform": (None, "yuv420p", own709),
            "yuv, cv2 BT.601 (wrong; floor)": (None, "yuv420p", lambda a: cv2.cvtColor(a, i420)),
        }  # fmt: skip
        print(f"decode, ms per {W}x{H} frame ({n} frames, best of {opts.repeat})")
        print(f"  {'ffmpeg decode only (-f null)':34s} {floor:6.2f}")
        print(f"  {'':34s} {'wall':>6s} {'CPU':>6s}")
        for name, (vf, pix, conv) in decoders.items():
            runs = [
                timed(lambda v=vf, p=pix, c=conv: decode_raw(src, v, p, c), n)
                for _ in range(opts.repeat)
            ]
            wall, cpu = min(runs)
            print(f"  {name:34s} {wall:6.2f} {cpu:6.2f}")
        wall, cpu = min(timed(lambda: decode_library(src), n) for _ in range(opts.repeat))
        print(f"  {'VideoReader (library)':34s} {wall:6.2f} {cpu:6.2f}")

        to_i420 = cv2.COLOR_RGB2YUV_I420
        encoders = {
            "rgb24 (swscale)": ("rgb24", "scale=out_color_matrix=bt709:out_range=tv", None),
            "cv2 I420 + colormatrix (chosen)": ("yuv420p", "colormatrix=src=bt601:dst=bt709",
                                                to_i420),
            "cv2 I420 BT.601 (wrong; floor)": ("yuv420p", None, to_i420),
        }  # fmt: skip
        print(f"encode x264 veryfast crf 20, ms per {W}x{H} frame")
        for name, (pix, vf, code) in encoders.items():
            conv = (lambda f: f) if code is None else (lambda f, c=code: cv2.cvtColor(f, c))
            runs = [timed(lambda p=pix, v=vf, c=conv: encode_raw(frames, n, p, v, c), n)
                    for _ in range(opts.repeat)]  # fmt: skip
            wall, cpu = min(runs)
            print(f"  {name:34s} {wall:6.2f} {cpu:6.2f}")
        wall, cpu = min(timed(lambda: encode_library(frames, n), n) for _ in range(opts.repeat))
        print(f"  {'VideoWriter (library)':34s} {wall:6.2f} {cpu:6.2f}")
        print("decode -> numpy -> encode round trip, ms per frame")
        for name, rgb in (("rgb24 pipes", True), ("yuv420p pipes + cv2 + colormatrix", False)):
            wall, cpu = min(timed(lambda r=rgb: round_trip(src, n, r), n)
                            for _ in range(opts.repeat))  # fmt: skip
            print(f"  {name:34s} {wall:6.2f} {cpu:6.2f}")


if __name__ == "__main__":
    main()
