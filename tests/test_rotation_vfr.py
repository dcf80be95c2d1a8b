"""Phone footage: rotation metadata comes out upright; variable frame rate comes out constant.

Both are checked on decoded renders against references computed independently of clipforge's
decoder: numpy's rot90 of the captured picture, and the timestamps ffmpeg's showinfo reports.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.frames import fit_frame
from clipforge.media import open_video, probe
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.spec import preset_from_dict


def preset(size: str, fps: int) -> object:
    return preset_from_dict(
        {
            "clipforge": 1,
            "canvas": {"size": size, "fps": fps},
            "output": {"thumbnail": None, "sidecar": False},
        }
    )


def decode_all(path: Path, size: tuple[int, int], fps: int) -> list[np.ndarray]:
    with open_video(path, size, fps, "stretch") as reader:
        return list(reader)


# -- rotation -----------------------------------------------------------------------------------


def captured_picture() -> np.ndarray:
    """320x180 as the sensor saw it: a band along the top, green left half, red right half."""
    img = np.full((180, 320, 3), 128, np.uint8)
    img[:44] = (220, 30, 30)
    img[:44, :160] = (30, 200, 40)
    return img


@pytest.fixture(scope="module")
def sensor_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s at 10 fps of the captured picture, lossless, no rotation metadata."""
    path = tmp_path_factory.mktemp("rot") / "sensor.mp4"
    raw = captured_picture().tobytes() * 10
    run_ffmpeg(
        ["-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "320x180",
         "-r", "10", "-i", "pipe:0", "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast",
         "-pix_fmt", "yuv444p", str(path)],
        timeout=60, input_bytes=raw,
    )  # fmt: skip
    return path


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_phone_footage_renders_upright(
    sensor_clip: Path, tmp_path: Path, rotation: int
) -> None:
    # -display_rotation takes the counter-clockwise angle; `rotation` is the clockwise one
    # players turn the picture by (an upright portrait phone video is usually rotation 90).
    rotated = tmp_path / f"rot{rotation}.mp4"
    run_ffmpeg(
        ["-y", "-v", "error", "-display_rotation", str(360 - rotation), "-i", str(sensor_clip),
         "-c", "copy", str(rotated)],
        timeout=60,
    )  # fmt: skip
    info = probe(rotated)
    assert info.rotation == rotation
    assert (info.coded_width, info.coded_height) == (320, 180)
    assert (info.width, info.height) == ((180, 320) if rotation in (90, 270) else (320, 180))

    out = tmp_path / "out.mp4"
    clipforge.render([rotated], out, preset("180x320", 10))
    frame = decode_all(out, (180, 320), 10)[5].astype(int)
    # What a player shows: the captured picture turned clockwise, then fitted (cover).
    upright = np.rot90(captured_picture(), k=-rotation // 90)
    expected = fit_frame(np.ascontiguousarray(upright), (180, 320), "cover").astype(int)
    assert np.abs(frame - expected).mean() < 6

    # Where the captured picture's top (the band) and its top-left (green) land on the canvas.
    red = (frame[..., 0] > 160) & (frame[..., 1] < 90)
    green = (frame[..., 1] > 150) & (frame[..., 0] < 90)
    ys, xs = np.nonzero(red | green)
    gy, gx = np.nonzero(green)
    if rotation == 90:  # top -> right edge, top-left -> top-right corner
        assert xs.min() > 100 and gy.max() < 165 and gx.min() > 100 and red[200:].any()
    elif rotation == 270:  # top -> left edge, top-left -> bottom-left corner
        assert xs.max() < 80 and gy.min() > 155 and gx.max() < 80 and red[:120].any()
    else:  # top -> bottom edge, top-left -> bottom-right (cover crops the sides)
        assert ys.min() > 230 and gy.min() > 230 and gx.min() > 80 and red[:, :60].any()


# -- variable frame rate ------------------------------------------------------------------------

# Frame n of the VFR clip is captured at this time (ms), irregularly spaced: 33..117 ms apart.
VFR_PTS = "floor((0.075*N+0.04*sin(1.7*N))*1000+0.5)/1000/TB"
LEVEL_STEP = 8  # frame n is grey level 8 n: the colour tells which source frame is shown


@pytest.fixture(scope="module")
def vfr_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    """A variable frame rate MP4 (ms timestamps) and its frame times as ffmpeg reads them."""
    path = tmp_path_factory.mktemp("vfr") / "vfr.mp4"
    run_ffmpeg(
        ["-y", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=64x64:r=13:d=2.4",
         "-vf", f"format=rgb24,geq=r='{LEVEL_STEP}*N':g='{LEVEL_STEP}*N':b='{LEVEL_STEP}*N',"
         f"settb=1/1000,setpts='{VFR_PTS}'",
         "-fps_mode", "passthrough", "-enc_time_base", "1/1000", "-video_track_timescale", "1000",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv444p", str(path)],
        timeout=60,
    )  # fmt: skip
    # The reference: frame times as ffmpeg's showinfo filter reports them from the file.
    text = run_ffmpeg(
        ["-i", str(path), "-vf", "showinfo", "-f", "null", "-"], timeout=60, check=False
    ).stderr.decode()
    times = [float(t) for t in re.findall(r"pts_time:(-?[\d.]+)", text)]
    return path, times


def test_vfr_input_is_really_variable(vfr_clip: tuple[Path, list[float]]) -> None:
    _, times = vfr_clip
    gaps = np.diff(times)
    assert len(times) >= 28 and times[0] == 0.0
    assert gaps.min() < 0.05 and gaps.max() > 0.1  # both faster and slower than 30 fps... and 10


def test_vfr_renders_at_constant_fps_without_drift(
    vfr_clip: tuple[Path, list[float]], tmp_path: Path
) -> None:
    path, times = vfr_clip
    fps = 30
    out = tmp_path / "cfr.mp4"
    result = clipforge.render([path], out, preset("64x64", fps))
    info = probe(out)
    assert info.fps == fps and result.fps == fps
    frames = decode_all(out, (64, 64), fps)
    assert abs(len(frames) - round(probe(path).duration * fps)) <= 1
    shown = [round(float(f[16:48, 16:48].mean()) / LEVEL_STEP) for f in frames]
    checked = []
    for k, index in enumerate(shown):
        t = k / fps
        # Ticks within a few ms of a capture time are ambiguous by design (timestamp slack).
        if any(-0.001 < ts - t < 0.004 for ts in times):
            continue
        latest = max(i for i, ts in enumerate(times) if ts <= t)
        assert index == latest, (k, t, index, latest)
        checked.append(k)
    # Start, middle and end were all checked, and nearly every frame was.
    n = len(frames)
    assert checked[0] <= 1 and any(abs(k - n // 2) <= 2 for k in checked) and checked[-1] >= n - 2
    assert len(checked) > 0.8 * n
