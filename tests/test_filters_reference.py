"""Filters against an independent reference: ffmpeg's own filters on the same frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clipforge.filters import compile_chain
from clipforge.filters.sheet import sample_frame
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.spec import (
    CurvesFilter,
    GrayscaleFilter,
    LutFilter,
    PixelateFilter,
    RgbSplitFilter,
    SepiaFilter,
)

LUTS = Path(__file__).parents[1] / "clipforge" / "assets" / "luts"


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    """A picture (sunset, colour card, grey ramp) beside random colours: smooth and rough."""
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (320, 180, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.concatenate([sample_frame((180, 320)), noise], axis=1))


def ffmpeg_filter(frame: np.ndarray, vf: str) -> np.ndarray:
    """`frame` through an ffmpeg filter graph, rgb24 in and out."""
    h, w = frame.shape[:2]
    proc = run_ffmpeg(
        ["-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-i", "pipe:0",
         "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        timeout=60, input_bytes=np.ascontiguousarray(frame).tobytes(),
    )  # fmt: skip
    return np.frombuffer(proc.stdout, np.uint8).reshape(h, w, 3)


def ours(spec, frame: np.ndarray, **kwargs) -> np.ndarray:
    h, w = frame.shape[:2]
    return compile_chain([spec], (w, h), **kwargs)(frame.copy(), 0.0)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(float) - b.astype(float)) ** 2).mean())
    return 10 * np.log10(255**2 / max(mse, 1e-12))


@pytest.mark.parametrize("look", sorted(p.stem for p in LUTS.glob("*.cube")))
def test_shipped_looks_match_ffmpeg_lut3d_trilinear(frame, look):
    path = LUTS / f"{look}.cube"
    mine = ours(LutFilter(file=f"luts/{look}.cube"), frame)
    one_d = path.read_text().count("LUT_1D_SIZE") > 0
    graph = f"lut1d=file={path}:interp=linear" if one_d else f"lut3d=file={path}:interp=trilinear"
    reference = ffmpeg_filter(frame, graph)
    assert psnr(mine, reference) >= 45.0
    assert np.abs(mine.astype(int) - reference).max() <= 3


def test_an_uneven_lut_with_a_domain_matches_ffmpeg(frame, tmp_path):
    """A 17-point table of random smooth colours over a domain wider than 0..1 per channel.

    ffmpeg reads DOMAIN_MAX only after LUT_3D_SIZE, ignores DOMAIN_MIN and domains narrower
    than 1, so those cases are checked against exact expectations in test_filters_cube.py.
    """
    rng = np.random.default_rng(4)
    axis = np.linspace(0, 1, 17)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    table = np.stack([r**1.5, 0.3 + 0.5 * g * b, np.sin(3 * r + g) * 0.5 + 0.5], axis=-1)
    table = np.clip(table + rng.normal(0, 0.02, table.shape), 0, 1)
    rows = "\n".join(f"{x:.6f} {y:.6f} {z:.6f}" for x, y, z in table.reshape(-1, 3))
    path = tmp_path / "odd.cube"
    path.write_text(f"LUT_3D_SIZE 17\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1.25 1.5 2.0\n{rows}\n")
    mine = ours(LutFilter(file="odd.cube"), frame, preset_dir=tmp_path)
    reference = ffmpeg_filter(frame, f"lut3d=file={path}:interp=trilinear")
    assert psnr(mine, reference) >= 45.0


def _points(curve) -> str:
    return " ".join(f"{x / 255:.6f}/{y / 255:.6f}" for x, y in curve)


@pytest.mark.parametrize(
    ("channel", "curve"),
    [
        ("rgb", [(0, 0), (64, 40), (128, 140), (192, 222), (255, 255)]),
        ("r", [(0, 20), (255, 235)]),
        ("b", [(0, 0), (100, 140), (255, 255)]),
    ],
)
def test_curves_match_ffmpeg_curves_pchip(frame, channel, curve):
    """Each curve against ffmpeg's monotone (PCHIP) curves. Channel-then-master composition is
    checked in test_filters.py: ffmpeg rounds between the two passes, clipforge does not."""
    mine = ours(CurvesFilter(**{channel: curve}), frame)
    name = {"rgb": "master", "r": "red", "b": "blue"}[channel]
    reference = ffmpeg_filter(frame, f"curves={name}='{_points(curve)}':interp=pchip")
    assert psnr(mine, reference) >= 45.0
    assert np.abs(mine.astype(int) - reference).max() <= 1


@pytest.mark.parametrize(
    ("spec", "mixer"),
    [
        (GrayscaleFilter(), ".2126:.7152:.0722:0:.2126:.7152:.0722:0:.2126:.7152:.0722"),
        (SepiaFilter(), ".393:.769:.189:0:.349:.686:.168:0:.272:.534:.131"),
    ],
)
def test_grayscale_and_sepia_match_their_standard_matrices_in_ffmpeg(frame, spec, mixer):
    reference = ffmpeg_filter(frame, f"colorchannelmixer={mixer}")
    mine = ours(spec, frame)
    assert psnr(mine, reference) >= 45.0
    assert np.abs(mine.astype(int) - reference).max() <= 2


def test_pixelate_matches_ffmpeg_pixelize(frame):
    mine = ours(PixelateFilter(size=24), frame)  # 360 = 15 * 24; 320 = 13 * 24 + 8
    reference = ffmpeg_filter(frame, "pixelize=w=24:h=24:m=avg")
    assert psnr(mine, reference) >= 45.0
    assert np.abs(mine.astype(int) - reference).max() <= 2


def test_rgb_split_matches_ffmpeg_rgbashift(frame):
    mine = ours(RgbSplitFilter(offset=7), frame)
    reference = ffmpeg_filter(frame, "rgbashift=rh=-7:bh=7:edge=smear")
    assert np.array_equal(mine, reference)
