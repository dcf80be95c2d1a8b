"""The filter core: each filter's effect measured on frames, fusion, strengths and windows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from clipforge.filters import adjust, color, compile_chain, load_cube, tone
from clipforge.filters.compiler import fuse
from clipforge.filters.kernels import ColorMatrix, ToneTable
from clipforge.filters.lut3d import _GREEN_STEP, Lut3DStep, bake_atlas
from clipforge.filters.vignette import Vignette, falloff
from clipforge.filters.yuv import YuvVignette
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
    ScalarKeyframe,
    SepiaFilter,
    SharpenFilter,
    SmoothFilter,
    VignetteFilter,
    shipped_assets_dir,
)

SIZE = (48, 64)  # (W, H)


@pytest.fixture
def frame() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)


def run(filters, image: np.ndarray, t: float = 0.0, **kwargs) -> np.ndarray:
    h, w = image.shape[:2]
    return compile_chain(filters, (w, h), **kwargs)(image.copy(), t)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ color.LUMA


def chroma(rgb: np.ndarray) -> float:
    return float((rgb.max(axis=2).astype(int) - rgb.min(axis=2)).mean())


def solid(rgb, size=(40, 30)) -> np.ndarray:
    return np.full((size[1], size[0], 3), rgb, np.uint8)


# --- adjust -------------------------------------------------------------------------------------


def test_saturation_zero_is_grey_with_the_same_luma(frame):
    grey = run([AdjustFilter(saturation=0.0)], frame)
    assert np.abs(grey[..., 0].astype(int) - grey[..., 2]).max() <= 1
    assert np.abs(luma(grey) - luma(frame)).max() <= 1.0


def test_saturation_raises_chroma(frame):
    assert chroma(run([AdjustFilter(saturation=1.5)], frame)) > chroma(frame) * 1.2


def test_brightness_contrast_gamma_exposure_levels():
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    brighter = run([AdjustFilter(brightness=0.1)], ramp)
    assert abs(int(brighter[0, 0, 0]) - 0.1 * 255) <= 1
    contrasty = run([AdjustFilter(contrast=2.0)], ramp)
    assert contrasty[4, 0, 0] == 0 and contrasty[12, 0, 0] == 255  # levels 64 and 192
    assert contrasty[8, 0, 0] == 128  # mid-grey stays
    lifted = run([AdjustFilter(gamma=2.0)], ramp)
    assert abs(int(lifted[4, 0, 0]) - 255 * (64 / 255) ** 0.5) <= 1
    # +1 stop doubles the linear light: sRGB 118 (18 % grey is 0.184) -> 0.368 linear.
    stop = run([AdjustFilter(exposure=1.0)], solid((118, 118, 118)))
    linear = tone.srgb_to_linear(np.array(118 / 255)) * 2
    assert abs(int(stop[0, 0, 0]) - 255 * float(tone.linear_to_srgb(linear))) <= 1


def test_temperature_and_tint_move_the_white_balance():
    grey = solid((128, 128, 128))
    warm = run([AdjustFilter(temperature=0.5)], grey)[0, 0].astype(int)
    cool = run([AdjustFilter(temperature=-0.5)], grey)[0, 0].astype(int)
    magenta = run([AdjustFilter(tint=0.5)], grey)[0, 0].astype(int)
    assert warm[0] > 128 + 10 and warm[2] < 128 - 10 and warm[1] == 128
    assert cool[0] < 128 - 10 and cool[2] > 128 + 10
    assert magenta[1] < 128 - 10 and magenta[0] == magenta[2] == 128


def test_hue_rotates_around_the_wheel_and_keeps_luma():
    patch = solid((200, 60, 50))  # a red
    turned = run([AdjustFilter(hue=120)], patch)[0, 0].astype(int)
    assert turned[1] > turned[0] and turned[1] > turned[2]  # red -> green
    muted = solid((160, 100, 90))  # stays inside the gamut when turned
    opposite = run([AdjustFilter(hue=180)], muted)[0, 0].astype(int)
    assert opposite[0] < opposite[1] - 40 and opposite[0] < opposite[2] - 40  # -> cyan
    assert abs(luma(opposite[None, None]) - luma(muted[:1, :1])).max() <= 1.0
    assert np.abs(color.hue_matrix(360.0) - np.eye(3)).max() < 1e-12
    twice = color.hue_matrix(60.0) @ color.hue_matrix(60.0)
    assert np.abs(twice - color.hue_matrix(120.0)).max() < 1e-12


def test_adjust_strength_blends_the_whole_filter_with_the_input(frame):
    spec = dict(brightness=0.1, contrast=1.3, saturation=1.6, hue=25, temperature=0.2)
    full = run([AdjustFilter(**spec)], frame).astype(float)
    half = run([AdjustFilter(**spec, strength=0.4)], frame).astype(float)
    # Exactly 0.4 of the full result over 0.6 of the input (not tone and matrix blended apart).
    assert np.abs(half - (0.4 * full + 0.6 * frame)).max() <= 1.0


def test_adjust_and_curves_fuse_into_one_matrix_and_one_table():
    chain = compile_chain(
        [AdjustFilter(brightness=0.05, contrast=1.1, saturation=1.3), CurvesFilter(rgb=[(0, 10)])],
        SIZE,
    )
    kinds = [type(step.kernel).__name__ for step in chain.plan_at(0.0)]
    assert kinds == ["ColorMatrix", "ToneTable"]


# --- curves, posterize --------------------------------------------------------------------------


def test_curves_pass_through_their_points_and_stay_monotone():
    points = [(0, 0), (64, 40), (128, 150), (192, 220), (255, 255)]
    levels = tone.curves_levels(points, [], [], [])
    for x, y in points:
        assert levels[0, x] == pytest.approx(y, abs=1e-9)
    assert (np.diff(levels[0]) >= 0).all()  # PCHIP: no dips between rising points
    flat = tone.curve_function([(50, 80), (200, 180)])(np.array([0.0, 255.0]))
    assert flat.tolist() == [80.0, 180.0]  # flat outside the points


def test_channel_curves_apply_before_the_master():
    levels = tone.curves_levels([(0, 0), (255, 128)], [(0, 255), (255, 0)], [], [])
    assert levels[0, 0] == pytest.approx(128)  # red: inverted to 255, then master halves it
    assert levels[1, 255] == pytest.approx(128) and levels[1, 0] == 0


def test_posterize_leaves_only_the_levels_asked_for(frame):
    out = run([PosterizeFilter(levels=4)], frame)
    assert set(np.unique(out).tolist()) <= {0, 85, 170, 255}
    assert np.abs(out.astype(int) - frame).max() <= 43  # each level goes to the nearest step


def test_posterize_kernel_gives_the_table_bytes_for_every_level():
    # Every input level in every channel, an odd width for the vector loops' tails.
    ramp = (np.arange(17 * 301 * 3) % 256).astype(np.uint8).reshape(17, 301, 3)
    fast = []
    for levels in range(2, 257):
        table = ToneTable.from_levels(tone.posterize_levels(levels))
        expected = table.table[np.arange(3), ramp]
        fresh = table(ramp)
        assert fresh is not ramp and np.array_equal(fresh, expected), levels
        owned = ramp.copy()
        assert table(owned, owned) is owned and np.array_equal(owned, expected), levels
        if table._step is not None:
            fast.append(levels)
    # The integer path is taken wherever levels - 1 divides 255 (the identity excepted).
    assert fast == [2, 4, 6, 16, 18, 52, 86]


def test_posterize_after_adjust_still_fuses_into_one_table(frame):
    filters = [AdjustFilter(brightness=0.1, gamma=1.3), PosterizeFilter(levels=6)]
    chain = compile_chain(filters, SIZE)
    (step,) = chain.plan_at(0.0)
    assert type(step.kernel).__name__ == "ToneTable" and step.kernel._step is None
    one_by_one = run(filters[1:], run(filters[:1], frame))
    assert np.array_equal(chain(frame.copy(), 0.0), one_by_one)


# --- grayscale, sepia ---------------------------------------------------------------------------


def test_grayscale_and_sepia_use_the_standard_matrices(frame):
    grey = run([GrayscaleFilter()], frame).astype(float)
    expected = np.rint(frame.astype(float) @ np.array([0.2126, 0.7152, 0.0722]))
    for c in range(3):
        assert np.abs(grey[..., c] - expected).max() <= 1
        assert np.abs(grey[..., c] - expected).mean() < 0.1
    sepia = run([SepiaFilter()], frame).astype(float)
    reference = np.rint(np.clip(frame.astype(float) @ np.array(color.SEPIA).T, 0, 255))
    assert np.abs(sepia - reference).max() <= 1
    assert np.abs(sepia - reference).mean() < 0.1
    assert color.SEPIA[0].tolist() == [0.393, 0.769, 0.189]


def test_sepia_strength_blends_even_where_sepia_clips():
    white = solid((250, 250, 250))
    half = run([SepiaFilter(strength=0.5)], white)[0, 0].astype(float)
    full = np.clip(250 * color.SEPIA.sum(axis=1), 0, 255)
    assert np.abs(half - (0.5 * full + 125)).max() <= 1.0


# --- vignette, grain ----------------------------------------------------------------------------


def test_vignette_darkens_corners_not_centre():
    grey = np.full((200, 100, 3), 200, np.uint8)
    out = run([VignetteFilter(strength=0.5, radius=0.5, softness=0.4)], grey)
    assert abs(int(out[100, 50, 0]) - 200) <= 1
    assert abs(int(out[0, 0, 0]) - 100) <= 2
    mask = falloff((100, 200), 0.5, 0.4)
    assert mask[0, 0] == pytest.approx(1.0, abs=1e-3) and mask[100, 50] == 0.0


@pytest.mark.parametrize("size", [(100, 200), (101, 200), (100, 201), (7, 5), (1080, 1920)])
def test_vignette_falloff_from_one_quadrant_equals_the_direct_formula(size):
    w, h = size
    ys = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / (h / 2)
    xs = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / (w / 2)
    d = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2) / np.sqrt(2.0)
    x = np.clip((d - 0.55) / 0.5, 0.0, 1.0)
    direct = x * x * (3 - 2 * x)
    mirrored = falloff(size, 0.8, 0.5)
    assert mirrored.shape == (h, w) and mirrored.dtype == direct.dtype
    assert np.array_equal(mirrored, direct)  # bit for bit, odd sizes included


@pytest.mark.parametrize("size", [(100, 200), (101, 201), (7, 5)])
def test_vignette_gain_mirrored_in_uint8_equals_the_gain_of_the_whole_falloff(size):
    vignette = Vignette(size, 0.6, 0.5)
    for darkness in (0.3, 0.75):  # the second darkness reuses the kept quadrant
        whole = np.rint((1.0 - darkness * falloff(size, 0.6, 0.5)) * 255.0).astype(np.uint8)
        assert np.array_equal(vignette.gain(darkness), whole)


def test_yuv_vignette_lift_table_equals_the_per_pixel_formula():
    gain = Vignette((101, 201), 0.4, 0.6).gain(0.9)
    assert gain.min() < 40  # the table is exercised over most levels
    for black in (16, 128):
        direct = np.rint(black * (255 - gain.astype(np.float32)) / 255).astype(np.uint8)
        assert np.array_equal(YuvVignette._lift(gain, black), direct)


def test_grain_is_seeded_changes_per_frame_and_has_the_asked_strength():
    grey = np.full((320, 180, 3), 128, np.uint8)
    spec = GrainFilter(amount=0.05, seed=7)
    a = compile_chain([spec], (180, 320), fps=30)
    b = compile_chain([spec], (180, 320), fps=30)
    first = a(grey.copy(), 1.0)
    assert np.array_equal(first, b(grey.copy(), 1.0))  # same seed, same frame: same grain
    assert not np.array_equal(first, a(grey.copy(), 1.0 + 1 / 30))  # next frame: new grain
    other = compile_chain([GrainFilter(amount=0.05, seed=8)], (180, 320))(grey.copy(), 1.0)
    assert not np.array_equal(first, other)
    noise = first.astype(float) - 128
    assert noise.std() == pytest.approx(0.05 * 255, rel=0.1)
    assert abs(noise.mean()) < 0.5
    assert np.array_equal(first[..., 0], first[..., 2])  # luminance grain
    weak = compile_chain([GrainFilter(amount=0.05, seed=7, strength=0.5)], (180, 320))
    assert (weak(grey.copy(), 1.0).astype(float) - 128).std() == pytest.approx(
        0.5 * noise.std(), rel=0.1
    )


# --- blur, sharpen, smooth ----------------------------------------------------------------------


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(float) - b.astype(float)) ** 2).mean())
    return 10 * np.log10(255**2 / max(mse, 1e-12))


@pytest.mark.parametrize("radius", [1.5, 4.0, 9.0])
def test_blur_is_a_gaussian_of_sigma_radius(radius):
    rng = np.random.default_rng(1)
    image = np.kron(rng.integers(0, 256, (40, 24, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    out = run([BlurFilter(radius=radius)], image)
    reference = ndimage.gaussian_filter(
        image.astype(float), sigma=(radius, radius, 0), mode="nearest"
    )
    assert _psnr(out, reference) >= 40.0
    assert out.std() < image.std() * 0.95


def test_blur_radius_is_in_canvas_pixels_at_draft_scale():
    image = np.zeros((160, 90, 3), np.uint8)
    image[:, 45:] = 255
    draft = run([BlurFilter(radius=8)], image, scale=0.5)
    reference = ndimage.gaussian_filter(image.astype(float), sigma=(4, 4, 0), mode="nearest")
    assert _psnr(draft, reference) >= 40.0


def test_sharpen_is_an_unsharp_mask():
    image = np.zeros((60, 60, 3), np.uint8)
    image[:, 30:] = 160
    image[:, :30] = 60
    out = run([SharpenFilter(amount=1.0)], image).astype(float)
    blurred = ndimage.gaussian_filter(image.astype(float), sigma=(1, 1, 0), mode="nearest")
    reference = np.clip(image + 1.0 * (image - blurred), 0, 255)
    assert np.abs(out - reference).max() <= 2.0
    assert out[30, 30, 0] > 170 and out[30, 29, 0] < 50  # overshoot on both sides of the edge


def test_smooth_evens_out_texture_but_keeps_edges():
    rng = np.random.default_rng(5)
    image = np.zeros((320, 180, 3), np.float64)
    image[:, :90] = (200, 150, 130)  # skin tone
    image[:, 90:] = (40, 40, 60)  # dark background: a hard edge at x = 90
    image += rng.normal(0, 6, image.shape)
    image = np.clip(image, 0, 255).astype(np.uint8)
    out = run([SmoothFilter()], image, scale=1 / 6)
    skin, out_skin = image[40:280, 20:70].astype(float), out[40:280, 20:70].astype(float)
    assert out_skin.std(axis=(0, 1)).mean() < skin.std(axis=(0, 1)).mean() * 0.5
    assert abs(out_skin.mean() - skin.mean()) < 1.5
    # The edge stays sharp: one pixel either side keeps nearly the full step.
    step = out[160, 88].astype(float).mean() - out[160, 92].astype(float).mean()
    assert step > 0.85 * (image[:, :90].mean() - image[:, 90:].mean())
    half = run([SmoothFilter(strength=0.5)], image, scale=1 / 6).astype(float)[40:280, 20:70]
    between = half.std(axis=(0, 1)).mean()
    assert out_skin.std(axis=(0, 1)).mean() < between < skin.std(axis=(0, 1)).mean()


# --- pixelate, rgb-split ------------------------------------------------------------------------


def test_pixelate_makes_blocks_of_the_block_mean(frame):
    out = run([PixelateFilter(size=16)], frame)
    block = frame[16:32, 0:16].reshape(-1, 3).mean(axis=0)
    assert np.abs(out[16:32, 0:16].astype(float) - block).max() <= 0.5
    assert np.unique(out[16:32, 0:16].reshape(-1, 3), axis=0).shape[0] == 1
    edge = run([PixelateFilter(size=20)], frame)  # 48 = 2 * 20 + 8: a partial last column
    partial = frame[0:20, 40:48].reshape(-1, 3).mean(axis=0)
    assert np.abs(edge[0:20, 40:48].astype(float) - partial).max() <= 0.5


def test_rgb_split_moves_red_left_and_blue_right(frame):
    out = run([RgbSplitFilter(offset=5)], frame)
    assert np.array_equal(out[:, :-5, 0], frame[:, 5:, 0])
    assert np.array_equal(out[:, 5:, 2], frame[:, :-5, 2])
    assert np.array_equal(out[..., 1], frame[..., 1])
    assert np.array_equal(out[:, -5:, 0], np.repeat(frame[:, -1:, 0], 5, axis=1))


# --- windows, strengths, fusion -----------------------------------------------------------------


def test_filter_window_and_strength(frame):
    chain = compile_chain([AdjustFilter(brightness=0.2, start=1.0, end=2.0, strength=0.5)], SIZE)
    assert np.array_equal(chain(frame.copy(), 0.5), frame)
    half = chain(frame.copy(), 1.5).astype(int)
    full = run([AdjustFilter(brightness=0.2)], frame).astype(int)
    assert np.abs(half - (frame.astype(int) + full) / 2).max() <= 1
    assert np.array_equal(chain(frame.copy(), 2.0), frame)


def test_strength_keyframes_are_relative_to_the_filter_start():
    grey = solid((200, 60, 50))
    keys = [ScalarKeyframe(t=0, value=0), ScalarKeyframe(t=1, value=1)]
    chain = compile_chain([GrayscaleFilter(start=2.0, strength=keys)], (40, 30))
    spread = lambda t: int(np.ptp(chain(grey.copy(), t)[0, 0].astype(int)))  # noqa: E731
    assert spread(1.0) == 150 and spread(2.0) == 150  # before the window; strength 0 at start
    assert spread(2.5) == pytest.approx(75, abs=1)  # halfway through the fade
    assert spread(3.0) <= 1 and spread(9.0) <= 1  # full, and held after the last keyframe


def test_tone_tables_compose_exactly(frame):
    rng = np.random.default_rng(0)
    a = ToneTable(rng.integers(0, 256, (3, 256), dtype=np.uint8))
    b = ToneTable(rng.integers(0, 256, (3, 256), dtype=np.uint8))
    assert np.array_equal(a.then(b)(frame), b(a(frame)))


def test_matrices_fuse_only_where_clipping_and_rounding_allow():
    mild = ColorMatrix.of(color.saturation_matrix(0.8))
    grey = ColorMatrix.of(color.GRAYSCALE)
    vivid = ColorMatrix.of(color.saturation_matrix(1.5))
    assert len(fuse([mild, grey])) == 1  # nothing clips: one transform
    assert len(fuse([vivid, grey])) == 2  # saturating clips: one by one
    per_channel = ColorMatrix.of(np.diag([1.1, 1.0, 0.9]))
    assert type(fuse([per_channel])[0].kernel).__name__ == "ToneTable"


def test_adjust_matrix_is_neutral_at_the_defaults():
    assert adjust.adjust_matrix().is_identity
    levels = tone.adjust_levels()
    assert np.allclose(levels, np.arange(256)[None, :])
    assert compile_chain([AdjustFilter()], SIZE).plan_at(0.0) == []


def test_a_tone_filter_before_a_3d_lut_folds_into_it_exactly(frame):
    filters = [
        CurvesFilter(rgb=[(0, 30), (128, 100), (255, 240)]),
        LutFilter(file="luts/noir.cube"),
    ]
    chain = compile_chain(filters, SIZE)
    assert len(chain.plan_at(0.0)) == 1
    step = frame
    for spec in filters:
        step = run([spec], step)
    assert np.array_equal(chain(frame.copy(), 0.0), step)


def test_3d_lut_coordinates_agree_between_multiply_and_lookup_on_full_frames():
    """The fast path (a multiply) and the folding path (a lookup) must pick the same green
    step at every pixel of a full-size frame, or folding would change pixels."""
    big = np.random.default_rng(9).integers(0, 256, (1920, 1080, 3), dtype=np.uint8)
    atlas = bake_atlas(load_cube(shipped_assets_dir() / "luts" / "teal-orange.cube"))
    fast, folded = Lut3DStep(atlas), Lut3DStep(atlas)
    folded._channels = np.zeros((256, 1, 4), np.uint8)
    folded._channels[:, 0, :3] = np.stack([np.arange(256), _GREEN_STEP, np.arange(256)], axis=1)
    assert np.array_equal(fast(big), folded(big))
