"""The output's frames from a plan: each clip's frames in turn, two blended in a transition."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from clipforge.errors import RenderError
from clipforge.media.decode import Pixels
from clipforge.timeline.frames import clip_frames
from clipforge.timeline.plan import Plan
from clipforge.timeline.transitions import TRANSITIONS


def frame_spans(plan: Plan, fps: float, total: int) -> list[tuple[int, int]]:
    """[first, end) output frame of each clip, cut at `total`."""
    return [(round(c.start * fps), min(round(c.end * fps), total)) for c in plan.clips]


def blended_tail(plan: Plan, spans: list[tuple[int, int]], i: int) -> int:
    """Frames at the end of clip `i` that the next clip's transition blends over (0 at a cut)."""
    if i + 1 >= len(plan.clips) or TRANSITIONS.get(plan.clips[i + 1].transition) is None:
        return 0
    return max(0, spans[i][1] - spans[i + 1][0])


def plays_as_decoded(plan: Plan) -> bool:
    """True when every output frame is a decoder's frame as it comes: forward video clips
    joined by cuts (no stills, reversed clips or transitions, which work on RGB frames)."""
    return all(clip.kind == "video" and not clip.reverse for clip in plan.clips) and all(
        TRANSITIONS.get(clip.transition) is None for clip in plan.clips[1:]
    )


def timeline_frames(
    plan: Plan,
    total: int,
    size: tuple[int, int],
    fps: float,
    fit: str,
    background: tuple[int, int, int],
    pixels: Pixels = "rgb",
) -> Iterator[np.ndarray]:
    """Exactly `total` canvas-sized frames of the planned clip, each a fresh array.

    A clip's frames are opened at its first frame and closed after its last, so during a
    transition two sources are being read at once, and never more.

    Args:
        plan: the timeline.
        total: output frames wanted.
        size: canvas (width, height).
        fps: output frame rate.
        fit: cover, contain or stretch.
        background: padding colour for contain.
        pixels: "rgb", or "yuv709" I420 frames for plans where `plays_as_decoded` holds.

    Raises:
        InputError: a source ended early or could not be read.
        RenderError: the plan leaves a frame without any clip.
    """
    clips = plan.clips
    spans = frame_spans(plan, fps, total)
    open_: dict[int, Iterator[np.ndarray]] = {}
    upcoming = 0
    try:
        for n in range(total):
            while upcoming < len(clips) and spans[upcoming][0] <= n:
                first, end = spans[upcoming]
                if end > first:
                    open_[upcoming] = clip_frames(
                        clips[upcoming],
                        end - first,
                        size,
                        fps,
                        fit,
                        background,
                        pixels,
                        tail=blended_tail(plan, spans, upcoming),
                    )
                upcoming += 1
            for i in [i for i in open_ if spans[i][1] <= n]:
                open_.pop(i).close()  # type: ignore[attr-defined]
            active = sorted(open_)[-2:]
            if not active:
                raise RenderError(f"the timeline has no clip at {n / fps:.3f} s")
            frames = [next(open_[i]) for i in active]
            if len(active) == 1:
                yield frames[0]
                continue
            incoming = clips[active[1]]
            blend = TRANSITIONS.get(incoming.transition)
            if blend is None:
                yield frames[1]
                continue
            first = spans[active[1]][0]
            # The planned overlap, not what is left of it after a trim: a clip cut by the
            # length limit stops mid-transition instead of rushing through it.
            overlap = max(1, round(incoming.transition_seconds * fps))
            yield blend(frames[0], frames[1], (n - first + 0.5) / overlap)
    finally:
        for frames in open_.values():
            frames.close()  # type: ignore[attr-defined]
