"""Segments, speed, reverse, the length limit and the kinds of input, rendered and decoded.

The footage carries its frame number (tests/timeline_footage.py), so each output frame says
exactly which source frame it shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.media import open_video, probe
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.spec import load_preset
from clipforge.timeline import Canvas, plan_timeline, timeline_frames
from clipforge.timeline import compose as compose_module
from clipforge.timeline import frames as timeline_frames_module
from clipforge.timeline.frames import clip_frames, reverse_chunks
from clipforge.timeline.plan import Clip
from tests.timeline_footage import (
    BLUE,
    RED,
    SIZE,
    H,
    W,
    body,
    coded_frame,
    coded_pngs,
    coded_video,
    decode_all,
    near,
    read_code,
)

CANVAS = Canvas(SIZE, 30)


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
    monkeypatch.setattr(timeline_frames_module, "REVERSE_CHUNK_YUV_BYTES", W * 320 * 3 // 2 * 7)
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


def test_reversed_clip_is_the_rgb_readers_frames_backwards_across_yuv_chunks(footage, monkeypatch):
    # A budget of 7 I420 frames (half the bytes of 7 RGB ones): 30 frames in chunks 2, 7, 7, 7,
    # 7, so four seams fall inside the clip. Counted as RGB, the budget would make chunks of 4.
    monkeypatch.setattr(timeline_frames_module, "REVERSE_CHUNK_YUV_BYTES", W * H * 3 // 2 * 7)
    opened: list[tuple[int, str]] = []
    real_open = timeline_frames_module.open_video

    def spy(*args, **kwargs):
        reader = real_open(*args, **kwargs)
        opened.append((len(reader), kwargs.get("pixels", "rgb")))
        return reader

    monkeypatch.setattr(timeline_frames_module, "open_video", spy)
    path = footage["a"]
    info = probe(path)
    clip = Clip(path, "video", start=0.0, duration=1.0, source_start=0.5, info=info, reverse=True)
    got = list(clip_frames(clip, 30, CANVAS))
    with open_video(path, SIZE, 30, "cover", start=0.5, duration=1.0, info=info) as reader:
        expected = list(reader)[::-1]
    assert opened == [(2, "yuv601")] + [(7, "yuv601")] * 4
    assert len(got) == len(expected) == 30
    for frame, want in zip(got, expected, strict=True):
        assert frame.shape == (H, W, 3) and frame.dtype == np.uint8 and frame.flags.writeable
        assert np.array_equal(frame, want)
    assert [read_code(f) for f in got] == list(range(44, 14, -1))


def test_reversed_clip_past_the_source_end_pads_with_fresh_copies_of_its_first_frame(
    footage, monkeypatch
):
    monkeypatch.setattr(timeline_frames_module, "REVERSE_CHUNK_YUV_BYTES", W * H * 3 // 2 * 4)
    path = footage["a"]  # 90 frames; the plan asks for 92 of them, backwards from 3.0 s
    clip = Clip(path, "video", start=0.0, duration=92 / 30, info=probe(path), reverse=True)
    got = list(clip_frames(clip, 92, CANVAS))
    assert [read_code(f) for f in got] == [*range(89, -1, -1), 0, 0]
    assert np.array_equal(got[-1], got[-3]) and np.array_equal(got[-2], got[-3])
    got[-1][:] = 0  # each padding frame is the caller's own
    assert not np.shares_memory(got[-1], got[-2]) and read_code(got[-2]) == 0


def test_reverse_chunks_halve_during_the_incoming_transition_and_end_on_a_full_chunk():
    assert reverse_chunks(150, 16, 15) == [8, 8, 6] + [16] * 8  # one ffmpeg start more than 10
    assert reverse_chunks(150, 16, 0) == [6] + [16] * 9
    assert reverse_chunks(5, 16, 15) == [5]
    assert reverse_chunks(0, 16, 15) == []
    for count in range(0, 70):
        for overlap in (0, 3, 15, 40):
            sizes = reverse_chunks(count, 16, overlap)
            assert sum(sizes) == count and all(0 < n <= 16 for n in sizes)
            assert len(sizes) <= -(-count // 16) + -(-min(count, overlap) // 8)
            if count - min(count, overlap) >= 24:
                assert sizes[-1] == 16


class ReaderSpy:
    """Wraps the timeline's open_video: the readers opened, and the most ever open at once."""

    def __init__(self, monkeypatch) -> None:
        self.readers: list = []
        self.open: set[int] = set()
        self.most_open = 0
        real_open = timeline_frames_module.open_video

        def spy(*args, **kwargs):
            reader = real_open(*args, **kwargs)
            self.readers.append(reader)
            self.open.add(id(reader))
            self.most_open = max(self.most_open, len(self.open))
            real_close = reader.close

            def close() -> None:
                self.open.discard(id(reader))
                real_close()

            reader.close = close
            return reader

        monkeypatch.setattr(timeline_frames_module, "open_video", spy)


def test_forward_clip_reads_its_blended_tail_ahead_and_ends_its_decoder(footage, monkeypatch):
    spy = ReaderSpy(monkeypatch)
    path = footage["a"]
    info = probe(path)
    clip = Clip(path, "video", start=0.0, duration=1.0, source_start=0.5, info=info)
    frames = clip_frames(clip, 30, CANVAS, tail=6)
    got = [next(frames) for _ in range(24)]
    (reader,) = spy.readers
    assert reader.frames_read == 24 and spy.open
    got.append(next(frames))  # the first frame under the next clip's transition
    assert reader.frames_read == 30 and not spy.open  # all read ahead, ffmpeg ended
    got += list(frames)
    with open_video(path, SIZE, 30, "cover", start=0.5, duration=1.0, info=info) as rgb:
        expected = list(rgb)
    assert len(got) == 30
    for frame, want in zip(got, expected, strict=True):
        assert frame.shape == (H, W, 3) and np.array_equal(frame, want)


def test_crossfades_around_a_reversed_clip_never_run_two_decoders_and_change_no_pixel(
    tmp_path, footage, monkeypatch
):
    preset = write_preset(
        tmp_path,
        """
timeline:
  transition: {type: crossfade, seconds: 0.3}
  segments:
    - {input: 0, in: 0, out: 1}
    - {input: 1, in: 0.5, out: 2.5, reverse: true}
    - {input: 2, in: 1, out: 2}
""",
    )
    plan = plan_timeline([footage["a"], footage["b"], footage["a"]], load_preset(preset), fps=30)
    total = round(plan.duration * 30)
    assert total == 30 + 60 + 30 - 2 * 9

    def render_frames() -> list[np.ndarray]:
        return list(timeline_frames(plan, total, CANVAS))

    # Chunks of 10 (5 while the reversed clip fades in); each 9-frame tail is read ahead.
    monkeypatch.setattr(timeline_frames_module, "REVERSE_CHUNK_YUV_BYTES", W * H * 3 // 2 * 10)
    spy = ReaderSpy(monkeypatch)
    got = render_frames()
    assert spy.most_open == 1
    assert [len(r) for r in spy.readers] == [30, 5, 5] + [10] * 5 + [30]
    # The same timeline with both decoders running through each fade, in one-second chunks.
    monkeypatch.setattr(timeline_frames_module, "REVERSE_CHUNK_YUV_BYTES", 2**40)
    monkeypatch.setattr(compose_module, "blended_tail", lambda *args: 0)
    spy = ReaderSpy(monkeypatch)
    expected = render_frames()
    assert spy.most_open == 2
    assert len(got) == len(expected) == total
    for frame, want in zip(got, expected, strict=True):
        assert np.array_equal(frame, want)


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
