"""Small media made at test time for the clipforge.media tests (imported by conftest.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import psutil
import pytest

from clipforge.media.ffmpeg import ffmpeg_exe, run_ffmpeg

#: 75 % bars, full white/black and a saturated primary: RGB values decoded output must match.
BARS = (
    (191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191),
    (191, 0, 0), (0, 0, 191), (255, 255, 255), (16, 16, 16), (255, 0, 0),
)  # fmt: skip
BAR_W = 32
BARS_SIZE = (320, 176)  # (W, H): 10 bars of 32 px


def ffmpeg_children() -> list[psutil.Process]:
    """Our ffmpeg children that are still running (zombies count: they were not reaped)."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() == psutil.STATUS_ZOMBIE or p.cmdline()[:1] == [ffmpeg_exe()]:
                found.append(p)
        except psutil.NoSuchProcess:
            continue
    return found


def mp4_top_level_boxes(path: Path) -> list[str]:
    """Top-level MP4 box types in file order."""
    boxes = []
    with open(path, "rb") as f:
        while header := f.read(8):
            size, kind = int.from_bytes(header[:4], "big"), header[4:8].decode("latin-1")
            if size == 1:
                size = int.from_bytes(f.read(8), "big")
                f.seek(size - 16, 1)
            elif size == 0:
                boxes.append(kind)
                break
            else:
                f.seek(size - 8, 1)
            boxes.append(kind)
    return boxes


def bars_frame() -> np.ndarray:
    """(176, 320, 3) RGB colour bars, one BAR_W-wide bar per entry of BARS."""
    w, h = BARS_SIZE
    img = np.zeros((h, w, 3), np.uint8)
    for i, c in enumerate(BARS):
        img[:, i * BAR_W : (i + 1) * BAR_W] = c
    return img


def encode_raw(
    path: Path, frames: Sequence[np.ndarray], fps: int = 30, extra: Sequence[str] = ()
) -> Path:
    """Encode RGB frames with ffmpeg itself (BT.709 limited, tagged, lossless): a reference
    made independently of clipforge's encoder."""
    h, w = frames[0].shape[:2]
    raw = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
    run_ffmpeg(
        ["-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
         "-r", str(fps), "-i", "pipe:0",
         "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
         "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast",
         "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
         "-color_range", "tv", *extra, str(path)],
        timeout=60, input_bytes=raw,
    )  # fmt: skip
    return path


def lavfi(path: Path, args: Sequence[str]) -> Path:
    """Run ffmpeg with lavfi sources (`args` include inputs and codecs) writing `path`."""
    run_ffmpeg(["-y", "-v", "error", *args, str(path)], timeout=60)
    return path


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def bars_clip(media_dir: Path) -> Path:
    """2 s of colour bars, 320x176, 30 fps, BT.709 tagged, no audio."""
    return encode_raw(media_dir / "bars.mp4", [bars_frame()] * 60)


@pytest.fixture(scope="session")
def av_clip(media_dir: Path) -> Path:
    """2 s testsrc2 320x180 30 fps + 440 Hz sine (AAC), with location and date metadata."""
    return lavfi(
        media_dir / "av.mp4",
        ["-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=2",
         "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=2",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-metadata", "location=+48.8584+002.2945/",
         "-metadata", "creation_time=2021-07-14T10:00:00Z",
         "-metadata", "title=secret-title-xyz", "-metadata:s:v", "handler_name=PhoneCam-4711"],
    )  # fmt: skip


@pytest.fixture(scope="session")
def silent_clip(media_dir: Path) -> Path:
    """2 s testsrc2 180x320 at 25 fps without audio."""
    return lavfi(
        media_dir / "silent.mp4",
        ["-f", "lavfi", "-i", "testsrc2=s=180x320:r=25:d=2", "-c:v", "libx264",
         "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    )  # fmt: skip


@pytest.fixture(scope="session")
def corner_clip(media_dir: Path) -> Path:
    """1 s, 320x180: white top-left quadrant on black, to see rotations."""
    img = np.zeros((180, 320, 3), np.uint8)
    img[:90, :160] = 255
    return encode_raw(media_dir / "corner.mp4", [img] * 30)


@pytest.fixture(scope="session")
def ramp_clip(media_dir: Path) -> Path:
    """2 s at 30 fps whose frame i is grey level 8 + 3 * i: the level tells the source time."""
    frames = [np.full((64, 64, 3), 8 + 3 * i, np.uint8) for i in range(60)]
    return encode_raw(media_dir / "ramp.mp4", frames)


@pytest.fixture(scope="session")
def sine_wav(media_dir: Path) -> Path:
    """2 s of a 1 kHz sine, amplitude 1/8 (ffmpeg's default), 44.1 kHz mono WAV."""
    return lavfi(media_dir / "sine.wav", ["-f", "lavfi", "-i", "sine=f=1000:sample_rate=44100:d=2"])


@pytest.fixture(scope="session")
def bad_files(media_dir: Path) -> dict[str, Path]:
    """Files that are not media: zero bytes, random bytes, text, each named .mp4."""
    d = media_dir / "bad"
    d.mkdir()
    files = {
        "empty": d / "empty.mp4",
        "garbage": d / "garbage.mp4",
        "text": d / "text.mp4",
    }
    files["empty"].write_bytes(b"")
    noise = np.random.default_rng(1).integers(0, 256, 4096, np.uint8)
    files["garbage"].write_bytes(noise.tobytes())
    files["text"].write_text("this is a shopping list, not a video\n" * 20)
    return files
