"""One frame of one clip on its own (random access), for the preview's stills.

Each function gives the very frame `frames.clip_frames` would give at that place, without the
frames before it: a still's frame is computed directly, a video is decoded from shortly before
the frame (a reversed one: the render's chunk that holds it), an image sequence or a list of
frames is indexed as the render samples it.
"""

from __future__ import annotations

import collections
import itertools
import math

import cv2
import numpy as np

from clipforge.errors import InputError
from clipforge.timeline.canvas import Canvas
from clipforge.timeline.frames import (
    decode_window,
    fitted_frame,
    fitted_image,
    open_clip_video,
    reversed_windows,
    sampled_indices,
)
from clipforge.timeline.plan import Clip
from clipforge.timeline.sources import ImageSequence, as_indexed
from clipforge.timeline.stills import still_frame

LOOKBACK_SECONDS = 0.25
"""Source seconds before a frame that its own decode starts at (at least two source frames):
the frame on the render's tick is then among those decoded, whatever the source's rate."""


def clip_frame(clip: Clip, k: int, count: int, canvas: Canvas) -> np.ndarray:
    """Frame `k` of `clip_frames(clip, count, canvas)` (RGB), made without the frames before it.

    Args:
        clip: the clip (`Plan.clips` item).
        k: which frame, 0 to `count` - 1.
        count: the clip's frames (its span on the output, maybe trimmed).
        canvas: the frames' size and rate, and how the clip fits them.

    Raises:
        InputError: the source has fewer frames than the plan expects, or is a one-pass
            iterable (a `FrameSource` of a generator), which has no frame k but in turn.
    """
    if clip.kind == "image":
        return still_frame(
            clip.source,  # type: ignore[arg-type]
            k,
            count,
            canvas,
            clip.motion,
            clip.reverse,
        )
    if clip.kind == "video":
        if clip.reverse:
            return _reversed_video_frame(clip, k, count, canvas)
        return _video_frame(clip, k, canvas)
    return _sampled_frame(clip, k, count, canvas)


def _video_frame(clip: Clip, k: int, canvas: Canvas) -> np.ndarray:
    """Frame `k` of a forward video clip, as the render's one decode of the clip gives it.

    That decode shows at output frame k the latest source frame at or before source time
    `source_start + k * speed / fps`. Seeking straight to that time would give the first frame
    at or after it instead (a frame late between source frames: slow motion, other rates, an
    `in` between frames), so the decode starts a few ticks earlier on the render's own grid
    of ticks and the frame is taken on tick k.
    """
    step = clip.speed / canvas.fps  # source seconds per output frame
    rate = clip.info.fps if clip.info is not None else 0.0
    lookback = max(LOOKBACK_SECONDS, 2.0 / rate if rate > 0 else 0.0)
    back = min(k, max(2, math.ceil(lookback / step)))
    start = clip.source_start + (k - back) * step
    # To the clip's end, as the render's decode: the same frames near the source's end.
    end = clip.source_start + clip.source_duration
    with open_clip_video(clip, canvas, start, end - start) as reader:
        # Frame `back`; a source a frame or two short ends on its last, as the render repeats it.
        last = collections.deque(itertools.islice(reader, back + 1), maxlen=1)
    if not last:
        raise InputError("decoded no frame", clip.label)
    return last[0]


def _reversed_video_frame(clip: Clip, k: int, count: int, canvas: Canvas) -> np.ndarray:
    """Frame `k` of a reversed video clip: the render's chunk that holds it, decoded alone
    (`frames.reversed_windows`): the same chunk decoded the same way gives the same frames."""
    done = 0
    for window in reversed_windows(clip, count, canvas):
        n = window[0]
        if k < done + n:
            break
        done += n
    frames = decode_window(clip, window, canvas)
    at = n - 1 - (k - done)  # a chunk plays last frame first
    missing = n - len(frames)  # before the source's start: padded at the chunk's front
    if at >= missing:
        return cv2.cvtColor(frames[at - missing], cv2.COLOR_YUV2RGB_I420)
    if frames:
        return cv2.cvtColor(frames[0], cv2.COLOR_YUV2RGB_I420)
    if done == 0:
        raise InputError("nothing to decode for the reversed segment", clip.label)
    # An empty chunk holds the picture the chunk before ended on.
    return _reversed_video_frame(clip, done - 1, count, canvas)


def _sampled_frame(clip: Clip, k: int, count: int, canvas: Canvas) -> np.ndarray:
    """Frame `k` of an image sequence or of frames from code, sampled by time as the render."""
    source, fps = clip.source, canvas.fps
    if isinstance(source, ImageSequence):
        i = sampled_indices(clip, count, fps, source.fps, len(source.paths))[k]
        return fitted_image(source.paths[i], canvas)
    indexed = as_indexed(source.frames)  # type: ignore[union-attr]
    if indexed is None:
        raise InputError(
            "frames from a one-pass iterable cannot be read at random; pass a list or array",
            clip.label,
        )
    i = sampled_indices(clip, count, fps, source.fps, len(indexed))[k]  # type: ignore[union-attr]
    return fitted_frame(indexed[i], canvas)
