"""Audio in and out of numpy, and the bridge to pydub.

pydub's `from_file` needs ffprobe for compressed formats, which we do not have: we decode with
the bundled ffmpeg to float32 PCM and build AudioSegments from samples instead. Importing this
module points pydub's converter at the bundled ffmpeg.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from clipforge.errors import InputError, RenderError
from clipforge.media.ffmpeg import FFmpegProcess, ffmpeg_exe, input_file
from clipforge.media.probe import MediaInfo, probe
from clipforge.media.safety import input_options, input_url

with warnings.catch_warnings():
    # pydub warns at import when no ffmpeg is on PATH (we hand it the bundled one right after)
    # and, on 3.11/3.12, that audioop is deprecated (audioop-lts replaces it on 3.13).
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pydub

pydub.AudioSegment.converter = ffmpeg_exe()


def decode_audio(
    path: str | os.PathLike[str],
    rate: int = 48000,
    channels: int = 2,
    start: float = 0.0,
    duration: float | None = None,
    *,
    info: MediaInfo | None = None,
) -> np.ndarray:
    """Decode a file's first audio stream to float32 samples in -1..1.

    Args:
        path: Any file ffmpeg reads (music, footage with sound).
        rate: Output sample rate in Hz (resampled by ffmpeg).
        channels: Output channel count (up- or down-mixed by ffmpeg).
        start: Seconds into the file to start at (sample-exact; the file is decoded from its
            beginning, about 2-3 ms of work per second skipped).
        duration: Seconds to decode (None: to the end).
        info: A MediaInfo from `probe(path)`, to skip probing again.

    Returns:
        Array of shape (n_samples, channels), dtype float32.

    Raises:
        InputError: Missing, unreadable, refused (safety.py) or corrupt file, a file without an
            audio stream, or ffmpeg timing out on it.
    """
    p = input_file(path)
    if rate <= 0 or channels <= 0:
        raise ValueError(f"bad rate {rate} or channels {channels}")
    info = info or probe(p)
    if not info.has_audio:
        raise InputError("has no audio stream", p)
    # Cut by sample count after resampling, not with -ss/-t: seeking is off by up to 1024
    # samples for AAC (and timestamps by 128 for Vorbis), which would move music against the
    # beat grid and the original sound against the picture. `first_pts=0` pads (or trims) the
    # stream's own start offset, so sample 0 is presentation time 0, as for the video.
    first = max(0, round(start * rate))
    trim = f"atrim=start_sample={first}"
    if duration is not None:
        trim += f":end_sample={first + max(0, round(duration * rate))}"
    # The demuxer probed (and checked against the allowlist) is pinned: see safety.py.
    args = ["-v", "error", *input_options(info.format), "-i", input_url(p)]
    args += ["-map", "0:a:0", "-vn", "-sn", "-dn"]
    args += ["-af", f"aresample={rate}:first_pts=0,{trim}"]
    # Mono is copied to every channel at full level; ffmpeg's own upmix would place it as a
    # centre channel 3 dB down in each of left and right.
    decode_channels = 1 if info.audio_channels == 1 else channels
    args += ["-ac", str(decode_channels), "-ar", str(rate)]
    args += ["-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    # Generous: decoding audio runs at hundreds of times real time.
    timeout = 60.0 + (info.duration or 0.0) / 5
    seconds = duration if duration is not None else max(0.0, (info.duration or 0.0) - start)
    try:
        data = _read_pcm(args, timeout, round(seconds * rate), decode_channels)
    except RenderError as exc:
        raise InputError(f"cannot decode audio: {exc}", p) from None
    if decode_channels != channels:
        data = np.repeat(data, channels, axis=1)
    return np.clip(data, -1.0, 1.0, out=data)


def _read_pcm(args: list[str], timeout: float, expected: int, channels: int) -> np.ndarray:
    """ffmpeg's f32le samples read straight into one writable array: a minute of stereo is
    23 MB, and collecting it as bytes first cost two more copies at once (bytes, then array).

    `expected` (samples per channel) sizes the array; a longer stream grows it, a much shorter
    one is copied to its length so the slack is not kept.

    Raises:
        RenderError: ffmpeg failed, stalled or did not finish within `timeout` seconds.
    """
    proc = FFmpegProcess(args, stdout=True, io_timeout=timeout)
    try:
        data = np.empty((expected + 1024, channels), "<f4")  # + resampler rounding
        got = 0  # bytes
        while True:
            got += proc.read_exact(memoryview(data).cast("B")[got:])
            if got < data.nbytes:
                break
            grown = np.empty((len(data) * 3 // 2 + 48000, channels), "<f4")
            grown[: len(data)] = data
            data = grown
        rc = proc.wait(timeout)
        if proc.timed_out:
            raise RenderError(f"ffmpeg stalled for {timeout:g} s: {proc.stderr_text()}")
        if rc != 0:
            raise RenderError(f"ffmpeg failed (exit {rc}): {proc.stderr_text()}")
    finally:
        proc.close()
    n = got // (4 * channels)
    data = data[:n] if n > len(data) * 0.9 else data[:n].copy()
    return data.astype(np.float32, copy=False)  # native order (a no-op on little-endian)


def to_audiosegment(samples: np.ndarray, rate: int) -> pydub.AudioSegment:
    """float32 samples (n,) or (n, channels) in -1..1 -> a 16-bit pydub AudioSegment."""
    arr = np.asarray(samples, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(f"samples must have shape (n,) or (n, channels), got {arr.shape}")
    pcm = np.round(np.clip(arr, -1.0, 1.0) * 32767.0).astype("<i2")
    return pydub.AudioSegment(
        data=pcm.tobytes(), sample_width=2, frame_rate=int(rate), channels=arr.shape[1]
    )


def from_audiosegment(segment: pydub.AudioSegment) -> np.ndarray:
    """A pydub AudioSegment -> float32 samples of shape (n, channels) in -1..1.

    The rate is `segment.frame_rate`.
    """
    width = segment.sample_width
    raw = np.array(segment.get_array_of_samples())
    # pydub keeps 8-bit samples signed in its arrays too, so one formula fits every width.
    scale = float(1 << (8 * width - 1))
    data = (raw.astype(np.float64) / scale).astype(np.float32)
    return data.reshape(-1, segment.channels)
