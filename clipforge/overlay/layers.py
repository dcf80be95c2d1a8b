"""Sticker and text layers: each answers "what do you draw at time t, and where"."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np

from clipforge.animation import Track
from clipforge.geometry import Geometry
from clipforge.overlay.animated import SpriteFrames
from clipforge.overlay.sprite import Sprite, anchored_origin, blend, transform
from clipforge.overlay.state import LayerState, Modifier

__all__ = ["LayerState", "LazyLayer", "Motion", "SpriteLayer", "build_motion"]


@dataclass(frozen=True)
class Motion:
    """The animated properties of a layer, each a track over the layer's own time."""

    at: Track[tuple[float, float]]
    width: Track[float]
    height: Track[float]
    rotate: Track[float]
    opacity: Track[float]

    @cached_property
    def _fixed(self) -> LayerState | None:
        """The one state of a layer that does not move (most stickers): made once, not per
        frame."""
        tracks = (self.at, self.width, self.height, self.rotate, self.opacity)
        return self._at(0.0) if all(track.is_constant for track in tracks) else None

    def state(self, local_t: float) -> LayerState:
        return self._fixed or self._at(local_t)

    def _at(self, local_t: float) -> LayerState:
        return LayerState(
            self.at(local_t),
            self.width(local_t),
            self.height(local_t),
            self.rotate(local_t),
            self.opacity(local_t),
        )


class _Cached:
    """A transformed sprite and the frame it was made from (kept alive with it)."""

    __slots__ = ("__weakref__", "source", "sprite")

    def __init__(self, sprite: Sprite, source: np.ndarray):
        self.sprite = sprite
        self.source = source


class SpriteLayer:
    """Premultiplied frames placed by a `Motion` between `start` and `end` (output seconds).

    The keyframed state goes through the `modifiers` (face tracking, beat pulse, enter/exit) in
    order. Transformed sprites are cached by frame index, rounded size, angle and opacity, so a
    static layer is resized and rotated once per frame of its animation, and a moving one only
    when its shape changes. Layers showing the same frames at the same shape (a sticker used
    several times) share the transformed sprites.
    """

    CACHE_SIZE = 64
    # Every layer's cached sprites, weakly: a layer keeps its own alive in its LRU, and another
    # layer asking for the same (source frame, key) reuses it instead of transforming again.
    _shared: ClassVar[weakref.WeakValueDictionary[tuple, _Cached]] = weakref.WeakValueDictionary()

    def __init__(
        self,
        name: str,
        source: SpriteFrames | np.ndarray,
        motion: Motion,
        anchor: str,
        start: float,
        end: float | None,
        modifiers: Sequence[Modifier] = (),
    ):
        self.name = name
        self.frames = source if isinstance(source, SpriteFrames) else SpriteFrames.still(source)
        self.motion = motion
        self.anchor = anchor
        self.start = start
        self.end = end
        self.modifiers = tuple(modifiers)
        self._sprites: OrderedDict[tuple, _Cached] = OrderedDict()

    @property
    def source(self) -> np.ndarray:
        """The first frame (premultiplied RGBA)."""
        return self.frames.frames[0]

    def visible(self, t: float) -> bool:
        return t >= self.start and (self.end is None or t < self.end)

    def state_at(self, t: float) -> LayerState | None:
        """The layer's state at output time t after its modifiers, or None when hidden."""
        if not self.visible(t):
            return None
        local_t = t - self.start
        state: LayerState | None = self.motion.state(local_t)
        for modify in self.modifiers:
            if state is None:
                return None
            state = modify(state, local_t, t)
        if state is None or state.opacity <= 0 or state.width < 1 or state.height < 1:
            return None
        return state

    def sprite_for(self, state: LayerState, index: int = 0) -> Sprite:
        key = (
            index,
            round(state.width),
            round(state.height),
            round(state.rotate, 1),
            round(state.opacity, 3),
        )
        cached = self._sprites.get(key)
        if cached is None:
            source = self.frames.frames[index]
            # Keyed by the source array's id: an entry holds its array, so the id stays its own.
            shared_key = (id(source), *key[1:])
            cached = self._shared.get(shared_key)
            if cached is None:
                rgba = transform(source, *key[1:])
                cached = _Cached(Sprite.from_premultiplied(rgba), source)
                self._shared[shared_key] = cached
            self._sprites[key] = cached
            if len(self._sprites) > self.CACHE_SIZE:
                self._sprites.popitem(last=False)
        else:
            self._sprites.move_to_end(key)
        return cached.sprite

    def placement(self, t: float) -> tuple[Sprite, tuple[int, int]] | None:
        """The sprite and its top-left corner at t, or None when nothing is drawn."""
        state = self.state_at(t)
        if state is None:
            return None
        sprite = self.sprite_for(state, self.frames.index_at(t - self.start))
        return sprite, anchored_origin(state.at, sprite.size, self.anchor)

    def draw(self, frame: np.ndarray, t: float) -> None:
        placed = self.placement(t)
        if placed is not None:
            sprite, (x, y) = placed
            blend(frame, sprite, x, y)


class LazyLayer:
    """A layer made on its first visible frame and dropped after its end.

    Captions files can hold hundreds of cues: each cue's text is rendered when it first shows
    (once, not per frame) and its sprites are freed when it is over.
    """

    def __init__(self, name: str, start: float, end: float, make: Callable[[], SpriteLayer]):
        self.name = name
        self.start = start
        self.end = end
        self._make = make
        self._layer: SpriteLayer | None = None
        self._done = False

    @property
    def built(self) -> bool:
        return self._layer is not None

    def draw(self, frame: np.ndarray, t: float) -> None:
        if t < self.start or self._done:
            return
        if t >= self.end:
            self._layer, self._done = None, True
            return
        if self._layer is None:
            self._layer = self._make()
        self._layer.draw(frame, t)


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
