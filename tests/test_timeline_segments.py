"""Segments, speed, reverse, the length limit and the kinds of input, rendered and decoded.

The footage carries its frame number (tests/timeline_footage.py), so each output frame says
exactly which source frame it shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.timeline import frames as timeline_frames_module
from tests.timeline_footage import (
    BLUE,
    RED,
    W,
    body,
    coded_frame,
    coded_pngs,
    coded_video,
    decode_all,
    near,
    read_code,
)


def write_preset(folder: Path, body_yaml: str) -> Path:
    path = folder / "preset.yaml"
    path.write_text("clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n" + body_yaml)
    return path


def codes(path: Path) -> list[int]:
    return [read_code(f) for f in decode_all(path)]


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("timeline")
    return {
        "a": coded_video(folder / "a.mp4", 90, RED),  # 3 s
        "b": coded_video(folder / "b.mp4", 90, BLUE),
    }


def test_trim_double_half_speed_and_reverse_show_the_right_source_frames(
    tmp_path, footage, monkeypatch
):
    # Reversed chunks of 7 frames: the 30-frame reversed segment crosses four chunk seams.
    monkeypatch.setattr(timeline_frames_module, "REVERSE_CHUNK_BYTES", W * 320 * 3 * 7)
    preset = write_preset(
        tmp_path,
        """
timeline:
  segments:
    - {input: 0, in: 0.5, out: 1.5}
    - {input: 1, in: 0, out: 2, speed: 2}
    - {input: 2, in: 1, out: 2, speed: 0.5}
    - {input: 3, in: 0.5, out: 1.5, reverse: true}
""",
    )
    out = tmp_path / "out.mp4"
    result = clipforge.render([footage["a"]] * 4, out, preset)
    assert result.frames == 30 + 30 + 60 + 30
    expected = (
        list(range(15, 45))  # in 0.5 .. out 1.5
        + list(range(0, 60, 2))  # 2x: every other frame
        + [30 + k // 2 for k in range(60)]  # 0.5x: each frame twice
        + list(range(44, 14, -1))  # reversed 0.5 .. 1.5
    )
    assert codes(out) == expected


def test_global_speed_multiplies_the_segment_speed(tmp_path, footage):
    preset = write_preset(tmp_path, "timeline:\n  speed: 2\n  segments: [{input: 0, speed: 1.5}]\n")
    out = tmp_path / "out.mp4"
    result = clipforge.render([footage["a"], footage["b"]], out, preset)
    # Input 0 at 3x (30 frames), input 1 at 2x (45 frames).
    assert result.frames == 30 + 45
    assert codes(out) == list(range(0, 90, 3)) + list(range(0, 90, 2))


def test_limit_fit_speeds_everything_up_evenly(tmp_path, footage):
    preset = write_preset(tmp_path, "limit: {max_seconds: 2, policy: fit}\n")
    out = tmp_path / "out.mp4"
    result = clipforge.render([footage["a"], footage["b"]], out, preset)
    assert result.duration == pytest.approx(2.0)
    frames = decode_all(out)
    assert [read_code(f) for f in frames] == list(range(0, 90, 3)) * 2  # both at 3x
    assert near(body(frames[10]), RED) and near(body(frames[40]), BLUE)


def test_limit_trim_cuts_a_timeline_with_transitions(tmp_path, footage):
    preset = write_preset(
        tmp_path,
        "limit: {max_seconds: 4, policy: trim}\n"
        "timeline: {transition: {type: crossfade, seconds: 0.5}}\n",
    )
    out = tmp_path / "out.mp4"
    result = clipforge.render([footage["a"], footage["b"]], out, preset)
    # 3 + 3 - 0.5 = 5.5 s planned, cut at 4 s: input b from 2.5 s, past its fade in.
    assert result.frames == 120
    frames = decode_all(out)
    assert read_code(frames[119]) == 119 - 75
    assert near(body(frames[119]), BLUE)


def test_image_sequences_and_frames_from_code_follow_segments(tmp_path):
    shots = coded_pngs(tmp_path / "shots", 12, BLUE)  # f1..f12.png: natural order matters
    listed = [coded_frame(i, RED) for i in range(30)]
    streamed = (coded_frame(i, RED) for i in range(30))  # a one-pass generator
    preset = write_preset(
        tmp_path,
        """
timeline:
  segments:
    - {input: 1, reverse: true}
    - {input: 2, in: 0.2, speed: 2}
    - {input: 3, in: 0.5, reverse: true}
""",
    )
    inputs = [
        shots,  # a folder
        str(shots / "*.png"),  # a glob pattern
        clipforge.FrameSource(listed, fps=30, duration=1.0),
        clipforge.FrameSource(streamed, fps=30, duration=1.0),
    ]
    out = tmp_path / "out.mp4"
    clipforge.render(inputs, out, preset)
    expected = (
        list(range(12))  # the folder, one image per frame at the canvas rate
        + list(range(11, -1, -1))  # the pattern, reversed
        + list(range(6, 30, 2))  # in 0.2 s, 2x
        + list(range(29, 14, -1))  # in 0.5 s to the end, reversed
    )
    assert codes(out) == expected


def test_a_pattern_alone_and_a_pattern_matching_nothing(tmp_path):
    shots = coded_pngs(tmp_path / "shots", 6, RED)
    run = clipforge.render([str(shots / "f*.png")], tmp_path / "o.mp4", write_preset(tmp_path, ""))
    assert run.frames == 6
    with pytest.raises(clipforge.InputError, match="no images found"):
        clipforge.render([str(tmp_path / "none*.png")], tmp_path / "x.mp4")


def test_variable_frame_rate_input_plays_at_constant_rate_without_drift(tmp_path):
    # 30 frames at 30 fps, then 30 frames at 15 fps: 3 s in all.
    raw = b"".join(coded_frame(i).tobytes() for i in range(60))
    vfr = tmp_path / "vfr.mp4"
    run_ffmpeg(
        ["-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "180x320",
         "-r", "30", "-i", "pipe:0",
         "-vf", "setpts='if(lt(N,30),N/30,1+(N-30)/15)/TB',format=yuv420p",
         "-fps_mode", "vfr", "-video_track_timescale", "90000",
         "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", str(vfr)],
        timeout=60, input_bytes=raw,
    )  # fmt: skip
    out = tmp_path / "out.mp4"
    result = clipforge.render([vfr], out, write_preset(tmp_path, ""))
    assert abs(result.frames - 90) <= 1
    found = np.array(codes(out))
    expected = np.array([n if n < 30 else 30 + (n - 30) // 2 for n in range(len(found))])
    assert np.abs(found - expected).max() <= 1
    # No drift: the last second still shows the slow half, frame for frame.
    assert found[-1] == 59
