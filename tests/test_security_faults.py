"""Faults: an exception or SIGKILL at any frame leaves no output and no ffmpeg behind."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from media_fixtures import ffmpeg_children

from clipforge import render
from clipforge.errors import ClipforgeError
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.media.probe import probe
from clipforge.spec import preset_from_dict

SMALL = {
    "clipforge": 1,
    "canvas": {"size": "180x320", "fps": 30},
    "limit": {"max_seconds": 60, "policy": "trim"},
    "output": {"thumbnail": None, "sidecar": False, "preset": "ultrafast"},
}
TINY = {**SMALL, "canvas": {"size": "64x112", "fps": 10}}

RENDER_SCRIPT = """
import sys
from clipforge import render
from clipforge.spec import preset_from_dict
render([sys.argv[1]], sys.argv[2], preset_from_dict({preset!r}))
"""


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s of 180x320 footage with sound: a render of it takes a few seconds."""
    path = tmp_path_factory.mktemp("faults") / "long.mp4"
    lavfi = ["-f", "lavfi", "-i", "testsrc2=s=180x320:r=30:d=8", "-f", "lavfi", "-i", "sine=d=8"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
    run_ffmpeg(["-v", "error", "-y", *lavfi, *codecs, str(path)], 60)
    return path


def _processes_mentioning(text: str) -> list[psutil.Process]:
    """Live processes (any parent) whose command line mentions `text`, except ourselves."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            alive = proc.info["status"] != psutil.STATUS_ZOMBIE
            if text in cmdline and proc.pid != os.getpid() and alive:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_sigkill_mid_render_leaves_no_output_and_no_ffmpeg(long_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    script = RENDER_SCRIPT.format(preset=SMALL)
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(long_clip), str(out)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        started = _wait_for(lambda: any(tmp_path.glob(".out.mp4.part-*")), 30)
        assert started, f"render never started: {child.stderr.read() if child.poll() else ''}"
        time.sleep(0.3)  # mid-render: frames are flowing through decoder and encoder
        assert child.poll() is None, "render finished before it could be killed"
        ffmpegs = [p for p in _processes_mentioning(str(tmp_path)) if p.pid != child.pid]
        assert ffmpegs, "expected the encoder to be running"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # PR_SET_PDEATHSIG: the kernel kills the encoder (its cmdline names the output folder)
    # and the decoder (it names the input) as soon as their parent is gone.
    assert _wait_for(lambda: not _processes_mentioning(str(tmp_path)), 5)
    assert _wait_for(lambda: not _processes_mentioning(str(long_clip)), 5)
    assert not out.exists()
    stale = list(tmp_path.glob(".out.mp4.part-*"))
    assert stale  # SIGKILL cannot clean up; the next run must
    # The next render of the same target removes the stale part and writes a complete file.
    render([long_clip], out, preset_from_dict(TINY))
    assert out.exists() and probe(out).duration == pytest.approx(8.0, abs=0.2)
    assert list(tmp_path.glob(".out.mp4.part-*")) == []


@pytest.mark.parametrize("fail_at", [1, 7, 40])
def test_exception_at_a_frame_leaves_nothing(long_clip: Path, tmp_path: Path, fail_at: int) -> None:
    out = tmp_path / "out.mp4"

    def progress(done: int, total: int) -> None:
        if done == fail_at:
            raise RuntimeError(f"boom at {done}")

    with pytest.raises(RuntimeError, match=f"boom at {fail_at}"):
        render([long_clip], out, preset_from_dict(TINY), progress=progress)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no .part either
    assert ffmpeg_children() == []


def test_fifty_failing_renders_leak_no_processes_or_memory(long_clip: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.mp4"
    lavfi = ["-f", "lavfi", "-i", "testsrc2=s=96x160:r=10:d=1", "-f", "lavfi", "-i", "sine=d=1"]
    run_ffmpeg(["-v", "error", "-y", *lavfi, "-c:v", "libx264", "-c:a", "aac", str(short)], 60)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(long_clip.read_bytes()[:3000])
    preset = preset_from_dict(TINY)

    def fail_at_3(done: int, total: int) -> None:
        if done == 3:
            raise RuntimeError("stop")

    def one(i: int) -> None:
        out = tmp_path / f"out{i % 3}.mp4"
        with pytest.raises((RuntimeError, ClipforgeError)):
            if i % 2:
                render([broken], out, preset)
            else:
                render([short], out, preset, progress=fail_at_3)

    me = psutil.Process()
    # Helpers earlier tests left (Dask's or multiprocessing's trackers) are not ours to count.
    earlier = {c.pid for c in me.children(recursive=True)}
    for i in range(4):  # warm up caches, imports and allocator pools
        one(i)
    gc.collect()
    before = me.memory_info().rss
    for i in range(50):
        one(i)
    gc.collect()
    grown = (me.memory_info().rss - before) / 2**20
    assert ffmpeg_children() == []
    left = [c for c in me.children(recursive=True) if c.is_running() and c.pid not in earlier]
    assert left == []
    print(f"RSS grew by {grown:.1f} MiB over 50 failing renders")
    assert grown < 50, f"RSS grew by {grown:.1f} MiB over 50 failing renders"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("out", ".out"))]


def test_ffmpeg_dies_with_its_parent_even_without_pipes(tmp_path: Path) -> None:
    # An ffmpeg that reads no pipe of ours (a long decode to nowhere) would outlive a killed
    # parent for as long as its work lasts; PR_SET_PDEATHSIG ends it at once.
    marker = f"clipforge-orphan-{os.getpid()}-{time.monotonic_ns()}"
    script = (
        "import sys, time\n"
        "from clipforge.media.ffmpeg import FFmpegProcess\n"
        "p = FFmpegProcess(['-re', '-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=600', '-metadata',"
        f" 'title={marker}', '-f', 'null', '-'])\n"
        "print('started', flush=True)\n"
        "time.sleep(600)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"started"
        assert _wait_for(lambda: bool(_processes_mentioning(marker)), 5)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    orphans = _processes_mentioning(marker)
    try:
        assert _wait_for(lambda: not _processes_mentioning(marker), 5)
    finally:
        for proc in orphans:  # only if the assertion failed: never leave them running
            if proc.is_running():
                proc.kill()
