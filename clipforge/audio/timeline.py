"""The whole clip's sound from a preset and a timeline plan: the render's one audio call.

Order: the original sound (following the timeline, at its volume) and the music (from `start`,
looped, cut, faded, at its volume, ducked under the original), then the sound effects, summed in
float; the loudness stage brings the sum to the target (`audio.loudness`, default -14 LUFS) and
keeps true peaks under -1 dBTP after AAC encoding; last 25 ms fades at the clip's two ends.

Memory: the mix runs beside the first frames of the render and its result stays for the whole
render, so it is made in the sources' own arrays. The original sound is the sum the others are
added to, the music is faded and ducked in place and let go once added, effects are kept only
where they sound, and the loudness stage works in the sum itself, a few seconds at a time. What
stays is the mix (23 MB a minute) and, for the beats, the music as mono at 24 kHz (5.8 MB).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from clipforge.audio.beats import ANALYSIS_RATE, BeatInfo, beat_signal, beat_times
from clipforge.audio.duck import duck as duck_under
from clipforge.audio.effects import _find as find_effect
from clipforge.audio.effects import effect_pieces
from clipforge.audio.loudness import normalize
from clipforge.audio.mix import RATE, db_to_gain, samples
from clipforge.audio.music import music_excerpt, shape_music
from clipforge.audio.original import original_sound
from clipforge.errors import InputError
from clipforge.media.probe import probe
from clipforge.spec import Preset
from clipforge.spec.assets import resolve_asset
from clipforge.spec.models import Duck

if TYPE_CHECKING:  # the timeline will want the music's beats (cut_on_beat): no import cycle
    from clipforge.timeline import Plan

EDGE_FADE = 0.025
"""Seconds of fade at the clip's very start and end."""


@dataclass
class AudioMix:
    """The finished sound of a clip and what the rest of the render may want from it.

    Attributes:
        samples: float32 (n, 2) in -1..1 at `rate`, as it goes to the encoder.
        rate: Sample rate, Hz.
        music: What `beats` analyses of the music as it plays under the clip before fades,
            volume and ducking (None without music): the music itself, or the much smaller
            signal `beat_signal` keeps of it (mono, at `music_rate`).
        music_rate: The sample rate of `music` (None: `rate`).
    """

    samples: np.ndarray
    rate: int = RATE
    music: np.ndarray | None = field(default=None, repr=False)
    music_rate: int | None = None

    @cached_property
    def beats(self) -> BeatInfo | None:
        """The music's tempo and beats on the output timeline, None without music.

        Computed on first use (about 0.1 s for 15 s)."""
        if self.music is None:
            return None
        if self.music_rate is None:
            return beat_times(self.music, self.rate)
        return beat_times(self.music, self.music_rate, seconds=len(self.samples) / self.rate)


def music_source(
    spec: Preset, roots: Sequence[Path], music_file: Path | None = None
) -> tuple[Path, str] | None:
    """The music file a render uses and the key that set it, or None without music.

    `music_file` (the job's own music) replaces the preset's file and keeps the preset's music
    settings; unlike a preset's asset it is not confined to the asset roots.
    """
    if music_file is not None:
        if not Path(music_file).is_file():
            raise InputError("no such music file (the job's music)", str(music_file))
        return Path(music_file), "the job's music"
    if spec.audio.music is None:
        return None
    try:
        return resolve_asset(spec.audio.music.file, spec.source_dir, roots), "audio.music.file"
    except InputError as exc:
        reason = str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
        raise InputError(f"audio.music.file: {reason}", exc.path) from None


def check_audio_sources(
    spec: Preset, roots: Sequence[Path], music_file: Path | None = None
) -> None:
    """Refuse a missing or unusable music file and missing effect files: `mix_audio`'s cheap
    checks (a probe, a lookup), so a render can run them before any video work and mix the
    sound in the background meanwhile. The errors are the ones `mix_audio` raises.

    Raises:
        InputError: The music is missing, not a media file or has no sound; an effect's
            file is not found.
    """
    source = music_source(spec, roots, music_file)
    if source is not None:
        path, file_key = source
        try:
            info = probe(path)
            if not info.has_audio:
                raise InputError("has no audio stream", str(path))
        except InputError as exc:
            reason = str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
            raise InputError(f"cannot be used as music ({file_key}): {reason}", str(path)) from None
    find = lambda ref: resolve_asset(ref, spec.source_dir, roots)  # noqa: E731
    for i, effect in enumerate(spec.audio.effects or ()):
        find_effect(find, effect.file, i)


def music_beats(
    spec: Preset,
    duration: float,
    roots: Sequence[Path],
    music_file: Path | None = None,
) -> BeatInfo | None:
    """The tempo and beats of the music as a render plays it, on the output timeline.

    The music from `audio.music.start`, looped as set, for `duration` seconds: beat times are
    seconds from the clip's start (where `cut_on_beat` cuts and `pulse: beat` pulses). Needs
    only the preset and the clip's length, so a timeline can use it before it is planned.
    None without music. A render that mixed its audio already has the same in
    `AudioMix.beats`.
    """
    source = music_source(spec, roots, music_file)
    if source is None:
        return None
    path, file_key = source
    settings = spec.audio.music
    excerpt = music_excerpt(
        path,
        settings.start if settings else 0.0,
        duration,
        settings.loop if settings else True,
        ANALYSIS_RATE,
        file_key=file_key,
    )
    return beat_times(excerpt, ANALYSIS_RATE)


def music_beat_times(
    spec: Preset,
    seconds: float,
    roots: Sequence[Path],
    music_file: Path | None = None,
) -> list[float] | None:
    """The beat times of `music_beats` alone (output seconds), None without music: what a
    timeline's `cut_on_beat` needs, for a clip `seconds` long."""
    beats = music_beats(spec, seconds, roots, music_file)
    return None if beats is None else [float(t) for t in beats.times]


def mix_audio(
    spec: Preset,
    plan: Plan,
    duration: float,
    roots: Sequence[Path],
    music_file: Path | None = None,
    rate: int = RATE,
) -> AudioMix:
    """The final stereo mix for the whole clip.

    Args:
        spec: The preset (its `audio` section).
        plan: The timeline (`clipforge.timeline.Plan`); its clips' `start`, `duration`,
            `source_start` and, when present, `speed` and `reverse` place the original sound.
        duration: The output's length in seconds (frames / fps): the mix has exactly this long.
        roots: Asset folders for the music and sound effects.
        music_file: The job's own music, replacing the preset's file.
        rate: Sample rate.

    Raises:
        InputError: A music or effect file is missing, not audio or unreadable (named with its
            key), before any video work starts.
    """
    audio = spec.audio
    n = samples(duration, rate)
    source = music_source(spec, roots, music_file)
    settings = audio.music

    def music() -> tuple[np.ndarray, np.ndarray, int] | None:
        if source is None:
            return None
        excerpt = music_excerpt(
            source[0],
            settings.start if settings else 0.0,
            duration,
            settings.loop if settings else True,
            rate,
            file_key=source[1],
        )
        # Beats need only this of the excerpt, which then becomes the track in place.
        signal, signal_rate = beat_signal(excerpt, rate)
        if signal is excerpt:
            signal = excerpt.copy()
        fade_in, fade_out = (settings.fade_in, settings.fade_out) if settings else (0.0, 0.0)
        shape_music(excerpt, fade_in, fade_out, settings.volume if settings else 0.0, rate)
        return excerpt, signal, signal_rate

    def original() -> np.ndarray | None:
        if audio.original.mute:
            return None
        footage = original_sound(plan.clips, n, rate)
        if footage is not None:
            footage *= np.float32(db_to_gain(audio.original.volume))
        return footage

    def effects() -> list[tuple[int, np.ndarray]] | None:
        find = lambda ref: resolve_asset(ref, spec.source_dir, roots)  # noqa: E731
        return effect_pieces(audio.effects, n, find, rate)

    # Each source is an ffmpeg process: decode them side by side. The music's result is taken
    # first, so a bad music file is the error reported even when something else fails too.
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [pool.submit(job) for job in (music, original, effects)]
        played, footage, fx = (job.result() for job in jobs)
        del jobs  # the futures hold their results: the tracks go as soon as they are summed
    track, signal, signal_rate = played if played is not None else (None, None, None)
    del played
    out = _sum_tracks(footage, track, fx, n, audio.duck, rate)
    del footage, track, fx
    normalize(out, audio.loudness, rate, inplace=True)
    # After the gain: faded before it, the limited body would follow a quiet start, which is
    # what makes the encoder's first frame overshoot.
    fade_edges(out, rate)
    # Limited to -2 dBTP already; this only guards the encoder's input range.
    np.clip(out, -1.0, 1.0, out=out)
    return AudioMix(out, rate, signal, signal_rate)


def _sum_tracks(
    footage: np.ndarray | None,
    track: np.ndarray | None,
    fx: list[tuple[int, np.ndarray]] | None,
    n: int,
    duck: Duck | None,
    rate: int,
) -> np.ndarray:
    """The unclipped sum of the original sound, the music ducked under it and the effects,
    in the first of the clip-long arrays (all are the mix's own): float32 (n, 2)."""
    if footage is not None and track is not None and duck is not None:
        duck_under(track, footage, duck.amount, duck.threshold, rate)
    out = footage if footage is not None else track
    if out is None:
        out = np.zeros((n, 2), np.float32)
    elif out is footage and track is not None:
        out += track
    for first, piece in fx or ():
        out[first : first + len(piece)] += piece
    return out


def fade_edges(track: np.ndarray, rate: int = RATE, seconds: float = EDGE_FADE) -> None:
    """Fade the first and last `seconds` of the clip in and out (raised cosine), in place.

    Besides avoiding a click where the sound starts, this keeps ffmpeg's AAC encoder from
    overshooting on a loud first frame (measured: up to +3.6 dB in the first 1024 samples,
    +7 dB after a quiet start when the rest is limited hard).
    """
    count = min(samples(seconds, rate), len(track) // 2)
    if count <= 0:
        return
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(count) + 0.5) / count)
    ramp = ramp.astype(np.float32)[:, None]
    track[:count] *= ramp
    track[len(track) - count :] *= ramp[::-1]
