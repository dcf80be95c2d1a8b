"""Inputs -> clips on the output timeline: which source shows when, and for how long.

This first slice plays the inputs one after another: a video for its whole length, a still
image for `timeline.still_seconds`, frames from the API for their own length. The length limit
is enforced here, before any decoding starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clipforge.errors import InputError, LimitError
from clipforge.media import MediaInfo, probe

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


@dataclass
class FrameSource:
    """Frames made in code (numpy arrays (H, W, 3) uint8 RGB) used as an input.

    Args:
        frames: the frames, in order; any size (they are fitted to the canvas).
        fps: their frame rate.
        duration: how long they last in seconds (needed up front for the timeline).
        audio: optional float32 (n, 2) sound at `audio_rate`, -1..1.
    """

    frames: Iterable[np.ndarray]
    fps: float
    duration: float
    audio: np.ndarray | None = None
    audio_rate: int = 48000
    name: str = "<frames>"


@dataclass(frozen=True)
class Clip:
    """One input's part of the output: `duration` seconds from `source_start` in the source."""

    source: Path | FrameSource
    kind: str  # "video", "image" or "frames"
    start: float  # on the output timeline
    duration: float
    source_start: float = 0.0
    info: MediaInfo | None = None

    @property
    def has_audio(self) -> bool:
        if self.kind == "frames":
            return self.source.audio is not None  # type: ignore[union-attr]
        return bool(self.info and self.info.has_audio)

    @property
    def label(self) -> str:
        return self.source.name if isinstance(self.source, FrameSource) else str(self.source)


@dataclass
class Plan:
    clips: list[Clip] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return sum(c.duration for c in self.clips)


def classify(source: str | Path | FrameSource) -> tuple[str, MediaInfo | None]:
    if isinstance(source, FrameSource):
        return "frames", None
    path = Path(source)
    if not path.is_file():
        raise InputError("no such file", str(path))
    info = probe(path)
    if info.is_image or (path.suffix.lower() in IMAGE_SUFFIXES and not info.has_video):
        return "image", info
    if not info.has_video:
        raise InputError("has no video stream (an input must be a video or an image)", str(path))
    return "video", info


def plan_timeline(inputs: Sequence[str | Path | FrameSource], preset) -> Plan:
    """Lay the inputs end to end, then apply the preset's length limit."""
    if not inputs:
        raise InputError("no inputs given: a clip needs at least one video or image")
    plan = Plan()
    t = 0.0
    for source in inputs:
        kind, info = classify(source)
        if kind == "video":
            assert info is not None
            duration = info.duration
        elif kind == "image":
            duration = preset.timeline.still_seconds
        else:
            duration = source.duration  # type: ignore[union-attr]
        if duration <= 0:
            raise InputError("has no playable length", str(source))
        path = source if isinstance(source, FrameSource) else Path(source)
        plan.clips.append(Clip(path, kind, t, duration, info=info))
        t += duration
    return apply_limit(plan, preset.limit.max_seconds, str(_name(preset.limit.policy)))


def _name(value) -> str:
    return str(getattr(value, "value", value))


def apply_limit(plan: Plan, max_seconds: float, policy: str) -> Plan:
    """Refuse (`error`) or cut the end (`trim`) of a plan longer than `max_seconds`."""
    # Container durations are rounded to milliseconds; don't refuse a 15.001 s take over that.
    if plan.duration <= max_seconds + 0.01:
        return plan
    if policy == "error":
        raise LimitError(
            f"the clip would be {plan.duration:.2f} s long, over the limit of "
            f"{max_seconds:g} s (limit.max_seconds, policy: error); shorten the inputs or "
            f"set limit.policy to trim"
        )
    kept: list[Clip] = []
    for clip in plan.clips:
        room = max_seconds - clip.start
        if room <= 0:
            break
        kept.append(
            Clip(
                clip.source,
                clip.kind,
                clip.start,
                min(clip.duration, room),
                clip.source_start,
                clip.info,
            )
        )
    return Plan(kept)
