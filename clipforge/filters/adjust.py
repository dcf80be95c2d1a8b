"""`adjust`: a colour matrix (saturation, hue) followed by a tone table (white balance,
exposure, brightness, contrast, gamma).

The matrix comes first so that a following tone filter (curves, a 1D LUT, posterize) fuses with
the tone half into one lookup: `adjust` + `curves` costs one `cv2.transform` and one `cv2.LUT`.
Saturation and hue commute with brightness and contrast (both keep grey grey and are linear),
so the order only shows where colours clip; white balance after saturation also means
`saturation: 0` with a warm `temperature` gives a warm-toned black and white.
"""

from __future__ import annotations

from clipforge.filters import color, tone
from clipforge.filters.kernels import ColorMatrix
from clipforge.filters.ops import CompiledFilter, GroupOp, MatrixFilter, Op, ToneFilter
from clipforge.spec.models import AdjustFilter


def adjust_matrix(*, saturation: float = 1.0, hue: float = 0.0) -> ColorMatrix:
    """The colour half of `adjust`: saturation around Rec. 709 luma, then a hue rotation."""
    mix = color.saturation_matrix(saturation)
    if hue:
        mix = color.hue_matrix(hue) @ mix
    return ColorMatrix.of(mix)


class Adjust(CompiledFilter):
    """A compiled `adjust`: the matrix then the tone table, blended exactly as one filter."""

    def __init__(self, spec: AdjustFilter):
        self.matrix = adjust_matrix(saturation=spec.saturation, hue=spec.hue)
        self.levels = tone.adjust_levels(
            temperature=spec.temperature,
            tint=spec.tint,
            exposure=spec.exposure,
            brightness=spec.brightness,
            contrast=spec.contrast,
            gamma=spec.gamma,
        )
        self.tone = ToneFilter(self.levels)
        self.colour = MatrixFilter(self.matrix)

    def ops(self, strength: float) -> list[Op]:
        tone_only = self.matrix.is_identity
        if tone_only or self.tone.ops(1.0)[0].is_identity:
            # One half is neutral: the other blends on its own, exactly.
            return (self.tone if tone_only else self.colour).ops(strength)
        full: list[Op] = [self.matrix, *self.tone.ops(1.0)]
        # Both halves: blending each alone is not the blend of the whole; blend the result.
        return full if strength >= 1.0 else [GroupOp(tuple(full), strength)]
