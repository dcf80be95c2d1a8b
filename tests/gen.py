"""Small test media made at test time with the bundled ffmpeg, and ways to measure outputs."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from PIL import Image

from clipforge.media import decode_audio, open_video
from clipforge.media.ffmpeg import run_ffmpeg


def make_video(
    path: Path,
    seconds: float = 2.0,
    size: tuple[int, int] = (180, 320),
    fps: int = 30,
    color: str | None = "gray",
    tone: float | None = 440.0,
    extra: tuple[str, ...] = (),
) -> Path:
    """A clip of a solid colour (or testsrc2 when color is None) with an optional sine tone."""
    w, h = size
    video = (
        f"color=c={color}:s={w}x{h}:r={fps}:d={seconds}"
        if color
        else f"testsrc2=s={w}x{h}:r={fps}:d={seconds}"
    )
    args = ["-y", "-f", "lavfi", "-i", video]
    if tone:
        args += ["-f", "lavfi", "-i", f"sine=f={tone}:sample_rate=48000:d={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if tone:
        args += ["-c:a", "aac", "-shortest"]
    args += [*extra, str(path)]
    run_ffmpeg(args, timeout=60)
    return path


def make_tone(path: Path, seconds: float, freq: float) -> Path:
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"sine=f={freq}:sample_rate=48000:d={seconds}", str(path)],
        timeout=60,
    )
    return path


def make_square_png(path: Path, size: int, rgba: tuple[int, int, int, int]) -> Path:
    Image.new("RGBA", (size, size), rgba).save(path)
    return path


def frame_at(path: Path, t: float, size: tuple[int, int]) -> np.ndarray:
    """The decoded output frame shown at time t (RGB)."""
    with open_video(path, size, 30, "stretch", start=t, duration=1 / 15) as reader:
        for frame in reader:
            return frame
    raise AssertionError(f"no frame at {t} s in {path}")


def blob_centre(frame: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(mask)
    assert len(xs), "blob not found"
    return float(xs.mean()), float(ys.mean())


def tone_level(samples: np.ndarray, freq: float, rate: int = 48000) -> float:
    """Amplitude of a sine at `freq` in a mono window (single-bin DFT)."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    t = np.arange(len(mono)) / rate
    return float(2 * abs(np.dot(mono, np.exp(-2j * np.pi * freq * t))) / len(mono))


def window(path: Path, start: float, seconds: float) -> np.ndarray:
    return decode_audio(path, rate=48000, channels=2, start=start, duration=seconds)


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types in file order."""
    boxes = []
    data = path.read_bytes()
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        pos += size
    return boxes


def ffmpeg_info(path: Path) -> str:
    """What ffmpeg says about a file (its stderr), for codec/profile checks."""
    return run_ffmpeg(["-i", str(path)], timeout=30, check=False).stderr.decode(errors="replace")
