"""Generate clipforge's shipped demo assets: stickers, music loops and sound effects.

Everything in ``clipforge/assets/`` is made by this script from code alone (no third-party
media, no fonts), so the assets carry the project's own license. The output is deterministic:
fixed seeds, fixed geometry, bit-exact encoder flags.

Usage::

    python tools/make_assets.py                 # everything
    python tools/make_assets.py --only stickers # or music, sfx
    python tools/make_assets.py --out /tmp/a    # somewhere else

Stickers are drawn as binary masks at ``SS`` times the final size with Pillow, composited in
premultiplied float RGBA with numpy/OpenCV, then downscaled (area filter) for antialiasing.
Fully transparent pixels get the colour of the nearest visible pixel ("edge bleed") so a
renderer that filters or premultiplies never pulls black into the edges.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "clipforge" / "assets"

SS = 3  # supersampling factor for sticker drawing
RATE = 48000  # audio sample rate of every generated sound
FIRST_BEAT = 0.0  # loops start on a downbeat: beat 0 (a kick) is the first sample

Color = tuple[float, float, float]
Point = tuple[float, float]


# --------------------------------------------------------------------------------------------
# Sticker toolkit: masks are float32 (h, w) in [0, 1]; layers are premultiplied (h, w, 4).
# --------------------------------------------------------------------------------------------


def hex_color(value: str) -> Color:
    """Parse ``#RRGGBB`` into floats in [0, 1]."""
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


class Canvas:
    """A supersampled premultiplied RGBA drawing surface in unit coordinates.

    Coordinates passed to the shape helpers are fractions of the canvas width (x) and height
    (y), so a sticker's geometry does not depend on its output size.
    """

    def __init__(self, width: int, height: int):
        self.out_size = (width, height)
        self.w, self.h = width * SS, height * SS
        self.px = np.zeros((self.h, self.w, 4), np.float32)

    # -- coordinates -------------------------------------------------------------------------
    def pts(self, points: Sequence[Point]) -> list[tuple[float, float]]:
        """Unit coordinates to supersampled pixels."""
        return [(x * self.w, y * self.h) for x, y in points]

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit x and y coordinates of every pixel centre."""
        ys = (np.arange(self.h, dtype=np.float32) + 0.5) / self.h
        xs = (np.arange(self.w, dtype=np.float32) + 0.5) / self.w
        return xs[None, :], ys[:, None]

    # -- masks -------------------------------------------------------------------------------
    def _draw(self, fn: Callable[[ImageDraw.ImageDraw], None]) -> np.ndarray:
        img = Image.new("L", (self.w, self.h), 0)
        fn(ImageDraw.Draw(img))
        return np.asarray(img, np.float32) / 255.0

    def polygon(self, points: Sequence[Point]) -> np.ndarray:
        return self._draw(lambda d: d.polygon(self.pts(points), fill=255))

    def ellipse(self, cx: float, cy: float, rx: float, ry: float | None = None) -> np.ndarray:
        ry = rx * self.w / self.h if ry is None else ry
        box = [(cx - rx) * self.w, (cy - ry) * self.h, (cx + rx) * self.w, (cy + ry) * self.h]
        return self._draw(lambda d: d.ellipse(box, fill=255))

    def rounded_rect(self, x0: float, y0: float, x1: float, y1: float, r: float) -> np.ndarray:
        box = [x0 * self.w, y0 * self.h, x1 * self.w, y1 * self.h]
        return self._draw(lambda d: d.rounded_rectangle(box, radius=r * self.w, fill=255))

    def capsule(self, a: Point, b: Point, width: float) -> np.ndarray:
        """A stroke with round caps from a to b, ``width`` in units of canvas width."""
        (ax, ay), (bx, by) = self.pts([a, b])
        wpx = width * self.w

        def draw(d: ImageDraw.ImageDraw) -> None:
            d.line([(ax, ay), (bx, by)], fill=255, width=round(wpx))
            for x, y in ((ax, ay), (bx, by)):
                d.ellipse([x - wpx / 2, y - wpx / 2, x + wpx / 2, y + wpx / 2], fill=255)

        return self._draw(draw)

    def grow(self, mask: np.ndarray, amount: float) -> np.ndarray:
        """Dilate (amount > 0) or erode (< 0) a mask by ``amount`` units of canvas width."""
        r = abs(amount) * self.w
        src = (mask < 0.5) if amount > 0 else (mask >= 0.5)
        dist = cv2.distanceTransform(src.astype(np.uint8), cv2.DIST_L2, 5)
        grown = dist <= r
        return (grown if amount > 0 else ~grown).astype(np.float32)

    def round_corners(self, mask: np.ndarray, radius: float) -> np.ndarray:
        """Round convex corners (opening) then concave ones (closing)."""
        mask = self.grow(self.grow(mask, -radius), radius)
        return self.grow(self.grow(mask, radius), -radius)

    def blur(self, mask: np.ndarray, radius: float) -> np.ndarray:
        """Gaussian blur with sigma ``radius`` units of canvas width."""
        sigma = radius * self.w
        return cv2.GaussianBlur(mask, (0, 0), sigma)

    def shift(self, mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
        m = np.float32([[1, 0, dx * self.w], [0, 1, dy * self.h]])
        return cv2.warpAffine(mask, m, (self.w, self.h))

    # -- fills -------------------------------------------------------------------------------
    def linear(self, p0: Point, p1: Point, stops: Sequence[tuple[float, str]]) -> np.ndarray:
        """RGB gradient along the line p0 -> p1 through colour ``stops`` (position, #hex)."""
        xs, ys = self.grid()
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        t = ((xs - p0[0]) * dx + (ys - p0[1]) * dy) / (dx * dx + dy * dy)
        return self._ramp(np.clip(t, 0.0, 1.0), stops)

    def radial(self, c: Point, r: float, stops: Sequence[tuple[float, str]]) -> np.ndarray:
        """RGB radial gradient centred on c, reaching the last stop at radius r (width units)."""
        xs, ys = self.grid()
        d = np.hypot((xs - c[0]), (ys - c[1]) * self.h / self.w) / r
        return self._ramp(np.clip(d, 0.0, 1.0), stops)

    @staticmethod
    def _ramp(t: np.ndarray, stops: Sequence[tuple[float, str]]) -> np.ndarray:
        pos = np.array([s[0] for s in stops], np.float32)
        cols = np.array([hex_color(s[1]) for s in stops], np.float32)
        flat = t.ravel()
        out = np.stack([np.interp(flat, pos, cols[:, c]) for c in range(3)], axis=-1)
        return out.reshape(*t.shape, 3).astype(np.float32)

    # -- compositing -------------------------------------------------------------------------
    def paint(self, mask: np.ndarray, color: str | np.ndarray, opacity: float = 1.0) -> None:
        """Composite a colour or gradient through ``mask`` over the canvas (premultiplied)."""
        rgb = np.float32(hex_color(color)) if isinstance(color, str) else color
        a = (mask * opacity)[..., None]
        self.px[..., :3] = rgb * a + self.px[..., :3] * (1.0 - a)
        self.px[..., 3:] = a + self.px[..., 3:] * (1.0 - a)

    def sticker_base(
        self,
        shape: np.ndarray,
        *,
        border: float = 0.028,
        outline: float = 0.010,
        outline_color: str = "#000000",
        shadow: float = 0.35,
    ) -> None:
        """The die-cut look: soft drop shadow, white border, dark outline around ``shape``."""
        outer = self.grow(shape, border + outline) if border > 0 else self.grow(shape, outline)
        if shadow > 0:
            soft = self.blur(self.shift(outer, 0.0, 0.014), 0.012)
            self.paint(soft, "#1a0a22", shadow)
        if border > 0:
            self.paint(outer, "#ffffff")
        if outline > 0:
            self.paint(self.grow(shape, outline), outline_color)

    def gloss(self, shape: np.ndarray, highlight: np.ndarray, opacity: float = 0.55) -> None:
        """A soft white highlight clipped to ``shape``."""
        self.paint(self.blur(highlight, 0.006) * shape, "#ffffff", opacity)

    def image(self) -> Image.Image:
        """Downscale to the output size and return a straight-alpha RGBA image."""
        return finish(self.px, self.out_size)


def finish(premultiplied: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """Area-downscale premultiplied RGBA, un-premultiply, and bleed edge colours outward."""
    small = cv2.resize(premultiplied, size, interpolation=cv2.INTER_AREA)
    alpha = np.clip(small[..., 3], 0.0, 1.0)
    rgb = small[..., :3] / np.maximum(alpha, 1e-6)[..., None]
    a8 = np.round(alpha * 255).astype(np.uint8)
    rgb8 = np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([bleed(rgb8, a8), a8]))


def bleed(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Give every fully transparent pixel the colour of the nearest solid pixel.

    Why: filtering (resize, rotate) and premultiplication mix a transparent pixel's RGB into its
    neighbours; black there shows as a dark fringe around the sticker. "Solid" (alpha >= 50 %)
    rather than "visible" so the faint rim of a drop shadow does not spread its dark colour.
    """
    solid = alpha >= 128
    clear = alpha == 0
    if not solid.any() or not clear.any():
        return rgb
    # Labels number the zero pixels of the input in row-major order (checked for OpenCV 4.x).
    _, labels = cv2.distanceTransformWithLabels(
        (~solid).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    src = rgb[solid]
    out = rgb.copy()
    out[clear] = src[labels[clear] - 1]
    return out


def spline(points: Sequence[Point], samples: int = 24, closed: bool = True) -> list[Point]:
    """Catmull-Rom spline through ``points`` (smooth organic outlines from a few points)."""
    p = np.asarray(points, np.float64)
    # Repeat end points so every segment has the four control points it needs.
    p = np.vstack([p[-1], p, p[0], p[1]]) if closed else np.vstack([p[0], p, p[-1]])
    t = np.linspace(0.0, 1.0, samples, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        seg = 0.5 * (
            2 * p1
            + (-p0 + p2) * t
            + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
            + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3
        )
        out.extend(map(tuple, seg))
    return out


def heart_points(cx: float, cy: float, scale: float, n: int = 400) -> list[Point]:
    """The classic parametric heart, ``scale`` = half width in unit coordinates."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return list(zip(cx + x / 16 * scale, cy + (y + 2.5) / 16 * scale, strict=True))


def star_points(cx: float, cy: float, r: float, inner: float, n: int = 5, rot: float = 0.0):
    """An n-pointed star polygon (unit coordinates, square canvas)."""
    ang = np.arange(2 * n) * np.pi / n - np.pi / 2 + rot
    rad = np.where(np.arange(2 * n) % 2 == 0, r, r * inner)
    return list(zip(cx + rad * np.cos(ang), cy + rad * np.sin(ang), strict=True))


def sparkle_points(cx: float, cy: float, r: float, fat: float = 2.4, rot: float = 0.0):
    """A four-pointed concave sparkle (a fattened astroid)."""
    t = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = np.sign(c) * np.abs(c) ** fat * r
    y = np.sign(s) * np.abs(s) ** fat * r
    xr = x * np.cos(rot) - y * np.sin(rot)
    yr = x * np.sin(rot) + y * np.cos(rot)
    return list(zip(cx + xr, cy + yr, strict=True))


# --------------------------------------------------------------------------------------------
# Stickers
# --------------------------------------------------------------------------------------------


def draw_heart(size: int = 512, beat: float = 1.0) -> Image.Image:
    """Glossy pink-red heart; ``beat`` scales it (for the heart-beat animation)."""
    c = Canvas(size, size)
    shape = c.polygon(heart_points(0.5, 0.47, 0.36 * beat))
    c.sticker_base(shape, outline_color="#8f0630")
    c.paint(
        shape,
        c.linear((0.5, 0.15), (0.5, 0.85), [(0, "#ff7aa2"), (0.55, "#f0245e"), (1, "#c0003c")]),
    )
    # Rim shade on the lower right, then a glossy highlight upper left.
    c.paint(
        shape
        * (1 - c.grow(shape, -0.035))
        * c.linear((0.3, 0.3), (0.8, 0.8), [(0, "#000000"), (1, "#ffffff")])[..., 0],
        "#9e0035",
        0.55,
    )
    c.gloss(shape, c.ellipse(0.34, 0.33, 0.085 * beat, 0.05 * beat), 0.75)
    c.gloss(shape, c.ellipse(0.25, 0.43, 0.025 * beat), 0.6)
    return c.image()


def draw_star(size: int = 512) -> Image.Image:
    c = Canvas(size, size)
    shape = c.round_corners(c.polygon(star_points(0.5, 0.53, 0.42, 0.5)), 0.03)
    c.sticker_base(shape, outline_color="#b35a00")
    c.paint(
        shape, c.radial((0.42, 0.38), 0.55, [(0, "#fff3a0"), (0.45, "#ffc928"), (1, "#ff8f00")])
    )
    # Bevel: a smaller star inside, lighter, makes the facets read.
    inner = c.round_corners(c.polygon(star_points(0.5, 0.53, 0.27, 0.5)), 0.02)
    c.paint(c.blur(inner, 0.01), "#fff6c2", 0.35)
    c.gloss(shape, c.ellipse(0.40, 0.34, 0.06, 0.035), 0.7)
    return c.image()


def draw_sparkle(size: int = 512, phase: float | None = None) -> Image.Image:
    """Golden sparkles with a soft glow; ``phase`` in [0, 1) animates a twinkle."""
    c = Canvas(size, size)
    glow_alpha = phase is None  # GIF frames have 1-bit alpha: no soft glow there
    sparks = [(0.46, 0.52, 0.36, 0.0), (0.80, 0.22, 0.13, 0.33), (0.20, 0.20, 0.09, 0.66)]
    for x, y, r, off in sparks:
        k = 1.0 if phase is None else 0.72 + 0.28 * np.cos(2 * np.pi * (phase + off))
        rot = 0.0 if phase is None else 0.18 * np.sin(2 * np.pi * (phase + off))
        shape = c.polygon(sparkle_points(x, y, r * k, rot=rot))
        if glow_alpha:
            c.paint(c.blur(c.grow(shape, 0.02), 0.03), "#ffd84d", 0.55)
        c.paint(c.grow(shape, 0.012), "#c27c00")
        c.paint(
            shape,
            c.radial(
                (x, y),
                r * k * 0.9,
                [(0, "#ffffff"), (0.25, "#fff5b8"), (0.7, "#ffd23f"), (1, "#ffb300")],
            ),
        )
    return c.image()


def draw_crown(size: int = 512) -> Image.Image:
    c = Canvas(size, size)
    tips = [(0.12, 0.30), (0.5, 0.20), (0.88, 0.30)]
    body = c.polygon(
        [
            (0.16, 0.70),
            (0.12, 0.30),
            (0.32, 0.50),
            (0.5, 0.20),
            (0.68, 0.50),
            (0.88, 0.30),
            (0.84, 0.70),
        ]
    )
    body = c.round_corners(body, 0.012)
    band = c.rounded_rect(0.12, 0.63, 0.88, 0.80, 0.04)
    balls = np.zeros_like(body)
    for x, y in tips:
        balls = np.maximum(balls, c.ellipse(x, y - 0.02, 0.05))
    shape = np.maximum(np.maximum(body, band), balls)
    c.sticker_base(shape, outline_color="#8a5200")
    gold = c.linear((0.5, 0.15), (0.5, 0.82), [(0, "#fff1a6"), (0.45, "#ffc933"), (1, "#e08e00")])
    c.paint(shape, gold)
    c.paint(c.grow(band, 0.0) * (1 - c.grow(band, -0.012)), "#b86e00", 0.8)
    c.paint(band, c.linear((0.5, 0.63), (0.5, 0.8), [(0, "#ffd75a"), (1, "#d48400")]))
    for x, y in tips:
        c.paint(c.ellipse(x - 0.015, y - 0.035, 0.016), "#ffffff", 0.8)
    for x, col in (
        (0.3, ("#ff8a9a", "#d1002f")),
        (0.5, ("#8fd3ff", "#0066d6")),
        (0.7, ("#9cf5b0", "#00a04a")),
    ):
        gem = c.ellipse(x, 0.715, 0.045)
        c.paint(c.grow(gem, 0.008), "#8a5200")
        c.paint(gem, c.radial((x - 0.015, 0.70), 0.06, [(0, col[0]), (1, col[1])]))
        c.paint(c.ellipse(x - 0.015, 0.70, 0.012), "#ffffff", 0.85)
    diamond = c.polygon([(0.5, 0.36), (0.56, 0.46), (0.5, 0.56), (0.44, 0.46)])
    c.paint(c.grow(diamond, 0.008), "#8a5200")
    c.paint(diamond, c.linear((0.44, 0.36), (0.56, 0.56), [(0, "#ffd1f4"), (1, "#c2188f")]))
    c.gloss(shape, c.ellipse(0.3, 0.56, 0.09, 0.02), 0.45)
    return c.image()


def draw_sunglasses(width: int = 512, height: int = 224) -> Image.Image:
    c = Canvas(width, height)
    ar = width / height

    def lens(x0: float) -> np.ndarray:
        pts = [(0.00, 0.00), (0.36, 0.00), (0.35, 0.40), (0.27, 0.66), (0.10, 0.66), (0.01, 0.40)]
        return c.polygon(spline([(x0 + x, 0.16 + y) for x, y in pts], 20))

    left, right = lens(0.085), lens(0.555)
    lenses = np.maximum(left, right)
    bridge = c.capsule((0.44, 0.24), (0.56, 0.24), 0.04)
    bar = c.capsule((0.07, 0.20), (0.93, 0.20), 0.045)
    arms = np.maximum(
        c.capsule((0.06, 0.22), (0.075, 0.30), 0.035), c.capsule((0.94, 0.22), (0.925, 0.30), 0.035)
    )
    frame = np.maximum.reduce([c.grow(lenses, 0.018), bridge, bar, arms])
    c.sticker_base(frame, border=0.022, outline=0.0, shadow=0.3)
    c.paint(frame, c.linear((0.5, 0.1), (0.5, 0.9), [(0, "#3a3a46"), (1, "#0c0c12")]))
    glass = c.linear((0.5, 0.15), (0.5, 0.85), [(0, "#5b2a86"), (0.5, "#20124a"), (1, "#0a0a1c")])
    c.paint(lenses, glass)
    # Two diagonal reflections per lens, clipped to the glass.
    xs, ys = c.grid()
    diag = xs * ar + ys
    for x0 in (0.085, 0.555):
        base = (x0 + 0.12) * ar + 0.3
        streak = ((diag > base) & (diag < base + 0.16)).astype(np.float32)
        streak += ((diag > base + 0.26) & (diag < base + 0.31)).astype(np.float32)
        c.paint(c.blur(streak, 0.002) * lenses, "#ffffff", 0.38)
    c.paint(c.blur(bar * (ys < 0.2), 0.002), "#ffffff", 0.18)
    return c.image()


def draw_fire(size: int = 512) -> Image.Image:
    c = Canvas(size, size)
    outer = [
        (0.50, 0.94),
        (0.25, 0.86),
        (0.16, 0.64),
        (0.22, 0.42),
        (0.30, 0.52),
        (0.33, 0.30),
        (0.45, 0.14),
        (0.50, 0.04),
        (0.56, 0.24),
        (0.66, 0.34),
        (0.70, 0.22),
        (0.80, 0.44),
        (0.85, 0.66),
        (0.76, 0.86),
    ]
    inner = [
        (0.50, 0.92),
        (0.35, 0.86),
        (0.31, 0.70),
        (0.38, 0.56),
        (0.44, 0.62),
        (0.48, 0.44),
        (0.55, 0.58),
        (0.62, 0.52),
        (0.68, 0.70),
        (0.64, 0.86),
    ]
    core = [
        (0.50, 0.91),
        (0.42, 0.85),
        (0.42, 0.76),
        (0.47, 0.70),
        (0.52, 0.62),
        (0.58, 0.74),
        (0.59, 0.85),
    ]
    shape = c.polygon(spline(outer))
    c.sticker_base(shape, outline_color="#9c1600")
    c.paint(
        shape,
        c.linear((0.5, 0.05), (0.5, 0.95), [(0, "#ff2d1a"), (0.5, "#ff5a12"), (1, "#ff8c1a")]),
    )
    mid = c.polygon(spline(inner))
    c.paint(mid, c.linear((0.5, 0.45), (0.5, 0.92), [(0, "#ffb020"), (1, "#ffd23a")]))
    c.paint(
        c.polygon(spline(core)), c.linear((0.5, 0.62), (0.5, 0.9), [(0, "#fff3a0"), (1, "#ffffff")])
    )
    c.gloss(shape, c.ellipse(0.30, 0.60, 0.025, 0.07), 0.45)
    return c.image()


def draw_dog_ears(width: int = 512, height: int = 288) -> Image.Image:
    """Two floppy ears, spread to sit on either side of the top of a head."""
    c = Canvas(width, height)
    ar = width / height
    # Left ear in unit coordinates (a floppy tip folding outward); mirrored for the right one.
    ear = [
        (0.37, 0.97),
        (0.41, 0.72),
        (0.37, 0.40),
        (0.28, 0.14),
        (0.16, 0.05),
        (0.06, 0.10),
        (0.03, 0.26),
        (0.07, 0.50),
        (0.12, 0.76),
        (0.19, 0.97),
    ]
    inner = [
        (0.31, 0.90),
        (0.33, 0.70),
        (0.29, 0.46),
        (0.22, 0.28),
        (0.16, 0.26),
        (0.13, 0.40),
        (0.15, 0.62),
        (0.20, 0.86),
    ]

    def place(pts: Sequence[Point], right: bool) -> list[Point]:
        # Shrink into the canvas margins and tilt the tip outward around the ear's base.
        ang = np.radians(-14.0)
        out = []
        for x, y in pts:
            x, y = 0.08 + x * 0.9, 0.07 + y * 0.82
            dx, dy = (x - 0.30) * ar, y - 0.86
            rx = 0.30 + (dx * np.cos(ang) - dy * np.sin(ang)) / ar
            ry = 0.86 + dx * np.sin(ang) + dy * np.cos(ang)
            out.append(((1.0 - rx) if right else rx, ry))
        return out

    fur = c.linear((0.5, 0.0), (0.5, 1.0), [(0, "#a86a3a"), (0.6, "#7a4622"), (1, "#5c3114")])
    pink = c.linear((0.5, 0.25), (0.5, 0.9), [(0, "#e8a39a"), (1, "#f7c1b5")])
    ears = [c.polygon(spline(place(ear, side))) for side in (False, True)]
    shape = np.maximum(*ears)
    c.sticker_base(shape, border=0.0, outline=0.008, outline_color="#3d1f0a", shadow=0.3)
    c.paint(shape, fur)
    for side, e in zip((False, True), ears, strict=True):
        c.paint(c.blur(c.polygon(spline(place(inner, side))), 0.0015), pink)
        # Darker fur along the outer rim gives the ear some volume.
        c.paint(e * (1 - c.shift(e, 0.012 if side else -0.012, 0.0)), "#4a260e", 0.45)
    return c.image()


def draw_speech_bubble(width: int = 512, height: int = 400) -> Image.Image:
    """A white comic speech bubble, left empty for a text layer on top."""
    c = Canvas(width, height)
    body = c.rounded_rect(0.06, 0.06, 0.94, 0.74, 0.16)
    tail = c.polygon(
        spline([(0.22, 0.68), (0.20, 0.84), (0.12, 0.95), (0.30, 0.88), (0.42, 0.70)], 16)
    )
    shape = c.round_corners(np.maximum(body, tail), 0.01)
    c.sticker_base(shape, border=0.0, outline=0.016, outline_color="#1d1b2e", shadow=0.35)
    c.paint(
        shape,
        c.linear((0.5, 0.06), (0.5, 0.95), [(0, "#ffffff"), (0.7, "#f4f4fb"), (1, "#dcdcec")]),
    )
    c.gloss(shape, c.rounded_rect(0.13, 0.12, 0.45, 0.17, 0.025), 0.0)
    c.paint(c.blur(c.capsule((0.16, 0.18), (0.36, 0.14), 0.025), 0.002), "#c9c9e0", 0.8)
    c.paint(c.blur(c.ellipse(0.42, 0.135, 0.013), 0.001), "#c9c9e0", 0.8)
    return c.image()


def draw_like_badge(size: int = 512) -> Image.Image:
    """A blue round badge with a white thumbs-up."""
    c = Canvas(size, size)
    disc = c.ellipse(0.5, 0.5, 0.40)
    c.sticker_base(disc, outline_color="#0a3a9e")
    c.paint(
        disc, c.linear((0.5, 0.1), (0.5, 0.9), [(0, "#5fb4ff"), (0.6, "#2a76f0"), (1, "#1650c8")])
    )
    c.paint(c.ellipse(0.5, 0.5, 0.40) * (1 - c.ellipse(0.5, 0.47, 0.40)), "#0d3fa6", 0.35)
    # Thumbs-up: cuff, fist, thumb; then finger creases cut in badge blue.
    cuff = c.rounded_rect(0.25, 0.47, 0.35, 0.75, 0.02)
    fist = c.rounded_rect(0.38, 0.46, 0.70, 0.76, 0.06)
    thumb = c.capsule((0.45, 0.50), (0.54, 0.25), 0.10)
    hand = np.maximum.reduce([fist, thumb])
    c.paint(c.blur(c.shift(np.maximum(hand, cuff), 0.0, 0.012), 0.006), "#0b2f80", 0.4)
    c.paint(
        np.maximum(hand, cuff), c.linear((0.5, 0.2), (0.5, 0.78), [(0, "#ffffff"), (1, "#e3ecff")])
    )
    for y in (0.535, 0.61, 0.685):
        c.paint(c.capsule((0.58, y), (0.70, y), 0.014) * fist, "#2a76f0", 0.9)
    c.paint(c.ellipse(0.30, 0.70, 0.014), "#2a76f0", 0.9)
    c.gloss(disc, c.ellipse(0.36, 0.24, 0.14, 0.06), 0.35)
    return c.image()


def draw_arrow(size: int = 512) -> Image.Image:
    """A bold right-pointing arrow (rotate it in the preset to point anywhere)."""
    c = Canvas(size, size)
    shape = c.polygon(
        [
            (0.08, 0.40),
            (0.52, 0.40),
            (0.52, 0.22),
            (0.93, 0.50),
            (0.52, 0.78),
            (0.52, 0.60),
            (0.08, 0.60),
        ]
    )
    shape = c.round_corners(shape, 0.025)
    c.sticker_base(shape, outline_color="#8c0f5a")
    c.paint(
        shape,
        c.linear((0.08, 0.3), (0.93, 0.7), [(0, "#ff5fd0"), (0.55, "#ff3c7a"), (1, "#ff8a1c")]),
    )
    c.gloss(shape, c.capsule((0.14, 0.45), (0.50, 0.45), 0.035), 0.45)
    return c.image()


def draw_confetti_frame(size: int, phase: float, seed: int = 7) -> Image.Image:
    """Confetti falling in a seamless loop: every piece moves a whole number of heights."""
    c = Canvas(size, size)
    rng = np.random.default_rng(seed)
    palette = ["#ff4f8b", "#ffd23f", "#3ec6ff", "#7cf29c", "#b47cff", "#ff8a3d"]
    for _ in range(34):
        x0, y0 = rng.uniform(0.05, 0.95), rng.uniform(0, 1)
        laps = int(rng.integers(1, 3))
        sway, spin0 = rng.uniform(0.01, 0.04), rng.uniform(0, 2 * np.pi)
        col = palette[int(rng.integers(len(palette)))]
        kind = int(rng.integers(3))
        y = (y0 + laps * phase) % 1.0 * 1.16 - 0.08
        x = x0 + sway * np.sin(2 * np.pi * (phase + y0))
        spin = spin0 + 2 * np.pi * phase * (1 if kind else 2)
        if kind == 0:  # a round dot
            m = c.ellipse(x, y, 0.022)
        else:  # a spinning strip: its apparent length changes as it flips
            L = 0.05 * (0.35 + 0.65 * abs(np.cos(spin)))
            ang = spin0 + (0.4 * np.sin(2 * np.pi * phase) if kind == 1 else 0)
            dx, dy = L * np.cos(ang), L * np.sin(ang)
            m = c.capsule((x - dx, y - dy), (x + dx, y + dy), 0.024 if kind == 1 else 0.016)
        c.paint(m, col)
        c.paint(m * c.shift(1 - m, 0.004, 0.004), "#ffffff", 0.35)  # a lit edge
    return c.image()


STATIC_STICKERS: dict[str, Callable[[], Image.Image]] = {
    "heart.png": draw_heart,
    "star.png": draw_star,
    "sparkle.png": draw_sparkle,
    "crown.png": draw_crown,
    "sunglasses.png": draw_sunglasses,
    "fire.png": draw_fire,
    "dog-ears.png": draw_dog_ears,
    "speech-bubble.png": draw_speech_bubble,
    "like-badge.png": draw_like_badge,
    "arrow.png": draw_arrow,
}


def gif_frame(img: Image.Image, palette_of: Image.Image) -> Image.Image:
    """RGBA to a palette frame with index 255 transparent (GIF alpha is 1-bit).

    All frames share ``palette_of``'s palette: one global palette keeps the GIF small and
    stops colours flickering between frames.
    """
    rgba = np.asarray(img)
    opaque = rgba[..., 3] >= 128
    pal = Image.fromarray(rgba[..., :3]).quantize(palette=palette_of, dither=Image.Dither.NONE)
    idx = np.asarray(pal).copy()
    idx[~opaque] = 255
    out = Image.fromarray(idx)  # "L"; putpalette below makes it "P" with these indices
    palette = [*pal.getpalette()[: 255 * 3], 0, 0, 0]
    palette += [0] * (768 - len(palette))
    out.putpalette(palette)
    out.info["transparency"] = 255
    return out


def make_stickers(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in STATIC_STICKERS.items():
        draw().save(out / name, optimize=True)
        print(f"  stickers/{name}")

    # sparkle-anim.gif: 10 frames x 80 ms, looping forever.
    rgba = [draw_sparkle(384, phase=i / 10) for i in range(10)]
    strip = Image.fromarray(np.vstack([np.asarray(f)[..., :3] for f in rgba]))
    shared = strip.quantize(255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    frames = [gif_frame(f, shared) for f in rgba]
    frames[0].save(
        out / "sparkle-anim.gif",
        save_all=True,
        append_images=frames[1:],
        duration=80,
        loop=0,
        disposal=2,
        transparency=255,
        optimize=False,
    )
    print("  stickers/sparkle-anim.gif")

    # heart-beat.png (APNG): a "lub-dub" pulse over 8 frames x 100 ms.
    pulse = [1.0, 1.12, 1.0, 1.08, 1.0, 0.98, 0.98, 0.99]
    hearts = [draw_heart(320, beat=0.88 * p) for p in pulse]
    hearts[0].save(
        out / "heart-beat.png",
        save_all=True,
        append_images=hearts[1:],
        duration=100,
        loop=0,
        disposal=1,
        blend=0,
        optimize=True,
    )
    print("  stickers/heart-beat.png")

    # confetti.webp: 12 frames x 83 ms, lossy colour with exact alpha.
    confetti = [draw_confetti_frame(384, i / 12) for i in range(12)]
    confetti[0].save(
        out / "confetti.webp",
        save_all=True,
        append_images=confetti[1:],
        duration=83,
        loop=0,
        lossless=False,
        quality=80,
        alpha_quality=100,
        method=6,
    )
    print("  stickers/confetti.webp")


# --------------------------------------------------------------------------------------------
# Audio toolkit: mono float64 signals at RATE; loops are built on a circular buffer so the
# end flows into the start (tails of the last notes and the reverb wrap around).
# --------------------------------------------------------------------------------------------


def midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12)


def tvec(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * RATE)) / RATE


def spectral_filter(
    x: np.ndarray, low: float = 0.0, high: float | None = None, order: int = 2
) -> np.ndarray:
    """Zero-phase Butterworth-shaped band filter applied in the frequency domain."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    gain = np.ones_like(f)
    if high is not None:
        gain /= np.sqrt(1 + (f / high) ** (2 * order))
    if low > 0:
        gain /= np.sqrt(1 + (low / np.maximum(f, 1e-3)) ** (2 * order))
    return np.fft.irfft(spec * gain, len(x))


def adsr(
    n: int, attack: float, decay: float, sustain: float, release: float, gate: float
) -> np.ndarray:
    """An ADSR envelope of n samples; the note is held for ``gate`` seconds."""
    t = np.arange(n) / RATE
    env = np.where(
        t < attack,
        t / max(attack, 1e-6),
        sustain + (1 - sustain) * np.exp(-(t - attack) / max(decay, 1e-6)),
    )
    held = np.interp(gate, t, env) if n else 0.0
    return np.where(t < gate, env, held * np.exp(-(t - gate) / max(release, 1e-6)))


def saw(freq: float, t: np.ndarray, phase: float = 0.0) -> np.ndarray:
    """A band-limited-ish sawtooth (additive, harmonics under 12 kHz)."""
    out = np.zeros_like(t)
    for k in range(1, max(2, int(12000 / freq))):
        out += np.sin(2 * np.pi * k * freq * t + phase * k) / k
    return out * (2 / np.pi)


class Loop:
    """A stereo circular buffer with a beat grid; notes wrap around the end."""

    def __init__(self, bpm: float, beats: int):
        self.beat = 60.0 / bpm
        self.n = round(beats * self.beat * RATE)
        self.buf = np.zeros((2, self.n))

    def add(self, at_beats: float, sig: np.ndarray, gain: float = 1.0, pan: float = 0.0) -> None:
        """Add a mono signal at a beat position; pan -1 (left) .. 1 (right), constant power."""
        start = round(at_beats * self.beat * RATE) % self.n
        idx = (start + np.arange(len(sig))) % self.n
        ang = (pan + 1) * np.pi / 4
        np.add.at(self.buf[0], idx, sig * gain * np.cos(ang) * np.sqrt(2))
        np.add.at(self.buf[1], idx, sig * gain * np.sin(ang) * np.sqrt(2))

    def track(self) -> np.ndarray:
        """A fresh empty buffer for a bus (processed as a whole before mixing)."""
        return np.zeros_like(self.buf)


def circular_reverb(x: np.ndarray, seconds: float, seed: int) -> np.ndarray:
    """Stereo reverb: circular FFT convolution with decaying noise (the loop stays seamless)."""
    rng = np.random.default_rng(seed)
    n = x.shape[1]
    t = np.arange(round(seconds * RATE)) / RATE
    out = np.empty_like(x)
    for ch in range(2):
        ir = rng.standard_normal(len(t)) * np.exp(-t * 6.9 / seconds)
        ir = spectral_filter(ir, 200, 6000)
        ir /= np.sqrt(np.sum(ir**2))
        pad = np.zeros(n)
        pad[: len(ir)] = ir
        out[ch] = np.fft.irfft(np.fft.rfft(x[ch]) * np.fft.rfft(pad), n)
    return out


def kick(pitch: float = 52.0, decay: float = 0.32) -> np.ndarray:
    t = tvec(0.5)
    f = pitch + 110 * np.exp(-t * 28)
    body = np.sin(2 * np.pi * np.cumsum(f) / RATE) * np.exp(-t / decay)
    click = np.exp(-t * 400) * 0.4
    return np.tanh(1.6 * (body + click))


def snare(rng: np.random.Generator, tone: float = 190.0) -> np.ndarray:
    t = tvec(0.3)
    noise = spectral_filter(rng.standard_normal(len(t)), 900, 9000) * np.exp(-t * 18)
    body = np.sin(2 * np.pi * tone * t) * np.exp(-t * 30)
    return 0.9 * noise / np.abs(noise).max() + 0.5 * body


def clap(rng: np.random.Generator) -> np.ndarray:
    t = tvec(0.25)
    env = sum(np.exp(-np.maximum(t - d, 0) * 90) * (t >= d) for d in (0, 0.011, 0.022))
    env = env + 0.5 * np.exp(-np.maximum(t - 0.03, 0) * 16) * (t >= 0.03)
    noise = spectral_filter(rng.standard_normal(len(t)), 800, 5000)
    return noise / np.abs(noise).max() * env


def hat(rng: np.random.Generator, decay: float = 0.035) -> np.ndarray:
    t = tvec(max(0.05, decay * 6))
    noise = spectral_filter(rng.standard_normal(len(t)), 7000, 16000)
    return noise / np.abs(noise).max() * np.exp(-t / decay)


def bass_note(note: int, length: float, bright: float = 1500.0) -> np.ndarray:
    t = tvec(length + 0.1)
    f = midi_hz(note)
    tone = saw(f, t) * 0.6 + np.sin(2 * np.pi * f * t) * 0.8
    tone = spectral_filter(tone, 30, bright)
    return tone * adsr(len(t), 0.005, 0.15, 0.6, 0.05, length)


def pad_chord(notes: Sequence[int], length: float, cutoff: float = 2400.0) -> np.ndarray:
    """Detuned saws, softened: a warm synth pad."""
    t = tvec(length + 0.6)
    sig = np.zeros_like(t)
    for k, note in enumerate(notes):
        for j, det in enumerate((-0.08, 0.0, 0.08)):
            sig += saw(midi_hz(note + det), t, phase=1.3 * k + 0.7 * j)
    sig = spectral_filter(sig, 120, cutoff)
    return sig / (3 * len(notes)) * adsr(len(t), 0.08, 0.6, 0.7, 0.5, length)


def pluck(note: int, length: float, rng: np.random.Generator) -> np.ndarray:
    """A bright pluck lead: square-ish tone with a falling filter."""
    t = tvec(length + 0.35)
    f = midi_hz(note) * (1 + 0.003 * np.sin(2 * np.pi * 5.5 * t) * (t > 0.12))
    ph = 2 * np.pi * np.cumsum(f) / RATE
    tone = sum(np.sin(k * ph) / k for k in (1, 3, 5, 7, 9)) + 0.3 * np.sin(2 * ph)
    bright = spectral_filter(tone, 150, 5000) * np.exp(-t * 10)
    soft = spectral_filter(tone, 150, 1400)
    return (0.6 * bright + 0.4 * soft) * adsr(len(t), 0.004, 0.18, 0.35, 0.12, length)


def epiano(note: int, length: float) -> np.ndarray:
    """A soft FM electric piano with a little tremolo (for the chill loop)."""
    t = tvec(length + 1.0)
    f = midi_hz(note)
    mod = np.sin(2 * np.pi * f * t) * 1.2 * np.exp(-t * 3)
    tone = np.sin(2 * np.pi * f * t + mod) + 0.15 * np.sin(2 * np.pi * 2 * f * t)
    trem = 1 + 0.12 * np.sin(2 * np.pi * 4.5 * t)
    return tone * trem * adsr(len(t), 0.006, 1.2, 0.25, 0.6, length)


def master(mix: np.ndarray, rms_db: float = -15.0) -> np.ndarray:
    """Level to ``rms_db`` then soft-limit peaks under -1 dBFS."""
    mix = mix - mix.mean(axis=1, keepdims=True)
    mix *= 10 ** (rms_db / 20) / np.sqrt(np.mean(mix**2))
    ceiling = 10 ** (-1 / 20)
    return ceiling * np.tanh(mix / ceiling)


def sidechain(loop: Loop, beats: Sequence[float], depth: float = 0.5) -> np.ndarray:
    """A gain curve that dips on each kick (the pop "pumping")."""
    gain = np.ones(loop.n)
    dip = tvec(loop.beat)
    curve = 1 - depth * np.exp(-dip / (loop.beat * 0.28))
    for b in beats:
        start = round(b * loop.beat * RATE) % loop.n
        idx = (start + np.arange(len(curve))) % loop.n
        gain[idx] = np.minimum(gain[idx], curve)
    return gain


def make_pop(bars: int = 16) -> tuple[np.ndarray, float]:
    """Pop loop, 120 BPM in C major, I-V-vi-IV. Returns (stereo, bpm)."""
    bpm = 120.0
    rng = np.random.default_rng(120)
    L = Loop(bpm, bars * 4)
    drums, music = L.track(), L.track()
    k, s, cl = kick(decay=0.22), snare(rng), clap(rng)
    hats = [hat(rng) for _ in range(4)]
    open_hat = hat(rng, 0.12)
    chords = [
        (0, [60, 64, 67, 72]),
        (7, [59, 62, 67, 71]),
        (9, [57, 60, 64, 69]),
        (5, [57, 60, 65, 69]),
    ]  # root offset from C, voicing
    melody = [  # (beat in 2 bars, midi note, length in beats)
        (0, 76, 0.5),
        (0.5, 79, 0.5),
        (1, 81, 1),
        (2, 79, 0.5),
        (2.5, 76, 0.5),
        (3, 74, 1),
        (4, 74, 0.5),
        (4.5, 76, 0.5),
        (5, 79, 1.5),
        (6.5, 76, 0.5),
        (7, 72, 1),
    ]
    L.buf = drums
    for beat in range(bars * 4):
        L.add(beat, k, 0.95)
        if beat % 4 in (1, 3):
            L.add(beat, s, 0.55, pan=0.05)
            L.add(beat, cl, 0.35, pan=-0.1)
        for e in range(2):
            h = hats[(beat * 2 + e) % 4]
            L.add(beat + e * 0.5, h, 0.22 if e else 0.14, pan=0.3)
        if beat % 4 == 3:
            L.add(beat + 0.5, open_hat, 0.16, pan=0.3)
    L.buf = music
    for bar in range(bars):
        root, voicing = chords[bar % 4]
        pad = pad_chord(voicing, 4 * L.beat)
        L.add(bar * 4, pad, 0.55, pan=-0.25)
        for e in range(8):  # eighth-note bass, octave jump on the off-beats
            note = 36 + root + (12 if e % 2 else 0)
            L.add(bar * 4 + e * 0.5, bass_note(note, 0.42 * L.beat), 0.3)
        if bar >= 4:  # the lead enters after four bars, then alternates with its answer
            for b, note, length in melody:
                if (bar % 2 == 0) == (b < 4):
                    shift = 0 if (bar // 8) % 2 == 0 else 2
                    L.add(
                        bar * 4 + (b % 4), pluck(note + shift, length * L.beat, rng), 0.32, pan=0.2
                    )
    music *= sidechain(L, range(bars * 4), 0.6)
    wet = circular_reverb(music, 1.8, seed=3)
    mix = drums + music + 0.25 * wet + 0.1 * circular_reverb(drums, 0.8, seed=4)
    return master(mix, -14.5), bpm


def make_chill(bars: int = 12) -> tuple[np.ndarray, float]:
    """Mellow lo-fi loop, 90 BPM, Fmaj7-Em7-Dm7-Cmaj7. Returns (stereo, bpm)."""
    bpm = 90.0
    rng = np.random.default_rng(90)
    L = Loop(bpm, bars * 4)
    drums, keys = L.track(), L.track()
    k = spectral_filter(kick(48, 0.4), 0, 2500)
    rim = spectral_filter(snare(rng, 330), 400, 5000)
    shaker = [spectral_filter(hat(rng, 0.05), 3000, 9000) for _ in range(4)]
    chords = [
        (5, [53, 57, 60, 64]),
        (4, [52, 55, 59, 62]),
        (2, [50, 53, 57, 60]),
        (0, [48, 52, 55, 59]),
    ]
    L.buf = drums
    for beat in range(bars * 4):
        if beat % 4 == 0 or (beat % 4 == 2 and beat % 8 != 2):
            L.add(beat, k, 1.0)
        if beat % 8 == 6:
            L.add(beat + 0.75, k, 0.5)  # a lazy pickup kick
        if beat % 4 in (1, 3):
            L.add(beat + 0.02, rim, 0.35, pan=-0.15)  # slightly late: laid back
        for e in range(2):
            L.add(
                beat + e * 0.5 + (0.06 if e else 0),
                shaker[(beat + e) % 4],
                0.10 if e else 0.06,
                pan=0.35,
            )
    L.buf = keys
    for bar in range(bars):
        root, voicing = chords[bar % 4]
        for j, note in enumerate(voicing):  # a gentle strum
            L.add(bar * 4 + 0.03 * j, epiano(note + 12, 3.6 * L.beat), 0.22, pan=-0.3 + 0.2 * j)
        L.add(bar * 4 + 2.5, epiano(voicing[-1] + 12, 1.2 * L.beat), 0.12, pan=0.3)
        for b, length in ((0, 1.5), (1.5, 0.5), (2, 1.8)):
            note = 36 + root + (7 if b == 1.5 else 0)
            L.add(bar * 4 + b, bass_note(note, length * L.beat, 500), 0.3)
        if bar % 2 == 1:  # a soft melody answer every other bar
            for b, step in ((2, 0), (2.5, 2), (3, 4)):
                note = voicing[min(step // 2 + 1, 3)] + 24
                L.add(bar * 4 + b, epiano(note, 0.45 * L.beat), 0.12, pan=0.25)
    crackle = np.zeros((2, L.n))
    pops = rng.integers(0, L.n, size=(2, 300))
    for ch in range(2):
        crackle[ch, pops[ch]] = rng.uniform(-1, 1, 300)
        crackle[ch] = spectral_filter(crackle[ch], 1500, 8000) * 0.5
    hiss = spectral_filter(rng.standard_normal(L.n), 2000, 9000) * 0.004
    wet = circular_reverb(keys, 2.6, seed=9)
    mix = drums + keys + 0.45 * wet + crackle + hiss
    return master(mix, -16.0), bpm


def encode_m4a(stereo: np.ndarray, path: Path) -> None:
    """Encode float stereo to AAC 128k in MP4 with the bundled ffmpeg, bit-exact flags."""
    import imageio_ffmpeg

    pcm = (np.clip(stereo.T, -1, 1) * 32767).round().astype("<i2").tobytes()
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        "-f",
        "s16le",
        "-ar",
        str(RATE),
        "-ac",
        "2",
        "-i",
        "pipe:0",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        "-movflags",
        "+faststart",
        str(path),
    ]
    subprocess.run(cmd, input=pcm, check=True)


def decode_pcm(path: Path) -> np.ndarray:
    """Decode an audio file to float stereo at RATE (used to verify the beat grid)."""
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-i",
        str(path),
        "-f",
        "s16le",
        "-ac",
        "2",
        "-ar",
        str(RATE),
        "pipe:1",
    ]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, "<i2").reshape(-1, 2).T / 32768.0


def alignment_lag(source: np.ndarray, decoded: np.ndarray) -> int:
    """Samples by which ``decoded`` lags ``source`` (cross-correlation of the first 4 s)."""
    n = 4 * RATE
    a, b = source[0, :n], decoded[0, :n]
    corr = np.fft.irfft(np.fft.rfft(b, 2 * n) * np.conj(np.fft.rfft(a, 2 * n)))
    lag = int(np.argmax(corr))
    return lag if lag < n else lag - 2 * n


def write_wav(path: Path, mono: np.ndarray) -> None:
    data = (np.clip(mono, -1, 1) * 32767).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())


def make_music(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, make in (("pop-120.m4a", make_pop), ("chill-90.m4a", make_chill)):
        stereo, bpm = make()
        encode_m4a(stereo, out / name)
        decoded = decode_pcm(out / name)
        lag = alignment_lag(stereo, decoded)
        seconds = stereo.shape[1] / RATE
        rows.append((name, bpm, seconds, decoded.shape[1] / RATE, lag))
        print(f"  music/{name}: {bpm:g} BPM, {seconds:.3f} s, decoded lag {lag} samples")
        if abs(lag) > 2:
            raise SystemExit(f"{name}: decoded audio is offset by {lag} samples")
    lines = [
        "# Music loops",
        "",
        "Synthesized with numpy by `tools/make_assets.py` (no samples, no third-party audio);",
        "AAC 128 kb/s, 48 kHz stereo, in MP4. Same license as clipforge.",
        "",
        "Each loop is a whole number of bars and wraps seamlessly (notes and reverb tails",
        "wrap around the end), so `loop: true` keeps the beat grid across the seam.",
        "Beat *k* (k = 0, 1, ...) is at `first_beat + k * 60 / bpm` seconds; the first",
        "beat is a kick drum. Decoding with the bundled ffmpeg was checked to line up",
        "with the synthesized signal to the sample (the MP4 edit list removes the AAC",
        "priming delay).",
        "",
        "| file | bpm | first_beat (s) | beats | length (s) | meter | feel |",
        "|---|---|---|---|---|---|---|",
    ]
    feel = {
        "pop-120.m4a": "pop: kick every beat, snare+clap on 2 and 4, 8th hats, bass, "
        "pad, pluck lead from bar 5",
        "chill-90.m4a": "lo-fi: soft kick on 1 and 3, rim on 2 and 4, e-piano, bass, vinyl crackle",
    }
    for name, bpm, seconds, _, _ in rows:
        beats = round(seconds * bpm / 60)
        lines.append(
            f"| {name} | {bpm:g} | {FIRST_BEAT:.3f} | {beats} | {seconds:.3f} | 4/4 "
            f"| {feel[name]} |"
        )
    lines += ["", "The same facts, for programs: `beats.json`."]
    (out / "README.md").write_text("\n".join(lines) + "\n")
    facts = {
        name: {
            "bpm": bpm,
            "first_beat": FIRST_BEAT,
            "beats": round(seconds * bpm / 60),
            "seconds": seconds,
            "beats_per_bar": 4,
        }
        for name, bpm, seconds, _, _ in rows
    }
    (out / "beats.json").write_text(json.dumps(facts, indent=2) + "\n")


def make_sfx(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)

    # pop: a bubble pop, a fast upward pitch blip with a tiny noise transient.
    t = tvec(0.14)
    f = 380 + 1300 * (1 - np.exp(-t * 60))
    blip = np.sin(2 * np.pi * np.cumsum(f) / RATE) * np.exp(-t * 38) * (1 - np.exp(-t * 3000))
    tick = spectral_filter(rng.standard_normal(len(t)), 2000, 9000) * np.exp(-t * 400) * 0.05
    pop = blip + tick
    write_wav(out / "pop.wav", 0.8 * pop / np.abs(pop).max())

    # whoosh: noise through a band sweeping up then down, swelling and fading.
    seconds = 0.7
    t = tvec(seconds)
    noise = rng.standard_normal(len(t))
    hop, size = 512, 2048
    whoosh = np.zeros(len(t) + size)
    window = np.hanning(size)
    f = np.fft.rfftfreq(size, 1 / RATE)
    padded = np.concatenate([noise, np.zeros(size)])
    for start in range(0, len(t), hop):  # overlap-add, one band per block (not per sample)
        pos = start / len(t)
        centre = 300 * 2 ** (4.5 * np.sin(np.pi * pos) ** 1.5)
        band = np.exp(-0.5 * (np.log2(np.maximum(f, 1) / centre) / 0.8) ** 2)
        block = np.fft.irfft(np.fft.rfft(padded[start : start + size] * window) * band, size)
        whoosh[start : start + size] += block
    whoosh = whoosh[: len(t)] * np.sin(np.pi * t / seconds) ** 2
    write_wav(out / "whoosh.wav", 0.7 * whoosh / np.abs(whoosh).max())

    # ding: a small bell, inharmonic partials each with its own decay.
    t = tvec(1.2)
    ding = np.zeros_like(t)
    for ratio, amp, decay in (
        (1.0, 1.0, 0.9),
        (2.0, 0.45, 0.5),
        (2.76, 0.35, 0.35),
        (5.4, 0.18, 0.15),
        (8.93, 0.08, 0.08),
    ):
        ding += amp * np.sin(2 * np.pi * 1318.5 * ratio * t) * np.exp(-t / decay)
    ding *= 1 - np.exp(-t * 2000)
    write_wav(out / "ding.wav", 0.7 * ding / np.abs(ding).max())
    print("  sfx/pop.wav, sfx/whoosh.wav, sfx/ding.wav")


README = """# clipforge assets

Every file here is generated by `tools/make_assets.py` from code alone: stickers drawn with
Pillow/numpy, music loops and sound effects synthesized with numpy and encoded with the bundled
ffmpeg. No third-party media or fonts. License: the same as clipforge (MIT).

Regenerate with `python tools/make_assets.py` (deterministic).

- `stickers/`: RGBA PNG stickers (~512 px, edge colours bled into transparent pixels),
  plus animated `sparkle-anim.gif` (10 x 80 ms), `heart-beat.png` (APNG, 8 x 100 ms) and
  `confetti.webp` (animated WebP, 12 x 83 ms), all looping.
- `music/`: seamless loops; BPM and first beat in `music/README.md`.
- `sfx/`: one-shot effects, 48 kHz 16-bit mono WAV.
"""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS, help="assets folder to write")
    parser.add_argument(
        "--only",
        default="stickers,music,sfx",
        help="comma-separated subset of: stickers, music, sfx",
    )
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "README.md").write_text(README)
    if "stickers" in parts:
        make_stickers(args.out / "stickers")
    if "music" in parts:
        make_music(args.out / "music")
    if "sfx" in parts:
        make_sfx(args.out / "sfx")
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"assets: {total / 1e6:.2f} MB in {args.out}")


if __name__ == "__main__":
    main()
