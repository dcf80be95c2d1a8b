"""Speed work in the filter core must not change pixels: in-place steps, tone-into-matrix fusion."""

from __future__ import annotations

import numpy as np
import pytest

from clipforge.filters import adjust, compile_chain, tone
from clipforge.filters.kernels import ColorMatrix, ToneTable, affine_fit
from clipforge.spec import (
    AdjustFilter,
    BlurFilter,
    CurvesFilter,
    GrainFilter,
    LutFilter,
    ScalarKeyframe,
    SepiaFilter,
    SharpenFilter,
    VignetteFilter,
)

SIZE = (64, 48)  # (W, H)


@pytest.fixture
def frame() -> np.ndarray:
    rng = np.random.default_rng(11)
    return rng.integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)


def cube_colours() -> np.ndarray:
    """Every 15th level of each channel: all the RGB cube's corners, edges and inside."""
    levels = np.arange(0, 256, 15, dtype=np.uint8)
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    return np.stack([r, g, b], axis=-1).reshape(-1, 1, 3)


def one_by_one(chain, image: np.ndarray, t: float = 0.0) -> np.ndarray:
    """Each active filter's operations applied in turn, with no fusion at all."""
    out = image
    for item in chain.filters:
        strength = item.strength_at(t)
        if strength is None:
            continue
        for op in item.compiled.ops(strength):
            out = (op.kernel if hasattr(op, "kernel") else op)(out)
    return out


def test_affine_fit_finds_brightness_contrast_and_white_balance() -> None:
    levels = tone.adjust_levels(brightness=0.05, contrast=1.1, temperature=0.3)
    fit = affine_fit(levels)
    assert fit is not None
    # Red is warmed: a larger gain than blue; all three share the contrast's pivot.
    assert fit[0, 0] > fit[2, 0] > 0
    assert affine_fit(tone.adjust_levels(gamma=1.4)) is None
    assert affine_fit(tone.curves_levels([(0, 0), (128, 160), (255, 255)], [], [], [])) is None
    assert affine_fit(tone.posterize_levels(4)) is None


def test_adjust_runs_as_one_matrix_within_a_level_of_its_two_halves() -> None:
    spec = AdjustFilter(brightness=0.05, contrast=1.1, saturation=1.3)
    chain = compile_chain([spec], SIZE)
    assert [type(s.kernel).__name__ for s in chain.plan_at(0.0)] == ["ColorMatrix"]
    matrix = adjust.adjust_matrix(saturation=1.3)
    table = ToneTable.from_levels(tone.adjust_levels(brightness=0.05, contrast=1.1))
    colours = cube_colours()  # saturated colours clip in the matrix: the hard case
    fused = chain(colours, 0.0).astype(int)
    assert np.abs(fused - table(matrix(colours)).astype(int)).max() <= 1


def test_a_table_that_lifts_clipped_blacks_is_not_folded() -> None:
    # Saturation pushes colours below 0; a lift of 40 levels would then differ by up to 40.
    chain = compile_chain([AdjustFilter(brightness=0.15, saturation=1.5)], SIZE)
    assert [type(s.kernel).__name__ for s in chain.plan_at(0.0)] == ["ColorMatrix", "ToneTable"]
    colours = cube_colours()
    assert np.array_equal(chain(colours, 0.0), one_by_one(chain, colours))


def test_then_tone_keeps_the_matrix_clipping() -> None:
    matrix = ColorMatrix.of(np.eye(3) * 1.2)  # goes above 255, never below 0
    lift = ToneTable.from_levels(tone.adjust_levels(brightness=0.2))  # 0 -> 51: fine, no clip
    assert matrix.then_tone(lift) is not None
    darken = ToneTable.from_levels(tone.adjust_levels(brightness=-0.2))  # 255 -> 204
    assert matrix.then_tone(darken) is None


CHAINS = {
    "adjust+vignette": [AdjustFilter(brightness=0.05, contrast=1.1, saturation=1.3),
                        VignetteFilter(strength=0.4, radius=0.8, softness=0.5)],
    "curves+sepia+vignette": [CurvesFilter(rgb=[(0, 20), (128, 140), (255, 240)]),
                              SepiaFilter(strength=0.7), VignetteFilter()],
    "lut+adjust": [LutFilter(file="luts/teal-orange.cube", strength=0.8),
                   AdjustFilter(contrast=1.2)],
    "blur+sharpen+grain": [BlurFilter(radius=2), SharpenFilter(amount=0.5), GrainFilter()],
    "animated": [AdjustFilter(saturation=0.5, strength=[ScalarKeyframe(t=0, value=0),
                                                         ScalarKeyframe(t=1, value=1)]),
                 VignetteFilter(strength=[ScalarKeyframe(t=0, value=0.2),
                                          ScalarKeyframe(t=1, value=0.6)])],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CHAINS))
@pytest.mark.parametrize("t", [0.0, 0.5])
def test_in_place_gives_the_same_pixels_and_never_touches_a_borrowed_frame(frame, name, t):
    chain = compile_chain(CHAINS[name], SIZE)
    before = frame.copy()
    borrowed = chain(frame, t)
    assert np.array_equal(frame, before)  # without inplace the caller's frame is untouched
    owned = frame.copy()
    result = chain(owned, t, inplace=True)
    assert np.array_equal(result, borrowed)


def test_in_place_writes_into_the_callers_frame_when_it_can(frame):
    # A tone table and a vignette write into the frame they are given ...
    chain = compile_chain([CurvesFilter(rgb=[(0, 20), (255, 240)]), VignetteFilter()], SIZE)
    owned = frame.copy()
    assert chain(owned, 0.0, inplace=True) is owned
    # ... a colour matrix does not (cv2.transform would copy its input first): it makes the
    # new array, and the vignette after it writes into that one.
    chain = compile_chain(CHAINS["adjust+vignette"], SIZE)
    assert chain(frame.copy(), 0.0, inplace=True) is not owned
    # A read-only frame (a decoder's buffer, say) is never written, whatever the caller says.
    frozen = frame.copy()
    frozen.flags.writeable = False
    assert chain(frozen, 0.0, inplace=True) is not frozen
    assert np.array_equal(frozen, frame)
