"""What a layer looks like at one moment, and the changes applied to it after its keyframes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LayerState:
    """Where and how a layer is drawn at one moment, in output pixels."""

    at: tuple[float, float]
    width: float
    height: float
    rotate: float
    opacity: float


class Modifier(Protocol):
    """A change to a layer's state after its keyframes: enter/exit, beat pulse, face tracking.

    Called with the state, the layer's own time and the output time; returns the new state, or
    None when the layer is not drawn at this moment.
    """

    def __call__(self, state: LayerState, local_t: float, t: float) -> LayerState | None: ...
