"""`pulse: beat`: a sticker that swells on each beat of the music and settles back."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from clipforge.overlay.state import LayerState

# On a beat the sticker is 15% larger, back to its size 0.25 s later (quadratic decay).
PULSE_AMOUNT = 0.15
PULSE_SECONDS = 0.25


@dataclass(frozen=True)
class BeatPulse:
    """A modifier scaling a layer about its anchor point on the beats (output seconds)."""

    beats: Sequence[float]
    amount: float = PULSE_AMOUNT
    seconds: float = PULSE_SECONDS
    _sorted: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sorted", tuple(sorted(self.beats)))

    def scale_at(self, t: float) -> float:
        i = bisect.bisect_right(self._sorted, t) - 1
        if i < 0:
            return 1.0
        since = t - self._sorted[i]
        if since >= self.seconds:
            return 1.0
        return 1.0 + self.amount * (1.0 - since / self.seconds) ** 2

    def __call__(self, state: LayerState, local_t: float, t: float) -> LayerState | None:
        k = self.scale_at(t)
        if k == 1.0:
            return state
        return replace(state, width=state.width * k, height=state.height * k)
