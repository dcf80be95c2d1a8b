"""The music under the clip: from `start` in the song, looped, cut to the clip, faded, at volume.

Any format the bundled ffmpeg reads (mp3, m4a/aac, wav, ogg, opus, flac, ...) is decoded to
float32 samples, cut by sample count (see `clipforge.media.decode_audio`), so `start` is exact
to the sample. A looping song wraps from its end to its own beginning, which is the seam the
song was made to loop at; the first pass starts at `start`.
"""

from __future__ import annotations

import os

import numpy as np

from clipforge.audio.mix import RATE, apply_fades, db_to_gain, fit_length, samples
from clipforge.errors import InputError
from clipforge.media import decode_audio, probe


def music_excerpt(
    path: str | os.PathLike[str],
    start: float,
    seconds: float,
    loop: bool = True,
    rate: int = RATE,
    *,
    file_key: str = "audio.music.file",
    start_key: str = "audio.music.start",
) -> np.ndarray:
    """The song as it plays under the clip, before fades and volume.

    Args:
        path: The music file.
        start: Seconds into the song where the clip's music begins.
        seconds: Length of the clip.
        loop: Repeat the song from its beginning when it ends before the clip does; otherwise
            the rest is silence.
        rate: Output sample rate.
        file_key: What set the file, for messages (the preset key, or the job's `--music`).
        start_key: What set `start`, for messages.

    Returns:
        float32 (round(seconds * rate), 2) samples.

    Raises:
        InputError: The file is missing, not audio or unreadable, or `start` is past its end;
            the message names the file and the key.
    """
    n = samples(seconds, rate)
    try:
        info = probe(path)
        head = decode_audio(path, rate, 2, start=start, duration=seconds, info=info)
    except InputError as exc:
        reason = str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
        raise InputError(f"cannot be used as music ({file_key}): {reason}", str(path)) from None
    if not len(head) and n:
        length = f" ({info.duration:.2f} s)" if info.duration else ""
        raise InputError(
            f"{start_key}: {start:g} s is at or past the end of the song{length}", str(path)
        )
    if len(head) >= n or not loop:
        return fit_length(head, n)
    # The song ended inside the clip: go on from its own beginning, as often as needed. A
    # song shorter than the rest comes back whole and is repeated.
    rest = n - len(head)
    song = decode_audio(path, rate, 2, duration=rest / rate, info=info)
    if not len(song):
        return fit_length(head, n)
    out = np.empty((n, 2), np.float32)
    out[: len(head)] = head
    # Laid into the clip-long array: no longer one to cut down.
    for at in range(len(head), n, len(song)):
        out[at : at + len(song)] = song[: n - at]
    return out


def music_track(
    path: str | os.PathLike[str],
    start: float,
    seconds: float,
    *,
    loop: bool = True,
    fade_in: float = 0.0,
    fade_out: float = 0.0,
    volume: float = 0.0,
    rate: int = RATE,
    file_key: str = "audio.music.file",
) -> tuple[np.ndarray, np.ndarray]:
    """The music as mixed: `music_excerpt` with linear fades and its volume applied.

    Returns:
        (excerpt, track): the excerpt as played (for beat tracking) and the faded track at
        its volume, both float32 (n, 2).
    """
    excerpt = music_excerpt(path, start, seconds, loop, rate, file_key=file_key)
    track = excerpt.copy()
    shape_music(track, fade_in, fade_out, volume, rate)
    return excerpt, track


def shape_music(
    track: np.ndarray, fade_in: float, fade_out: float, volume: float, rate: int = RATE
) -> None:
    """Turn a `music_excerpt` into the track as mixed, in place: linear fades, then its volume
    (dB)."""
    apply_fades(track, fade_in, fade_out, rate)
    track *= np.float32(db_to_gain(volume))
