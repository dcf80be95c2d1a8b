"""Premultiplied RGBA sprites and their bounding-box blend onto a frame.

A sprite keeps its colour premultiplied by alpha, so scaling, rotating and blending it never
produces dark fringes, and compositing is `out = colour + frame * (1 - alpha)` on the sprite's
bounding box only (the rest of the frame is not touched).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from clipforge.filters.yuv import RGB_TO_YUV, planes


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
    # Its I420 planes per (x, y) parity of the corner, made on first use (see `blend`).
    _yuv: dict[tuple[int, int], YuvSprite] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

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
    """Straight RGBA uint8 -> premultiplied RGBA uint8: each colour times alpha / 255, rounded
    to nearest (alpha itself times 255 / 255).

    One OpenCV multiply, 7x faster than integer numpy on a 512x512 frame: an animated sticker's
    frames are all premultiplied before the render's first frame. It equals
    `(c * a + 127) // 255` for every pair (no product is a tie: 255 is odd).
    """
    alpha = np.ascontiguousarray(rgba[:, :, 3])
    factors = cv2.merge([alpha, alpha, alpha, np.full_like(alpha, 255)])
    return cv2.multiply(np.ascontiguousarray(rgba), factors, scale=1.0 / 255.0)


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
    """Composite `sprite` with its top-left corner at (x, y), in place, clipped to the frame.

    `frame` is (H, W, 3) RGB, or an I420 frame ((H * 3 / 2, W), BT.709 limited range), which
    gets the sprite's own I420 planes: compositing is linear, so blending premultiplied
    YCbCr gives the YCbCr of the RGB blend, with chroma averaged over each 2x2 block.
    """
    x, y = x + sprite.offset[0], y + sprite.offset[1]
    if frame.ndim == 3:
        _blend_box(frame, sprite.color, sprite.inverse_alpha, x, y)
        return
    parity = (x % 2, y % 2)
    planar = sprite._yuv.get(parity)
    if planar is None:
        planar = sprite._yuv[parity] = YuvSprite.of(sprite, *parity)
    # The planes start one pixel early on odd corners, so chroma blocks line up with the frame's.
    x, y = x - parity[0], y - parity[1]
    luma, u, v, _ = planes(frame)
    _blend_box(luma, planar.luma, planar.luma_inverse, x, y)
    for plane, colour in ((u, planar.u), (v, planar.v)):
        _blend_box(plane, colour, planar.chroma_inverse, x // 2, y // 2)


def _blend_box(frame: np.ndarray, color: np.ndarray, inverse: np.ndarray, x: int, y: int) -> None:
    """`color + frame * inverse / 255` on the box at (x, y), clipped to the frame, in place."""
    fh, fw = frame.shape[:2]
    sh, sw = color.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + sw, fw), min(y + sh, fh)
    if x0 >= x1 or y0 >= y1:
        return
    sx, sy = x0 - x, y0 - y
    roi = frame[y0:y1, x0:x1]
    color = color[sy : sy + (y1 - y0), sx : sx + (x1 - x0)]
    inverse = inverse[sy : sy + (y1 - y0), sx : sx + (x1 - x0)]
    # Both steps write into the frame's box: no temporary the size of the sprite per frame.
    cv2.multiply(roi, inverse, dst=roi, scale=1.0 / 255.0)
    cv2.add(roi, color, dst=roi)


@dataclass(frozen=True)
class YuvSprite:
    """A sprite's premultiplied BT.709 limited-range planes: luma and its inverse alpha at full
    size, Cb, Cr and their inverse alpha averaged over 2x2 blocks."""

    luma: np.ndarray
    luma_inverse: np.ndarray
    u: np.ndarray
    v: np.ndarray
    chroma_inverse: np.ndarray

    @staticmethod
    def of(sprite: Sprite, px: int, py: int) -> YuvSprite:
        """Planes of `sprite` padded by (px, py) transparent pixels on the left and top (and to
        even sizes), so they start on a chroma block of the frame."""
        h, w = sprite.color.shape[:2]
        alpha = 255 - sprite.inverse_alpha[:, :, 0]
        pad = (py, (py + h) % 2, px, (px + w) % 2)  # top, bottom, left, right
        rgba = cv2.copyMakeBorder(
            cv2.merge([sprite.color, alpha]), *pad, cv2.BORDER_CONSTANT, value=0
        )
        # One fixed-point transform of premultiplied (R, G, B, A): the affine map's offset
        # (black's Y, Cb, Cr) counts at the alpha's share, the colour as it is.
        yuv = cv2.transform(rgba, _PREMULTIPLIED_TO_YUV)
        inverse = 255 - rgba[:, :, 3]
        ph, pw = inverse.shape
        half = cv2.resize(yuv[:, :, 1:], (pw // 2, ph // 2), interpolation=cv2.INTER_AREA)
        chroma_inverse = cv2.resize(inverse, (pw // 2, ph // 2), interpolation=cv2.INTER_AREA)
        return YuvSprite(
            np.ascontiguousarray(yuv[:, :, 0]),
            inverse,
            np.ascontiguousarray(half[:, :, 0]),
            np.ascontiguousarray(half[:, :, 1]),
            chroma_inverse,
        )


def _premultiplied_to_yuv() -> np.ndarray:
    """(3, 4) float32: premultiplied (R, G, B, A) -> premultiplied BT.709 limited Y, Cb, Cr."""
    m = np.zeros((3, 4), np.float32)
    m[:, :3] = RGB_TO_YUV[:3, :3]
    m[:, 3] = RGB_TO_YUV[:3, 3] / 255.0  # A is 0..255
    return m


_PREMULTIPLIED_TO_YUV = _premultiplied_to_yuv()


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
