"""The output's frames from a plan: each clip's frames in turn, two blended in a transition.

`timeline_frames` streams them all, as the render needs; `frame_at` makes any one of them on its
own (the preview's stills) by the same rules: the same spans, clips, transition and progress,
and for each clip the frame its stream would give at that place.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from clipforge.errors import RenderError
from clipforge.media.decode import Pixels
from clipforge.timeline.canvas import Canvas
from clipforge.timeline.frames import clip_frames
from clipforge.timeline.plan import Plan
from clipforge.timeline.seek import clip_frame
from clipforge.timeline.transitions import TRANSITIONS


def frame_spans(plan: Plan, fps: float, total: int) -> list[tuple[int, int]]:
    """[first, end) output frame of each clip, cut at `total`."""
    return [(round(c.start * fps), min(round(c.end * fps), total)) for c in plan.clips]


def total_frames(plan: Plan, fps: float) -> int:
    """Output frames of a plan, as `clipforge.render` counts them (at least one)."""
    return max(1, round(plan.duration * fps))


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
    canvas: Canvas,
    pixels: Pixels = "rgb",
) -> Iterator[np.ndarray]:
    """Exactly `total` canvas-sized frames of the planned clip, each a fresh array.

    A clip's frames are opened at its first frame and closed after its last, so during a
    transition two sources are being read at once, and never more.

    Args:
        plan: the timeline.
        total: output frames wanted.
        canvas: the frames' size and rate, and how the inputs fit them.
        pixels: "rgb", or "yuv709" I420 frames for plans where `plays_as_decoded` holds.

    Raises:
        InputError: a source ended early or could not be read.
        RenderError: the plan leaves a frame without any clip.
    """
    clips, fps = plan.clips, canvas.fps
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
                        canvas,
                        pixels,
                        tail=blended_tail(plan, spans, upcoming),
                    )
                upcoming += 1
            for i in [i for i in open_ if spans[i][1] <= n]:
                open_.pop(i).close()  # type: ignore[attr-defined]
            active = sorted(open_)[-2:]
            if not active:
                raise RenderError(f"the timeline has no clip at {n / fps:.3f} s")
            yield _shown(plan, spans, active, [next(open_[i]) for i in active], n, fps)
    finally:
        for frames in open_.values():
            frames.close()  # type: ignore[attr-defined]


def _shown(
    plan: Plan,
    spans: list[tuple[int, int]],
    active: list[int],
    frames: list[np.ndarray],
    n: int,
    fps: float,
) -> np.ndarray:
    """Output frame `n` from the frames of its `active` clips (one, or outgoing and incoming)."""
    if len(active) == 1:
        return frames[0]
    incoming = plan.clips[active[1]]
    blend = TRANSITIONS.get(incoming.transition)
    if blend is None:
        return frames[1]
    first = spans[active[1]][0]
    # The planned overlap, not what is left of it after a trim: a clip cut by the
    # length limit stops mid-transition instead of rushing through it.
    overlap = max(1, round(incoming.transition_seconds * fps))
    return blend(frames[0], frames[1], (n - first + 0.5) / overlap)


def frame_at(
    plan: Plan,
    n: int,
    canvas: Canvas,
    total: int | None = None,
) -> np.ndarray:
    """Output frame `n` of `timeline_frames(plan, total, ...)`, made on its own (RGB).

    Only the clips on screen at `n` are read, and each only near its frame: a still's frame is
    computed directly, a video is decoded from shortly before it (a reversed one: the chunk
    the render decodes it in), so a frame late in a long clip costs no more than an early one.

    Args:
        plan: the timeline.
        n: the output frame, 0 to `total` - 1; it shows time `n / canvas.fps`.
        canvas: the frames' size and rate, and how the inputs fit them.
        total: output frames of the clip (default: as `clipforge.render` counts them).

    Raises:
        ValueError: `n` is not a frame of the clip.
        InputError: a source ended early, could not be read, or is a one-pass iterable.
        RenderError: the plan leaves the frame without any clip.
    """
    fps = canvas.fps
    total = total_frames(plan, fps) if total is None else total
    if not 0 <= n < total:
        raise ValueError(f"frame {n} is outside the clip's {total} frames")
    spans = frame_spans(plan, fps, total)
    # The clips `timeline_frames` has open at n: the last two whose spans hold it.
    active = [i for i, (first, end) in enumerate(spans) if first <= n < end][-2:]
    if not active:
        raise RenderError(f"the timeline has no clip at {n / fps:.3f} s")
    if len(active) == 2 and TRANSITIONS.get(plan.clips[active[1]].transition) is None:
        active = active[1:]  # a cut: the outgoing clip's frame would not be shown
    frames = [
        clip_frame(plan.clips[i], n - spans[i][0], spans[i][1] - spans[i][0], canvas)
        for i in active
    ]
    return _shown(plan, spans, active, frames, n, fps)
