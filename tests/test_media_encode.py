"""clipforge.media.encode: format, colour round trip, metadata stripping, atomic writes."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from media_fixtures import (
    BAR_W,
    BARS,
    BARS_SIZE,
    bars_frame,
    ffmpeg_children,
    mp4_top_level_boxes,
)

from clipforge.errors import RenderError
from clipforge.media import VideoWriter, decode_audio, encode_frames, open_video, probe
from clipforge.media.ffmpeg import run_ffmpeg

W, H = BARS_SIZE
CENTRES = [i * BAR_W + BAR_W // 2 for i in range(len(BARS))]


def sine(seconds: float, rate: int = 48000, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    a = (amp * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return np.stack([a, a], axis=1)


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("enc") / "bars.mp4"
    n = encode_frames(out, [bars_frame()] * 60, (W, H), 30, audio=sine(2.5))
    assert n == 60
    return out


def test_format_codecs_and_tags(encoded: Path) -> None:
    info = probe(encoded)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.pix_fmt == "yuv420p"
    assert (info.color_space, info.color_primaries, info.color_transfer, info.color_range) == (
        "bt709", "bt709", "bt709", "tv",
    )  # fmt: skip
    # The audio was 2.5 s; it is cut to the video's 2 s.
    assert info.duration == pytest.approx(2.0, abs=0.03)
    assert info.frame_count == 60 and info.audio_channels == 2
    text = run_ffmpeg(["-i", str(encoded)], 10, check=False).stderr.decode()
    assert "Video: h264 (High)" in text


def test_moov_before_mdat(encoded: Path) -> None:
    boxes = mp4_top_level_boxes(encoded)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat")


def test_bars_round_trip_within_3_levels(encoded: Path) -> None:
    with open_video(encoded, (W, H), 30, "stretch") as reader:
        frame = list(reader)[30]
    ours = np.array([frame[H // 2, x] for x in CENTRES], dtype=int)
    assert np.abs(ours - np.array(BARS)).max() <= 3
    # Independently: ffmpeg's own conversion, trusting the output's tags as a player would.
    raw = run_ffmpeg(["-i", str(encoded), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt",
                      "rgb24", "pipe:1"], 30).stdout  # fmt: skip
    ref = np.frombuffer(raw, np.uint8).reshape(H, W, 3)
    theirs = np.array([ref[H // 2, x] for x in CENTRES], dtype=int)
    assert np.abs(theirs - np.array(BARS)).max() <= 3


def test_audio_round_trip_level_and_length(encoded: Path) -> None:
    audio = decode_audio(encoded)
    assert abs(len(audio) - 96000) <= 1024  # one AAC frame
    rms = float(np.sqrt(np.mean(audio[4800:-4800] ** 2)))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.03)


def test_fast_aac_coder_reaches_ffmpeg_and_keeps_the_level(tmp_path: Path) -> None:
    streams = {}
    for coder in ("twoloop", "fast"):
        out = tmp_path / f"{coder}.mp4"
        with VideoWriter(out, (W, H), 30, audio=sine(2.0), aac_coder=coder) as writer:
            for _ in range(60):
                writer.write(bars_frame())
        audio = decode_audio(out)
        rms = float(np.sqrt(np.mean(audio[4800:-4800] ** 2)))
        assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.03)
        streams[coder] = run_ffmpeg(
            ["-i", str(out), "-map", "0:a:0", "-c", "copy", "-f", "adts", "pipe:1"], 30
        ).stdout
    assert streams["fast"] != streams["twoloop"]  # the option reached the encoder


def test_short_audio_is_padded_with_silence(tmp_path: Path) -> None:
    out = tmp_path / "pad.mp4"
    encode_frames(out, [bars_frame()] * 60, (W, H), 30, audio=sine(1.0))
    audio = decode_audio(out)
    assert abs(len(audio) - 96000) <= 1024
    assert np.abs(audio[:40000]).max() > 0.4 and np.abs(audio[56000:]).max() < 0.01


def test_late_audio_that_fails_fails_the_file(tmp_path: Path) -> None:
    out = tmp_path / "failed.mp4"

    def audio() -> np.ndarray:
        raise ValueError("the mix broke")

    with (
        pytest.raises(ValueError, match="the mix broke"),
        VideoWriter(out, (W, H), 30, audio=audio) as writer,
    ):
        for _ in range(60):
            writer.write(bars_frame())
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_metadata_from_input_does_not_leak(av_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean.mp4"
    with open_video(av_clip, (180, 320), 30) as reader:
        encode_frames(out, reader, (180, 320), 30, audio=decode_audio(av_clip))
    text = run_ffmpeg(["-i", str(out)], 10, check=False).stderr.decode()
    data = out.read_bytes()
    for needle in ("location", "creation_time", "secret-title-xyz", "PhoneCam-4711", "Lavf",
                   "Lavc", "x264 - core"):  # fmt: skip
        assert needle not in text
        assert needle.encode() not in data


def test_exception_in_block_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "fail.mp4"
    with pytest.raises(KeyError), VideoWriter(out, (W, H), 30, audio=sine(2)) as writer:
        for _ in range(50):  # until ffmpeg has created its temporary output
            writer.write(bars_frame())
            time.sleep(0.02)
            if writer.part_path is not None and writer.part_path.exists():
                break
        assert writer.part_path is not None and writer.part_path.exists()
        assert ffmpeg_children()
        raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []
    assert not ffmpeg_children()


def test_keyboard_interrupt_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "ctrl-c.mp4"
    with pytest.raises(KeyboardInterrupt), VideoWriter(out, (W, H), 30) as writer:
        writer.write(bars_frame())
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    assert not ffmpeg_children()


def test_short_frame_count_fails_and_keeps_old_file(tmp_path: Path) -> None:
    out = tmp_path / "short.mp4"
    out.write_bytes(b"previous render")
    with (
        pytest.raises(RenderError, match="3 of 10"),
        VideoWriter(out, (W, H), 30, expected_frames=10) as writer,
    ):
        for _ in range(3):
            writer.write(bars_frame())
    assert out.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.mp4"]
    assert not ffmpeg_children()


def test_bad_frames_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="uint8"), VideoWriter(tmp_path / "x.mp4", (W, H), 30) as w:
        w.write(np.zeros((H, W, 3), np.float32))
    with pytest.raises(ValueError, match="even"):
        VideoWriter(tmp_path / "y.mp4", (W + 1, H), 30)
    assert list(tmp_path.iterdir()) == []


def test_ffmpeg_failure_is_render_error(tmp_path: Path) -> None:
    # An unknown x264 preset makes ffmpeg exit at start-up: the error carries its message.
    with (
        pytest.raises(RenderError, match="preset"),
        VideoWriter(tmp_path / "z.mp4", (W, H), 30, preset="no-such-preset") as writer,
    ):
        for _ in range(30):
            writer.write(bars_frame())
    assert list(tmp_path.iterdir()) == []
    assert not ffmpeg_children()


def test_audio_in_range_is_not_copied_and_out_of_range_is_clipped_into_a_copy() -> None:
    from clipforge.media.encode import _check_audio

    # A minute of stereo is 23 MB: samples already in range are read where they are.
    ok = sine(0.1)
    assert np.shares_memory(_check_audio(ok), ok)
    loud = sine(0.1, amp=1.5)
    before = loud.copy()
    clipped = _check_audio(loud)
    assert not np.shares_memory(clipped, loud) and np.array_equal(loud, before)
    assert float(np.abs(clipped).max()) == 1.0


def test_lookahead_thread_changes_speed_and_memory_not_the_bitstream(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(40)]
    outputs = []
    for threaded in (False, True):
        out = tmp_path / f"lookahead-{threaded}.mp4"
        with VideoWriter(out, (W, H), 30, threads=2, lookahead_thread=threaded) as writer:
            for frame in frames:
                writer.write(frame)
        outputs.append(out.read_bytes())
    assert len(outputs[0]) > 10_000
    assert outputs[0] == outputs[1]
