"""The mix's memory: every stage works in pieces or in place and keeps what it did before, to
the bit (against the whole-track formulas they replaced, kept below), and what a finished mix
holds on to is the mix and a small signal for the beats."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from scipy.signal import resample_poly

from clipforge.audio import duck as duck_module
from clipforge.audio.beats import ANALYSIS_RATE, beat_signal, beat_times
from clipforge.audio.duck import (
    ATTACK,
    CONTROL_RATE,
    HOLD,
    RELEASE,
    _centred_mean,
    _trailing_max,
    _trailing_mean,
    duck,
    duck_gain,
    level_db,
)
from clipforge.audio.effects import effect_pieces
from clipforge.audio.loudness import normalize
from clipforge.audio.mix import fit_length, samples, stereo
from clipforge.audio.music import music_excerpt, music_track
from clipforge.audio.original import DECLICK, lay_out
from clipforge.audio.timeline import AudioMix, mix_audio
from clipforge.media import decode_audio
from clipforge.spec import preset_from_dict
from clipforge.spec.assets import shipped_assets_dir
from clipforge.spec.models import SoundEffect
from clipforge.timeline import Plan
from tests.audio_helpers import RATE, drums, song, tone

ASSETS = shipped_assets_dir()

# -- the whole-track reference ------------------------------------------------------------------


def reference_level_db(sound: np.ndarray, rate: int, step: int, window: float = 0.05):
    power = np.mean(np.square(sound, dtype=np.float64), axis=1)
    blocks = -(-len(power) // step)
    power = np.pad(power, (0, blocks * step - len(power))).reshape(blocks, step).mean(axis=1)
    mean = _centred_mean(power, max(1, round(window * rate / step)))
    return 10.0 * np.log10(np.maximum(mean, 1e-12))


def reference_duck_gain(original: np.ndarray, amount: float, threshold: float, rate: int):
    step = max(1, rate // CONTROL_RATE)
    loud = (reference_level_db(original, rate, step) > threshold).astype(np.float64)
    loud = _trailing_max(loud, round(HOLD * CONTROL_RATE))
    down = _trailing_mean(loud[::-1], round(ATTACK * CONTROL_RATE))[::-1]
    up = _trailing_mean(loud, round(RELEASE * CONTROL_RATE))
    fraction = np.maximum(down, up)
    fraction = fraction * fraction * (3.0 - 2.0 * fraction)
    centres = (np.arange(len(fraction)) + 0.5) * step
    gain_db = np.interp(np.arange(len(original)), centres, amount * fraction / 20.0)
    return np.power(10.0, gain_db).astype(np.float32)


def reference_lay_out(pieces, n: int, rate: int = RATE) -> np.ndarray:
    out = np.zeros((n, 2), np.float32)
    spans = [
        (samples(start, rate), samples(start + duration, rate) - samples(start, rate))
        for start, duration, _ in pieces
    ]
    declick = samples(DECLICK, rate)
    for i, (_, _, sound) in enumerate(pieces):
        first, length = spans[i]
        if sound is None or length <= 0:
            continue
        piece = fit_length(stereo(sound), length).copy()
        before = spans[i - 1][0] + spans[i - 1][1] - first if i else 0
        after = first + length - spans[i + 1][0] if i + 1 < len(pieces) else 0
        reference_fade(piece, max(before, declick), rising=True, equal_power=before > 0)
        reference_fade(piece, max(after, declick), rising=False, equal_power=after > 0)
        lo, hi = max(first, 0), min(first + length, n)
        if hi > lo:
            out[lo:hi] += piece[lo - first : hi - first]
    return out


def reference_fade(piece: np.ndarray, count: int, rising: bool, equal_power: bool) -> None:
    count = min(count, len(piece))
    if count <= 0:
        return
    x = (np.arange(count, dtype=np.float64) + 0.5) / count
    ramp = np.sin(0.5 * np.pi * x) if equal_power else 0.5 - 0.5 * np.cos(np.pi * x)
    ramp = ramp.astype(np.float32)[:, None]
    if rising:
        piece[:count] *= ramp
    else:
        piece[-count:] *= ramp[::-1]


# -- ducking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 47, 48, 49, 1000, 3 * 1000 + 17])
def test_duck_gain_in_pieces_is_the_whole_tracks(monkeypatch, n: int) -> None:
    monkeypatch.setattr(duck_module, "_PIECE", 1000)  # pieces of 1000 samples, 20 blocks
    rng = np.random.default_rng(n)
    talk = (rng.standard_normal((n, 2)) * 0.1).astype(np.float32)
    talk[n // 3 : n // 2] *= 20
    for step in (1, 48):
        assert np.array_equal(level_db(talk, step=step), reference_level_db(talk, RATE, step))
    want = reference_duck_gain(talk, -9.0, -30.0, RATE)
    assert np.array_equal(duck_gain(talk, -9.0, -30.0), want)
    music = (rng.standard_normal((n, 2)) * 0.3).astype(np.float32)
    ducked = music.copy()
    duck(ducked, talk, -9.0, -30.0)
    assert np.array_equal(ducked, music * want[:, None])


def test_duck_in_real_pieces_over_several_of_them() -> None:
    seconds = 9.0  # over three pieces of 2.7 s
    talk = song(seconds, seed=3) * 0.5
    talk[samples(2.0) : samples(2.8)] *= 0.01  # a pause across the first boundary
    music = song(seconds, seed=4) * 0.3
    want = music * reference_duck_gain(talk, -12.0, -35.0, RATE)[:, None]
    duck(music, talk, -12.0, -35.0)
    assert np.array_equal(music, want)


# -- the original sound -------------------------------------------------------------------------


def test_lay_out_copies_only_the_fades_and_keeps_the_sum() -> None:
    a, b, c = tone(1.0, 400.0, 0.5), tone(0.6, 900.0, 0.5), tone(0.004, 300.0, 0.5)
    rng = np.random.default_rng(1)
    noise = (rng.standard_normal((samples(0.5), 2)) * 0.2).astype(np.float32)
    layouts = [
        [(0.0, 1.0, a), (0.7, 1.0, b), (1.7, 1.0, a)],  # crossfade, a sound short of its span
        [(-0.2, 0.5, a), (0.3, 0.003, c), (0.303, 0.2, None), (0.4, 2.0, noise)],  # past ends
        [(0.0, 0.004, c), (0.002, 0.004, c), (0.004, 0.3, noise[:, :1])],  # fades > pieces
        [(0.0, 2.6, a)],
    ]
    for pieces in layouts:
        n = samples(2.5)
        assert np.array_equal(lay_out(pieces, n), reference_lay_out(pieces, n)), pieces


# -- effects and music --------------------------------------------------------------------------


def test_effect_pieces_are_the_track_without_its_silence() -> None:
    effects = [
        SoundEffect(file="sfx/pop.wav", at=1.0),
        SoundEffect(file="sfx/ding.wav", at=1.05, volume=-6.0),  # over the pop
        SoundEffect(file="sfx/pop.wav", at=4.0, volume=3.0),
        SoundEffect(file="sfx/ding.wav", at=5.9),  # cut at the end
        SoundEffect(file="sfx/pop.wav", at=9.0),  # after it: left out
    ]
    n = samples(6.0)
    find = lambda ref: ASSETS / ref  # noqa: E731
    want = np.zeros((n, 2), np.float32)
    for effect in effects[:4]:
        sound = decode_audio(ASSETS / effect.file, RATE, 2)
        first = samples(effect.at)
        sound = sound[: n - first] * np.float32(10 ** (effect.volume / 20))
        want[first : first + len(sound)] += sound
    pieces = effect_pieces(effects, n, find)
    assert pieces is not None and len(pieces) == 3
    assert sum(len(piece) for _, piece in pieces) < n / 2
    track = np.zeros((n, 2), np.float32)
    for first, piece in pieces:
        track[first : first + len(piece)] += piece
    assert np.array_equal(track, want)
    assert effect_pieces([], n, find) is None


def test_looped_music_is_laid_into_one_array() -> None:
    path = ASSETS / "music" / "pop-120.m4a"  # a 32 s loop
    excerpt = music_excerpt(path, 20.0, 50.0)  # 12 s of it, then all of it, then 6 s
    song_ = decode_audio(path, RATE, 2)
    head = decode_audio(path, RATE, 2, start=20.0)
    want = np.concatenate([head, song_, song_])[: samples(50.0)]
    assert excerpt.base is None and np.array_equal(excerpt, want)


# -- beats from the small signal ----------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 1000, 1001, (1 << 17) + 3])
def test_beat_signal_is_what_the_onset_envelope_resamples(n: int) -> None:
    rng = np.random.default_rng(n)
    sound = (rng.standard_normal((n, 2)) * 0.3).astype(np.float32)
    signal, rate = beat_signal(sound, RATE)
    # scipy's resample_poly in float64, rounded to float32 as onset_envelope rounds it; the
    # same filter summed in another order, so a sample may round the other way (none did).
    want = resample_poly(sound.astype(np.float64).mean(axis=1), 1, 2).astype(np.float32)
    assert rate == ANALYSIS_RATE and signal.dtype == np.float32 and len(signal) == len(want)
    assert np.count_nonzero(signal != want) <= len(want) // 10000
    assert np.allclose(signal, want, rtol=0, atol=1e-7)
    mono, rate = beat_signal(sound[:, 0], ANALYSIS_RATE)  # nothing to resample
    assert rate == ANALYSIS_RATE and np.array_equal(mono, sound[:, 0])
    half = sound[: n // 2 + 1] * 0.7
    mean, _ = beat_signal(half, ANALYSIS_RATE)
    assert np.array_equal(mean, half.astype(np.float64).mean(axis=1).astype(np.float32))
    odd, rate = beat_signal(sound, 44100)  # not a multiple of the analysis rate: as it is
    assert odd is sound and rate == 44100


@pytest.mark.parametrize("bpm", [97, 123, 151])
def test_beats_of_the_small_signal_are_those_of_the_music(bpm: int) -> None:
    music, _ = drums(bpm, 12.0 + 1 / RATE, seed=bpm)  # an odd number of samples
    signal, rate = beat_signal(music, RATE)
    want = beat_times(music, RATE)
    got = beat_times(signal, rate, seconds=len(music) / RATE)
    assert got.tempo == want.tempo and np.array_equal(got.times, want.times)
    mixed = AudioMix(np.zeros_like(music), RATE, signal, rate)
    assert mixed.beats is not None and np.array_equal(mixed.beats.times, want.times)
    whole = AudioMix(np.zeros_like(music), RATE, music).beats  # the music itself, as before
    assert whole is not None and np.array_equal(whole.times, want.times)


# -- what a mix holds ---------------------------------------------------------------------------


def test_a_mix_keeps_only_the_sound_and_a_small_signal_for_beats() -> None:
    preset = preset_from_dict(
        {"clipforge": 1, "audio": {"music": {"file": "music/pop-120.m4a", "start": 3.0}}}
    )
    mixed = mix_audio(preset, Plan([]), 8.0, [])
    assert mixed.samples.shape == (samples(8.0), 2)
    assert mixed.music is not None and mixed.music_rate == ANALYSIS_RATE
    assert mixed.music.shape == (samples(8.0) // 2,) and mixed.music.dtype == np.float32
    excerpt, _ = music_track(ASSETS / "music" / "pop-120.m4a", 3.0, 8.0)
    want = beat_times(excerpt, RATE)
    assert mixed.beats is not None and np.array_equal(mixed.beats.times, want.times)


def peak_traced(function, *args, **kwargs) -> tuple[object, int]:
    """function(*args) and the most memory (bytes) it had allocated at once, per tracemalloc.

    The ffmpeg processes start without their die-with-parent hook meanwhile: that hook is
    Python code run in the forked child, and with tracemalloc on, a child forked while another
    thread held tracemalloc's lock hangs before it can exec (seen in CI: the mix starts its
    decoders from three threads).
    """
    gc.collect()
    with mock.patch("clipforge.media.ffmpeg.die_with_parent", lambda: None):
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            result = function(*args, **kwargs)
            return result, tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()


@pytest.mark.parametrize("target", [-14.0, -9.0])
def test_normalize_in_place_needs_one_envelope_and_a_few_pieces(target: float) -> None:
    mix = song(20.0, seed=2) * 0.4
    out, peak = peak_traced(normalize, mix, target, inplace=True)
    assert out is mix
    # Beyond the mix itself: the float32 envelope (4 bytes a sample) and pieces of a few
    # seconds (the whole-clip code took ~5x the mix: float64 curves, copies of the mix).
    assert peak < len(mix) * 4 + 16 * 2**20, peak / 2**20


def test_mix_peak_grows_by_the_sound_decoded_not_by_its_working_arrays(tmp_path: Path) -> None:
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "audio": {
                "music": {"file": "music/chill-90.m4a", "fade_in": 0.5},
                "duck": {"amount": -9, "threshold": -30},
                "effects": [{"file": "sfx/pop.wav", "at": 1.0}],
                "loudness": -10,
            },
        }
    )
    peaks = {}
    for seconds in (10.0, 40.0):
        mixed, peaks[seconds] = peak_traced(mix_audio, preset, Plan([]), seconds, [])
        assert isinstance(mixed, AudioMix)
        del mixed
    per_second = (peaks[40.0] - peaks[10.0]) / 30.0
    # A second of stereo float32 at 48 kHz is 384 kB: decoding the music (the bytes from
    # ffmpeg and two copies in decode_audio) takes up to 3 of those at once; everything after
    # it (the track in place, the envelope, pieces) stays under that (measured 2.1; the
    # whole-clip code took 9.5: float64 curves, copies of the tracks and of the mix).
    assert per_second < 3.5 * RATE * 8, per_second / (RATE * 8)
