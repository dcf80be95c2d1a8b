"""All overlay layers of one render, and the face trackers that look at its footage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from clipforge.overlay.faces import FaceTracker

# A tracker starts looking this long before its first sticker shows, so the face is already
# found (and confirmed) when the sticker appears.
TRACK_LEAD_SECONDS = 0.5


class Layer(Protocol):
    name: str

    def draw(self, frame: np.ndarray, t: float) -> None: ...


@dataclass
class Watch:
    """A face tracker and the output time window in which its stickers show."""

    tracker: FaceTracker
    start: float
    end: float | None

    def wanted(self, t: float) -> bool:
        return t >= self.start - TRACK_LEAD_SECONDS and (self.end is None or t < self.end)


@dataclass
class Overlays:
    """The layers in drawing order (stickers, then text), and what observes the footage.

    Per frame: `observe(frame, t)` with the footage before filters (face detection needs the
    real picture, not a pixelated or graded one), then `draw(frame, t)` on the finished frame.
    """

    layers: list[Layer] = field(default_factory=list)
    watches: list[Watch] = field(default_factory=list)

    def observe(self, frame: np.ndarray, t: float) -> None:
        for watch in self.watches:
            if watch.wanted(t):
                watch.tracker.observe(frame, t)

    def draw(self, frame: np.ndarray, t: float) -> None:
        for layer in self.layers:
            layer.draw(frame, t)
