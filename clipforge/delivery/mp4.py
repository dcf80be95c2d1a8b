"""Just enough of the MP4 (ISO BMFF) structure to check how a file is laid out."""

from __future__ import annotations

import struct
from pathlib import Path


def top_level_boxes(path: Path) -> list[tuple[str, int]]:
    """The top-level boxes of an MP4 as (type, size) in file order.

    Reads only the 8- or 16-byte headers, seeking over the bodies. A box whose size runs past
    the end of the file (a truncated file) is listed with the size it claims, and ends the list.
    """
    boxes: list[tuple[str, int]] = []
    end = path.stat().st_size
    with path.open("rb") as f:
        pos = 0
        while pos + 8 <= end:
            f.seek(pos)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:
                size = end - pos  # "to the end of the file"
            boxes.append((kind.decode("latin-1"), size))
            if size < 8 or pos + size > end:
                break
            pos += size
    return boxes
