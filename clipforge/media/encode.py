"""Encoding RGB frames (and float audio) to an H.264/AAC MP4, written atomically.

Frames are converted to BT.601 limited-range yuv420p with OpenCV in `write()` (about a
millisecond per 1080x1920 frame) and piped by a background thread; ffmpeg's colorspace filter
turns them into BT.709, which is what the file is tagged as (see colour.py for the measurements
behind this choice). The output appears at its final path only when everything succeeded.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Literal

import cv2
import numpy as np

from clipforge.errors import RenderError
from clipforge.media.decode import fps_arg
from clipforge.media.ffmpeg import FFmpegProcess, grow_pipe
from clipforge.media.parts import new_part_path, remove_stale_parts

_STOP = object()

# YUV frames (3 MB each at 1080x1920) waiting for the pipe; ffmpeg's pipe buffer and its own
# queues keep x264 fed, so one here is enough.
QUEUE_FRAMES = 1

AacCoder = Literal["twoloop", "fast"]
"""ffmpeg's AAC scale-factor search: "twoloop" (its default, the better sound) or "fast"
(a third of the CPU)."""

LateAudio = Future[np.ndarray | None] | Callable[[], np.ndarray | None]
"""Audio still being made when the writer starts (see VideoWriter's `audio`)."""

# BT.601 -> BT.709 matrix change of the piped frames, inside the encoding ffmpeg. The colorspace
# filter (matrix only: fast=1 keeps primaries and transfer as they are, as colormatrix did) is
# SIMD and slice-threaded: at 1080x1920 it costs ~1 ms of CPU per frame against ~4.5 ms for
# colormatrix, and it rounds once (within 0.5 of exact math; colormatrix is up to 1.1 off).
TO_BT709 = "colorspace=all=bt709:iall=bt601-6-525:range=tv:irange=tv:fast=1"


class VideoWriter:
    """Context manager that encodes (H, W, 3) uint8 RGB frames to an MP4 (or, with
    `pixels="yuv709"`, I420 frames already in the output's BT.709 limited range).

    The output is H.264 High profile, yuv420p, tagged BT.709 limited range, with AAC audio when
    `audio` is given (float32 samples, shape (n, 2), in -1..1; cut or padded with silence to the
    video's length). ffmpeg writes to a hidden temporary file beside `path`
    (``.<name>.part-<host>-<pid>-<random>.mp4``, see parts.py) that replaces `path` only after
    a clean finish; on an exception, a failed ffmpeg, or fewer frames than `expected_frames`,
    ffmpeg is killed and the temporary file removed, and nothing appears at `path`.

    Args:
        path: Output file (.mp4).
        size: (width, height), both even.
        fps: Frame rate.
        crf: x264 constant rate factor.
        preset: x264 preset.
        audio: Optional float32 samples, shape (n, channels); read (not copied, when already
            float32 within -1..1) while encoding, so do not modify them until `close()`. Or
            audio still being made: a `Future` or a no-argument callable giving the samples
            (or None), waited for in the audio thread, so ffmpeg starts and frames are taken
            meanwhile; if it raises, that exception is raised by the next `write()` or by
            `close()`, and nothing appears at `path`.
        audio_rate: Sample rate of `audio`.
        audio_bitrate: AAC bitrate, e.g. "128k".
        aac_coder: ffmpeg's AAC scale-factor search, "twoloop" (best) or "fast" (a third of
            the CPU).
        faststart: Put the moov box before mdat (streamable).
        strip_metadata: Write no metadata, chapters, encoder names or x264 settings SEI.
        threads: x264 threads (None: ffmpeg's default, all cores).
        lookahead_thread: x264's lookahead in a thread of its own with its frame buffer, as
            ffmpeg runs it (faster; ~30 MiB more at 1080x1920), instead of in the encoding
            threads.
        max_kbps: Peak video bitrate in kbit/s (x264 VBV maxrate; None: uncapped).
        bufsize_kbps: VBV buffer in kbit (default: `max_kbps`, one second of the cap).
        expected_frames: If given, finishing with fewer frames is an error.
        timeout: Seconds any single pipe write, and the final flush, may block.
        pixels: "rgb" frames, or "yuv709": (H * 3 / 2, W) I420 arrays in BT.709 limited range,
            piped as they are (no conversion in Python, no matrix change in ffmpeg).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        size: tuple[int, int],
        fps: float,
        *,
        crf: int = 20,
        preset: str = "veryfast",
        audio: np.ndarray | LateAudio | None = None,
        audio_rate: int = 48000,
        audio_bitrate: str = "128k",
        aac_coder: AacCoder = "twoloop",
        faststart: bool = True,
        strip_metadata: bool = True,
        threads: int | None = None,
        max_kbps: int | None = None,
        bufsize_kbps: int | None = None,
        expected_frames: int | None = None,
        timeout: float = 300.0,
        pixels: Literal["rgb", "yuv709"] = "rgb",
        lookahead_thread: bool = False,
    ) -> None:
        w, h = int(size[0]), int(size[1])
        if w <= 0 or h <= 0 or w % 2 or h % 2:
            raise ValueError(f"size must be positive and even (yuv420p), got {w}x{h}")
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path = Path(path)
        self.size = (w, h)
        self.fps = fps
        self.crf = crf
        self.preset = preset
        # Audio still being made: resolved by the audio thread (_audio_pump).
        self._audio_source = audio if isinstance(audio, Future) or callable(audio) else None
        self._audio_error: BaseException | None = None
        self.audio = None if self._audio_source is not None else _check_audio(audio)
        self.audio_rate = int(audio_rate)
        self.audio_bitrate = str(audio_bitrate)
        self.aac_coder = aac_coder
        self.faststart = faststart
        self.strip_metadata = strip_metadata
        self.threads = threads
        self.max_kbps = max_kbps
        self.bufsize_kbps = bufsize_kbps or max_kbps
        self.expected_frames = expected_frames
        self.timeout = timeout
        self.pixels = pixels
        self.lookahead_thread = lookahead_thread
        self._frames_written = 0
        self._proc: FFmpegProcess | None = None
        self._audio_pipe: IO[bytes] | None = None
        self._audio_thread: threading.Thread | None = None
        self._piped_cv = threading.Condition()
        self._frames_piped = 0  # frames fully written to ffmpeg
        self._video_done = False
        self._part: Path | None = None
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_FRAMES)
        # YUV buffers come back here once piped: a new 3 MB buffer per 1080x1920 frame would
        # cost page faults every frame (see allocator.py); at most queue + 2 ever exist.
        self._free: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._state = "new"

    @property
    def frames_written(self) -> int:
        """Frames accepted by `write()` so far."""
        return self._frames_written

    @property
    def part_path(self) -> Path | None:
        """The temporary file being written (None before open and after finish/abort)."""
        return self._part

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self) -> VideoWriter:
        """Start ffmpeg. Called by `__enter__`."""
        if self._state != "new":
            raise RuntimeError("VideoWriter can be opened once")
        self._state = "open"
        try:
            self._start()
        except BaseException:
            self._abort()
            raise
        return self

    def _start(self) -> None:
        parent = self.path.parent
        if not parent.is_dir():
            raise RenderError(f"{self.path}: output folder does not exist")
        remove_stale_parts(self.path)  # left by a run that was killed (parts.py)
        self._part = new_part_path(self.path)
        w, h = self.size
        args = ["-v", "error", "-y", "-protocol_whitelist", "pipe"]
        args += ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}"]
        args += ["-framerate", fps_arg(self.fps), "-i", "pipe:0"]
        pass_fds: tuple[int, ...] = ()
        has_audio = self.audio is not None or self._audio_source is not None
        if has_audio:
            # Audio goes through a second pipe, written in step with the frames (see _pump), so
            # the track ends exactly with the video without -shortest (which overshoots or,
            # with a small buffer, truncates).
            read_fd, write_fd = os.pipe()
            self._audio_pipe = os.fdopen(write_fd, "wb", buffering=0)
            pass_fds = (read_fd,)
            args += ["-protocol_whitelist", "pipe", "-f", "f32le", "-ar", str(self.audio_rate)]
            args += ["-ac", "2", "-i", f"pipe:{read_fd}"]
        args += ["-map", "0:v:0"]
        # OpenCV produces BT.601 limited-range YUV from RGB; make it the BT.709 the tags below
        # promise. Frame properties win over -colorspace & co. in current ffmpeg, so set them on
        # frames too.
        matrix = f"{TO_BT709}," if self.pixels == "rgb" else ""
        args += ["-vf", f"{matrix}setparams=range=tv:colorspace=bt709"
                 ":color_primaries=bt709:color_trc=bt709"]  # fmt: skip
        args += ["-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf)]
        args += ["-profile:v", "high", "-pix_fmt", "yuv420p"]
        args += ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]
        args += ["-color_range", "tv"]
        if self.threads:
            args += ["-threads", str(self.threads)]
        if self.max_kbps:
            # Capped constant quality: CRF, but never above the cap over any buffer window.
            args += ["-maxrate", f"{self.max_kbps}k", "-bufsize", f"{self.bufsize_kbps}k"]
        if not self.lookahead_thread:
            # Lookahead in the encoding threads instead of its own buffered thread: the same
            # bitstream, ~30 MiB less at 1080x1920, ~10 % more wall time on two cores.
            args += ["-x264-params", "sync-lookahead=0"]
        if has_audio:
            args += ["-map", "1:a:0", "-c:a", "aac", "-b:a", self.audio_bitrate]
            args += ["-aac_coder", self.aac_coder]
        else:
            args += ["-an"]
        if self.strip_metadata:
            args += ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact"]
            args += ["-flags:v", "+bitexact", "-flags:a", "+bitexact", "-metadata:s", "encoder="]
            # x264 writes its version and full settings into an SEI NAL unit (type 6).
            args += ["-bsf:v", "filter_units=remove_types=6"]
        if self.faststart:
            args += ["-movflags", "+faststart"]
        args += ["-f", "mp4", str(self._part)]
        try:
            self._proc = FFmpegProcess(args, stdin=True, io_timeout=self.timeout, pass_fds=pass_fds)
        finally:
            for fd in pass_fds:
                os.close(fd)  # the child holds its own copy
        self._thread = threading.Thread(target=self._pump, name="clipforge-encode", daemon=True)
        self._thread.start()
        if self._audio_pipe is not None:
            grow_pipe(self._audio_pipe.fileno())
            self._audio_thread = threading.Thread(
                target=self._audio_pump, name="clipforge-encode-audio", daemon=True
            )
            self._audio_thread.start()

    def __enter__(self) -> VideoWriter:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()

    # -- frames -------------------------------------------------------------------------------
    def write(self, frame: np.ndarray, recycle: Callable[[np.ndarray], None] | None = None) -> None:
        """Queue one frame (see `pixels`). The caller may reuse `frame` right away, unless it
        hands an I420 frame over with `recycle`: then the frame itself is piped (no copy) and
        given to `recycle` once written, and the caller must not touch it until then.

        Raises:
            ValueError: Wrong shape or dtype.
            RenderError: ffmpeg failed (with its stderr).
        """
        if self._state == "new":
            self.open()
        if self._state != "open":
            raise RuntimeError("VideoWriter is closed")
        w, h = self.size
        shape = (h, w, 3) if self.pixels == "rgb" else (h * 3 // 2, w)
        if frame.shape != shape or frame.dtype != np.uint8:
            what = "RGB" if self.pixels == "rgb" else "I420"
            raise ValueError(f"frame must be {shape} uint8 {what}, got {frame.shape} {frame.dtype}")
        self._raise_pump_error()
        if recycle is not None and self.pixels != "rgb" and frame.flags.c_contiguous:
            yuv, done = frame, recycle
        else:
            # Into a buffer of our own, so the queue never aliases `frame`.
            try:
                yuv = self._free.get_nowait()
            except queue.Empty:
                yuv = np.empty((h * 3 // 2, w), np.uint8)
            if self.pixels == "rgb":
                cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2YUV_I420, dst=yuv)
            else:
                np.copyto(yuv, frame)
            done = self._free.put
        while True:
            try:
                self._queue.put((yuv, done), timeout=0.2)
                break
            except queue.Full:
                self._raise_pump_error()
        self._frames_written += 1

    def _pump(self) -> None:
        """Background thread: write queued frames to ffmpeg's stdin."""
        assert self._proc is not None
        stdin = self._proc.stdin
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if self._error is not None:
                continue  # drain so write() never blocks on a dead pipe
            frame, done = item  # type: ignore[misc]
            try:
                with self._proc.guard():
                    stdin.write(memoryview(frame))
            except BaseException as exc:
                self._error = exc
                break
            done(frame)
            with self._piped_cv:
                self._frames_piped += 1
                self._piped_cv.notify()
        with self._piped_cv:
            self._video_done = True
            self._piped_cv.notify()
        # Keep draining after an error so write() never blocks on a full queue.
        while item is not _STOP:
            item = self._queue.get()

    def _audio_pump(self) -> None:
        """Background thread: feed audio up to the end of the frames piped so far.

        Its own thread, because ffmpeg stops reading whichever input runs ahead (x264's
        lookahead holds video back): a single writer could block on the audio pipe while ffmpeg
        waits for video. Audio never runs ahead of the frames, so ffmpeg never waits for it.
        """
        assert self._audio_pipe is not None
        if self._audio_source is not None:
            try:
                source = self._audio_source
                self.audio = _check_audio(
                    source.result() if isinstance(source, Future) else source()
                )
            except BaseException as exc:
                # Raised by the next write() or by close(): the render fails, nothing appears.
                self._audio_error = exc
                self._error = self._error or exc
                self._close_audio_pipe()
                return
        audio = self.audio if self.audio is not None else np.zeros((0, 2), np.float32)
        pcm = memoryview(audio.reshape(-1)).cast("B")
        have = len(audio)
        sent = 0  # samples (per channel) written
        covered = 0  # frames whose audio is written
        while True:
            with self._piped_cv:
                while self._frames_piped == covered and not self._video_done:
                    self._piped_cv.wait()
                frames, done = self._frames_piped, self._video_done
            upto = round(frames * self.audio_rate / self.fps)
            try:
                if sent < min(upto, have):
                    self._audio_pipe.write(pcm[sent * 8 : min(upto, have) * 8])
                if upto > max(sent, have):
                    self._audio_pipe.write(bytes((upto - max(sent, have)) * 8))  # silence
            except BaseException as exc:
                self._error = self._error or exc
                break
            sent, covered = upto, frames
            if done and covered == self._frames_piped:
                break
        self._close_audio_pipe()

    def _close_audio_pipe(self) -> None:
        if self._audio_pipe is not None:
            with contextlib.suppress(OSError):  # ffmpeg died; its exit status tells why
                self._audio_pipe.close()
            self._audio_pipe = None

    def _raise_pump_error(self) -> None:
        if self._audio_error is not None:
            raise self._audio_error
        if self._error is not None:
            raise self._ffmpeg_error("ffmpeg stopped accepting frames")

    def _ffmpeg_error(self, what: str) -> RenderError:
        assert self._proc is not None
        if self._proc.timed_out:
            what = f"ffmpeg stalled for {self.timeout:g} s"
        self._proc.proc.poll()
        stderr = self._proc.stderr_text() or "no error output"
        return RenderError(f"{self.path}: {what}: {stderr}")

    # -- ending -------------------------------------------------------------------------------
    def close(self) -> None:
        """Finish the file and move it to `path`. On any failure nothing is left behind.

        Raises:
            RenderError: No frames, fewer than `expected_frames`, or ffmpeg failed.
        """
        if self._state in ("done", "aborted"):
            return
        if self._state == "new":
            self._state = "aborted"
            raise RenderError(f"{self.path}: no frames were written")
        try:
            self._finish()
        except BaseException:
            self._abort()
            raise
        self._state = "done"

    def _finish(self) -> None:
        assert self._proc is not None and self._thread is not None and self._part is not None
        if self._frames_written == 0:
            raise RenderError(f"{self.path}: no frames were written")
        if self.expected_frames is not None and self._frames_written < self.expected_frames:
            raise RenderError(
                f"{self.path}: only {self._frames_written} of {self.expected_frames} frames"
                " were written"
            )
        self._queue.put(_STOP)
        self._thread.join()
        self._raise_pump_error()
        self._proc.stdin.close()  # end of video
        if self._audio_thread is not None:
            self._audio_thread.join(self.timeout)
            if self._audio_thread.is_alive():
                raise RenderError(f"{self.path}: ffmpeg stopped reading audio")
            self._raise_pump_error()
        rc = self._proc.wait(self.timeout)
        if rc != 0:
            raise self._ffmpeg_error(f"ffmpeg failed (exit {rc})")
        if not self._part.exists() or self._part.stat().st_size == 0:
            raise RenderError(f"{self.path}: ffmpeg wrote no output")
        os.replace(self._part, self.path)
        self._part = None
        self._cleanup()

    def _abort(self) -> None:
        """Kill ffmpeg, stop the pump, remove the temporary file and folder."""
        self._state = "aborted"
        if self._proc is not None:
            self._proc.kill()  # the pump's blocked write fails with EPIPE and it drains
        if self._thread is not None and self._thread.is_alive():
            _put_nowait_drop_oldest(self._queue, _STOP)
            self._thread.join(timeout=10)
        if self._audio_thread is not None:
            with self._piped_cv:
                self._video_done = True
                self._piped_cv.notify()
            self._audio_thread.join(timeout=10)
        if self._proc is not None:
            self._proc.close()
        if self._part is not None:
            with contextlib.suppress(OSError):
                self._part.unlink(missing_ok=True)
            self._part = None
        self._cleanup()

    def _cleanup(self) -> None:
        self._close_audio_pipe()
        if self._proc is not None:
            self._proc.close()

    def __del__(self) -> None:
        # Dropped without close(): never leave a half-written file or a running ffmpeg.
        if getattr(self, "_state", "done") == "open":
            self._abort()


def _put_nowait_drop_oldest(q: queue.Queue[object], item: object) -> None:
    while True:
        try:
            q.put_nowait(item)
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                q.get_nowait()


def _check_audio(audio: np.ndarray | None) -> np.ndarray | None:
    if audio is None:
        return None
    arr = np.asarray(audio, dtype=np.float32)
    if arr.ndim == 1:
        arr = np.stack([arr, arr], axis=1)  # mono -> both channels
    if arr.ndim != 2 or arr.shape[1] not in (1, 2):
        raise ValueError(f"audio must have shape (n, 2), got {np.shape(audio)}")
    if arr.shape[1] == 1:
        arr = np.repeat(arr, 2, axis=1)
    if len(arr) == 0:
        return None
    arr = np.ascontiguousarray(arr, dtype="<f4")
    # Clip into a copy only when needed: a minute of stereo is 23 MB, and the caller's samples
    # (only read while encoding) usually are within -1..1 already.
    if float(arr.min(initial=0.0)) < -1.0 or float(arr.max(initial=0.0)) > 1.0:
        arr = np.clip(arr, -1.0, 1.0)
    return arr


def encode_frames(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    size: tuple[int, int],
    fps: float,
    **kwargs: object,
) -> int:
    """Encode an iterable of RGB frames to `path`; returns the number of frames written.

    Keyword arguments are those of `VideoWriter`.
    """
    with VideoWriter(path, size, fps, **kwargs) as writer:  # type: ignore[arg-type]
        for frame in frames:
            writer.write(frame)
    return writer.frames_written
