"""canvas.fit contain-blur: the sharp contained picture over a blurred, dimmed cover copy.

Checked on decoded renders (videos, through ffmpeg's filtergraph) and on the OpenCV path (stills
and frames from the API): the centre band matches a plain `contain` render, the bands above and
below hold a blurred, darker version of the footage instead of the background colour.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import clipforge
from clipforge.frames import fit_frame
from clipforge.media import open_video, read_image
from clipforge.media.blurfit import DIM
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.spec import preset_from_dict, unsupported_uses

CANVAS = (180, 320)
# 1920x1080 contained in 180x320: 180x100 (even) at y = 110.
BAND = slice(114, 206)  # inside the picture, clear of its (chroma-blurred) edges
ABOVE, BELOW = slice(0, 100), slice(220, 320)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(float) - b.astype(float)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def sharpness(region: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image: high for detail, low for blur."""
    grey = cv2.cvtColor(np.ascontiguousarray(region), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def check_blur_look(blurred: np.ndarray, contained: np.ndarray, covered: np.ndarray) -> None:
    """The contain-blur frame against plain contain and cover fits of the same picture."""
    assert psnr(blurred[BAND], contained[BAND]) > 30
    band_detail = sharpness(contained[BAND])
    for rows in (ABOVE, BELOW):
        region = blurred[rows].astype(float)
        # Not the background colour (black for contain) and not flat: footage is there.
        assert region.mean() > 15 and region.std() > 5, rows
        assert sharpness(blurred[rows]) < band_detail / 20, rows
        # Darker than the footage at the same place (blur keeps the mean, DIM scales it).
        ratio = region.mean() / covered[rows].astype(float).mean()
        assert DIM - 0.15 < ratio < DIM + 0.15, (rows, ratio)
    # Contain itself leaves the background colour there.
    assert contained[ABOVE].max() < 20


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s of 1920x1080 testsrc2 (colour bars, a moving gradient line, text) at 10 fps."""
    path = tmp_path_factory.mktemp("blur") / "land.mp4"
    run_ffmpeg(
        ["-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=10:d=1",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p",
         str(path)],
        timeout=60,
    )  # fmt: skip
    return path


def render_fit(source: Path, out: Path, fit: str) -> np.ndarray:
    """Render `source` at 180x320 with `fit` and return the decoded frame at 0.5 s."""
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "canvas": {"size": "180x320", "fps": 10, "fit": fit},
            "output": {"thumbnail": None, "sidecar": False},
        }
    )
    clipforge.render([source], out, preset)
    with open_video(out, CANVAS, 10, "stretch", start=0.5, duration=0.1) as reader:
        return next(iter(reader))


def test_contain_blur_is_supported() -> None:
    preset = preset_from_dict({"clipforge": 1, "canvas": {"fit": "contain-blur"}})
    assert unsupported_uses(preset) == []


def test_video_render_contain_blur(landscape: Path, tmp_path: Path) -> None:
    blurred = render_fit(landscape, tmp_path / "blur.mp4", "contain-blur")
    contained = render_fit(landscape, tmp_path / "contain.mp4", "contain")
    with open_video(landscape, CANVAS, 10, "cover", start=0.5, duration=0.1) as reader:
        covered = next(iter(reader))
    check_blur_look(blurred, contained, covered)
    # The OpenCV path (stills, API frames) gives the same look as ffmpeg's filtergraph.
    with open_video(landscape, (640, 360), 10, "stretch", start=0.5, duration=0.1) as reader:
        source = next(iter(reader))
    opencv = fit_frame(source, CANVAS, "contain-blur")
    for rows in (ABOVE, BELOW):
        diff = np.abs(opencv[rows].astype(int) - blurred[rows].astype(int))
        assert diff.mean() < 8, (rows, diff.mean())


def pattern(width: int, height: int) -> np.ndarray:
    """Coloured vertical bars with a fine checkerboard: detail a blur removes."""
    x = np.arange(width)
    colours = np.array([[230, 40, 40], [40, 200, 60], [50, 70, 230], [240, 220, 40]], np.uint8)
    img = colours[(x * 4 // width)][None, :, :].repeat(height, axis=0).copy()
    checks = ((np.arange(height)[:, None] // 6 + x[None, :] // 6) % 2).astype(bool)
    img[checks] //= 2
    return img


def test_still_contain_blur(tmp_path: Path) -> None:
    path = tmp_path / "land.png"
    Image.fromarray(pattern(1920, 1080)).save(path)
    blurred = read_image(path, CANVAS, "contain-blur", (0, 0, 0))
    contained = read_image(path, CANVAS, "contain", (0, 0, 0))
    covered = read_image(path, CANVAS, "cover")
    assert blurred.shape == (320, 180, 3) and blurred.dtype == np.uint8
    check_blur_look(blurred, contained, covered)


def test_api_frame_contain_blur() -> None:
    frame = pattern(1920, 1080)
    blurred = fit_frame(frame, CANVAS, "contain-blur")
    contained = fit_frame(frame, CANVAS, "contain")
    covered = fit_frame(frame, CANVAS, "cover")
    assert blurred.shape == (320, 180, 3) and blurred.dtype == np.uint8
    check_blur_look(blurred, contained, covered)
    assert not np.shares_memory(blurred, frame)
