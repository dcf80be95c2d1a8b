"""The filter core: fused kernels give the same pixels as the filters one by one."""

from __future__ import annotations

import numpy as np
import pytest

from clipforge.filters import adjust
from clipforge.filters.compiler import compile_chain
from clipforge.filters.kernels import apply_matrix, apply_tone
from clipforge.filters.vignette import falloff
from clipforge.spec import AdjustFilter, VignetteFilter


@pytest.fixture
def frame() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (64, 48, 3), dtype=np.uint8)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ adjust.LUMA


def test_saturation_keeps_luma_and_zero_gives_grey(frame):
    grey = apply_matrix(frame, adjust.color_matrix(saturation=0.0).matrix)
    assert np.abs(grey[..., 0].astype(int) - grey[..., 2]).max() <= 1
    assert np.abs(luma(grey) - luma(frame)).max() <= 1.0


def test_saturation_raises_chroma(frame):
    vivid = apply_matrix(frame, adjust.color_matrix(saturation=1.5).matrix)
    spread = lambda f: (f.max(axis=2).astype(int) - f.min(axis=2)).mean()  # noqa: E731
    assert spread(vivid) > spread(frame) * 1.2


def test_tone_curve_brightness_and_contrast():
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    brighter = apply_tone(levels, adjust.tone_curve(brightness=0.1).table())
    assert abs(int(brighter[0, 0, 0]) - 0.1 * 255) <= 1
    contrasty = apply_tone(levels, adjust.tone_curve(contrast=2.0).table())
    assert contrasty[4, 0, 0] == 0 and contrasty[12, 0, 0] == 255  # levels 64 and 192


def test_compiled_chain_matches_filters_one_by_one(frame):
    first = AdjustFilter(brightness=0.05, contrast=1.2, saturation=1.3)
    second = AdjustFilter(gamma=1.3, exposure=0.2, saturation=0.8)
    fused = compile_chain([first, second], (48, 64))(frame.copy(), 0.0)
    step = frame
    for spec in (first, second):
        curve = adjust.tone_curve(
            brightness=spec.brightness,
            contrast=spec.contrast,
            gamma=spec.gamma,
            exposure=spec.exposure,
        )
        step = apply_tone(step, curve.table())
        step = apply_matrix(step, adjust.color_matrix(saturation=spec.saturation).matrix)
    assert np.abs(fused.astype(int) - step).max() <= 2


def test_filter_window_and_strength(frame):
    chain = compile_chain(
        [AdjustFilter(brightness=0.2, start=1.0, end=2.0, strength=0.5)], (48, 64)
    )
    assert np.array_equal(chain(frame.copy(), 0.5), frame)
    half = chain(frame.copy(), 1.5).astype(int)
    full = apply_tone(frame, adjust.tone_curve(brightness=0.2).table()).astype(int)
    expected = (frame.astype(int) + full) / 2
    assert np.abs(half - expected).max() <= 1
    assert np.array_equal(chain(frame.copy(), 2.0), frame)


def test_vignette_darkens_corners_not_centre():
    grey = np.full((200, 100, 3), 200, np.uint8)
    out = compile_chain([VignetteFilter(strength=0.5, radius=0.5, softness=0.4)], (100, 200))(
        grey, 0.0
    )
    assert abs(int(out[100, 50, 0]) - 200) <= 1
    assert abs(int(out[0, 0, 0]) - 100) <= 2
    mask = falloff((100, 200), 0.5, 0.4)
    assert mask[0, 0] == pytest.approx(1.0, abs=1e-3) and mask[100, 50] == 0.0
