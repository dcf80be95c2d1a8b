"""Preset geometry (canvas pixels or percentages) to output pixels, for full or draft size."""

from __future__ import annotations

from dataclasses import dataclass

from clipforge.spec.values import resolve_length


@dataclass(frozen=True)
class Geometry:
    """The preset's canvas size and the factor from canvas pixels to output pixels."""

    canvas: tuple[int, int]
    scale: float = 1.0

    @property
    def output_size(self) -> tuple[int, int]:
        """Output frame size, rounded to even numbers (yuv420p needs them)."""
        w, h = self.canvas
        return _even(w * self.scale), _even(h * self.scale)

    def x(self, value: float | str) -> float:
        """A horizontal length (px or % of canvas width) in output pixels."""
        return resolve_length(value, self.canvas[0]) * self.scale

    def y(self, value: float | str) -> float:
        """A vertical length (px or % of canvas height) in output pixels."""
        return resolve_length(value, self.canvas[1]) * self.scale

    def point(self, point) -> tuple[float, float]:
        return self.x(point[0]), self.y(point[1])

    def px(self, value: float) -> float:
        """A plain pixel amount (font size, stroke width, padding) in output pixels."""
        return value * self.scale


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
