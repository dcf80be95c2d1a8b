"""Frame buffers that go round a render's loop instead of being allocated for every frame.

A fresh 3 MB frame costs ~2.5 ms of page faults and unmapping at 1080x1920 (the allocator maps
each frame on its own, see allocator.py): a millisecond more than everything the YUV path does
to the frame. Within `recycling(pool)`, YUV readers take their buffers from the pool, and the
render hands each finished frame to the encoder with `recycle=pool.give`, which returns it once
piped: a handful of buffers serve the whole render.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np


class FramePool:
    """Spare uint8 frame buffers, at most `keep` of them."""

    def __init__(self, keep: int = 4):
        self.keep = keep
        self.made = 0  # buffers allocated because none was spare
        self._free: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()

    def take(self, shape: tuple[int, ...]) -> np.ndarray:
        """A buffer of `shape` (contents undefined): a spare one, or a new one."""
        while True:
            try:
                frame = self._free.get_nowait()
            except queue.Empty:
                self.made += 1
                return np.empty(shape, np.uint8)
            if frame.shape == shape:
                return frame

    def give(self, frame: np.ndarray) -> None:
        """Return a buffer nobody uses any more."""
        if self._free.qsize() < self.keep:
            self._free.put(frame)


_POOL: ContextVar[FramePool | None] = ContextVar("clipforge_frame_pool", default=None)


@contextmanager
def recycling(pool: FramePool) -> Iterator[FramePool]:
    """YUV readers opened within take their frames from `pool`."""
    token = _POOL.set(pool)
    try:
        yield pool
    finally:
        _POOL.reset(token)


def current_pool() -> FramePool | None:
    """The pool of the enclosing `recycling` block, if any."""
    return _POOL.get()
