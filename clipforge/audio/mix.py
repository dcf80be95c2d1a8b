"""The audio timeline: the footage's own sound and the music, mixed into one stereo track.

Everything is float32 stereo at `RATE`: float keeps headroom while tracks are summed, so nothing
clips until the final mix is limited.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clipforge.media.audio import decode_audio

RATE = 48000


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def samples(seconds: float, rate: int = RATE) -> int:
    return round(seconds * rate)


def fit_length(track: np.ndarray, n: int) -> np.ndarray:
    """Cut or zero-pad a (m, 2) track to exactly n samples."""
    if len(track) >= n:
        return track[:n]
    return np.vstack([track, np.zeros((n - len(track), track.shape[1]), np.float32)])


def apply_fades(track: np.ndarray, fade_in: float, fade_out: float, rate: int = RATE) -> None:
    """Linear amplitude fades at both ends, in place."""
    n_in, n_out = min(samples(fade_in, rate), len(track)), min(samples(fade_out, rate), len(track))
    if n_in:
        track[:n_in] *= np.linspace(0.0, 1.0, n_in, endpoint=False, dtype=np.float32)[:, None]
    if n_out:
        track[-n_out:] *= np.linspace(1.0, 0.0, n_out, dtype=np.float32)[:, None]


def music_track(path, spec, duration: float, rate: int = RATE) -> np.ndarray:
    """The music as it plays under the clip: from `start` in the song, looped if asked, cut to
    the clip, faded and at its volume."""
    n = samples(duration, rate)
    song = decode_audio(path, rate=rate, channels=2, start=spec.start)
    if spec.loop and 0 < len(song) < n:
        song = np.tile(song, (int(np.ceil(n / len(song))), 1))
    track = fit_length(song, n).copy()
    apply_fades(track, spec.fade_in, spec.fade_out, rate)
    track *= db_to_gain(spec.volume)
    return track


def original_track(pieces: Sequence[np.ndarray | None], lengths: Sequence[int]) -> np.ndarray:
    """The footage's sound, piece after piece; None (a still, a silent video) is silence."""
    parts = [
        fit_length(piece, n) if piece is not None else np.zeros((n, 2), np.float32)
        for piece, n in zip(pieces, lengths, strict=True)
    ]
    return np.vstack(parts) if parts else np.zeros((0, 2), np.float32)


def mix(tracks: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Sum the tracks (each cut or padded to n samples) and keep the result within -1..1."""
    out = np.zeros((n, 2), np.float32)
    for track in tracks:
        out += fit_length(track, n)
    np.clip(out, -1.0, 1.0, out=out)
    return out
