"""Procedural demo footage and sound, for ``clipforge demo``, tests and benchmarks.

Nothing here reads a file: a sunset scene (gradient sky, sinking sun, two layers of hills
scrolling at different speeds, drifting bokeh lights) and an "original sound" (wind-like
ambience, claps, chatter-like voices) are made with numpy and OpenCV, deterministically.

Frames are cheap: every layer is computed once, and a frame is a few slice copies, one
alpha blend over a thin band and small saturating adds (a few ms at 1080x1920).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["demo_frames", "demo_sound"]

# Sky colour stops from the top of the frame down to the horizon (position, RGB).
_SKY = (
    (0.00, (24, 18, 66)),
    (0.30, (76, 38, 120)),
    (0.58, (196, 70, 120)),
    (0.80, (250, 128, 86)),
    (1.00, (255, 206, 128)),
)
_BOKEH_COLOURS = ((255, 190, 120), (255, 140, 170), (255, 225, 160), (200, 160, 255))


def _ramp(n: int, stops: tuple[tuple[float, tuple[int, int, int]], ...]) -> np.ndarray:
    """(n, 3) float32 colours interpolated through ``stops``."""
    t = np.linspace(0.0, 1.0, n, dtype=np.float32)
    pos = np.array([s[0] for s in stops], np.float32)
    cols = np.array([s[1] for s in stops], np.float32)
    return np.stack([np.interp(t, pos, cols[:, c]) for c in range(3)], axis=1)


def _ridge(width: int, period: int, rng: np.random.Generator, octaves: int) -> np.ndarray:
    """A periodic hill profile in [-1, 1] over ``width`` columns (repeats every ``period``)."""
    x = np.arange(width, dtype=np.float64) * 2 * np.pi / period
    y = np.zeros(width)
    for k in range(1, octaves + 1):
        freq = int(rng.integers(k, 2 * k + 2))  # whole cycles per period: seamless wrap
        y += np.sin(freq * x + rng.uniform(0, 2 * np.pi)) / k**1.2
    return (y / np.abs(y).max()).astype(np.float32)


def _coverage(top: np.ndarray, rows: int, offset: int) -> np.ndarray:
    """Antialiased (rows, len(top)) alpha that is 1 below the contour ``top`` (row numbers)."""
    r = np.arange(offset, offset + rows, dtype=np.float32)[:, None] + 0.5
    return np.clip(r - top[None, :] + 0.5, 0.0, 1.0)


@dataclass
class _Bokeh:
    sprite: np.ndarray  # (d, d, 3) uint8, added with saturation
    x: float
    y: float
    vx: float
    vy: float
    wobble: float
    phase: float


class _Scene:
    """Every layer of the demo scene, precomputed for one frame size."""

    def __init__(self, width: int, height: int, seed: int):
        rng = np.random.default_rng(seed)
        self.w, self.h = w, h = width, height
        s = w / 1080.0  # scale of every length designed at 1080 px wide
        self.band = band = int(h * 0.60)  # rows from here down scroll (hills)

        # Sky: one colour per row down to the horizon, extended below it with the last colour.
        horizon = int(h * 0.74)
        sky_rows = np.vstack([_ramp(horizon, _SKY), np.tile(_ramp(2, _SKY)[-1:], (h, 1))])[:h]
        sky = np.repeat(sky_rows[:, None, :], w, axis=1)
        # A few soft, static cloud streaks high up (they never reach the scrolling band).
        clouds = np.zeros((h, w), np.float32)
        for _ in range(6):
            cy = rng.uniform(0.08, 0.42) * h
            cx = rng.uniform(-0.2, 1.2) * w
            cv2.ellipse(
                clouds,
                (int(cx), int(cy)),
                (int(rng.uniform(250, 520) * s), int(rng.uniform(10, 24) * s)),
                0,
                0,
                360,
                rng.uniform(0.2, 0.45),
                -1,
            )
        clouds = cv2.GaussianBlur(clouds, (0, 0), 18 * s)[..., None]
        clouds[band - 1 :] = 0
        sky = sky * (1 - clouds) + np.float32((255, 170, 190)) * clouds
        self.base = np.clip(sky, 0, 255).astype(np.uint8)

        # Sun: an additive glow sprite, kept above the band so no seam shows.
        self.sun_r = sun_r = int(200 * s)
        yy, xx = np.mgrid[-sun_r:sun_r, -sun_r:sun_r].astype(np.float32) + 0.5
        d = np.hypot(xx, yy) / sun_r
        core = np.clip((0.42 - d) * sun_r * 0.5, 0, 1)
        glow = np.exp(-((d / 0.6) ** 2) * 2.0) * 0.7 + core
        self.sun = np.clip(glow[..., None] * np.float32((255, 236, 190)), 0, 255).astype(np.uint8)
        self.sun_y0, self.sun_y1 = int(h * 0.36), band - sun_r - 2

        # Far hills: baked into a horizontally periodic panorama of the whole band.
        rows = h - band
        self.p_far = p_far = w
        far_w = w + p_far
        far_top = (band + 0.10 * h + 0.045 * h * _ridge(far_w, p_far, rng, 4)) - band
        far_a = _coverage(far_top, rows, 0)[..., None]
        haze = _ramp(rows, ((0, (150, 70, 130)), (0.5, (110, 50, 110)), (1, (70, 34, 88))))
        far_col = np.repeat(haze[:, None, :], far_w, axis=1)
        band_sky = np.repeat(self.base[band:, :1].astype(np.float32), far_w, axis=1)
        self.far = (far_col * far_a + band_sky * (1 - far_a)).astype(np.uint8)

        # Near hills: opaque panorama; only the rows their contour spans need blending.
        self.p_near = p_near = w
        near_w = w + p_near
        near_top = band + 0.24 * h + 0.05 * h * _ridge(near_w, p_near, rng, 3)
        self.z0, self.z1 = int(near_top.min()), int(np.ceil(near_top.max())) + 1
        near_rows = h - self.z0
        shade = _ramp(near_rows, ((0, (52, 22, 62)), (1, (18, 8, 30))))
        self.near = np.repeat(shade[:, None, :], near_w, axis=1).astype(np.uint8)
        self.near_a = _coverage(near_top, self.z1 - self.z0, self.z0)

        # Bokeh: soft discs of light drifting up and sideways, wrapping around.
        self.bokeh: list[_Bokeh] = []
        for _ in range(16):
            r = int(rng.uniform(24, 110) * s)
            yy, xx = np.mgrid[-r:r, -r:r].astype(np.float32) + 0.5
            disc = np.clip((r - np.hypot(xx, yy)) / (0.18 * r + 1), 0, 1)
            ring = 1 + 0.25 * np.clip(np.hypot(xx, yy) / r, 0, 1) ** 4  # brighter rim
            colour = np.float32(_BOKEH_COLOURS[int(rng.integers(len(_BOKEH_COLOURS)))])
            level = rng.uniform(0.12, 0.35)
            sprite = (disc * ring * level)[..., None] * colour
            self.bokeh.append(
                _Bokeh(
                    sprite=np.clip(sprite, 0, 255).astype(np.uint8),
                    x=rng.uniform(0, w),
                    y=rng.uniform(0, h),
                    vx=rng.uniform(-20, 20) * s,
                    vy=-rng.uniform(15, 60) * s,
                    wobble=rng.uniform(10, 40) * s,
                    phase=rng.uniform(0, 2 * np.pi),
                )
            )

    @staticmethod
    def _add(frame: np.ndarray, sprite: np.ndarray, cx: float, cy: float) -> None:
        """Saturating add of ``sprite`` centred at (cx, cy), clipped to the frame."""
        sh, sw = sprite.shape[:2]
        x0, y0 = round(cx) - sw // 2, round(cy) - sh // 2
        fx0, fy0 = max(x0, 0), max(y0, 0)
        fx1, fy1 = min(x0 + sw, frame.shape[1]), min(y0 + sh, frame.shape[0])
        if fx0 >= fx1 or fy0 >= fy1:
            return
        roi = frame[fy0:fy1, fx0:fx1]
        cv2.add(roi, sprite[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0], dst=roi)

    def frame(self, t: float, duration: float) -> np.ndarray:
        w, h, band = self.w, self.h, self.band
        out = np.empty((h, w, 3), np.uint8)
        out[:band] = self.base[:band]
        progress = t / duration if duration > 0 else 0.0
        sun_y = self.sun_y0 + (self.sun_y1 - self.sun_y0) * progress
        self._add(out, self.sun, w * 0.5, sun_y)
        xf = int(t * 24 * w / 1080) % self.p_far  # far hills drift slowly ...
        out[band:] = self.far[:, xf : xf + w]
        xn = int(t * 70 * w / 1080) % self.p_near  # ... the near ones faster (parallax)
        near = self.near[:, xn : xn + w]
        z0, z1 = self.z0, self.z1
        zone = near[: z1 - z0]
        a = np.ascontiguousarray(self.near_a[:, xn : xn + w])
        out[z0:z1] = cv2.blendLinear(zone, out[z0:z1], a, 1.0 - a)
        out[z1:] = near[z1 - z0 :]
        for b in self.bokeh:
            sh = b.sprite.shape[0]
            x = (b.x + b.vx * t + b.wobble * np.sin(1.3 * t + b.phase)) % (w + sh)
            y = (b.y + b.vy * t) % (h + sh)
            self._add(out, b.sprite, x - sh / 2, y - sh / 2)
        return out


def demo_frames(
    seconds: float = 15.0,
    size: tuple[int, int] = (1080, 1920),
    fps: float = 30.0,
    seed: int = 7,
) -> Iterator[np.ndarray]:
    """Yield demo footage: a sunset with scrolling hills and drifting bokeh lights.

    Args:
        seconds: Length of the footage.
        size: (width, height) of the frames.
        fps: Frames per second; ``round(seconds * fps)`` frames are yielded.
        seed: Seed of the scene's layout (same seed, same pixels).

    Yields:
        (H, W, 3) uint8 RGB frames, each a new array the caller may keep or modify.
    """
    width, height = size
    if width < 16 or height < 16:
        raise ValueError(f"demo_frames: size {width}x{height} is too small (16x16 minimum)")
    scene = _Scene(int(width), int(height), seed)
    count = round(seconds * fps)
    for i in range(count):
        yield scene.frame(i / fps, seconds)


def _band_noise(
    n: int, rate: int, rng: np.random.Generator, low: float, high: float, tilt: float = 0.0
) -> np.ndarray:
    """White noise band-passed in the frequency domain, with a 1/f**tilt slope; unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / rate)
    fs = np.maximum(f, 1.0)
    gain = (1 / np.sqrt(1 + (f / high) ** 4)) / np.sqrt(1 + (low / fs) ** 4) / fs ** (tilt / 2)
    out = np.fft.irfft(spec * gain, n)
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


def _smooth_curve(n: int, rate: int, rng: np.random.Generator, hz: float) -> np.ndarray:
    """A slowly wandering curve in [0, 1] (knots every 1/hz seconds, cosine-interpolated)."""
    knots = rng.uniform(0, 1, int(n / rate * hz) + 3)
    pos = np.arange(n) / rate * hz
    i = pos.astype(int)
    frac = (1 - np.cos(np.pi * (pos - i))) / 2
    return knots[i] * (1 - frac) + knots[i + 1] * frac


def _clap(rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.2 * rate)) / rate
    env = sum(np.exp(-np.maximum(t - d, 0) * 110) * (t >= d) for d in (0, 0.009, 0.019))
    env = env + 0.4 * np.exp(-np.maximum(t - 0.026, 0) * 20) * (t >= 0.026)
    return _band_noise(len(t), rate, rng, 900, 4500) * env * 0.35


def _voice(seconds: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A chatter-like phrase: voiced syllables with gliding pitch through vowel formants."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = rng.uniform(120, 230) * (
        1 + 0.12 * np.sin(2 * np.pi * rng.uniform(0.7, 1.6) * t + rng.uniform(0, 6))
    )
    f0 *= 1 - 0.15 * t / seconds  # phrases fall in pitch towards their end
    syll_hz = rng.uniform(3.5, 5.5)
    syll = np.clip(np.sin(np.pi * syll_hz * t) ** 2 * 1.4, 0, 1) * np.clip(
        np.sin(np.pi * t / seconds) * 4, 0, 1
    )
    vowels = np.array([(730, 1090), (270, 2290), (530, 1840), (570, 840), (300, 870)])
    vi = rng.integers(len(vowels), size=int(seconds * syll_hz) + 2)
    formants = vowels[vi[(t * syll_hz).astype(int)]].T.astype(np.float32)  # (2, n)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    ks = np.arange(1, 25)[:, None]
    harm_f = ks * f0[None, :]
    gain = sum(1 / (1 + ((harm_f - formants[j]) / (90 + 40 * j)) ** 2) for j in range(2))
    gain = gain * (harm_f < 4000)
    voiced = np.sum(np.sin(ks * phase[None, :]) * gain, axis=0)
    return voiced * syll / (np.abs(voiced).max() + 1e-9)


def demo_sound(seconds: float = 15.0, rate: int = 48000, seed: int = 7) -> np.ndarray:
    """Return a plausible "original sound" for the demo footage, about -20 dBFS RMS.

    A wind-like stereo ambience bed, a few people talking at a distance (chatter-like
    voiced syllables), single claps and a short burst of applause.

    Args:
        seconds: Length of the sound.
        rate: Sample rate in Hz.
        seed: Seed (same seed, same samples).

    Returns:
        float32 array of shape (round(seconds * rate), 2), values in [-1, 1].
    """
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    out = np.zeros((n, 2), np.float64)
    if n == 0:
        return out.astype(np.float32)

    # Ambience: pink-ish noise, decorrelated per channel, swelling like gusts of wind.
    gust = 0.6 + 0.4 * _smooth_curve(n, rate, rng, 0.6)
    for ch in range(2):
        out[:, ch] += _band_noise(n, rate, rng, 60, 5000, tilt=1.0) * gust * 0.05

    # Chatter: phrases of 0.8-2.2 s at random times and positions.
    at = 0.3
    while at < seconds - 0.5:
        dur = min(rng.uniform(0.8, 2.2), seconds - at)
        phrase = _voice(dur, rate, rng) * rng.uniform(0.05, 0.12)
        pan = rng.uniform(-0.7, 0.7)
        i0 = int(at * rate)
        seg = slice(i0, i0 + len(phrase))
        out[seg, 0] += phrase * np.sqrt((1 - pan) / 2)
        out[seg, 1] += phrase * np.sqrt((1 + pan) / 2)
        at += dur + rng.uniform(0.3, 1.5)

    # Claps: a few single ones, and applause (many overlapping claps) around a third in.
    times = list(rng.uniform(0, seconds, max(1, int(seconds / 4))))
    start = seconds * 0.33
    times += list(start + np.cumsum(rng.uniform(0.03, 0.12, int(seconds * 4))) % (seconds / 6))
    for c in times:
        clap = _clap(rate, rng) * rng.uniform(0.4, 1.0)
        i0 = int(c * rate)
        clap = clap[: max(0, n - i0)]
        pan = rng.uniform(-0.8, 0.8)
        out[i0 : i0 + len(clap), 0] += clap * np.sqrt((1 - pan) / 2)
        out[i0 : i0 + len(clap), 1] += clap * np.sqrt((1 + pan) / 2)

    # Level to -20 dBFS RMS; the soft clip only touches the rare clap peaks.
    out *= 10 ** (-20 / 20) / np.sqrt(np.mean(out**2))
    return np.tanh(out).astype(np.float32)


class DemoScene:
    """Random access to the demo footage: `frame(t)` is the frame `demo_frames` shows at t."""

    def __init__(self, size: tuple[int, int] = (1080, 1920), seconds: float = 15.0, seed: int = 7):
        self._scene = _Scene(int(size[0]), int(size[1]), seed)
        self.seconds = seconds

    def frame(self, t: float) -> np.ndarray:
        return self._scene.frame(t, self.seconds)
