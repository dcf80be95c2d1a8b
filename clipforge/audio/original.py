"""The footage's own sound, following the timeline: trims, speed, reverse, crossfades.

A timeline segment plays `source_duration = duration * speed` seconds of its source from
`source_start`, reversed if asked, in `duration` seconds of output starting at `start`. Where
two segments overlap on the output (a transition), their sounds crossfade over the overlap;
at plain cuts each side gets a 5 ms fade so the waveform does not jump (a click).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from clipforge.audio.mix import RATE, fit_length, samples, stereo
from clipforge.audio.stretch import time_stretch
from clipforge.media import decode_audio

DECLICK = 0.005
"""Seconds of fade at either side of a plain cut."""


@dataclass(frozen=True)
class SoundSegment:
    """Where one input's sound plays: `duration` output seconds from `start` on the output,
    taken from `source_start` in the source at `speed`, reversed if `reverse`."""

    start: float
    duration: float
    source_start: float = 0.0
    speed: float = 1.0
    reverse: bool = False

    @property
    def source_duration(self) -> float:
        """Seconds of the source this segment uses."""
        return self.duration * self.speed


def segment_of(clip: Any) -> SoundSegment:
    """The sound segment of a timeline clip (`clipforge.timeline.Clip`).

    Reads `start`, `duration`, `source_start` and, when the clip has them, `speed` (default 1)
    and `reverse` (default False): clips from a timeline without speed changes play as is.
    """
    return SoundSegment(
        start=clip.start,
        duration=clip.duration,
        source_start=clip.source_start,
        speed=float(getattr(clip, "speed", 1.0)),
        reverse=bool(getattr(clip, "reverse", False)),
    )


def shape_segment(
    sound: np.ndarray, speed: float = 1.0, reverse: bool = False, length: int | None = None
) -> np.ndarray:
    """Turn the source excerpt of a segment into what plays on the output.

    Args:
        sound: The source from `source_start` for `source_duration` seconds, (n, 2) float32.
        speed: Playback speed (pitch kept), 0.25..4.
        reverse: Play the excerpt backwards (before the speed change: same thing, in any order).
        length: Output samples wanted (default round(n / speed)); cut or padded with silence.

    Returns:
        float32 (length, 2) samples.
    """
    out = stereo(sound)
    if reverse:
        out = out[::-1]
    out = time_stretch(out, speed) if speed != 1.0 else np.ascontiguousarray(out)
    return fit_length(out, round(len(sound) / speed) if length is None else length)


def lay_out(
    pieces: Sequence[tuple[float, float, np.ndarray | None]], n: int, rate: int = RATE
) -> np.ndarray:
    """Place sounds on an n-sample track at their start times, crossfading overlaps.

    Args:
        pieces: (start, duration) in seconds on the output and the (m, 2) samples to play
            there (cut or padded to the duration; None for silence), in timeline order. Where
            a piece runs past the next one's start, the two crossfade at equal power over the
            overlap (a silent piece counts: the other fades in or out); where they only touch,
            each gets a 5 ms fade.
        n: Length of the track in samples.
        rate: Sample rate.

    Returns:
        float32 (n, 2) track.
    """
    out = np.zeros((n, 2), np.float32)
    spans = _spans([(start, duration) for start, duration, _ in pieces], rate)
    for i, (_, _, sound) in enumerate(pieces):
        _place(out, sound, spans, i, rate)
    return out


def _spans(timing: Sequence[tuple[float, float]], rate: int) -> list[tuple[int, int]]:
    """(first sample, length) of pieces at (start, duration) seconds on the output. Ends are
    rounded from the exact end time: pieces laid end to end neither gap nor overlap."""
    return [
        (samples(start, rate), samples(start + duration, rate) - samples(start, rate))
        for start, duration in timing
    ]


def _place(
    out: np.ndarray,
    sound: np.ndarray | None,
    spans: Sequence[tuple[int, int]],
    i: int,
    rate: int,
) -> None:
    """Add piece i of `lay_out` (`sound`, cut or padded to its span) to `out`, faded in and out
    against its neighbours. Only the fades are copied: a piece is as long as a clip."""
    first, length = spans[i]
    if sound is None or length <= 0:
        return
    # Overlap with the neighbours on the output timeline, in samples (<= 0: none).
    before = spans[i - 1][0] + spans[i - 1][1] - first if i else 0
    after = first + length - spans[i + 1][0] if i + 1 < len(spans) else 0
    declick = samples(DECLICK, rate)
    rise = _ramp(min(max(before, declick), length), equal_power=before > 0)
    fall = _ramp(min(max(after, declick), length), equal_power=after > 0)[::-1]
    piece = stereo(sound)[:length]  # what lies past its end is silence: nothing to add
    if len(rise) + len(fall) > length:
        # Fades longer than the piece overlap: the whole piece faded, as one copy.
        piece = fit_length(piece, length).copy()
        piece[: len(rise)] *= rise
        piece[length - len(fall) :] *= fall
        _add(out, first, piece)
        return
    middle = piece[len(rise) : length - len(fall)]
    _add(out, first, piece[: len(rise)] * rise[: len(piece)])
    _add(out, first + len(rise), middle)
    tail = piece[length - len(fall) :]
    _add(out, first + length - len(fall), tail * fall[: len(tail)])


def _ramp(count: int, equal_power: bool) -> np.ndarray:
    """A (count, 1) float32 fade-in curve."""
    x = (np.arange(count, dtype=np.float64) + 0.5) / count
    # Equal power (sin/cos) keeps the level steady across a crossfade of unrelated sounds;
    # a raised cosine makes the short de-click fades smooth at both ends.
    ramp = np.sin(0.5 * np.pi * x) if equal_power else 0.5 - 0.5 * np.cos(np.pi * x)
    return ramp.astype(np.float32)[:, None]


def _add(out: np.ndarray, at: int, part: np.ndarray) -> None:
    """out[at : at + len(part)] += part, for what of it lies inside `out`."""
    lo, hi = max(at, 0), min(at + len(part), len(out))
    if hi > lo:
        out[lo:hi] += part[lo - at : hi - at]


def source_sound(clip: Any, segment: SoundSegment, rate: int = RATE) -> np.ndarray | None:
    """The excerpt of a clip's source a segment uses, (m, 2) float32; None when it is silent.

    Handles video files (decoded with the bundled ffmpeg), frames from code with their own
    sound (`FrameSource.audio`, resampled to `rate`) and stills (silent).
    """
    if not clip.has_audio:
        return None
    if clip.kind == "frames":
        source = clip.source
        track = resample(stereo(source.audio), source.audio_rate, rate)
        first = samples(segment.source_start, rate)
        return track[first : first + samples(segment.source_duration, rate)]
    return decode_audio(
        clip.source,
        rate=rate,
        channels=2,
        start=segment.source_start,
        duration=segment.source_duration,
        info=clip.info,
    )


def resample(track: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    """Change a (n, 2) track's sample rate with a polyphase anti-aliasing filter."""
    if rate == to:
        return track
    # Imported here: scipy.signal costs ~1 s to import and only FrameSource sound at another
    # rate needs it (files are decoded at the output rate by ffmpeg).
    from scipy.signal import resample_poly

    g = np.gcd(int(rate), int(to))
    return resample_poly(track, to // g, rate // g, axis=0).astype(np.float32)


def original_sound(clips: Sequence[Any], n: int, rate: int = RATE) -> np.ndarray | None:
    """The footage's sound for the whole output, n samples; None when no clip has sound.

    Args:
        clips: Timeline clips (`Plan.clips`) in order; see `segment_of` for what is read.
        n: Output length in samples.
        rate: Sample rate.
    """
    if not any(clip.has_audio for clip in clips):
        return None
    segments = [segment_of(clip) for clip in clips]
    spans = _spans([(segment.start, segment.duration) for segment in segments], rate)
    out = np.zeros((n, 2), np.float32)
    # One source's sound at a time: each is added and let go before the next is decoded.
    for i, (clip, segment) in enumerate(zip(clips, segments, strict=True)):
        sound = source_sound(clip, segment, rate)
        length = samples(segment.duration, rate)
        if sound is not None and (segment.speed != 1.0 or segment.reverse):
            sound = shape_segment(sound, segment.speed, segment.reverse, length)
        elif sound is not None:
            # As decoded, cut to length: _place pads it with silence, which shape_segment
            # would do in a copy.
            sound = sound[:length]
        _place(out, sound, spans, i, rate)
    return out
