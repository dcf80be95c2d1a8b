"""`timeline.cut_on_beat`: move the cuts between inputs onto the music's beats.

The rule, cut by cut from the first: a cut moves to the nearest beat it can reach within
`REACH` seconds. Earlier means cutting the end of the clip before the cut; later means playing
more of that clip, which only works when its source has more to give (a segment whose `out`
is before the input's end, a reversed segment whose `in` is after the input's start, a still).
No clip gets shorter than `MIN_SECONDS` (nor shorter than twice its transitions), so a move
that would break that tries the next beat. Everything after a moved cut moves with it (a
ripple edit), so later cuts are placed from where they then are. With a transition, the cut is
the middle of the overlap. A cut with no reachable beat stays where it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

MIN_SECONDS = 0.5
"""No clip is cut shorter than this to reach a beat."""

REACH = 1.0
"""How far (seconds) a cut may move to reach a beat."""


def cut_on_beat(pieces: Sequence[Any], beats: Sequence[float], fps: float) -> None:
    """Change the pieces' frame counts in place so the cuts fall on beats.

    Args:
        pieces: the timeline's pieces in order (`frames`, `overlap`, `speed`, `spare` are read;
            `frames` and `spare` are changed).
        beats: beat times in output frames (fractional), ascending.
        fps: the output frame rate.
    """
    targets = sorted({round(b) for b in beats if b > 0})
    min_frames = math.ceil(MIN_SECONDS * fps)
    reach = round(REACH * fps)
    at = 0  # start frame of the piece before the cut
    for i in range(1, len(pieces)):
        before, after = pieces[i - 1], pieces[i]
        at -= before.overlap
        cut = at + before.frames - after.overlap + after.overlap // 2
        floor = max(min(min_frames, before.frames), 2 * before.overlap, 2 * after.overlap)
        for beat in sorted(targets, key=lambda b: (abs(b - cut), b)):
            delta = beat - cut
            if abs(delta) > reach:
                break
            if before.frames + delta < floor:
                continue
            extra = delta / fps * before.speed  # source seconds the clip would add
            if delta > 0 and extra > before.spare + 1e-9:
                continue
            before.frames += delta
            before.spare -= max(0.0, extra)
            break
        at += before.frames
