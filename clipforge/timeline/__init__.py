"""Inputs -> clips on the output timeline -> frames.

- `sources`: what an input is (video, still, image sequence, frames from code).
- `plan`: segments, speed, transitions, the length limit: the `Plan` of `Clip`s.
- `beats`: `cut_on_beat`, moving cuts onto the music's beats.
- `canvas`: the size, rate and fit every frame is made for.
- `frames`, `stills`, `transitions`, `compose`: the frames of a clip and of the whole plan;
  `seek` and `compose.frame_at`: any one of them on its own, for the preview.
"""

from clipforge.timeline.canvas import Canvas
from clipforge.timeline.compose import (
    frame_at,
    plays_as_decoded,
    timeline_frames,
    total_frames,
)
from clipforge.timeline.frames import clip_frames
from clipforge.timeline.plan import (
    MAX_SPEED,
    MIN_SPEED,
    Clip,
    Plan,
    apply_limit,
    plan_timeline,
)
from clipforge.timeline.seek import clip_frame
from clipforge.timeline.sources import (
    IMAGE_SUFFIXES,
    FrameSource,
    ImageSequence,
    classify,
    image_sequence,
)
from clipforge.timeline.transitions import TRANSITIONS

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_SPEED",
    "MIN_SPEED",
    "TRANSITIONS",
    "Canvas",
    "Clip",
    "FrameSource",
    "ImageSequence",
    "Plan",
    "apply_limit",
    "classify",
    "clip_frame",
    "clip_frames",
    "frame_at",
    "image_sequence",
    "plan_timeline",
    "plays_as_decoded",
    "timeline_frames",
    "total_frames",
]
