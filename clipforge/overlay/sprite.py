"""Premultiplied RGBA sprites and their bounding-box blend onto a frame.

A sprite keeps its colour premultiplied by alpha, so scaling, rotating and blending it never
produces dark fringes, and compositing is `out = colour + frame * (1 - alpha)` on the sprite's
bounding box only (the rest of the frame is not touched).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Sprite:
    """Premultiplied colour (h, w, 3) uint8 and the inverse alpha (h, w, 3) uint8 (255 - a).

    The arrays may be trimmed to the visible pixels' bounding box (stickers often have wide
    transparent margins, and blending them would only cost time): `offset` is where the arrays
    start inside the whole sprite, `full_size` the whole sprite's (width, height), which is what
    anchoring uses.
    """

    color: np.ndarray
    inverse_alpha: np.ndarray
    offset: tuple[int, int] = (0, 0)
    full_size: tuple[int, int] | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the whole sprite, transparent margins included."""
        if self.full_size is not None:
            return self.full_size
        h, w = self.color.shape[:2]
        return w, h

    @staticmethod
    def from_rgba(rgba: np.ndarray) -> Sprite:
        """From straight (non-premultiplied) RGBA uint8."""
        return Sprite.from_premultiplied(premultiply(rgba))

    @staticmethod
    def from_premultiplied(rgba: np.ndarray, trim: bool = True) -> Sprite:
        """From premultiplied RGBA uint8; `trim` drops fully transparent margins."""
        h, w = rgba.shape[:2]
        x, y, bw, bh = cv2.boundingRect(rgba[:, :, 3]) if trim else (0, 0, w, h)
        if bw == 0 or bh == 0:  # nothing visible: keep one transparent pixel
            x, y, bw, bh = 0, 0, 1, 1
        visible = rgba[y : y + bh, x : x + bw]
        inverse = cv2.merge([255 - visible[:, :, 3]] * 3)
        return Sprite(np.ascontiguousarray(visible[:, :, :3]), inverse, (x, y), (w, h))

    @staticmethod
    def from_image(image: Image.Image) -> Sprite:
        return Sprite.from_rgba(np.asarray(image.convert("RGBA")))


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8 -> premultiplied RGBA uint8."""
    alpha = rgba[:, :, 3:4].astype(np.uint16)
    out = rgba.copy()
    out[:, :, :3] = ((rgba[:, :, :3].astype(np.uint16) * alpha + 127) // 255).astype(np.uint8)
    return out


def transform(
    rgba_premultiplied: np.ndarray,
    width: float,
    height: float,
    rotate: float = 0.0,
    opacity: float = 1.0,
) -> np.ndarray:
    """Resize to width x height, rotate clockwise by `rotate` degrees around the centre (the
    canvas grows to fit) and fade by `opacity`. Premultiplied in, premultiplied out."""
    w, h = max(1, round(width)), max(1, round(height))
    src_h, src_w = rgba_premultiplied.shape[:2]
    shrinking = w < src_w or h < src_h
    out = cv2.resize(
        rgba_premultiplied, (w, h), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )
    if rotate % 360:
        rad = math.radians(rotate)
        cos, sin = abs(math.cos(rad)), abs(math.sin(rad))
        # The epsilon keeps float noise (cos 90 = 6e-17) from adding a pixel.
        bw = math.ceil(w * cos + h * sin - 1e-6)
        bh = math.ceil(w * sin + h * cos - 1e-6)
        # OpenCV's positive angle is counter-clockwise; the preset's rotate is clockwise.
        m = cv2.getRotationMatrix2D((w / 2, h / 2), -rotate, 1.0)
        m[0, 2] += (bw - w) / 2
        m[1, 2] += (bh - h) / 2
        out = cv2.warpAffine(
            out, m, (bw, bh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
        )
    if opacity < 1.0:
        out = cv2.convertScaleAbs(out, alpha=max(opacity, 0.0))
    return out


def blend(frame: np.ndarray, sprite: Sprite, x: int, y: int) -> None:
    """Composite `sprite` with its top-left corner at (x, y), in place, clipped to the frame."""
    fh, fw = frame.shape[:2]
    x, y = x + sprite.offset[0], y + sprite.offset[1]
    sh, sw = sprite.color.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + sw, fw), min(y + sh, fh)
    if x0 >= x1 or y0 >= y1:
        return
    sx, sy = x0 - x, y0 - y
    roi = frame[y0:y1, x0:x1]
    color = sprite.color[sy : sy + (y1 - y0), sx : sx + (x1 - x0)]
    inverse = sprite.inverse_alpha[sy : sy + (y1 - y0), sx : sx + (x1 - x0)]
    # Both steps write into the frame's box: no temporary the size of the sprite per frame.
    cv2.multiply(roi, inverse, dst=roi, scale=1.0 / 255.0)
    cv2.add(roi, color, dst=roi)


ANCHORS: dict[str, tuple[float, float]] = {
    "top-left": (0.0, 0.0),
    "top": (0.5, 0.0),
    "top-right": (1.0, 0.0),
    "left": (0.0, 0.5),
    "center": (0.5, 0.5),
    "right": (1.0, 0.5),
    "bottom-left": (0.0, 1.0),
    "bottom": (0.5, 1.0),
    "bottom-right": (1.0, 1.0),
}


def anchored_origin(at: tuple[float, float], size: tuple[int, int], anchor: str) -> tuple[int, int]:
    """Top-left corner that puts the sprite's `anchor` point at `at`."""
    ax, ay = ANCHORS[anchor]
    return round(at[0] - ax * size[0]), round(at[1] - ay * size[1])
