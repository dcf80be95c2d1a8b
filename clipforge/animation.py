"""Animated values: easing curves and keyframe tracks evaluated as `value(t)`.

A keyframe's `ease` shapes the move from that keyframe to the next one (PRESET-FORMAT.md).
Before the first keyframe a track holds the first value, after the last it holds the last.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Easing = Callable[[float], float]


def _out_bounce(x: float) -> float:
    n, d = 7.5625, 2.75
    if x < 1 / d:
        return n * x * x
    if x < 2 / d:
        x -= 1.5 / d
        return n * x * x + 0.75
    if x < 2.5 / d:
        x -= 2.25 / d
        return n * x * x + 0.9375
    x -= 2.625 / d
    return n * x * x + 0.984375


def _out_elastic(x: float) -> float:
    if x in (0.0, 1.0):
        return x
    return 2 ** (-10 * x) * math.sin((x * 10 - 0.75) * (2 * math.pi / 3)) + 1


def _out_back(x: float) -> float:
    c1 = 1.70158
    return 1 + (c1 + 1) * (x - 1) ** 3 + c1 * (x - 1) ** 2


EASINGS: dict[str, Easing] = {
    "linear": lambda x: x,
    "ease-in": lambda x: x * x * x,
    "ease-out": lambda x: 1 - (1 - x) ** 3,
    "ease-in-out": lambda x: 4 * x**3 if x < 0.5 else 1 - (-2 * x + 2) ** 3 / 2,
    "out-back": _out_back,
    "out-bounce": _out_bounce,
    "out-elastic": _out_elastic,
    "step": lambda x: 0.0 if x < 1 else 1.0,
}

T = TypeVar("T", float, tuple[float, float])


@dataclass(frozen=True)
class Track(Generic[T]):
    """Keyframes (t, value, ease) sorted by t; floats or 2-tuples of floats."""

    times: tuple[float, ...]
    values: tuple[T, ...]
    eases: tuple[str, ...]

    @staticmethod
    def constant(value: T) -> Track[T]:
        return Track((0.0,), (value,), ("linear",))

    @staticmethod
    def of(points: Sequence[tuple[float, T, str]]) -> Track[T]:
        ordered = sorted(points, key=lambda p: p[0])
        return Track(
            tuple(p[0] for p in ordered), tuple(p[1] for p in ordered), tuple(p[2] for p in ordered)
        )

    @property
    def is_constant(self) -> bool:
        return len(self.values) == 1 or all(v == self.values[0] for v in self.values)

    def __call__(self, t: float) -> T:
        i = bisect.bisect_right(self.times, t) - 1
        if i < 0:
            return self.values[0]
        if i >= len(self.times) - 1:
            return self.values[-1]
        t0, t1 = self.times[i], self.times[i + 1]
        x = EASINGS[self.eases[i]]((t - t0) / (t1 - t0)) if t1 > t0 else 1.0
        a, b = self.values[i], self.values[i + 1]
        if isinstance(a, tuple):
            return (a[0] + (b[0] - a[0]) * x, a[1] + (b[1] - a[1]) * x)  # type: ignore[return-value]
        return a + (b - a) * x  # type: ignore[operator,return-value]
