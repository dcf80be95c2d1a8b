"""Recording takes from a camera with OpenCV, within the platform's length limit.

`record_takes` opens a camera (an index such as 0, or a device path such as /dev/video0) with
`cv2.VideoCapture`, counts down before each take, and writes each take with clipforge's own
`VideoWriter` (atomic: a take appears only once complete). The takes share one time budget, the
smaller of `seconds` and the preset's `limit.max_seconds`: the take that reaches it is cut, and
takes left after it are not recorded. `capture_clip` records takes and renders them as one clip.

A video file may stand in for the camera (`device="test.mp4"`): each take then plays the file
from its start, in its own time (no waiting for the wall clock), which is how this is tested
without a camera. OpenCV captures no sound: takes are silent.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from clipforge.errors import InputError
from clipforge.media import VideoWriter

if TYPE_CHECKING:
    from clipforge.render import RenderResult
    from clipforge.spec import Preset

Device = int | str | os.PathLike[str]
Report = Callable[[str], None]

#: Frame rate used when the camera does not report a plausible one.
DEFAULT_FPS = 30.0
_MAX_FPS = 240.0


def parse_device(value: str | int) -> int | str:
    """A command-line device: digits are a camera index, anything else a path."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def take_paths(output: str | os.PathLike[str], takes: int) -> list[Path]:
    """Where K takes are written.

    Args:
        output: The output name. With `{n}` in it, the take number (from 1) goes there;
            otherwise one take is written to `output` itself and several to `<stem>-<n><suffix>`
            (take.mp4 -> take-1.mp4, take-2.mp4, ...).
        takes: How many takes.

    Returns:
        One path per take.
    """
    path = Path(output)
    if "{n}" in path.name:
        return [path.with_name(path.name.replace("{n}", str(n))) for n in range(1, takes + 1)]
    if takes == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{n}{path.suffix}") for n in range(1, takes + 1)]


class _Camera:
    """An opened capture device: frames as (seconds since the take started, RGB frame).

    A camera stays open across takes; between them its buffered frames are read and dropped so
    a take never starts with stale frames. A file standing in for a camera is reopened for each
    take and timed by its own timestamps.
    """

    def __init__(self, device: Device) -> None:
        device = parse_device(os.fspath(device) if isinstance(device, os.PathLike) else device)
        self.label = f"camera {device}" if isinstance(device, int) else str(device)
        if isinstance(device, str) and not os.path.exists(device):
            # Also keeps URLs out: OpenCV's FFmpeg backend would open them.
            raise InputError("cannot open capture device: no such camera or file", self.label)
        self.device = device
        self.is_file = isinstance(device, str) and stat.S_ISREG(os.stat(device).st_mode)
        self._cap = self._open()
        self.fps = self._fps()

    def _open(self) -> cv2.VideoCapture:
        with _quiet_opencv():
            if self.is_file:
                cap = cv2.VideoCapture(str(self.device), cv2.CAP_FFMPEG)
            else:
                cap = cv2.VideoCapture(self.device)
        if not cap.isOpened():
            cap.release()
            raise InputError(
                "cannot open capture device (is it connected, and not used by another program?)",
                self.label,
            )
        return cap

    def _fps(self) -> float:
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        # Some cameras report 0, NaN or absurd rates: use the common default then.
        return round(fps, 3) if 1.0 <= fps <= _MAX_FPS else DEFAULT_FPS

    def wait(self, seconds: float, sleep: Callable[[float], None]) -> None:
        """Let `seconds` pass; a live camera keeps its buffer drained meanwhile."""
        if self.is_file:
            sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self._cap.grab():
                sleep(min(0.01, max(0.0, deadline - time.monotonic())))

    def start_take(self) -> None:
        """Prepare a take: a file plays again from its start."""
        if self.is_file:
            self._cap.release()
            self._cap = self._open()

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """(time in seconds from the take's first frame, RGB frame) until the device ends."""
        start: float | None = None
        while True:
            ok, frame = self._cap.read()
            if not ok or frame is None:
                return
            if self.is_file:
                now = float(self._cap.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
            else:
                now = time.monotonic()
            start = now if start is None else start
            if frame.ndim == 2:
                frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
            # OpenCV delivers BGR; clipforge frames are RGB (converted here, at the edge).
            yield now - start, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._cap.release()


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own warnings while opening (we raise a clearer error)."""
    logging = getattr(cv2, "utils", None) and getattr(cv2.utils, "logging", None)
    if logging is None:
        yield
        return
    level = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        logging.setLogLevel(level)


def constant_rate(
    timed: Iterator[tuple[float, np.ndarray]],
    fps: float,
    max_frames: int,
    stop: threading.Event | None = None,
) -> Iterator[np.ndarray]:
    """Resample timed frames to `fps` (each tick shows the frame nearest before it).

    Cameras deliver frames when they can (fewer in low light), so the take is laid on a
    constant-rate grid by time: late frames are repeated, surplus frames dropped, and the
    take's length follows the clock, not the frame count.

    Args:
        timed: (seconds from the start, frame) in time order.
        fps: Output frame rate.
        max_frames: Stop after this many frames.
        stop: When set, the take ends after the frame being held.

    Returns:
        An iterator of at most `max_frames` frames.
    """
    produced = 0
    held: np.ndarray | None = None
    half = 0.5 / fps  # a frame counts for the tick nearest to it (camera times jitter)
    for t, frame in timed:
        while held is not None and produced < max_frames and produced / fps < t - half:
            yield held
            produced += 1
        if produced >= max_frames:
            return
        held = frame
        if stop is not None and stop.is_set():
            break
    if held is not None and produced < max_frames:
        yield held


def _even(frame: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """Crop to even sides (yuv420p); resize to the take's `size` if the camera changed it."""
    h, w = frame.shape[:2]
    frame = frame[: h - h % 2, : w - w % 2]
    if size is not None and (w - w % 2, h - h % 2) != size:
        return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(frame)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def record_takes(
    device: Device,
    seconds: float = 15.0,
    takes: int = 1,
    *,
    output: str | os.PathLike[str] = "take.mp4",
    countdown: int = 3,
    max_seconds: float | None = None,
    take_seconds: float | None = None,
    stop: threading.Event | None = None,
    report: Report | None = None,
    sleep: Callable[[float], None] = time.sleep,
    crf: int = 18,
    x264_preset: str = "veryfast",
) -> list[Path]:
    """Record up to `takes` takes from a camera, together no longer than the time budget.

    Args:
        device: A camera index (0 is the first camera), a device path, or a video file that
            stands in for a camera.
        seconds: The time budget of all takes together.
        takes: How many takes to record.
        output: Where takes go (see `take_paths`: take.mp4, or take-1.mp4, take-2.mp4, ...).
        countdown: Seconds counted down (printed) before each take.
        max_seconds: The platform limit (a preset's `limit.max_seconds`); caps `seconds`.
        take_seconds: The longest a single take may be (default: the rest of the budget).
        stop: Set it to end the current take early (the command line sets it on Enter); it is
            cleared before each take.
        report: Receives the countdown and progress lines (default: printed to stderr).
        sleep: The countdown's sleep (a file device only; tests pass a fake).
        crf: x264 quality of the takes (they are masters for a later render).
        x264_preset: x264 speed preset; it must keep up with the camera.

    Returns:
        The takes written, in order (fewer than `takes` when the budget ran out).

    Raises:
        InputError: The device cannot be opened or gives no frames.
        ValueError: Non-positive seconds, takes or take_seconds, or a negative countdown.
        RenderError: The encoder failed.
    """
    if not seconds > 0 or takes < 1 or countdown < 0:
        raise ValueError(f"need seconds > 0, takes >= 1, countdown >= 0: {seconds}, {takes}")
    if take_seconds is not None and not take_seconds > 0:
        raise ValueError(f"take_seconds must be positive, got {take_seconds}")
    say = report or _stderr
    budget = seconds if max_seconds is None else min(seconds, max_seconds)
    paths = take_paths(output, takes)
    camera = _Camera(device)
    try:
        fps = camera.fps
        # Whole frames only, rounded down: the sum of the takes never exceeds the budget.
        left = int(budget * fps + 1e-6)
        written: list[Path] = []
        for number, path in enumerate(paths, start=1):
            if left <= 0:
                say(f"time limit of {budget:g} s reached: {takes - len(written)} take(s) skipped")
                break
            limit = left if take_seconds is None else min(left, int(take_seconds * fps + 1e-6))
            name = f"take {number}/{takes}"
            for remaining in range(countdown, 0, -1):
                say(f"{name}: {remaining}...")
                camera.wait(1.0, sleep)
            say(f"{name}: recording (up to {limit / fps:.1f} s of {left / fps:.1f} s left)")
            if stop is not None:
                stop.clear()
            camera.start_take()
            count = _record(camera, path, fps, limit, stop, crf, x264_preset)
            left -= count
            written.append(path)
            say(f"{name}: {count / fps:.2f} s -> {path}")
        return written
    finally:
        camera.close()


def _record(
    camera: _Camera,
    path: Path,
    fps: float,
    limit: int,
    stop: threading.Event | None,
    crf: int,
    x264_preset: str,
) -> int:
    """Write one take of at most `limit` frames; return how many frames it has."""
    frames = constant_rate(camera.frames(), fps, limit, stop)
    first = next(frames, None)
    if first is None:
        raise InputError("the capture device gave no frames", camera.label)
    first = _even(first)
    size = (first.shape[1], first.shape[0])
    if min(size) < 2:
        raise InputError(f"the capture device gave {size[0]}x{size[1]} frames", camera.label)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 1
    with VideoWriter(path, size, fps, crf=crf, preset=x264_preset) as writer:
        writer.write(first)
        for frame in frames:
            writer.write(_even(frame, size))
            count += 1
    return count


def capture_clip(
    device: Device,
    output: str | os.PathLike[str],
    preset: Preset | str | os.PathLike[str] | None = None,
    *,
    seconds: float | None = None,
    takes: int = 1,
    countdown: int = 3,
    take_seconds: float | None = None,
    takes_dir: str | os.PathLike[str] | None = None,
    stop: threading.Event | None = None,
    report: Report | None = None,
    sleep: Callable[[float], None] = time.sleep,
    variables: dict[str, str] | None = None,
    asset_roots: Sequence[str | os.PathLike[str]] = (),
    **render_options: object,
) -> RenderResult:
    """Record takes from a camera and render them, in order, as one clip through a preset.

    The takes share the preset's `limit.max_seconds` (or `seconds`, when shorter), so the clip
    fits the platform limit whatever the preset's limit policy.

    Args:
        device: As for `record_takes`.
        output: The clip (MP4) to render.
        preset: A `Preset`, a catalog name or a preset file (None: `default`).
        seconds: The time budget of all takes (default: the preset's limit).
        takes: How many takes.
        countdown: Seconds counted down before each take.
        take_seconds: The longest a single take may be.
        takes_dir: Keep the takes here (take-1.mp4, ...); default: a temporary folder,
            removed after rendering.
        stop: As for `record_takes`.
        report: As for `record_takes`.
        sleep: As for `record_takes`.
        variables: Values for the preset's placeholders.
        asset_roots: Extra folders for the preset's assets.
        **render_options: Passed on to `clipforge.render.render` (music, draft, profile, ...).

    Returns:
        The render's result.

    Raises:
        InputError: The device cannot be opened or gives no frames.
        PresetError, RenderError: As `clipforge.render.render` raises them.
    """
    from clipforge.render import render, resolve_preset
    from clipforge.spec import Preset

    roots = [Path(r) for r in asset_roots]
    if not (preset is None or isinstance(preset, (Preset, str))):
        preset = Path(preset)
    spec = resolve_preset(preset, variables, roots)
    limit = float(spec.limit.max_seconds)
    budget = limit if seconds is None else min(seconds, limit)
    with contextlib.ExitStack() as stack:
        if takes_dir is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="clipforge-")))
        else:
            folder = Path(takes_dir)
        recorded = record_takes(
            device,
            budget,
            takes,
            output=folder / "take.mp4",
            countdown=countdown,
            take_seconds=take_seconds,
            stop=stop,
            report=report,
            sleep=sleep,
        )
        return render(
            recorded,
            output,
            spec,
            variables=variables,
            asset_roots=roots,
            **render_options,  # type: ignore[arg-type]
        )


def stop_on_enter(stop: threading.Event) -> bool:
    """Set `stop` whenever a line is entered on an interactive stdin (ends the current take).

    Returns:
        Whether stdin is interactive (and Enter will stop takes).
    """
    if not sys.stdin or not sys.stdin.isatty():
        return False

    def watch() -> None:
        for _ in sys.stdin:
            stop.set()

    threading.Thread(target=watch, name="clipforge-capture-enter", daemon=True).start()
    return True
