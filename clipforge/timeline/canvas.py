"""The canvas a timeline's frames are made for: one value instead of four arguments, so that the
render's streamed frames and the preview's frames made one by one cannot disagree on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clipforge.spec.values import parse_color

if TYPE_CHECKING:
    from clipforge.media.decode import Fit
    from clipforge.spec.models import Preset


@dataclass(frozen=True)
class Canvas:
    """The output frames' size and rate, and how each input is fitted to them.

    Attributes:
        size: (width, height) in pixels.
        fps: output frame rate.
        fit: cover, contain, contain-blur or stretch.
        background: padding colour (RGB) for contain.
    """

    size: tuple[int, int]
    fps: float
    fit: Fit = "cover"
    background: tuple[int, int, int] = (0, 0, 0)

    @classmethod
    def of(cls, spec: Preset, size: tuple[int, int], fps: float) -> Canvas:
        """The preset's fit and background at the output's `size` and `fps` (which a draft or
        an output profile may change from the preset's own)."""
        r, g, b, _ = parse_color(spec.canvas.background)
        return cls(size, fps, spec.canvas.fit, (r, g, b))
