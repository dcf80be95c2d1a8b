"""Process-wide settings for long renders: the memory allocator (glibc only; a no-op elsewhere)
and OpenCV's thread pool.

A render allocates and frees frame-sized arrays (3-6 MB at 1080x1920) from several threads.
glibc raises its mmap threshold after the first such free, so later frames come from per-thread
heaps that fragment and keep their peak. A fixed threshold and two arenas keep each frame in its
own mapping, returned to the system when freed: about 25 MiB less peak on the reference job.
The ffmpeg processes get the same settings through their environment (media/ffmpeg.py).

OpenCV splits each whole-frame call (a colour matrix, a lookup, a YUV conversion: 1-3 ms at
1080x1920) over a pool of threads, one per core. During a render x264 and the decoder already
keep both cores busy, so the calling thread mostly waits for a pool thread to be scheduled: on
the reference job with the machine shared, the fused colour matrix took ~34 ms a frame on the
pool against 1.4 ms on the calling thread alone. One thread per call is faster there and
uses less CPU; the decode and encode threads still run their calls in parallel with it.

numpy's BLAS (OpenBLAS) starts a thread per core when numpy is imported, and those threads spin
for a while: 0.19 s of CPU taken from the render's start-up, for matrix products that are all
4x4 here. A process that has not imported numpy yet gets one BLAS thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 256 * 1024
OPENCV_THREADS = 1


def tune_allocator(opencv: bool = True) -> bool:
    """Apply the allocator settings and (unless `opencv` is False) `tune_opencv` to this process.

    Args:
        opencv: Also set OpenCV's threads, which imports OpenCV (~0.2-0.3 s): the command line
            leaves that to the commands that use it.

    Returns:
        True when glibc accepted the allocator settings.
    """
    if "numpy" not in sys.modules:  # read once, when numpy loads OpenBLAS
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ok = False
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
        ok = ok and libc.mallopt(M_ARENA_MAX, 2) == 1
    if opencv:
        tune_opencv()
    return ok


def tune_opencv(threads: int = OPENCV_THREADS) -> None:
    """Run each OpenCV call on its calling thread only (see the module docstring)."""
    import cv2  # imported here: the allocator settings must not wait for OpenCV to load

    cv2.setNumThreads(threads)
