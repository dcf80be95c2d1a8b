"""Decoding footage and stills straight to the canvas: ffmpeg does all geometry.

ffmpeg autorotates (its default), applies speed, the canvas frame rate, the fit (scale + crop,
scale + pad, scale over a blurred copy, or plain scale) and hands over BT.601 limited-range
yuv420p, which OpenCV turns into RGB in about a millisecond per 1080x1920 frame (see colour.py
for why this pipe and matrix).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from fractions import Fraction
from typing import Literal

import cv2
import numpy as np

from clipforge.errors import InputError, RenderError
from clipforge.media import blurfit
from clipforge.media.colour import source_matrix, source_range, sws_name, to_matrix_filters
from clipforge.media.ffmpeg import FFmpegProcess, input_file
from clipforge.media.images import MAX_STILL_PIXELS, open_image
from clipforge.media.pool import current_pool
from clipforge.media.probe import MediaInfo, probe
from clipforge.media.safety import input_options, input_url

Fit = Literal["cover", "contain", "contain-blur", "stretch"]
Pixels = Literal["rgb", "yuv601", "yuv709"]
"""What a reader yields: (H, W, 3) RGB; or I420 planes in one (H * 3 / 2, W) array, BT.601
limited range as piped for OpenCV (half the bytes of RGB: `cv2.COLOR_YUV2RGB_I420` makes RGB of
it), or BT.709 limited range, the encoder's own format (frames kept in YUV need no matrix change
in any process)."""
Size = tuple[int, int]
RGB = tuple[int, int, int]

_END = object()  # end-of-stream marker in the prefetch queue

# A source frame counts as shown from its timestamp on, give or take this many seconds: files
# with millisecond timestamps (WebM, MKV) store 30 fps as 0, 33, 67 ms, and frame 2 would
# otherwise miss its tick at 66.7 ms by a rounding error and show one frame late.
TIMESTAMP_SLACK = 0.002

# Decoding threads. A render in YUV reads its frames at the loop's pace, and one thread decodes
# 1080x1920 H.264 several times faster than that; frame threading costs ~25 % more CPU (taken
# from x264 on two cores) and holds more frames. RGB readers also serve bursts (a reversed
# chunk decoded from its keyframe, a transition's tail read ahead), where two threads pay.
STREAM_DECODE_THREADS = 1
BURST_DECODE_THREADS = 2

# Decoded frames ffmpeg's muxer may hold for the pipe (its output `-thread_queue_size`).
MUX_QUEUE_PACKETS = 2

# Draft decoding (see `draft_decoding`), set by the render for the frames of a draft.
_DRAFT: ContextVar[bool] = ContextVar("clipforge_draft_decoding", default=False)


@contextmanager
def draft_decoding() -> Iterator[None]:
    """Videos opened within decode for a draft: the H.264/HEVC deblocking filter is skipped
    (`-skip_loop_filter all`, a third less decoding work at 1080x1920) and the scaler is
    fast bilinear instead of bicubic. Softer, slightly blocky pictures, at half size hardly seen."""
    token = _DRAFT.set(True)
    try:
        yield
    finally:
        _DRAFT.reset(token)


# Frames the prefetch thread converts ahead of the frame loop (each a 6 MB RGB array at
# 1080x1920); one is enough to overlap the pipe read and conversion with the loop's work.
PREFETCH_FRAMES = 1


def fps_arg(fps: float) -> str:
    """A frame rate as ffmpeg's exact rational (29.97 -> 30000/1001)."""
    frac = Fraction(fps).limit_denominator(1001)
    return f"{frac.numerator}/{frac.denominator}"


def _check_canvas(size: Size, fps: float) -> tuple[int, int]:
    w, h = int(size[0]), int(size[1])
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise ValueError(f"canvas size must be positive and even (yuv420p), got {w}x{h}")
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    return w, h


def fit_geometry(src: Size, canvas: Size, fit: Fit) -> tuple[Size, tuple[int, int]]:
    """Scaled size and the (x, y) offset of the canvas in it (cover) or of it in the canvas.

    cover: scale so both sides cover the canvas, then crop the centre (offset into the scaled
    picture). contain: scale to fit inside, then pad (offset of the picture on the canvas).
    contain-blur: as contain (the sharp picture; the blurred background is always the canvas).
    stretch: the canvas size, offset (0, 0).
    """
    (sw, sh), (cw, ch) = src, canvas
    if fit == "stretch":
        return (cw, ch), (0, 0)
    if fit == "cover":
        k = max(cw / sw, ch / sh)
        w, h = max(cw, round(sw * k)), max(ch, round(sh * k))
        # Even offsets: yuv420p crops snap to the chroma grid anyway.
        return (w, h), ((w - cw) // 4 * 2, (h - ch) // 4 * 2)
    if fit in ("contain", "contain-blur"):
        k = min(cw / sw, ch / sh)
        w, h = min(cw, max(2, round(sw * k))), min(ch, max(2, round(sh * k)))
        w, h = w - w % 2, h - h % 2  # even, so the yuv420p padding offsets stay exact
        return (w, h), ((cw - w) // 2 // 2 * 2, (ch - h) // 2 // 2 * 2)
    raise ValueError(f"fit must be cover, contain, contain-blur or stretch, got {fit!r}")


def _hex(colour: RGB) -> str:
    r, g, b = (max(0, min(255, int(c))) for c in colour)
    return f"0x{r:02X}{g:02X}{b:02X}"


def build_video_filter(
    info: MediaInfo,
    size: Size,
    fps: float,
    fit: Fit,
    background: RGB,
    speed: float,
    draft: bool = False,
    matrix_out: str = "bt601",
) -> str:
    """The -vf chain: speed, constant frame rate, geometry, then yuv420p in `matrix_out`'s
    matrix (BT.601 for OpenCV's conversion to RGB).

    Constant frame rate from any source, variable frame rate included: the frame shown at
    canvas time t is the source frame with the latest timestamp <= t (within
    `TIMESTAMP_SLACK`), and the first canvas frame is at source time 0 of the (trimmed) input,
    so a late first frame is held from 0 instead of pulling the whole clip early.
    """
    cw, ch = size
    matrix = sws_name(source_matrix(info))
    rng = source_range(info)
    # Microsecond time base first: the shift below and the speed division are exact in it, even
    # for sources with coarse time bases (1/30) where setpts would truncate to whole frames.
    pts = "PTS" if speed == 1.0 else f"PTS/{speed!r}"
    chain = ["settb=AVTB", f"setpts={pts}-{TIMESTAMP_SLACK}/TB"]
    # fps before scaling: dropped frames are never scaled. round=up puts a frame on the first
    # tick at or after its timestamp (sample and hold); ffmpeg's default, round=near, would
    # show a frame up to half a canvas frame before it was captured.
    chain.append(f"fps={fps_arg(fps)}:start_time=0:round=up")
    src = (info.width, info.height)
    (sw, sh), (x, y) = fit_geometry(src, size, fit)
    # Same matrix in and out: swscale only resizes and maps the range to tv; the matrix change
    # happens in colormatrix (more accurate than swscale's yuv->yuv path, see colour.py).
    scale_opts = f"in_color_matrix={matrix}:out_color_matrix={matrix}:in_range={rng}:out_range=tv"
    if draft:
        scale_opts += ":flags=fast_bilinear"
    if fit == "contain-blur":
        background = fit_geometry(src, blurfit.small_size(size), "cover")
        chain.append(blurfit.ffmpeg_graph(scale_opts, size, background, ((sw, sh), (x, y))))
    else:
        chain.append(f"scale={sw}:{sh}:{scale_opts}")
    # The scale tags frames with the matrix, so pad draws the background with the right one.
    chain.append(f"setparams=colorspace={_setparams_csp(matrix)}:range=tv")
    if fit == "cover" and (sw, sh) != size:
        chain.append(f"crop={cw}:{ch}:{x}:{y}")
    elif fit == "contain" and (sw, sh) != size:
        chain.append(f"pad={cw}:{ch}:{x}:{y}:color={_hex(background)}")
    chain += to_matrix_filters(info, matrix_out)
    chain.append("setsar=1")
    return ",".join(chain)


def _setparams_csp(matrix: str) -> str:
    return {"bt601": "smpte170m", "bt2020": "bt2020nc"}.get(matrix, matrix)


def expected_frames(
    info: MediaInfo, fps: float, start: float, duration: float | None, speed: float
) -> int:
    """How many canvas frames the trimmed, sped-up clip spans (constant frame rate)."""
    avail = max(0.0, info.duration - start)
    span = avail if duration is None else min(duration, avail)
    return max(0, round(span / speed * fps))


class VideoReader:
    """Frames of one input, fitted to the canvas: an iterator and a context manager.

    Each yielded frame is a fresh array the caller may keep or modify: (H, W, 3) uint8 RGB, or
    with `pixels` "yuv601" / "yuv709" the I420 planes as one (H * 3 / 2, W) array. A
    background thread reads and converts the next frames (at most `prefetch` ahead), so pipe
    reading and colour conversion overlap with the caller's own per-frame work.

    Exactly `frame_count` frames are produced: when ffmpeg delivers a few frames fewer than the
    container's duration promised (rounding at the end, at most two), the last frame is
    repeated; `padded_frames` counts those. A larger shortfall raises InputError.
    """

    def __init__(
        self,
        path: str,
        info: MediaInfo,
        size: Size,
        fps: float,
        fit: Fit,
        background: RGB,
        start: float,
        duration: float | None,
        speed: float,
        prefetch: int = PREFETCH_FRAMES,
        io_timeout: float = 120.0,
        pixels: Pixels = "rgb",
    ) -> None:
        self.path = path
        self.info = info
        self.size = _check_canvas(size, fps)
        self.fps = fps
        self.frame_count = expected_frames(info, fps, start, duration, speed)
        self.padded_frames = 0
        self.frames_read = 0
        self.pixels = pixels
        # YUV frames may come from the render's pool of buffers (pool.py); RGB ones are new.
        self._pool = current_pool() if pixels != "rgb" else None
        w, h = self.size
        self._frame_bytes = w * h * 3 // 2
        # Files only, and the demuxer probe checked (safety.py).
        args = ["-v", "error", *input_options(info.format)]
        if start > 0:
            args += ["-ss", f"{start:.6f}"]  # input option: fast and (since ffmpeg 2.1) accurate
        if duration is not None:
            args += ["-t", f"{duration:.6f}"]
        draft = _DRAFT.get()
        if draft:
            args += ["-skip_loop_filter", "all"]  # see draft_decoding
        threads = STREAM_DECODE_THREADS if pixels == "yuv709" else BURST_DECODE_THREADS
        args += ["-threads", str(threads), "-i", input_url(path)]
        args += ["-map", "0:v:0", "-an", "-sn", "-dn"]
        matrix = "bt709" if pixels == "yuv709" else "bt601"
        vf = build_video_filter(info, self.size, fps, fit, background, speed, draft, matrix)
        args += ["-vf", vf]
        args += ["-frames:v", str(self.frame_count), "-f", "rawvideo", "-pix_fmt", "yuv420p"]
        # ffmpeg's muxer thread queues up to 8 packets by default: 8 whole 3 MB frames waiting
        # for the pipe while our loop is the slower side. Two keep the pipe fed and save ~20 MiB.
        args += ["-thread_queue_size", str(MUX_QUEUE_PACKETS), "pipe:1"]
        self._proc = FFmpegProcess(args, stdout=True, io_timeout=io_timeout)
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, prefetch))
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._last: np.ndarray | None = None
        self._ended = False
        self._closed = False
        self._thread = threading.Thread(target=self._produce, name="clipforge-decode", daemon=True)
        self._thread.start()

    # -- background producer ------------------------------------------------------------------
    def _produce(self) -> None:
        w, h = self.size
        shape = (h * 3 // 2, w)
        rgb = self.pixels == "rgb"
        # RGB: one YUV buffer, converted into a new RGB frame each time.
        yuv = np.empty(shape, np.uint8)
        view = memoryview(yuv).cast("B")
        try:
            for _ in range(self.frame_count):
                if self._stop.is_set():
                    return
                if not rgb:  # YUV frames are read straight into the array handed over
                    yuv = self._pool.take(shape) if self._pool else np.empty(shape, np.uint8)
                    view = memoryview(yuv).cast("B")
                if self._proc.read_exact(view) < self._frame_bytes:
                    break
                # OpenCV's I420 conversion is BT.601 limited range, which ffmpeg delivered.
                frame = cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420) if rgb else yuv
                if not self._put(frame):
                    return
        except BaseException as exc:  # handed to the consumer thread
            self._error = exc
        self._put(_END)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    # -- consumer side ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[np.ndarray]:
        return self

    def __next__(self) -> np.ndarray:
        if self.frames_read >= self.frame_count or self._closed:
            self.close()
            raise StopIteration
        if not self._ended:
            item = self._queue.get()
            if item is not _END:
                frame: np.ndarray = item  # type: ignore[assignment]
                self.frames_read += 1
                self._last = frame
                return frame
            self._ended = True
            self._check_short_end()
        # The header promised slightly more than the stream holds: repeat the last frame.
        assert self._last is not None
        self.padded_frames += 1
        self.frames_read += 1
        return self._last.copy()

    def _check_short_end(self) -> None:
        """ffmpeg stopped before frame_count: raise unless it is a small rounding shortfall."""
        stderr = self._proc.stderr_text()
        timed_out = self._proc.timed_out
        rc = self._proc.wait(10.0)
        error = self._error
        missing = self.frame_count - self.frames_read
        # Rounded container durations explain a frame or two, no more: a larger shortfall is
        # a truncated file, and repeating its last frame would hide that.
        tolerance = 2
        if (
            error is None
            and not timed_out
            and rc == 0
            and self._last is not None
            and (missing <= tolerance)
        ):
            return
        self.close()
        if timed_out:
            raise RenderError(f"{self.path}: ffmpeg stalled while decoding: {stderr}")
        if error is not None and not isinstance(error, OSError):
            raise error
        what = f"decoded {self.frames_read} of {self.frame_count} frames"
        raise InputError(f"{what} (ffmpeg: {stderr or 'no error given'})", self.path)

    def close(self) -> None:
        """Stop the producer, kill and reap ffmpeg. Idempotent; called at exhaustion too."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._proc.kill()  # EOF unblocks the producer's read
        self._thread.join(timeout=10)
        self._proc.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.frame_count

    def __del__(self) -> None:
        if getattr(self, "_thread", None) is not None:
            self.close()


def open_video(
    path: str | os.PathLike[str],
    size: Size,
    fps: float,
    fit: Fit = "cover",
    background: RGB = (0, 0, 0),
    start: float = 0.0,
    duration: float | None = None,
    speed: float = 1.0,
    *,
    info: MediaInfo | None = None,
    prefetch: int = PREFETCH_FRAMES,
    pixels: Pixels = "rgb",
) -> VideoReader:
    """Start decoding `path` to canvas-sized RGB frames.

    Args:
        path: A video file.
        size: Canvas (width, height), both even.
        fps: Canvas frame rate; output is constant frame rate (frames duplicated or dropped).
        fit: "cover" (scale and crop the centre), "contain" (scale and pad with `background`),
            "contain-blur" (scale over a blurred, dimmed cover-fitted copy) or "stretch".
        background: RGB padding colour for "contain".
        start: Seconds into the source where the clip starts (accurate seek).
        duration: Seconds of source to use (None: to the end).
        speed: Playback speed (2.0 = twice as fast); `duration` counts source seconds.
        info: A MediaInfo from `probe(path)`, to skip probing again.
        prefetch: Frames decoded ahead in the background.
        pixels: "rgb", or I420 in BT.601 ("yuv601") or BT.709 ("yuv709"): see `Pixels`.

    Returns:
        A VideoReader (iterate it; close it or use it as a context manager).

    Raises:
        InputError: The file is missing, not media, has no video stream or is a still image.
        ValueError: Bad canvas size, fps, speed or fit.
    """
    p = input_file(path)
    if not speed > 0:
        raise ValueError(f"speed must be positive, got {speed}")
    if start < 0 or (duration is not None and duration <= 0):
        raise ValueError(f"bad trim start={start} duration={duration}")
    info = info or probe(p)
    if not info.has_video:
        raise InputError("has no video stream", p)
    if info.is_image:
        raise InputError("is a still image; use read_image()", p)
    if start >= info.duration > 0:
        raise InputError(f"start {start:g} s is past the end ({info.duration:g} s)", p)
    if expected_frames(info, fps, start, duration, speed) < 1:
        raise InputError(f"the trimmed clip is shorter than one frame at {fps:g} fps", p)
    return VideoReader(
        p, info, size, fps, fit, background, start, duration, speed, prefetch, pixels=pixels
    )


def read_image(
    path: str | os.PathLike[str], size: Size, fit: Fit = "cover", background: RGB = (0, 0, 0)
) -> np.ndarray:
    """Load a still image fitted to the canvas as (H, W, 3) uint8 RGB.

    EXIF orientation is honoured; transparency is flattened onto `background`.

    Args:
        path: The image file.
        size: Canvas (width, height).
        fit: "cover", "contain", "contain-blur" or "stretch" (as for `open_video`).
        background: RGB padding colour for "contain" (and under transparency).

    Returns:
        The fitted image.

    Raises:
        InputError: Missing or unreadable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    p = input_file(path)
    cw, ch = int(size[0]), int(size[1])
    if cw <= 0 or ch <= 0:
        raise ValueError(f"bad canvas size {size}")
    bg = tuple(max(0, min(255, int(c))) for c in background)
    try:
        with open_image(p, MAX_STILL_PIXELS) as im:
            im.load()
            img = ImageOps.exif_transpose(im) or im
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                rgba = img.convert("RGBA")
                flat = Image.new("RGB", rgba.size, bg)
                flat.paste(rgba, mask=rgba.getchannel("A"))
                img = flat
            else:
                img = img.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"not a readable image ({exc})", p) from None
    (sw, sh), (x, y) = fit_geometry(img.size, (cw, ch), fit)
    resample = Image.Resampling.LANCZOS
    if fit == "stretch":
        out = img.resize((cw, ch), resample)
    elif fit == "cover":
        out = img.resize((sw, sh), resample).crop((x, y, x + cw, y + ch))
    elif fit == "contain-blur":
        # The same look as videos get from ffmpeg, made with OpenCV (see blurfit).
        canvas = blurfit.blurred_background(np.asarray(img), (cw, ch))
        canvas[y : y + sh, x : x + sw] = np.asarray(img.resize((sw, sh), resample))
        return canvas
    else:
        out = Image.new("RGB", (cw, ch), bg)
        out.paste(img.resize((sw, sh), resample), (x, y))
    return np.asarray(out, dtype=np.uint8).copy()
