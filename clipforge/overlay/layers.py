"""Sticker and text layers: each answers "what do you draw at time t, and where"."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from clipforge.animation import Track
from clipforge.geometry import Geometry
from clipforge.overlay.sprite import Sprite, anchored_origin, blend, transform


@dataclass(frozen=True)
class LayerState:
    """Where and how a layer is drawn at one moment, in output pixels."""

    at: tuple[float, float]
    width: float
    height: float
    rotate: float
    opacity: float


@dataclass(frozen=True)
class Motion:
    """The animated properties of a layer, each a track over the layer's own time."""

    at: Track[tuple[float, float]]
    width: Track[float]
    height: Track[float]
    rotate: Track[float]
    opacity: Track[float]

    def state(self, local_t: float) -> LayerState:
        return LayerState(
            self.at(local_t),
            self.width(local_t),
            self.height(local_t),
            self.rotate(local_t),
            self.opacity(local_t),
        )


class SpriteLayer:
    """A premultiplied image placed by a `Motion` between `start` and `end` (output seconds).

    Transformed sprites are cached by their rounded size, angle and opacity, so a static layer
    is resized and rotated once, and a moving one only when its shape changes.
    """

    CACHE_SIZE = 64

    def __init__(
        self,
        name: str,
        source: np.ndarray,
        motion: Motion,
        anchor: str,
        start: float,
        end: float | None,
    ):
        self.name = name
        self.source = source
        self.motion = motion
        self.anchor = anchor
        self.start = start
        self.end = end
        self._sprites: OrderedDict[tuple, Sprite] = OrderedDict()

    def visible(self, t: float) -> bool:
        return t >= self.start and (self.end is None or t < self.end)

    def sprite_for(self, state: LayerState) -> Sprite:
        key = (
            round(state.width),
            round(state.height),
            round(state.rotate, 1),
            round(state.opacity, 3),
        )
        sprite = self._sprites.get(key)
        if sprite is None:
            rgba = transform(self.source, *key)
            sprite = Sprite.from_premultiplied(rgba)
            self._sprites[key] = sprite
            if len(self._sprites) > self.CACHE_SIZE:
                self._sprites.popitem(last=False)
        else:
            self._sprites.move_to_end(key)
        return sprite

    def placement(self, t: float) -> tuple[Sprite, tuple[int, int]] | None:
        """The sprite and its top-left corner at t, or None when nothing is drawn."""
        if not self.visible(t):
            return None
        state = self.motion.state(t - self.start)
        if state.opacity <= 0 or state.width < 1 or state.height < 1:
            return None
        sprite = self.sprite_for(state)
        return sprite, anchored_origin(state.at, sprite.size, self.anchor)

    def draw(self, frame: np.ndarray, t: float) -> None:
        placed = self.placement(t)
        if placed is not None:
            sprite, (x, y) = placed
            blend(frame, sprite, x, y)


def build_motion(spec, geometry: Geometry, natural_size: tuple[float, float]) -> Motion:
    """Tracks for at / width / height / rotate / opacity from a sticker or text spec.

    `natural_size` is the source's size in output pixels; a width alone keeps the aspect, and
    so does a height alone.
    """
    aspect = natural_size[1] / natural_size[0]

    def size_of(width, height) -> tuple[float, float]:
        if width is not None and height is not None:
            return geometry.x(width), geometry.y(height)
        if width is not None:
            w = geometry.x(width)
            return w, w * aspect
        if height is not None:
            h = geometry.y(height)
            return h / aspect, h
        return natural_size

    base_w, base_h = size_of(getattr(spec, "width", None), getattr(spec, "height", None))
    base = {
        "at": geometry.point(spec.at),
        "width": base_w,
        "height": base_h,
        "rotate": float(getattr(spec, "rotate", 0.0) or 0.0),
        "opacity": float(getattr(spec, "opacity", 1.0)),
    }
    points: dict[str, list] = {name: [] for name in base}
    for key in spec.animate:
        ease = str(getattr(key.ease, "value", key.ease))
        if key.at is not None:
            points["at"].append((key.t, geometry.point(key.at), ease))
        if key.width is not None or key.height is not None:
            w, h = size_of(key.width, key.height)
            points["width"].append((key.t, w, ease))
            points["height"].append((key.t, h, ease))
        if key.rotate is not None:
            points["rotate"].append((key.t, float(key.rotate), ease))
        if key.opacity is not None:
            points["opacity"].append((key.t, float(key.opacity), ease))
    tracks = {
        name: Track.of(points[name]) if points[name] else Track.constant(base[name])
        for name in base
    }
    return Motion(**tracks)
