"""The YUV frame path: affine filter chains, sprites and renders on I420 frames, checked
against the RGB path they stand in for."""

from __future__ import annotations

import importlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from media_fixtures import BAR_W, BARS, BARS_SIZE

import clipforge
from clipforge.filters import compile_chain
from clipforge.filters.yuv import RGB_TO_YUV, YUV_TO_RGB, planes, yuv_chain
from clipforge.media import VideoWriter, open_video
from clipforge.media.pool import FramePool, recycling
from clipforge.overlay.sprite import Sprite, blend
from clipforge.preview import render_stills
from clipforge.spec import load_preset
from tests.gen import make_video

render_module = importlib.import_module("clipforge.render")

W, H = 96, 64


def chain_of(filters: str, folder: Path):
    """The compiled chain of a preset with these `filters` on a W x H canvas."""
    path = folder / "filters.yaml"
    path.write_text(f"clipforge: 1\ncanvas: {{size: {W}x{H}}}\nfilters: {filters}\n")
    return compile_chain(load_preset(path).filters, (W, H))


def to_i420(rgb: np.ndarray) -> np.ndarray:
    """Exact BT.709 limited-range I420 of an RGB frame, chroma averaged over 2x2 blocks."""
    h, w = rgb.shape[:2]
    yuv = rgb.astype(np.float64) @ RGB_TO_YUV[:3, :3].T + RGB_TO_YUV[:3, 3]
    frame = np.empty((h * 3 // 2, w), np.uint8)
    y, u, v, _ = planes(frame)
    y[...] = np.clip(np.rint(yuv[:, :, 0]), 0, 255)
    half = yuv.reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))
    u[...] = np.clip(np.rint(half[:, :, 1]), 0, 255)
    v[...] = np.clip(np.rint(half[:, :, 2]), 0, 255)
    return frame


def to_rgb(frame: np.ndarray) -> np.ndarray:
    """Float RGB of an I420 frame (chroma repeated over its block), unclipped."""
    y, u, v, _ = planes(frame)
    h, w = y.shape
    up = lambda p: cv2.resize(p, (w, h), interpolation=cv2.INTER_NEAREST)  # noqa: E731
    yuv = np.dstack([y, up(u), up(v)]).astype(np.float64)
    return yuv @ YUV_TO_RGB[:3, :3].T + YUV_TO_RGB[:3, 3]


def blocky_frame(seed: int, low: int = 40, high: int = 200) -> np.ndarray:
    """Random colours in 2x2 blocks, so chroma subsampling itself loses nothing."""
    rng = np.random.default_rng(seed)
    small = rng.integers(low, high, (H // 2, W // 2, 3)).astype(np.uint8)
    return cv2.resize(small, (W, H), interpolation=cv2.INTER_NEAREST)


AFFINE_LOOKS = [
    "[{type: adjust, brightness: 0.05, contrast: 1.1, saturation: 1.3}]",
    "[{type: adjust, brightness: -0.1, hue: 40}]",
    "[{type: adjust, saturation: 0.6, strength: 0.5}, {type: grayscale, strength: 0.4}]",
    "[{type: vignette, strength: 0.5, radius: 0.5, softness: 0.6}]",
    "[{type: adjust, contrast: 0.8}, {type: vignette, strength: 0.3}, {type: adjust, hue: -20}]",
]


@pytest.mark.parametrize("filters", AFFINE_LOOKS)
def test_affine_chain_on_yuv_matches_the_rgb_chain_inside_the_gamut(
    filters: str, tmp_path: Path
) -> None:
    chain = chain_of(filters, tmp_path)
    on_yuv = yuv_chain(chain)
    assert on_yuv is not None
    rgb = blocky_frame(1, 70, 180)  # where no step clips on the RGB path either
    expected = chain(rgb, 0.5).astype(np.float64)
    frame = to_i420(rgb)
    on_yuv(frame, 0.5)
    got = to_rgb(frame)
    # Where the RGB path clipped nothing, both are the same colours up to rounding: the I420
    # round trip alone is 1.6 levels; the vignette rounds each plane twice, and a level of Cb
    # is 2.1 levels of blue.
    inside = ((expected > 1) & (expected < 254)).all(axis=2)
    assert inside.mean() > 0.9
    diff = np.abs(got - expected)[inside]
    assert diff.max() <= 6.0
    assert diff.mean() <= 1.0


def test_luma_is_clipped_to_the_legal_range_like_rgb_clipping(tmp_path: Path) -> None:
    chain = chain_of("[{type: adjust, brightness: 0.5}]", tmp_path)
    frame = to_i420(np.full((H, W, 3), 250, np.uint8))
    yuv_chain(chain)(frame, 0.0)  # type: ignore[misc]
    assert planes(frame)[0].max() == 235  # white, not super-white


@pytest.mark.parametrize(
    "filters",
    [
        "[{type: adjust, temperature: 0.3}]",  # white balance mixes luma and chroma
        "[{type: adjust, gamma: 1.4}]",
        "[{type: curves, rgb: [[0, 0], [0.5, 0.6], [1, 1]]}]",
        "[{type: sepia}]",
        "[{type: grain, amount: 0.2}]",
        "[{type: blur, radius: 3}]",
        "[{type: lut, file: luts/teal-orange.cube}]",
    ],
)
def test_filters_that_need_rgb_keep_the_rgb_path(filters: str, tmp_path: Path) -> None:
    chain = chain_of(filters, tmp_path)
    assert yuv_chain(chain) is None


@pytest.mark.parametrize("corner", [(10, 8), (11, 9), (-7, -5), (W - 13, H - 9)])
def test_sprite_blended_on_yuv_matches_the_rgb_blend(corner: tuple[int, int]) -> None:
    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, (21, 23, 4)).astype(np.uint8)
    rgba[:, :, 3] = cv2.GaussianBlur(rgba[:, :, 3], (5, 5), 0)  # soft, varied alpha
    sprite = Sprite.from_rgba(rgba)
    background = np.zeros((H, W, 3), np.uint8)
    background[...] = (200, 60, 90)
    expected = background.copy()
    blend(expected, sprite, *corner)
    frame = to_i420(background)
    blend(frame, sprite, *corner)
    reference = to_i420(expected)
    # The same planes as the I420 of the RGB composite, up to rounding.
    for ours, theirs in zip(planes(frame)[:3], planes(reference)[:3], strict=True):
        assert np.abs(ours.astype(int) - theirs).max() <= 2
    assert not np.array_equal(planes(frame)[0], planes(to_i420(background))[0])  # it drew


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> Path:
    # testsrc2 at half saturation: colours, gradients, text and edges, mostly inside the gamut.
    folder = tmp_path_factory.mktemp("yuv")
    return make_video(folder / "src.mp4", 1.0, (180, 320), color=None, extra=("-vf", "hue=s=0.5"))


def spy_on_yuv_chain(monkeypatch) -> list:
    """What the render's `yuv_chain` returns, call by call (None: the render stayed in RGB)."""
    results: list = []

    def spy(chain):
        results.append(yuv_chain(chain))
        return results[-1]

    monkeypatch.setattr(render_module, "yuv_chain", spy)
    return results


def decoded(path: Path) -> list[np.ndarray]:
    with open_video(path, (180, 320), 30, "stretch") as reader:
        return list(reader)


def test_render_on_the_yuv_path_is_as_close_to_the_exact_look_as_the_rgb_path(
    monkeypatch, footage: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "look.yaml"
    spec.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        "filters:\n  - {type: adjust, brightness: 0.03, contrast: 1.05, saturation: 1.1}\n"
        "  - {type: vignette, strength: 0.4}\n"
        "stickers:\n  - {image: stickers/heart.png, at: [61, 101], width: 50}\n"
        "output: {thumbnail: null, sidecar: false}\n"
    )
    chains = spy_on_yuv_chain(monkeypatch)
    clipforge.render([footage], tmp_path / "yuv.mp4", spec)
    assert chains and chains[0] is not None, "the render did not take the YUV path"
    monkeypatch.setattr(render_module, "yuv_chain", lambda chain: None)
    clipforge.render([footage], tmp_path / "rgb.mp4", spec)

    # The exact look: the RGB chain on the decoded footage; away from the sticker, each path's
    # output differs from it by x264's noise (~35 dB here) and the YUV path by no more.
    chain = compile_chain(load_preset(spec).filters, (180, 320))
    exact = [chain(f, i / 30).astype(np.float64) for i, f in enumerate(decoded(footage))]
    away = np.ones((320, 180), bool)
    away[70:135, 30:95] = False

    def psnr(outputs: list[np.ndarray]) -> float:
        mse = [
            ((o.astype(np.float64) - e)[away] ** 2).mean()
            for o, e in zip(outputs, exact, strict=True)
        ]
        return float(10 * np.log10(255**2 / np.median(mse)))

    fast, slow = decoded(tmp_path / "yuv.mp4"), decoded(tmp_path / "rgb.mp4")
    assert len(fast) == len(slow) == 30
    assert psnr(fast) >= 32
    assert psnr(fast) >= psnr(slow) - 0.5
    # The sticker is drawn at the same place, in the same colours.
    inside = fast[15][95:110, 52:70].mean(axis=(0, 1)) - slow[15][95:110, 52:70].mean(axis=(0, 1))
    assert np.abs(inside).max() < 3
    assert fast[15][95:110, 52:70, 0].mean() > 180  # red: the heart, not the footage


def test_faces_and_transitions_keep_the_rgb_path(monkeypatch, footage, tmp_path) -> None:
    text = (
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        "timeline: {transition: {type: crossfade, seconds: 0.2}}\n"
        "filters: [{type: adjust, saturation: 1.2}]\n"
        "output: {thumbnail: null, sidecar: false}\n"
    )
    spec = tmp_path / "x.yaml"
    spec.write_text(text)
    asked: list = []
    monkeypatch.setattr(render_module, "yuv_chain", lambda chain: asked.append(chain))
    clipforge.render([footage, footage], tmp_path / "x.mp4", spec)
    assert asked == []  # never even tried: a crossfade blends RGB frames


def test_colour_bars_through_a_render_on_the_yuv_path_stay_within_3_levels(
    monkeypatch, bars_clip: Path, tmp_path: Path
) -> None:
    w, h = BARS_SIZE
    spec = tmp_path / "plain.yaml"
    spec.write_text(
        f"clipforge: 1\ncanvas: {{size: {w}x{h}, fps: 30}}\n"
        "output: {thumbnail: null, sidecar: false}\n"
    )
    taken = spy_on_yuv_chain(monkeypatch)
    out = tmp_path / "bars.mp4"
    clipforge.render([bars_clip], out, spec)
    assert taken and taken[0] is not None
    with open_video(out, (w, h), 30, "stretch") as reader:
        frame = list(reader)[30]
    ours = np.array([frame[h // 2, i * BAR_W + BAR_W // 2] for i in range(len(BARS))], int)
    assert np.abs(ours - np.array(BARS)).max() <= 3


def test_a_preview_still_shows_what_the_render_shows(monkeypatch, tmp_path: Path) -> None:
    # A vivid orange pushed out of the RGB cube: where the YUV and RGB paths differ most (and
    # a flat colour, so x264 adds no noise of its own).
    source = make_video(tmp_path / "orange.mp4", 1.0, (180, 320), color="0xE06020")
    spec = tmp_path / "vivid.yaml"
    spec.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        "filters: [{type: adjust, saturation: 1.6, contrast: 1.2}, {type: vignette}]\n"
        "output: {thumbnail: null, sidecar: false}\n"
    )
    out = tmp_path / "vivid.mp4"
    clipforge.render([source], out, spec)
    with open_video(out, (180, 320), 30, "stretch", start=0.5, duration=1 / 30) as reader:
        shown = next(iter(reader)).astype(np.float64)

    def psnr_of_still() -> float:
        ((_, still),) = render_stills(spec, [0.5], inputs=[source], scale=1.0)
        return float(10 * np.log10(255**2 / ((still - shown) ** 2).mean()))

    same_path = psnr_of_still()
    monkeypatch.setattr(render_module, "yuv_chain", lambda chain: None)
    rgb_path = psnr_of_still()
    assert same_path >= 30
    assert same_path > rgb_path + 1  # the RGB path clips differently: a visibly other still


def test_yuv_frames_go_round_a_few_buffers_and_encode_unchanged(
    bars_clip: Path, tmp_path: Path
) -> None:
    w, h = BARS_SIZE
    pool = FramePool()
    out = tmp_path / "round.mp4"
    with (
        recycling(pool),
        open_video(bars_clip, (w, h), 30, "stretch", pixels="yuv709") as reader,
        VideoWriter(out, (w, h), 30, pixels="yuv709") as writer,
    ):
        for frame in reader:
            writer.write(frame, recycle=pool.give)
    assert pool.made <= 6  # 60 frames, a handful of buffers
    with open_video(out, (w, h), 30, "stretch") as reader:
        frames = list(reader)
    assert len(frames) == 60
    ours = np.array([frames[30][h // 2, i * BAR_W + BAR_W // 2] for i in range(len(BARS))], int)
    assert np.abs(ours - np.array(BARS)).max() <= 3
