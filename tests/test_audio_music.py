"""The music under a clip: formats, exact start offsets, looping, fades, refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clipforge.audio.music import music_excerpt, music_track
from clipforge.errors import InputError
from tests.audio_helpers import CODECS, RATE, encode, lag_of, song, tone
from tests.gen import make_video

START = 3.217  # deliberately not on any codec frame boundary


@pytest.fixture(scope="module")
def source() -> np.ndarray:
    return song(8.0, seed=1)


@pytest.fixture(scope="module")
def songs(tmp_path_factory, source) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("songs")
    return {
        ext: encode(folder / f"song.{ext}", source, codec=codec) for ext, codec in CODECS.items()
    }


@pytest.mark.parametrize("ext", list(CODECS))
def test_every_format_starts_exactly_at_start(songs, source, ext) -> None:
    excerpt = music_excerpt(songs[ext], START, 2.0)
    assert excerpt.shape == (2 * RATE, 2) and excerpt.dtype == np.float32
    # Search 50 ms either side of where the excerpt should sit in the source.
    lo = round(START * RATE) - 2400
    found = lo + lag_of(excerpt, source[lo : lo + 2 * RATE + 4800])
    assert found == pytest.approx(round(START * RATE), abs=2), ext  # to the sample


def test_loop_wraps_to_the_song_start(tmp_path) -> None:
    short = np.clip(song(1.5, seed=4), -1, 1)  # as stored
    path = encode(tmp_path / "short.flac", short)
    looped = music_excerpt(path, 1.0, 4.0, loop=True)
    assert len(looped) == 4 * RATE
    # 0.5 s of the song's end, then the song from its beginning, again and again.
    head = round(0.5 * RATE)
    assert np.allclose(looped[:head], short[RATE:], atol=1e-3)
    for k in range(2):
        part = looped[head + k * len(short) : head + (k + 1) * len(short)]
        assert np.allclose(part, short[: len(part)], atol=1e-3)
    once = music_excerpt(path, 1.0, 4.0, loop=False)
    assert np.abs(once[head + 10 :]).max() == 0.0  # silence after the song ends


def test_fades_and_volume_are_linear_where_set(tmp_path) -> None:
    path = encode(tmp_path / "tone.wav", tone(6.0, 500.0, amp=0.5))
    excerpt, track = music_track(path, 0.0, 5.0, fade_in=1.0, fade_out=1.5, volume=-6.0)
    gain = 10 ** (-6 / 20)
    envelope = np.abs(track[:, 0]) / np.maximum(np.abs(excerpt[:, 0]), 1e-9)
    t = np.arange(len(track)) / RATE
    expected = gain * np.clip(np.minimum(t / 1.0, (5.0 - t) / 1.5), 0, 1)
    sure = np.abs(excerpt[:, 0]) > 0.1  # away from zero crossings
    assert np.abs(envelope[sure] - expected[sure]).max() < 0.01


def test_start_past_the_end_names_file_and_key(songs) -> None:
    with pytest.raises(InputError, match=r"audio\.music\.start: 9 s") as err:
        music_excerpt(songs["mp3"], 9.0, 2.0)
    assert err.value.path == str(songs["mp3"])


def test_non_audio_files_are_refused_with_file_and_key(tmp_path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not music at all\n" * 50)
    silent = make_video(tmp_path / "silent.mp4", 1.0, tone=None)
    for path in (text, silent, tmp_path / "missing.m4a"):
        with pytest.raises(InputError, match=r"audio\.music\.file") as err:
            music_excerpt(path, 0.0, 1.0)
        assert err.value.path == str(path) and str(path) in str(err.value)
