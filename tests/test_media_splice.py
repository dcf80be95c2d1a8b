"""Frames spliced into a pipe: ffmpeg's side reads every byte as it was sent, though the
writer reuses each frame as soon as it is handed back."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from clipforge.media.ffmpeg import grow_pipe
from clipforge.media.splice import FrameSplicer, _vmsplice


def _read_all(fd: int, size: int, count: int, out: list[bytes], slow: bool) -> None:
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        for _ in range(count):
            data = bytearray()
            while len(data) < size:
                data += pipe.read(min(size - len(data), 5000))  # slow, small reads
                if slow:
                    time.sleep(0.0005)
            out.append(bytes(data))


@pytest.mark.skipif(_vmsplice() is None, reason="vmsplice is Linux's")
@pytest.mark.parametrize(
    ("size", "grow"),
    [(100, False), (4096, False), (84480, False), (84480, True), (777601, True), (3110400, True)],
)
def test_frames_handed_back_are_never_read_again(size: int, grow: bool) -> None:
    count = 40 if size < 10**6 else 8  # more than the pipe can hold
    read_fd, write_fd = os.pipe()
    if grow:
        grow_pipe(write_fd)
    got: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(read_fd, size, count, got, size < 10**5))
    reader.start()
    splicer = FrameSplicer(write_fd)
    assert splicer._splice is not None
    handed_back: list[int] = []
    buffers = [np.empty(size, np.uint8) for _ in range(count)]

    def done(frame: np.ndarray) -> None:
        handed_back.append(int(frame[0]))
        frame.fill(255)  # reused at once: a frame the pipe still held would come out as 255s

    for i, frame in enumerate(buffers):
        frame[:] = np.arange(size) % 251 + i  # each frame its own bytes, never all 255
        splicer.send(frame, done)
    kept = len(splicer._held)
    os.close(write_fd)
    reader.join(30)
    want = [(np.arange(size) % 251 + i).astype(np.uint8).tobytes() for i in range(count)]
    assert got == want
    # Handed back oldest first; the last ones stay with the splicer until the pipe is closed.
    assert handed_back == list(range(count - kept))
    assert 1 <= kept < count


def test_a_file_is_written_and_every_frame_handed_back_at_once(tmp_path: Path) -> None:
    path = tmp_path / "frames.raw"
    back: list[int] = []
    with path.open("wb") as file:
        splicer = FrameSplicer(file.fileno())
        assert splicer._splice is None  # not a pipe: written
        for i in range(3):
            splicer.send(np.full(10_000, i, np.uint8), lambda f: back.append(int(f[0])))
    assert back == [0, 1, 2]
    assert path.read_bytes() == b"".join(bytes([i]) * 10_000 for i in range(3))


@pytest.mark.skipif(_vmsplice() is None, reason="vmsplice is Linux's")
def test_a_closed_pipe_is_a_broken_pipe() -> None:
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    splicer = FrameSplicer(write_fd)
    try:
        with pytest.raises(BrokenPipeError):
            splicer.send(np.zeros(100_000, np.uint8), lambda f: None)
    finally:
        os.close(write_fd)
