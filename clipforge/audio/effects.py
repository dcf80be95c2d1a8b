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


def effects_track(
    effects: Sequence[Any],
    n: int,
    find: Callable[[str], Path],
    rate: int = RATE,
) -> np.ndarray | None:
    """Every effect at its time and volume on an n-sample track; None without effects.

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
    out = np.zeros((n, 2), np.float32)
    for i, (effect, path) in enumerate(zip(effects, paths, strict=True)):
        first = samples(effect.at, rate)
        if first >= n:
            log.info(
                "audio.effects[%d] at %.2f s starts after the clip's end; left out", i, effect.at
            )
            continue
        sound = sounds[path][: n - first]
        out[first : first + len(sound)] += sound * np.float32(db_to_gain(effect.volume))
    return out


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
