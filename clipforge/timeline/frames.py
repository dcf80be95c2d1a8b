"""The frames of one clip, canvas-sized, in playing order: decoded, sampled, reversed.

Videos are decoded by ffmpeg at the clip's speed (`open_video`'s setpts). A reversed video is
decoded forwards in short chunks from its end backwards, each chunk handed out last frame first,
so memory holds one chunk (about `REVERSE_CHUNK_BYTES`), never the segment. Image sequences and
frames from code are sampled by time: frame k of the clip shows the source frame at
`source_start + k * speed / fps` (or, reversed, counted back from the window's end), which also
converts their frame rate to the canvas's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from clipforge.errors import InputError
from clipforge.frames import fit_frame
from clipforge.media import open_video, read_image
from clipforge.media.decode import Pixels
from clipforge.timeline.sources import FrameSource, ImageSequence, as_indexed
from clipforge.timeline.stills import still_frames

if TYPE_CHECKING:
    from clipforge.timeline.plan import Clip

REVERSE_CHUNK_BYTES = 96 * 2**20
"""Decoded frames a reversed clip holds at once (15 frames at 1080x1920, 0.5 s at 30 fps)."""

MAX_MISSING_FRAMES = 2
"""A source may end a frame or two early (rounded container durations); more is broken."""


def clip_frames(
    clip: Clip,
    count: int,
    size: tuple[int, int],
    fps: float,
    fit: str,
    background: tuple[int, int, int],
    pixels: Pixels = "rgb",
) -> Iterator[np.ndarray]:
    """Exactly `count` canvas-sized frames of one clip, each a fresh array the caller owns.

    Args:
        clip: the clip (`Plan.clips` item).
        count: frames wanted (the clip's span on the output, maybe trimmed).
        size: canvas (width, height).
        fps: output frame rate.
        fit: cover, contain or stretch.
        background: padding colour for contain.
        pixels: "rgb", or "yuv709" I420 frames (forward video clips only: see `open_video`).

    Raises:
        InputError: the source has fewer frames than the plan expects.
    """
    if count <= 0:
        return
    if pixels != "rgb" and (clip.kind != "video" or clip.reverse):
        raise ValueError(f"{pixels} frames come only from forward video clips")
    if clip.kind == "image":
        yield from still_frames(
            clip.source, count, size, fit, background, clip.motion, clip.reverse
        )  # type: ignore[arg-type]
        return
    if clip.kind == "video":
        if clip.reverse:
            frames: Iterable[np.ndarray] = _reversed_video(clip, count, size, fps, fit, background)
        else:
            frames = open_video(
                clip.source,  # type: ignore[arg-type]
                size,
                fps,
                fit,  # type: ignore[arg-type]
                background,
                start=clip.source_start,
                duration=clip.source_duration,
                speed=clip.speed,
                info=clip.info,
                pixels=pixels,
            )
        yield from exactly(frames, count, clip.label)
        return
    source = clip.source
    if isinstance(source, ImageSequence):
        paths = source.paths
        read = lambda i: read_image(paths[i], size, fit, background)  # noqa: E731
        yield from _indexed(clip, count, fps, source.fps, len(paths), read)
        return
    assert isinstance(source, FrameSource)
    fitted = lambda f: _own(fit_frame(np.asarray(f), size, fit, background), f)  # noqa: E731
    indexed = as_indexed(source.frames)
    if indexed is not None:
        pick = lambda i: fitted(indexed[i])  # noqa: E731
        yield from _indexed(clip, count, fps, source.fps, len(indexed), pick)
    else:
        yield from _streamed(clip, count, fps, source, fitted)


def _own(frame: np.ndarray, original: object) -> np.ndarray:
    """The frame loop draws on its frames: never hand it the caller's own array."""
    return frame.copy() if frame is original else frame


def _source_indices(clip: Clip, count: int, fps: float, source_fps: float) -> list[int]:
    """The source frame shown at each of the clip's `count` output frames."""
    step = clip.speed / fps
    end = clip.source_start + count * step
    times = [
        end - (k + 1) * step if clip.reverse else clip.source_start + k * step for k in range(count)
    ]
    # A hair over: a time a rounding error short of frame i still shows frame i.
    return [max(0, math.floor(t * source_fps + 1e-6)) for t in times]


def _indexed(
    clip: Clip,
    count: int,
    fps: float,
    source_fps: float,
    length: int,
    get: Callable[[int], np.ndarray],
) -> Iterator[np.ndarray]:
    """Frames of a source readable by index (image sequences, lists of arrays)."""
    wanted = _source_indices(clip, count, fps, source_fps)
    if max(wanted) >= length + MAX_MISSING_FRAMES:
        raise InputError(f"has {length} frames; the timeline needs frame {max(wanted)}", clip.label)
    last, frame = -1, None
    for i in wanted:
        i = min(i, length - 1)
        if i != last or frame is None:
            frame, last = get(i), i
            yield frame
        else:
            yield frame.copy()


def _streamed(
    clip: Clip,
    count: int,
    fps: float,
    source: FrameSource,
    fitted: Callable[[np.ndarray], np.ndarray],
) -> Iterator[np.ndarray]:
    """Frames of a one-pass iterable; a reversed window of it is held (fitted) in memory."""
    wanted = _source_indices(clip, count, fps, source.fps)
    lo, hi = min(wanted), max(wanted)
    held: dict[int, np.ndarray] = {}
    it = iter(source.frames)
    current = -1
    if clip.reverse:
        for current, raw in enumerate(it):
            if current >= lo:
                held[current] = fitted(raw)
            if current >= hi:
                break
        _check_enough(current, hi, clip.label)
        for i in wanted:
            yield held[min(i, current)].copy()
        return
    frame = None
    for i in wanted:
        while current < i:
            raw = next(it, None)
            if raw is None:
                break
            current += 1
            if current == i:
                frame = fitted(raw)
        if frame is None or i - current > MAX_MISSING_FRAMES:
            _check_enough(current, i, clip.label)
        yield frame.copy()  # type: ignore[union-attr]


def _check_enough(have: int, need: int, label: str) -> None:
    if need - have > MAX_MISSING_FRAMES or have < 0:
        raise InputError(f"ran out of frames: got {have + 1}, the timeline needs {need + 1}", label)


def _reversed_video(
    clip: Clip,
    count: int,
    size: tuple[int, int],
    fps: float,
    fit: str,
    background: tuple[int, int, int],
) -> Iterator[np.ndarray]:
    """The clip's window backwards: chunks decoded forwards from the end, each handed out
    last frame first. Output frame k shows source time `end - (k + 1) * speed / fps`."""
    w, h = size
    chunk = max(4, min(math.ceil(fps), REVERSE_CHUNK_BYTES // (w * h * 3)))
    step = clip.speed / fps
    end = clip.source_start + count * step
    if clip.info is not None and clip.info.duration > 0:
        end = min(end, clip.info.duration)
    done = 0
    last: np.ndarray | None = None
    while done < count:
        n = min(chunk, count - done)
        hi = end - done * step
        lo = max(0.0, hi - n * step)  # before the source's start: fewer frames, padded below
        frames: list[np.ndarray] = []
        if round((hi - lo) / step) >= 1:
            with open_video(
                clip.source,  # type: ignore[arg-type]
                size,
                fps,
                fit,  # type: ignore[arg-type]
                background,
                start=lo,
                duration=hi - lo,
                speed=clip.speed,
                info=clip.info,
            ) as reader:
                frames = list(reader)
        del frames[n:]
        pad = frames[0] if frames else last
        if pad is None:
            raise InputError("nothing to decode for the reversed segment", clip.label)
        # Missing frames are the window's earliest: played last, they hold its first picture.
        frames[:0] = [pad.copy() for _ in range(n - len(frames))]
        last = frames[0].copy()  # the caller may draw on the one it gets
        done += n
        while frames:
            yield frames.pop()  # last first; popping frees each frame as it goes


def exactly(frames: Iterable[np.ndarray], count: int, label: str) -> Iterator[np.ndarray]:
    """The first `count` frames; a frame or two missing at the end repeats the last one.

    Raises:
        InputError: more than MAX_MISSING_FRAMES are missing.
    """
    produced = 0
    last = None
    try:
        for frame in frames:
            if produced == count:
                break
            last = frame
            produced += 1
            yield frame
    finally:
        close = getattr(frames, "close", None)
        if close:
            close()  # ends the ffmpeg process, even when the caller stops early
    missing = count - produced
    if missing > MAX_MISSING_FRAMES or last is None:
        raise InputError(
            f"decoded only {produced} of the {count} frames expected; the file may be "
            "truncated or corrupt",
            label,
        )
    for _ in range(missing):
        yield last.copy()
