"""Sound made at test time for the audio tests, and independent ways to measure it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from clipforge.media import decode_audio, open_video
from clipforge.media.ffmpeg import run_ffmpeg

RATE = 48000


def encode(path: Path, sound: np.ndarray, rate: int = RATE, codec: tuple[str, ...] = ()) -> Path:
    """Write float samples (n, 2) to any format ffmpeg infers from the suffix."""
    arr = np.ascontiguousarray(np.clip(sound, -1, 1), dtype="<f4")
    args = ["-y", "-f", "f32le", "-ar", str(rate), "-ac", str(arr.shape[1]), "-i", "pipe:0"]
    run_ffmpeg([*args, *codec, str(path)], timeout=60, input_bytes=arr.tobytes())
    return path


CODECS = {
    "mp3": ("-c:a", "libmp3lame", "-b:a", "192k"),
    "m4a": ("-c:a", "aac", "-b:a", "192k"),
    "ogg": ("-c:a", "libvorbis", "-q:a", "6"),
    "flac": (),
    "wav": (),
}


def song(seconds: float, seed: int = 0, rate: int = RATE, burst: float = 0.3) -> np.ndarray:
    """A "song" no two parts of which look alike: random noise bursts (`burst` deviation)
    over a gliding tone at 0.1."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    out = np.zeros((n, 2), np.float32)
    for _ in range(int(seconds * 8)):
        at, length = int(rng.integers(0, n - 4000)), int(rng.integers(400, 4000))
        noise = rng.standard_normal(length) * np.hanning(length) * burst
        out[at : at + length] += noise[:, None].astype(np.float32)
    t = np.arange(n) / rate
    out += (0.1 * np.sin(2 * np.pi * (200 + 40 * t) * t))[:, None].astype(np.float32)
    return out


def tone(seconds: float, freq: float, amp: float = 0.25, rate: int = RATE) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return np.repeat((amp * np.sin(2 * np.pi * freq * t))[:, None], 2, axis=1).astype(np.float32)


def with_clicks(sound: np.ndarray, times: list[float], rate: int = RATE) -> np.ndarray:
    """`sound` with a 2 ms decaying noise burst (a click, a clap) starting at each time."""
    out = sound.copy()
    rng = np.random.default_rng(7)
    length = round(0.002 * rate)
    click = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4)) * 0.8
    for t in times:
        i = round(t * rate)
        out[i : i + length] += click[: len(out) - i, None].astype(np.float32)
    return out


def click_times(sound: np.ndarray, rate: int = RATE, threshold: float = 0.3) -> np.ndarray:
    """Onset times of clicks: where the high-passed level first jumps over `threshold` of the
    loudest click, one per 50 ms."""
    mono = sound.mean(axis=1) if sound.ndim == 2 else sound
    hp = np.abs(np.diff(mono, prepend=mono[:1]))
    level = np.convolve(hp, np.ones(24) / 24, mode="same")
    above = np.flatnonzero(level > threshold * level.max())
    if not len(above):
        return np.zeros(0)
    starts = above[np.concatenate([[True], np.diff(above) > 0.05 * rate])]
    return starts / rate


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBTP) by ffmpeg's own ebur128 filter: an
    implementation independent of the one clipforge uses."""
    err = run_ffmpeg(
        [
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        timeout=120,
    ).stderr.decode()
    summary = err[err.rfind("Summary") :]
    loudness = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.inf]+) dBFS", summary).group(1))
    return loudness, peak


def lag_of(excerpt: np.ndarray, source: np.ndarray) -> int:
    """Where in `source` (samples) `excerpt` matches best, by cross-correlation of the left
    channels."""
    from scipy.signal import correlate

    c = correlate(source[:, 0], excerpt[:, 0], mode="valid", method="fft")
    return int(np.argmax(c))


def band_level(sound: np.ndarray, freq: float, rate: int = RATE) -> float:
    """Amplitude of a sine at `freq` in a window (single-bin DFT of the mono mix)."""
    mono = sound.mean(axis=1) if sound.ndim == 2 else sound
    t = np.arange(len(mono)) / rate
    return float(2 * abs(np.dot(mono, np.exp(-2j * np.pi * freq * t))) / len(mono))


def flash_clip(path: Path, seconds: float, flashes: list[int], clicks: list[float]) -> Path:
    """A 180x320 gray clip, white on the given frames (30 fps), with clicks at the given times
    over a quiet tone."""
    fps, n = 30, round(seconds * 30)
    sound = with_clicks(tone(seconds, 300.0, 0.02), clicks)
    wav = encode(path.with_suffix(".wav"), sound)
    bright = "+".join(f"eq(N,{f})" for f in flashes) or "0"
    video = f"color=c=gray:s=180x320:r={fps}:d={seconds},format=yuv420p"
    run_ffmpeg(
        [
            "-y", "-f", "lavfi", "-i", video, "-i", str(wav),
            "-vf", f"geq=lum='if({bright},235,lum(X,Y))':cb=128:cr=128",
            "-frames:v", str(n), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "192k", "-shortest", str(path),
        ],
        timeout=60,
    )  # fmt: skip
    return path


def bright_frames(path: Path, size: tuple[int, int] = (180, 320)) -> list[int]:
    """Indices of the (almost) white frames of a video."""
    found = []
    with open_video(path, size, 30, "stretch") as reader:
        for i, frame in enumerate(reader):
            if frame.mean() > 200:
                found.append(i)
    return found


def decoded(path: Path) -> np.ndarray:
    return decode_audio(path, rate=RATE, channels=2)


def drums(
    bpm: float, seconds: float, seed: int, noise_db: float = 0.0, rate: int = RATE
) -> tuple[np.ndarray, np.ndarray]:
    """A pop beat at a known tempo, with noise: (stereo samples, true beat times).

    Kick on every beat, snare on 2 and 4, hats on the eighths, a sustained chord, and white
    noise `noise_db` relative to the music's RMS (0: as loud as the music). The first beat
    falls at a random time in the first beat period.
    """
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    period = 60.0 / bpm
    beats = np.arange(rng.uniform(0.0, period), seconds - 0.05, period)
    t = np.arange(round(0.25 * rate)) / rate
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-t / 0.02)) * t) * np.exp(-t / 0.12) * 0.8
    snare = rng.standard_normal(len(t)) * np.exp(-t / 0.06) * 0.5
    snare += np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05) * 0.3
    hat = np.diff(rng.standard_normal(len(t)) * np.exp(-t / 0.01) * 0.15, prepend=0.0)
    out = np.zeros(n)

    def add(at: float, hit: np.ndarray) -> None:
        i = round(at * rate)
        if i < n:
            out[i : i + len(hit)] += hit[: n - i]

    for k, beat in enumerate(beats):
        add(beat, kick)
        add(beat, hat)
        add(beat + period / 2, hat)
        if k % 2:
            add(beat, snare)
    time = np.arange(n) / rate
    out += 0.1 * sum(np.sin(2 * np.pi * f * time) for f in (220.0, 277.2, 329.6))
    out += rng.standard_normal(n) * np.sqrt(np.mean(out**2)) * 10 ** (noise_db / 20)
    out *= 0.8 / np.abs(out).max()
    return np.repeat(out[:, None], 2, axis=1).astype(np.float32), beats


def beat_scores(
    found: np.ndarray, truth: np.ndarray, tolerance: float = 0.05
) -> tuple[float, float]:
    """(share of true beats with a found beat within `tolerance`, share of found beats with a
    true beat within it): recall and precision."""
    if not len(found) or not len(truth):
        return 0.0, 0.0
    gaps = np.abs(truth[:, None] - found[None, :])
    return float((gaps.min(axis=1) <= tolerance).mean()), float(
        (gaps.min(axis=0) <= tolerance).mean()
    )
