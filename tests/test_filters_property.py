"""Property: a compiled (fused) chain gives, within one level, the pixels of its filters applied
one by one, for random chains, parameters, strengths and times."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipforge.filters import compile_chain
from clipforge.spec import (
    AdjustFilter,
    BlurFilter,
    CurvesFilter,
    GrainFilter,
    GrayscaleFilter,
    LutFilter,
    PixelateFilter,
    PosterizeFilter,
    RgbSplitFilter,
    SepiaFilter,
    VignetteFilter,
)

SIZE = (24, 20)  # (W, H)


def _frame(seed: int) -> np.ndarray:
    """Random colours plus the cube's corners and a grey ramp: every clipping case shows up."""
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    corners = np.array([[r, g, b] for r in (0, 255) for g in (0, 255) for b in (0, 255)])
    frame[0, :8] = corners
    frame[1] = np.linspace(0, 255, SIZE[0])[:, None].astype(np.uint8)
    return frame


strengths = st.one_of(st.just(1.0), st.floats(0.05, 1.0))
# Baking a 3D LUT per strength takes ~0.1 s: a few strengths keep the test quick.
lut_strengths = st.sampled_from([1.0, 0.6, 0.25])

adjusts = st.builds(
    AdjustFilter,
    brightness=st.floats(-0.5, 0.5),
    contrast=st.floats(0.0, 4.0),
    saturation=st.floats(0.0, 4.0),
    exposure=st.floats(-2.0, 2.0),
    gamma=st.floats(0.2, 5.0),
    temperature=st.floats(-1.0, 1.0),
    tint=st.floats(-1.0, 1.0),
    hue=st.floats(-360.0, 360.0),
    strength=strengths,
)


@st.composite
def curves(draw: st.DrawFn) -> CurvesFilter:
    def points() -> list[tuple[float, float]]:
        xs = sorted(draw(st.sets(st.integers(0, 255), max_size=5)))
        return [(float(x), float(draw(st.integers(0, 255)))) for x in xs]

    return CurvesFilter(rgb=points(), r=points(), g=points(), b=points(), strength=draw(strengths))


pointwise = st.one_of(
    adjusts,
    curves(),
    st.builds(PosterizeFilter, levels=st.integers(2, 16), strength=strengths),
    st.builds(GrayscaleFilter, strength=strengths),
    st.builds(SepiaFilter, strength=strengths),
    st.builds(
        LutFilter,
        file=st.sampled_from(["luts/noir.cube", "luts/teal-orange.cube", "luts/matte.cube"]),
        strength=lut_strengths,
    ),
)
spatial = st.one_of(
    st.builds(VignetteFilter, strength=strengths),
    st.builds(GrainFilter, amount=st.floats(0.0, 0.2), seed=st.integers(0, 9), strength=strengths),
    st.builds(BlurFilter, radius=st.floats(0.5, 5.0), strength=strengths),
    st.builds(PixelateFilter, size=st.integers(1, 9), strength=strengths),
    st.builds(RgbSplitFilter, offset=st.floats(-6, 6), strength=strengths),
)
chains = st.lists(st.one_of(pointwise, pointwise, spatial), min_size=1, max_size=6)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains, st.integers(0, 2**16), st.floats(0.0, 5.0))
def test_fused_chain_equals_filters_one_by_one(filters, seed, t):
    frame = _frame(seed)
    fused = compile_chain(filters, SIZE)(frame.copy(), t)
    step = frame
    for spec in filters:
        step = compile_chain([spec], SIZE)(step.copy(), t)
    difference = np.abs(fused.astype(int) - step.astype(int)).max()
    assert difference <= 1, [type(f).__name__ for f in filters]


tone_filters = st.one_of(
    curves(),
    st.builds(PosterizeFilter, levels=st.integers(2, 16), strength=strengths),
    st.builds(LutFilter, file=st.just("luts/matte.cube"), strength=strengths),
    st.builds(
        AdjustFilter,
        brightness=st.floats(-0.5, 0.5),
        contrast=st.floats(0.0, 4.0),
        gamma=st.floats(0.2, 5.0),
        temperature=st.floats(-1.0, 1.0),
        strength=strengths,
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(tone_filters, min_size=2, max_size=6), st.integers(0, 2**16))
def test_tone_runs_fuse_into_one_exact_lookup(filters, seed):
    """Consecutive tone filters cost one table lookup, however many, with identical pixels."""
    frame = _frame(seed)
    chain = compile_chain(filters, SIZE)
    assert len(chain.plan_at(0.0)) <= 1
    step = frame
    for spec in filters:
        step = compile_chain([spec], SIZE)(step.copy(), 0.0)
    assert np.array_equal(chain(frame.copy(), 0.0), step)
