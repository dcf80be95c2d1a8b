"""The frames of one clip, canvas-sized, in playing order: decoded, sampled, reversed.

Videos are decoded by ffmpeg at the clip's speed (`open_video`'s setpts). A reversed video is
decoded forwards in short chunks from its end backwards, each chunk handed out last frame first,
so memory holds one chunk of I420 frames (about `REVERSE_CHUNK_YUV_BYTES`), never the segment;
each frame becomes RGB only as it is handed out. Image sequences and frames from code are
sampled by time: frame k of the clip shows the source frame at
`source_start + k * speed / fps` (or, reversed, counted back from the window's end), which also
converts their frame rate to the canvas's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from clipforge.errors import InputError
from clipforge.frames import fit_frame
from clipforge.media import open_video, read_image
from clipforge.media.decode import Pixels, VideoReader
from clipforge.timeline.sources import FrameSource, ImageSequence, as_indexed
from clipforge.timeline.stills import still_frames
from clipforge.timeline.transitions import TRANSITIONS

if TYPE_CHECKING:
    from clipforge.timeline.canvas import Canvas
    from clipforge.timeline.plan import Clip

REVERSE_CHUNK_YUV_BYTES = 48 * 2**20
"""Decoded I420 frames (W * H * 3 / 2 bytes each) a reversed clip holds at once: 16 frames at
1080x1920, about 0.5 s at 30 fps, each chunk one ffmpeg start and seek. Kept in YUV, a chunk
takes half the memory of the same frames in RGB."""

MAX_MISSING_FRAMES = 2
"""A source may end a frame or two early (rounded container durations); more is broken."""


def clip_frames(
    clip: Clip,
    count: int,
    canvas: Canvas,
    pixels: Pixels = "rgb",
    tail: int = 0,
) -> Iterator[np.ndarray]:
    """Exactly `count` canvas-sized frames of one clip, each a fresh array the caller owns.

    Args:
        clip: the clip (`Plan.clips` item).
        count: frames wanted (the clip's span on the output, maybe trimmed).
        canvas: the frames' size and rate, and how the clip fits them.
        pixels: "rgb", or "yuv709" I420 frames (forward video clips only: see `open_video`).
        tail: the last frames, which the next clip's transition blends over. A forward video
            in RGB reads them ahead when they come (as I420, at most a reversed chunk's worth)
            and ends its decoder, so the next clip's decoder never runs beside it.

    Raises:
        InputError: the source has fewer frames than the plan expects.
    """
    if count <= 0:
        return
    if pixels != "rgb" and (clip.kind != "video" or clip.reverse):
        raise ValueError(f"{pixels} frames come only from forward video clips")
    if clip.kind == "image":
        yield from still_frames(
            clip.source,  # type: ignore[arg-type]
            count,
            canvas,
            clip.motion,
            clip.reverse,
        )
        return
    if clip.kind == "video":
        if clip.reverse:
            frames: Iterable[np.ndarray] = _reversed_video(clip, count, canvas)
        else:
            ahead = pixels == "rgb" and 0 < tail <= chunk_frames(canvas)
            frames = open_clip_video(
                clip,
                canvas,
                clip.source_start,
                clip.source_duration,
                pixels="yuv601" if ahead else pixels,
            )
            if ahead:
                yield from _tail_read_ahead(exactly(frames, count, clip.label), count - tail)
                return
        yield from exactly(frames, count, clip.label)
        return
    source, fps = clip.source, canvas.fps
    if isinstance(source, ImageSequence):
        paths = source.paths
        read = lambda i: fitted_image(paths[i], canvas)  # noqa: E731
        yield from _indexed(clip, count, fps, source.fps, len(paths), read)
        return
    assert isinstance(source, FrameSource)
    fitted = lambda f: fitted_frame(f, canvas)  # noqa: E731
    indexed = as_indexed(source.frames)
    if indexed is not None:
        pick = lambda i: fitted(indexed[i])  # noqa: E731
        yield from _indexed(clip, count, fps, source.fps, len(indexed), pick)
    else:
        yield from _streamed(clip, count, fps, source, fitted)


def fitted_image(path: Path, canvas: Canvas) -> np.ndarray:
    """An image file fitted to the canvas."""
    return read_image(path, canvas.size, canvas.fit, canvas.background)


def fitted_frame(raw: object, canvas: Canvas) -> np.ndarray:
    """A frame from code fitted to the canvas, never the caller's own array (the frame loop
    draws on its frames)."""
    frame = fit_frame(np.asarray(raw), canvas.size, canvas.fit, canvas.background)
    return frame.copy() if frame is raw else frame


def source_indices(clip: Clip, count: int, fps: float, source_fps: float) -> list[int]:
    """The source frame shown at each of the clip's `count` output frames."""
    step = clip.speed / fps
    end = clip.source_start + count * step
    times = [
        end - (k + 1) * step if clip.reverse else clip.source_start + k * step for k in range(count)
    ]
    # A hair over: a time a rounding error short of frame i still shows frame i.
    return [max(0, math.floor(t * source_fps + 1e-6)) for t in times]


def sampled_indices(
    clip: Clip, count: int, fps: float, source_fps: float, length: int
) -> list[int]:
    """`source_indices` of a source of `length` frames readable by index: a frame or two past
    its end show its last one.

    Raises:
        InputError: the timeline needs more than MAX_MISSING_FRAMES past the end.
    """
    wanted = source_indices(clip, count, fps, source_fps)
    if max(wanted) >= length + MAX_MISSING_FRAMES:
        raise InputError(f"has {length} frames; the timeline needs frame {max(wanted)}", clip.label)
    return [min(i, length - 1) for i in wanted]


def _indexed(
    clip: Clip,
    count: int,
    fps: float,
    source_fps: float,
    length: int,
    get: Callable[[int], np.ndarray],
) -> Iterator[np.ndarray]:
    """Frames of a source readable by index (image sequences, lists of arrays)."""
    last, frame = -1, None
    for i in sampled_indices(clip, count, fps, source_fps, length):
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
    wanted = source_indices(clip, count, fps, source.fps)
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


def chunk_frames(canvas: Canvas) -> int:
    """Frames of a reversed chunk (`REVERSE_CHUNK_YUV_BYTES` of I420), 4 to one second's."""
    w, h = canvas.size
    return max(4, min(math.ceil(canvas.fps), REVERSE_CHUNK_YUV_BYTES // (w * h * 3 // 2)))


def _tail_read_ahead(
    frames: Generator[np.ndarray, None, None], before: int
) -> Iterator[np.ndarray]:
    """I420 `frames` handed out as RGB; when `before` are out, the rest are read at once, which
    ends the decoder (`exactly` closes it) before the caller opens the next clip's."""
    try:
        for frame in itertools.islice(frames, before):
            yield cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_I420)
        held = list(frames)
    finally:
        frames.close()
    held.reverse()
    while held:
        yield cv2.cvtColor(held.pop(), cv2.COLOR_YUV2RGB_I420)


def reverse_chunks(count: int, chunk: int, overlap: int) -> list[int]:
    """Frames in each chunk of a reversed clip of `count` frames, in playing order.

    While the clip comes in over the one before (its first `overlap` frames), that clip's
    read-ahead tail is held, or its decoder still runs (a tail too long to read ahead), so
    chunks decoded then are half size. The odd remainder comes next and
    full chunks last: the last chunk is decoded before a transition into the next clip (of up
    to `chunk` frames) begins, never alongside that clip's decoder. Only the split of the
    overlap costs chunks (ffmpeg starts) beyond `ceil(count / chunk)`.
    """
    half = max(1, chunk // 2)
    sizes: list[int] = []
    done = 0
    while done < min(overlap, count):
        sizes.append(min(half, count - done))
        done += sizes[-1]
    rest, full = (count - done) % chunk, (count - done) // chunk
    return sizes + [rest] * (rest > 0) + [chunk] * full


def reversed_windows(clip: Clip, count: int, canvas: Canvas) -> list[tuple[int, float, float]]:
    """(frames, start, end) in source seconds of each chunk of a reversed clip, in playing
    order: chunk sizes from `reverse_chunks`, windows counted back from the clip's end."""
    chunk, fps = chunk_frames(canvas), canvas.fps
    overlap = round(clip.transition_seconds * fps) if clip.transition in TRANSITIONS else 0
    step = clip.speed / fps
    end = clip.source_start + count * step
    if clip.info is not None and clip.info.duration > 0:
        end = min(end, clip.info.duration)
    windows, done = [], 0
    for n in reverse_chunks(count, chunk, overlap):
        hi = end - done * step
        windows.append((n, max(0.0, hi - n * step), hi))  # before the source's start: fewer
        done += n
    return windows


def decode_window(
    clip: Clip,
    window: tuple[int, float, float],
    canvas: Canvas,
) -> list[np.ndarray]:
    """A reversed chunk's frames, decoded forwards: at most its count of I420 frames (BT.601
    limited range, as ffmpeg pipes them), fewer where the window starts before the source."""
    n, lo, hi = window
    if round((hi - lo) / (clip.speed / canvas.fps)) < 1:
        return []
    with open_clip_video(clip, canvas, lo, hi - lo, "yuv601") as reader:
        return list(reader)[:n]


def open_clip_video(
    clip: Clip,
    canvas: Canvas,
    start: float,
    duration: float,
    pixels: Pixels = "rgb",
) -> VideoReader:
    """A video clip's source from source second `start` for `duration`, at the clip's speed,
    fitted to the canvas: the one way the render and the preview's seek open a video, so that
    both get the same frames."""
    return open_video(
        clip.source,  # type: ignore[arg-type]
        canvas.size,
        canvas.fps,
        canvas.fit,
        canvas.background,
        start=start,
        duration=duration,
        speed=clip.speed,
        info=clip.info,
        pixels=pixels,
    )


def _reversed_video(clip: Clip, count: int, canvas: Canvas) -> Iterator[np.ndarray]:
    """The clip's window backwards: chunks decoded forwards from the end, each handed out
    last frame first. Output frame k shows source time `end - (k + 1) * speed / fps`.

    A chunk is held as I420 frames; each becomes a fresh RGB frame, the same the RGB reader
    would give, as it is handed out. Chunk sizes: see `reverse_chunks`."""
    last: np.ndarray | None = None
    for window in reversed_windows(clip, count, canvas):
        n = window[0]
        frames = decode_window(clip, window, canvas)
        pad = frames[0] if frames else last
        if pad is None:
            raise InputError("nothing to decode for the reversed segment", clip.label)
        # Missing frames are the window's earliest: played last, they hold its first picture.
        # The YUV frames are only read (each handed out as a new RGB array), so one can be
        # listed several times and kept as `last`.
        frames[:0] = [pad] * (n - len(frames))
        last = frames[0]
        while frames:
            # Last first; popping frees each YUV frame as its RGB one goes out.
            yield cv2.cvtColor(frames.pop(), cv2.COLOR_YUV2RGB_I420)


def exactly(
    frames: Iterable[np.ndarray], count: int, label: str
) -> Generator[np.ndarray, None, None]:
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
