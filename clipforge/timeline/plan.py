"""Inputs -> clips on the output timeline: which source shows when, how fast, which way.

Planning works in whole output frames so that pictures and sound agree exactly: each input
becomes one clip of `round(source seconds / speed * fps)` frames; a transition overlaps two
consecutive clips by its length (so two 5 s inputs with a 0.5 s crossfade make 9.5 s); the
length limit is applied last. Everything here runs before any decoding starts, so a timeline
that cannot work is refused up front, by the key of the segment at fault.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from clipforge.errors import InputError, LimitError, PresetError, Problem
from clipforge.media import MediaInfo
from clipforge.spec.locations import LineMap
from clipforge.timeline.beats import cut_on_beat
from clipforge.timeline.sources import (
    FrameSource,
    ImageSequence,
    open_source,
    source_label,
)

MIN_SPEED, MAX_SPEED = 0.25, 4.0
"""The playback speeds footage and its sound support (a segment's times the timeline's)."""

Beats = Callable[[float], Sequence[float] | None]
"""Gives the music's beat times (output seconds) for a clip of the given length."""


@dataclass(frozen=True)
class Clip:
    """One input's part of the output.

    The clip shows `duration` output seconds from `start`, playing `duration * speed` source
    seconds from `source_start` (backwards from the end of that window when `reverse`). This is
    the contract the original sound follows (`clipforge.audio.original`).

    Attributes:
        source: the video or image path, the `FrameSource` or the `ImageSequence`.
        kind: "video", "image", "frames" or "sequence".
        start: seconds on the output timeline.
        duration: output seconds.
        source_start: seconds into the source where the played window begins.
        info: the file's probe (videos and images).
        speed: playback speed (segment speed times timeline speed, times the fit factor).
        reverse: play the window backwards.
        transition: how this clip comes in over the one before ("none" at a plain cut).
        transition_seconds: the planned overlap with the clip before.
        motion: Ken Burns motion of a still ("none", "zoom-in", ...).
        index: the input's position in the job.
    """

    source: Path | FrameSource | ImageSequence
    kind: str
    start: float
    duration: float
    source_start: float = 0.0
    info: MediaInfo | None = None
    speed: float = 1.0
    reverse: bool = False
    transition: str = "none"
    transition_seconds: float = 0.0
    motion: str = "none"
    index: int = 0

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def source_duration(self) -> float:
        """Seconds of the source the clip plays."""
        return self.duration * self.speed

    @property
    def has_audio(self) -> bool:
        if self.kind == "frames":
            return self.source.audio is not None  # type: ignore[union-attr]
        return self.kind == "video" and bool(self.info and self.info.has_audio)

    @property
    def label(self) -> str:
        return source_label(self.source)

    def source_time(self, t: float) -> float:
        """The source time shown at output time `t` (seconds from the output's start)."""
        into = (t - self.start) * self.speed
        if self.reverse:
            return self.source_start + self.source_duration - into
        return self.source_start + into


@dataclass
class Plan:
    """The clips in timeline order; consecutive clips overlap during transitions."""

    clips: list[Clip] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return max((c.end for c in self.clips), default=0.0)


@dataclass
class _Piece:
    """One input while planning: the source window, its speed, its length in output frames."""

    source: Path | FrameSource | ImageSequence
    kind: str
    info: MediaInfo | None
    index: int
    start: float  # source window, seconds
    length: float
    speed: float
    reverse: bool
    spare: float  # source seconds a cut may add at the clip's output end
    frames: int = 0
    overlap: int = 0  # frames shared with the piece before


def plan_timeline(
    inputs: Sequence[str | Path | FrameSource | ImageSequence],
    preset,
    *,
    fps: float | None = None,
    beats: Beats | None = None,
) -> Plan:
    """Turn the job's inputs into clips on the output timeline.

    Args:
        inputs: video files, stills, image sequences (a folder or a glob pattern), frames.
        preset: the preset (its `timeline`, `limit` and `canvas.fps`).
        fps: the output frame rate the plan snaps to (default `canvas.fps`).
        beats: for `timeline.cut_on_beat`: gives the music's beat times for a clip length.

    Returns:
        The plan, within `limit.max_seconds` (or refused).

    Raises:
        InputError: no inputs, or one is missing or unplayable.
        PresetError: a segment does not fit the inputs, named by its key.
        LimitError: too long under `limit.policy: error`, or `fit` would need over 4x.
    """
    if not inputs:
        raise InputError("no inputs given: a clip needs at least one video or image")
    fps = float(fps or preset.canvas.fps)
    timeline, limit = preset.timeline, preset.limit
    segments = _segments_by_input(preset, len(inputs))
    pieces = [
        _piece(preset, i, *open_source(source, preset.canvas.fps), segments.get(i))
        for i, source in enumerate(inputs)
    ]
    transition = timeline.transition
    seconds = transition.seconds if transition.type != "none" else 0.0
    _lay_out(pieces, fps, seconds)
    policy = _name(limit.policy)
    total = _total(pieces)
    if policy == "fit" and total > limit.max_seconds * fps + 0.5:
        _fit(pieces, fps, seconds, total / (limit.max_seconds * fps))
    if timeline.cut_on_beat and beats is not None and len(pieces) > 1:
        times = beats(_total(pieces) / fps)
        if times is not None and len(times):
            cut_on_beat(pieces, [t * fps for t in times], fps)
    starts = _starts(pieces)
    plan = Plan(
        [_clip(p, fps, at, transition.type, preset) for p, at in zip(pieces, starts, strict=True)]
    )
    # After fit, only frame rounding (or a cut moved onto a later beat) can be left over.
    return apply_limit(plan, limit.max_seconds, "trim" if policy == "fit" else policy)


def _name(value) -> str:
    return str(getattr(value, "value", value))


def refusal(preset, key_path: tuple, message: str) -> PresetError:
    """A PresetError for `key_path` of the preset, with its file and line when known."""
    key = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in key_path).lstrip(".")
    lines = preset._lines if isinstance(preset._lines, LineMap) else None
    file = str(preset.source) if preset.source is not None else None
    line = column = None
    if lines is not None:
        mark = lines.find(key_path)
        line, column, file = mark.line, mark.column, mark.file or file
    return PresetError(Problem(message, file, line, column, key))


def _segments_by_input(preset, count: int) -> dict[int, tuple[int, object]]:
    """{input index: (segment index, segment)}; refuses unknown inputs and duplicates."""
    found: dict[int, tuple[int, object]] = {}
    for k, segment in enumerate(preset.timeline.segments):
        where = ("timeline", "segments", k)
        if segment.input >= count:
            have = f"{count} input" + ("s" if count != 1 else "")
            raise refusal(
                preset, where, f"input {segment.input} does not exist (the job has {have})"
            )
        if segment.input in found:
            other = found[segment.input][0]
            raise refusal(
                preset,
                where,
                f"input {segment.input} already has a segment (timeline.segments[{other}])",
            )
        found[segment.input] = (k, segment)
    return found


def _piece(preset, index, source, kind, info, segment) -> _Piece:
    """Check one input against its segment; the source window it plays."""
    timeline = preset.timeline
    if kind == "video":
        length = info.duration
    elif kind == "image":
        length = timeline.still_seconds
    else:
        length = source.duration
    label = source_label(source)
    if not length > 0:
        raise InputError("has no playable length", label)
    start, end, speed, reverse = 0.0, length, 1.0, False
    where: tuple = ("timeline", "segments")
    if segment is not None:
        k, seg = segment
        where = ("timeline", "segments", k)
        start, speed, reverse = float(seg.in_), float(seg.speed), bool(seg.reverse)
        if seg.out is not None and seg.out <= start:
            raise refusal(preset, where, f"out ({seg.out:g}) is before in ({start:g})")
        if kind == "image":
            # A still has no length of its own: `out` sets how long it shows.
            end = float(seg.out) if seg.out is not None else length
        else:
            # Footage lengths vary from job to job: an `out` past the end plays to the end.
            end = min(float(seg.out), length) if seg.out is not None else length
        if start >= end:
            what = f"input {index} ({label}, {length:g} s)"
            raise refusal(preset, where, f"in {start:g} is beyond {what}")
    total_speed = speed * timeline.speed
    if not MIN_SPEED - 1e-9 <= total_speed <= MAX_SPEED + 1e-9:
        raise refusal(
            preset,
            (*where, "speed") if segment else ("timeline", "speed"),
            f"speed {speed:g} times timeline.speed {timeline.speed:g} plays input {index} at "
            f"{total_speed:g}x; the range is {MIN_SPEED:g}x to {MAX_SPEED:g}x",
        )
    spare = math.inf if kind == "image" else (start if reverse else length - end)
    return _Piece(source, kind, info, index, start, end - start, total_speed, reverse, spare)


def _lay_out(pieces: list[_Piece], fps: float, transition: float) -> None:
    """Frames per piece and the overlaps: a transition takes at most half of either clip."""
    for piece in pieces:
        piece.frames = round(piece.length / piece.speed * fps)
        if piece.frames < 1:
            raise LimitError(
                f"input {piece.index} ({source_label(piece.source)}) plays for less than one "
                f"frame at {fps:g} fps"
            )
    wanted = round(transition * fps)
    for before, piece in itertools.pairwise(pieces):
        piece.overlap = min(wanted, before.frames // 2, piece.frames // 2)


def _fit(pieces: list[_Piece], fps: float, transition: float, factor: float) -> None:
    """limit.policy fit: play everything `factor` times faster, transitions included."""
    for piece in pieces:
        if piece.speed * factor > MAX_SPEED + 1e-9:
            raise LimitError(
                f"limit.policy fit would play input {piece.index} ({source_label(piece.source)}) "
                f"at {piece.speed * factor:.2f}x, over the fastest {MAX_SPEED:g}x; shorten the "
                "inputs or use limit.policy trim"
            )
        piece.speed *= factor
    _lay_out(pieces, fps, transition / factor)


def _starts(pieces: list[_Piece]) -> list[int]:
    starts, at = [], 0
    for piece in pieces:
        at -= piece.overlap
        starts.append(at)
        at += piece.frames
    return starts


def _total(pieces: list[_Piece]) -> int:
    return _starts(pieces)[-1] + pieces[-1].frames


def _clip(piece: _Piece, fps: float, first: int, transition: str, preset) -> Clip:
    duration = piece.frames / fps
    played = duration * piece.speed
    # A cut trims (or extends) the clip's output end: the window's end in the source when
    # playing forward, its start when playing backwards.
    source_start = max(0.0, piece.start + piece.length - played) if piece.reverse else piece.start
    return Clip(
        piece.source,
        piece.kind,
        first / fps,
        duration,
        source_start,
        piece.info,
        speed=piece.speed,
        reverse=piece.reverse,
        transition=transition if piece.overlap else "none",
        transition_seconds=piece.overlap / fps,
        motion=_name(preset.timeline.still_motion) if piece.kind == "image" else "none",
        index=piece.index,
    )


def apply_limit(plan: Plan, max_seconds: float, policy: str) -> Plan:
    """Keep a plan within `max_seconds`.

    Args:
        plan: the planned clips.
        max_seconds: the limit.
        policy: `error` (refuse), `trim` (cut the end, mid-transition if it falls there) or
            `fit` (play everything, transitions included, evenly faster).

    Raises:
        LimitError: under `error`, when the plan is longer than the limit.
    """
    # Container durations are rounded to milliseconds; don't refuse a 15.001 s take over that.
    if plan.duration <= max_seconds + 0.01:
        return plan
    if policy == "error":
        raise LimitError(
            f"the clip would be {plan.duration:.2f} s long, over the limit of "
            f"{max_seconds:g} s (limit.max_seconds, policy: error); shorten the inputs or "
            f"set limit.policy to trim or fit"
        )
    if policy == "fit":
        k = plan.duration / max_seconds
        return Plan(
            [
                replace(
                    c,
                    start=c.start / k,
                    duration=c.duration / k,
                    speed=c.speed * k,
                    transition_seconds=c.transition_seconds / k,
                )
                for c in plan.clips
            ]
        )
    kept = [
        replace(clip, duration=min(clip.duration, max_seconds - clip.start))
        for clip in plan.clips
        if clip.start < max_seconds
    ]
    return Plan(kept)
