"""clipforge.media.audio: decoding to float samples and the pydub bridge."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydub
import pytest

from clipforge.errors import InputError
from clipforge.media import decode_audio, ffmpeg_exe, from_audiosegment, to_audiosegment

AMP = 1 / 8  # ffmpeg's sine source amplitude


def test_decode_sine_rms_and_length(sine_wav: Path) -> None:
    audio = decode_audio(sine_wav, rate=48000, channels=2)
    assert audio.dtype == np.float32 and audio.shape == (96000, 2)
    assert audio.flags.writeable
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    assert rms == pytest.approx(AMP / np.sqrt(2), rel=0.01)
    assert np.array_equal(audio[:, 0], audio[:, 1])


def test_decode_trim_and_resample(sine_wav: Path) -> None:
    audio = decode_audio(sine_wav, rate=22050, channels=1, start=0.5, duration=1.0)
    assert audio.shape == (22050, 1)


def test_decode_audio_from_video(av_clip: Path) -> None:
    audio = decode_audio(av_clip)
    assert abs(len(audio) - 96000) <= 2048


def test_no_audio_stream_is_input_error(silent_clip: Path) -> None:
    with pytest.raises(InputError, match="no audio stream") as err:
        decode_audio(silent_clip)
    assert err.value.path == str(silent_clip)


@pytest.mark.parametrize("kind", ["empty", "garbage", "text"])
def test_non_media_is_input_error(bad_files: dict[str, Path], kind: str) -> None:
    with pytest.raises(InputError):
        decode_audio(bad_files[kind])


def test_audiosegment_round_trip() -> None:
    t = np.arange(4800) / 48000
    a = (0.25 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    samples = np.stack([a, -a], axis=1)
    seg = to_audiosegment(samples, 48000)
    assert (seg.channels, seg.frame_rate, seg.sample_width, len(seg)) == (2, 48000, 2, 100)
    back = from_audiosegment(seg)
    assert back.shape == samples.shape
    assert np.abs(back - samples).max() < 1e-4
    louder = from_audiosegment(seg + 6)  # pydub gain in dB
    assert np.abs(louder).max() == pytest.approx(0.25 * 10 ** (6 / 20), rel=0.01)


def test_pydub_uses_bundled_ffmpeg() -> None:
    assert pydub.AudioSegment.converter == ffmpeg_exe()
