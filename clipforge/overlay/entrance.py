"""Enter and exit animations (fade, pop, zoom, slide-*) as a change to a layer's state.

An animation runs over its `seconds` at the start (enter) or the end (exit) of the layer's
visible time and multiplies into what the keyframes say: it moves the layer, scales it about
its anchor point and fades it. What each does, with p going 0 -> 1 over the enter window:

- fade: opacity p.
- pop: scale from 0 with an overshoot (out-back), no fade.
- zoom: scale from 30% (ease-out) while fading in.
- slide-up / -down / -left / -right: travels `SLIDE_DISTANCE` of the canvas width in that
  direction (ease-out) while fading in.

An exit plays the same animation backwards (fade / pop / zoom), except that slides keep going
in their direction: `exit: slide-up` leaves upwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from clipforge.animation import EASINGS
from clipforge.overlay.state import LayerState

# How far a slide travels, as a share of the canvas width (216 px at 1080).
SLIDE_DISTANCE = 0.2
ZOOM_FROM = 0.3
KINDS = ("none", "fade", "pop", "zoom", "slide-up", "slide-down", "slide-left", "slide-right")

_DIRECTIONS = {
    "slide-up": (0.0, -1.0),
    "slide-down": (0.0, 1.0),
    "slide-left": (-1.0, 0.0),
    "slide-right": (1.0, 0.0),
}


@dataclass(frozen=True)
class Effect:
    """An offset in output pixels, a scale about the anchor point and an opacity factor."""

    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0
    opacity: float = 1.0

    def then(self, other: Effect) -> Effect:
        return Effect(
            self.dx + other.dx,
            self.dy + other.dy,
            self.scale * other.scale,
            self.opacity * other.opacity,
        )

    def apply(self, state: LayerState) -> LayerState:
        return replace(
            state,
            at=(state.at[0] + self.dx, state.at[1] + self.dy),
            width=state.width * self.scale,
            height=state.height * self.scale,
            opacity=state.opacity * self.opacity,
        )


NEUTRAL = Effect()


def enter_effect(kind: str, p: float, distance: float) -> Effect:
    """The effect of an enter animation at progress p (0: start, 1: done)."""
    p = min(max(p, 0.0), 1.0)
    if kind == "fade":
        return Effect(opacity=p)
    if kind == "pop":
        return Effect(scale=EASINGS["out-back"](p))
    if kind == "zoom":
        return Effect(scale=ZOOM_FROM + (1 - ZOOM_FROM) * EASINGS["ease-out"](p), opacity=p)
    if kind in _DIRECTIONS:
        ux, uy = _DIRECTIONS[kind]
        left = distance * (1.0 - EASINGS["ease-out"](p))
        return Effect(dx=-ux * left, dy=-uy * left, opacity=p)
    return NEUTRAL


def exit_effect(kind: str, q: float, distance: float) -> Effect:
    """The effect of an exit animation at progress q (0: starts leaving, 1: gone)."""
    q = min(max(q, 0.0), 1.0)
    if kind in _DIRECTIONS:
        ux, uy = _DIRECTIONS[kind]
        gone = distance * EASINGS["ease-in"](q)
        return Effect(dx=ux * gone, dy=uy * gone, opacity=1.0 - q)
    return enter_effect(kind, 1.0 - q, distance)


@dataclass(frozen=True)
class Entrance:
    """A layer's enter and exit animations, evaluated on the layer's own time.

    Attributes:
        enter: animation kind at the start, or None.
        enter_seconds: its length.
        exit: animation kind at the end, or None.
        exit_seconds: its length.
        length: seconds the layer is visible (its end minus its start); the exit ends there.
        distance: how far slides travel, in output pixels.
    """

    enter: str | None
    enter_seconds: float
    exit: str | None
    exit_seconds: float
    length: float
    distance: float

    def effect(self, local_t: float) -> Effect:
        effect = NEUTRAL
        if self.enter and self.enter != "none" and local_t < self.enter_seconds:
            effect = enter_effect(self.enter, local_t / self.enter_seconds, self.distance)
        exit_from = self.length - self.exit_seconds
        if self.exit and self.exit != "none" and self.exit_seconds > 0 and local_t > exit_from:
            q = (local_t - exit_from) / self.exit_seconds
            effect = effect.then(exit_effect(self.exit, q, self.distance))
        return effect

    def __call__(self, state: LayerState, local_t: float, t: float) -> LayerState | None:
        effect = self.effect(local_t)
        return state if effect is NEUTRAL else effect.apply(state)


def entrance_for(spec, start: float, end: float, canvas_width: float) -> Entrance | None:
    """The Entrance of a sticker or text spec shown from `start` to `end` (output seconds), or
    None when it has neither `enter` nor `exit`."""
    enter, exit_ = getattr(spec, "enter", None), getattr(spec, "exit", None)
    if enter is None and exit_ is None:
        return None
    return Entrance(
        enter=_kind(enter),
        enter_seconds=enter.seconds if enter is not None else 0.0,
        exit=_kind(exit_),
        exit_seconds=exit_.seconds if exit_ is not None else 0.0,
        length=end - start,
        distance=SLIDE_DISTANCE * canvas_width,
    )


def _kind(animation) -> str | None:
    if animation is None:
        return None
    kind = str(getattr(animation.type, "value", animation.type))
    return None if kind == "none" or animation.seconds <= 0 else kind
