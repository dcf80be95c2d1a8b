"""Starting the bundled ffmpeg: the only place in clipforge that creates ffmpeg processes.

Rules kept here so callers cannot get them wrong: argument lists only (never a shell), stdin is a
pipe we own or DEVNULL, every run has a timeout, and every child is killed and reaped on close,
on exceptions, on KeyboardInterrupt and on generator close. On Linux every child also dies with
us (PR_SET_PDEATHSIG): a render killed with SIGKILL leaves no ffmpeg behind. What ffmpeg may
read is decided in safety.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any

from clipforge.errors import InputError, RenderError

#: Input option that keeps ffmpeg from opening URLs or anything but files (our own outputs; for
#: untrusted inputs use safety.input_options, which also pins the demuxer).
INPUT_WHITELIST = ("-protocol_whitelist", "file")

_STDERR_TAIL = 1500  # characters of ffmpeg's stderr kept in error messages


@functools.cache
def ffmpeg_exe() -> str:
    """Return the path of the ffmpeg binary bundled with imageio-ffmpeg.

    Raises:
        RenderError: imageio-ffmpeg is missing or its binary cannot be found.
    """
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a hard dependency
        raise RenderError("imageio-ffmpeg is not installed (pip install imageio-ffmpeg)") from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # pragma: no cover - broken installation
        raise RenderError(f"the bundled ffmpeg binary is missing: {exc}") from exc


def stderr_tail(text: str | bytes | None, limit: int = _STDERR_TAIL) -> str:
    """The last `limit` characters of ffmpeg's stderr, decoded and stripped."""
    if not text:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def input_file(path: str | os.PathLike[str]) -> str:
    """Check that `path` is an existing, non-empty regular file and return it as a string.

    ffmpeg would happily read a FIFO, a device or a directory listing; we refuse them up front.

    Raises:
        InputError: the path is missing, not a regular file, or empty.
    """
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError("file not found", p) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", p) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", p)
    if st.st_size == 0:
        raise InputError("file is empty (0 bytes)", p)
    if not os.access(p, os.R_OK):
        raise InputError("file is not readable (permission denied)", p)
    return p


# ffmpeg allocates frame-sized buffers (3-12 MB at 1080x1920) from many threads. With glibc's
# dynamic mmap threshold these end up in per-thread heaps that fragment and are never returned;
# a fixed threshold keeps every frame buffer in its own mapping, released when freed. Measured
# on the reference job: the encoder's peak drops from ~320 to ~270 MiB, no slower.
# The same settings as clipforge/allocator.py applies to our own process.
_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(256 * 1024), "MALLOC_ARENA_MAX": "2"}


def child_environment() -> dict[str, str]:
    """The environment ffmpeg runs with: ours, plus the allocator settings above."""
    return {**os.environ, **_MALLOC_ENV}


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up once in the parent (the child must not load libraries)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - no libc symbol
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that makes the child get SIGKILL when this process dies (Linux), or None.

    The kernel sends the signal when the *thread* that started the child exits, so a process
    must be started (and closed) by a thread that outlives it; every clipforge caller does.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # The parent may have died between fork and prctl: then nobody would kill us.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def run_ffmpeg(
    args: Sequence[str],
    timeout: float,
    input_bytes: bytes | None = None,
    *,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to completion and capture stdout and stderr.

    Args:
        args: Arguments after the executable (``-hide_banner`` is added).
        timeout: Seconds before the process is killed and RenderError raised.
        input_bytes: Bytes fed to ffmpeg's stdin; with None, stdin is DEVNULL and
            ``-nostdin`` is passed.
        check: Raise RenderError on a non-zero exit status.

    Returns:
        The completed process (stdout and stderr as bytes).

    Raises:
        RenderError: ffmpeg failed (with the tail of its stderr) or timed out.
    """
    cmd = [ffmpeg_exe(), "-hide_banner"]
    if input_bytes is None:
        cmd.append("-nostdin")
    cmd += list(args)
    try:
        # subprocess.run kills and waits for the child on timeout and on any exception.
        proc = subprocess.run(
            cmd,
            input=input_bytes,
            stdin=subprocess.DEVNULL if input_bytes is None else None,
            capture_output=True,
            timeout=timeout,
            env=child_environment(),
            check=False,
            preexec_fn=die_with_parent(),  # kills ffmpeg if we die
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"ffmpeg timed out after {timeout:g} s: {stderr_tail(exc.stderr)}"
        ) from None
    if check and proc.returncode != 0:
        raise RenderError(f"ffmpeg failed (exit {proc.returncode}): {stderr_tail(proc.stderr)}")
    return proc


class FFmpegProcess:
    """A streaming ffmpeg process (a Popen) that is always killed and reaped on close.

    stdout and/or stdin are pipes as requested; stderr goes to an anonymous temporary file, so a
    chatty ffmpeg can never block on a full stderr pipe, and its tail is available for errors.

    `io_timeout` bounds every single blocking pipe operation done through `guard()`: a watchdog
    thread kills ffmpeg if one read or write blocks longer, which turns a hung ffmpeg into an
    error instead of a hung render. (Time spent by the caller between operations does not count,
    so a slow frame loop is not mistaken for a stalled ffmpeg.)
    """

    def __init__(
        self,
        args: Sequence[str],
        *,
        stdin: bool = False,
        stdout: bool = False,
        io_timeout: float = 120.0,
        pass_fds: Sequence[int] = (),
    ) -> None:
        cmd = [ffmpeg_exe(), "-hide_banner"]
        if not stdin:
            cmd.append("-nostdin")
        cmd += list(args)
        self.args = cmd
        self.io_timeout = io_timeout
        # Closed in close(); a with-block cannot span the process's life.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._timed_out = False
        self._closed = False
        self._busy_since: float | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
                stderr=self._stderr,
                bufsize=0,
                pass_fds=tuple(pass_fds),
                env=child_environment(),
                preexec_fn=die_with_parent(),  # kills ffmpeg if we die
            )
        except BaseException:
            self._stderr.close()
            raise
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                grow_pipe(pipe.fileno())
        self._watchdog = threading.Thread(target=self._watch, name="ffmpeg-watchdog", daemon=True)
        self._watchdog.start()

    # -- watchdog ---------------------------------------------------------------------------
    def _watch(self) -> None:
        tick = min(1.0, max(0.05, self.io_timeout / 4))
        while not self._closed:
            self._wake.wait(tick)
            since = self._busy_since
            if since is not None and time.monotonic() - since > self.io_timeout:
                self._timed_out = True
                self._kill()
                return
            if self.proc.poll() is not None and since is None:
                return

    def guard(self) -> _Guard:
        """Context manager marking one blocking pipe operation for the watchdog."""
        return _Guard(self)

    @property
    def timed_out(self) -> bool:
        """True when the watchdog killed ffmpeg because a pipe operation stalled."""
        return self._timed_out

    # -- pipes ------------------------------------------------------------------------------
    @property
    def stdin(self) -> IO[bytes]:
        assert self.proc.stdin is not None, "process started without stdin pipe"
        return self.proc.stdin

    @property
    def stdout(self) -> IO[bytes]:
        assert self.proc.stdout is not None, "process started without stdout pipe"
        return self.proc.stdout

    def read_exact(self, buf: memoryview) -> int:
        """Fill `buf` from stdout; return the number of bytes read (short only at EOF)."""
        got = 0
        size = len(buf)
        with self.guard():
            while got < size:
                n = self.stdout.readinto(buf[got:])
                if not n:
                    break
                got += n
        return got

    def stderr_text(self) -> str:
        """The tail of what ffmpeg wrote to stderr so far."""
        with self._lock:
            if self._stderr.closed:
                return ""
            self._stderr.flush()
            pos = self._stderr.tell()
            try:
                size = os.fstat(self._stderr.fileno()).st_size
                self._stderr.seek(max(0, size - 4 * _STDERR_TAIL))
                data = self._stderr.read()
            finally:
                self._stderr.seek(pos)
        return stderr_tail(data)

    # -- ending -----------------------------------------------------------------------------
    def wait(self, timeout: float) -> int:
        """Close stdin (end of input) and wait for ffmpeg to exit; kill it on timeout.

        Raises:
            RenderError: ffmpeg did not finish within `timeout` seconds.
        """
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # ffmpeg exited; its status tells why
                self.proc.stdin.close()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise RenderError(
                f"ffmpeg did not finish within {timeout:g} s: {self.stderr_text()}"
            ) from None

    def _kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # raced with exit
                self.proc.kill()

    def kill(self) -> None:
        """Kill ffmpeg now (pipes stay open: blocked reads and writes in other threads end)."""
        self._kill()

    def close(self) -> None:
        """Kill ffmpeg if it is still running, reap it and release pipes. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._kill()
        # Reap before closing our pipe ends: a thread blocked on a pipe sees EOF/EPIPE first.
        # kill() was sent, so this returns promptly; an interrupt cannot skip the reap.
        try:
            self.proc.wait()
        except KeyboardInterrupt:  # pragma: no cover
            self.proc.wait()
            raise
        finally:
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
            with self._lock:
                self._stderr.close()

    def __enter__(self) -> FFmpegProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Last resort for objects dropped without close(); normal paths close explicitly.
        if not getattr(self, "_closed", True):
            self.close()


class _Guard:
    """Marks a blocking pipe operation so the watchdog can time it."""

    __slots__ = ("_p",)

    def __init__(self, p: FFmpegProcess) -> None:
        self._p = p

    def __enter__(self) -> None:
        self._p._busy_since = time.monotonic()

    def __exit__(self, *exc: Any) -> None:
        self._p._busy_since = None


def grow_pipe(fd: int, size: int = 1 << 20) -> None:
    """Enlarge a pipe's kernel buffer (Linux) so a frame moves in fewer context switches."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # 1031 is the Linux value
    for want in (size, 1 << 18):
        try:
            fcntl.fcntl(fd, setpipe, want)
            return
        except OSError:
            continue
