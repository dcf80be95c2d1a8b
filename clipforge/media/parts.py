"""Temporary ``.part`` files beside an output, and removing the ones a killed run left behind.

An output is written to a hidden ``.<name>.part-<host>-<pid>-<random>.mp4`` beside it and
renamed over the target only when complete, so a reader never sees half a file at the target
path. A run killed with SIGKILL cannot clean up: its part file stays. The next writer of the
same target removes the parts whose writing process (on this host) is gone, so stale parts never
pile up and are never mistaken for output (they never have the output's name).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
import socket
from pathlib import Path

_HOST = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:32] or "host"
_PART = re.compile(r"\.part-(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-[0-9a-f]+\.mp4$")


def new_part_path(target: Path) -> Path:
    """A fresh temporary path beside `target`, naming this host and process."""
    return target.parent / f".{target.name}.part-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.mp4"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale_parts(target: Path) -> list[Path]:
    """Delete part files of `target` whose writer (a process on this host) no longer runs.

    Parts written from other hosts (a shared folder on a cluster) are left alone: their
    process ids mean nothing here.

    Returns:
        The files removed.
    """
    removed = []
    pattern = f".{glob.escape(target.name)}.part-*.mp4"
    for part in target.parent.glob(pattern):
        m = _PART.search(part.name)
        if m is None or m["host"] != _HOST or _alive(int(m["pid"])):
            continue
        with contextlib.suppress(OSError):  # raced with another cleaner
            part.unlink()
            removed.append(part)
    return removed
