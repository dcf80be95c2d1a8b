"""One-shot sound effects at given times on the output timeline."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from clipforge.audio.mix import RATE, db_to_gain, samples
from clipforge.errors import InputError
from clipforge.media import decode_audio

log = logging.getLogger(__name__)


def effect_pieces(
    effects: Sequence[Any],
    n: int,
    find: Callable[[str], Path],
    rate: int = RATE,
) -> list[tuple[int, np.ndarray]] | None:
    """The effects at their times and volumes on an n-sample track, without its silence:
    (first sample, float32 (m, 2)) for each stretch where effects sound, overlapping effects
    summed as the track sums them; None without effects.

    Effects last a second or two: this is what of a clip-long track is not zeros.

    Args:
        effects: `SoundEffect`s (`file`, `at` seconds on the output, `volume` dB).
        n: Length of the output in samples; an effect running past the end is cut there, one
            starting at or after it is left out (and logged: a preset may be used on clips of
            any length).
        find: Turns an effect's `file` into a path (the preset's asset lookup).
        rate: Sample rate.

    Raises:
        InputError: An effect's file is missing, not audio or unreadable; the message names the
            file and the key (`audio.effects[i].file`).
    """
    if not effects:
        return None
    # Each file once (the first effect using it names it in errors), decoded side by side.
    first_use: dict[Path, int] = {}
    paths = [_find(find, effect.file, i) for i, effect in enumerate(effects)]
    for i, path in enumerate(paths):
        first_use.setdefault(path, i)
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = {path: pool.submit(_decode, path, i, rate) for path, i in first_use.items()}
        sounds = {path: job.result() for path, job in jobs.items()}
    placed = []  # (first, the effect at its volume), in the effects' order
    for i, (effect, path) in enumerate(zip(effects, paths, strict=True)):
        first = samples(effect.at, rate)
        if first >= n:
            log.info(
                "audio.effects[%d] at %.2f s starts after the clip's end; left out", i, effect.at
            )
            continue
        sound = sounds[path][: n - first]
        placed.append((first, sound * np.float32(db_to_gain(effect.volume))))
    return [_sum(group) for group in _overlapping(placed)]


def _overlapping(
    placed: list[tuple[int, np.ndarray]],
) -> list[list[tuple[int, np.ndarray]]]:
    """`placed` sounds in groups that overlap one another, each group in the given order."""
    spans = sorted(range(len(placed)), key=lambda i: placed[i][0])
    groups: list[list[int]] = []
    end = -1
    for i in spans:
        first, sound = placed[i]
        if first >= end:
            groups.append([])
        groups[-1].append(i)
        end = max(end, first + len(sound))
    return [[placed[i] for i in sorted(group)] for group in groups]


def _sum(group: list[tuple[int, np.ndarray]]) -> tuple[int, np.ndarray]:
    """The sounds of a group on one stretch from zeros, added in order as onto the track."""
    first = min(at for at, _ in group)
    out = np.zeros((max(at + len(s) for at, s in group) - first, 2), np.float32)
    for at, sound in group:
        out[at - first : at - first + len(sound)] += sound
    return first, out


def _find(find: Callable[[str], Path], ref: str, index: int) -> Path:
    """The effect's file; a reference not found names the key of the effect."""
    try:
        return find(ref)
    except InputError as exc:
        reason = str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
        raise InputError(f"audio.effects[{index}].file: {reason}", exc.path) from None


def _decode(path: Path, index: int, rate: int) -> np.ndarray:
    """An effect's sound; errors name the file and the key of the effect."""
    try:
        return decode_audio(path, rate, 2)
    except InputError as exc:
        reason = str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
        raise InputError(
            f"cannot be used as a sound effect (audio.effects[{index}].file): {reason}", str(path)
        ) from None
