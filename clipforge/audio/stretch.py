"""Playing sound faster or slower with its pitch kept (time-stretching).

Uses Signalsmith Stretch (MIT, through the `python-stretch` wheel). Measured against the
alternatives in the bundled ffmpeg on clicks in noise at 48 kHz: `atempo` (WSOLA) dropped
1-5 ms clicks to a few percent of their level at 2x and moved onsets up to 27 ms early at
0.5x; `rubberband` kept them but 10-25 ms late and took 3-6x longer. Signalsmith kept every
click within 1 ms of its place at 0.5x and 2x, within 13 ms at 0.25x and 4x (where a 2 ms
click can also lose much of its level), at about 0.04 s of work per output second.
"""

from __future__ import annotations

import numpy as np
from python_stretch import Signalsmith

from clipforge.audio.mix import RATE, fit_length

MIN_SPEED = 0.25
MAX_SPEED = 4.0


def time_stretch(sound: np.ndarray, speed: float, rate: int = RATE) -> np.ndarray:
    """Play `sound` `speed` times as fast (2.0: half as long), keeping its pitch.

    Args:
        sound: float32 samples, shape (n, channels).
        speed: Playback speed, 0.25 to 4 (the timeline's range).
        rate: Sample rate of `sound`, Hz.

    Returns:
        float32 samples of shape (round(n / speed), channels), aligned with the input: an event
        at input time t is at t / speed in the output.

    Raises:
        ValueError: `speed` is outside 0.25..4.
    """
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be within {MIN_SPEED}..{MAX_SPEED}, got {speed}")
    arr = np.asarray(sound, dtype=np.float32)
    length = round(len(arr) / speed)
    if speed == 1.0 or len(arr) == 0:
        return fit_length(arr, length)
    stretcher = Signalsmith.Stretch()
    stretcher.preset(arr.shape[1], float(rate))
    stretcher.setTimeFactor(float(speed))
    # The library works on (channels, n) and compensates its own latency.
    out = stretcher.process(np.ascontiguousarray(arr.T)).T
    return fit_length(np.ascontiguousarray(out, dtype=np.float32), length)
