"""Colour-mixing filters as 3x3 matrices: saturation, hue, grayscale and sepia.

They all fuse into one `cv2.transform`. Grayscale and sepia are the standard matrices (the ones
CSS `grayscale()` and `sepia()` use); saturation and hue turn colours around the grey axis and
keep Rec. 709 luma, the footage's own.
"""

from __future__ import annotations

import math

import numpy as np

# Rec. 709 luma weights: the footage is BT.709, so "grey" keeps its luma.
LUMA = np.array([0.2126, 0.7152, 0.0722])

GRAYSCALE = np.tile(LUMA, (3, 1))
"""Every channel becomes Rec. 709 luma (CSS `grayscale(1)`)."""

SEPIA = np.array(
    [
        [0.393, 0.769, 0.189],
        [0.349, 0.686, 0.168],
        [0.272, 0.534, 0.131],
    ]
)
"""The classic sepia-tone matrix (CSS `sepia(1)`, Microsoft's sepia)."""

# RGB -> (Y, Cb, Cr) with Rec. 709 weights, unscaled chroma: Cb = B - Y, Cr = R - Y.
_TO_YCC = np.array([LUMA, [-LUMA[0], -LUMA[1], 1 - LUMA[2]], [1 - LUMA[0], -LUMA[1], -LUMA[2]]])
# Chroma scales that make the Cb/Cr plane round (BT.709: Cb/1.8556, Cr/1.5748).
_CHROMA_SCALE = np.diag([1.0, 1 / (2 * (1 - LUMA[2])), 1 / (2 * (1 - LUMA[0]))])


def saturation_matrix(saturation: float) -> np.ndarray:
    """Scale every colour's distance from its grey (same luma); 0 is black and white."""
    return GRAYSCALE + saturation * (np.eye(3) - GRAYSCALE)


def hue_matrix(degrees: float) -> np.ndarray:
    """Rotate hues by `degrees` around the grey axis, keeping luma exactly.

    The rotation is in the BT.709 Cb/Cr plane, like a video hue control: positive degrees go
    red -> yellow -> green -> blue, as on a colour wheel; 360 is the identity.
    """
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    # Cb is the x axis, Cr the y axis: red sits near 100 degrees, green near 230, blue near 355.
    rotate = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
    forward = _CHROMA_SCALE @ _TO_YCC
    return np.linalg.inv(forward) @ rotate @ forward
