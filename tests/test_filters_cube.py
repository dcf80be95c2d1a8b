""".cube files: 1D and 3D tables of any size, domains, strength, and broken files refused with
the file and the line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clipforge.errors import InputError
from clipforge.filters import CubeError, compile_chain, load_cube, parse_cube
from clipforge.spec import LutFilter
from tests.gen import frame_at, make_video


def cube_3d(size: int, fn=lambda r, g, b: (r, g, b), header: str = "") -> str:
    axis = np.linspace(0, 1, size)
    rows = [
        " ".join(f"{v:.6f}" for v in fn(r, g, b)) for b in axis for g in axis for r in axis
    ]  # red fastest
    return f"{header}LUT_3D_SIZE {size}\n" + "\n".join(rows) + "\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def apply_lut(path: Path, image: np.ndarray, strength: float = 1.0) -> np.ndarray:
    h, w = image.shape[:2]
    chain = compile_chain(
        [LutFilter(file=path.name, strength=strength)], (w, h), preset_dir=path.parent
    )
    return chain(image.copy(), 0.0)


@pytest.fixture
def frame() -> np.ndarray:
    return np.random.default_rng(2).integers(0, 256, (32, 24, 3), dtype=np.uint8)


def test_parses_3d_table_red_fastest_with_title_and_comments():
    text = '# made by hand\nTITLE "swap"\n\n' + cube_3d(2, lambda r, g, b: (b, g, r))
    lut = parse_cube(text, "swap.cube")
    assert (lut.dimensions, lut.size, lut.title) == (3, 2, "swap")
    assert lut.table[0, 0, 1].tolist() == [0, 0, 1]  # r = 1, g = b = 0 -> (b, g, r) = (0, 0, 1)
    assert lut.table[1, 0, 0].tolist() == [1, 0, 0]


@pytest.mark.parametrize("size", [2, 5, 17])
def test_3d_lut_of_any_size_applies_its_function(tmp_path, frame, size):
    # A channel swap and a lift are linear, so trilinear interpolation is exact at any size.
    path = write(tmp_path / "swap.cube", cube_3d(size, lambda r, g, b: (b, 0.5 * g + 0.25, r)))
    out = apply_lut(path, frame).astype(float)
    expected = np.stack([frame[..., 2], 0.5 * frame[..., 1] + 63.75, frame[..., 0]], axis=-1)
    assert np.abs(out[..., [0, 2]] - expected[..., [0, 2]]).max() <= 1.0
    assert np.abs(out[..., 1] - expected[..., 1]).max() <= 1.0  # green: in 127 steps, halved


def test_3d_lut_strength_blends_with_the_input(tmp_path, frame):
    path = write(tmp_path / "invert.cube", cube_3d(9, lambda r, g, b: (1 - r, 1 - g, 1 - b)))
    out = apply_lut(path, frame, strength=0.25).astype(float)
    expected = 0.25 * (255.0 - frame) + 0.75 * frame
    assert np.abs(out - expected).max() <= 1.5


def test_domain_min_and_max_are_honoured(tmp_path, frame):
    # Domain 0..2: input 1.0 (level 255) sits halfway up the table, so an identity table over
    # 0..2 halves every level.
    header = "DOMAIN_MIN 0 0 0\nDOMAIN_MAX 2 2 2\n"
    path = write(tmp_path / "wide.cube", cube_3d(5, lambda r, g, b: (r, g, b), header))
    out = apply_lut(path, frame).astype(float)
    assert np.abs(out - frame / 2.0).max() <= 1.0
    narrow = "DOMAIN_MIN 0.25 0.25 0.25\nDOMAIN_MAX 0.75 0.75 0.75\n"
    path = write(tmp_path / "narrow.cube", cube_3d(3, lambda r, g, b: (r, g, b), narrow))
    out = apply_lut(path, frame).astype(float)
    clamped = (np.clip(frame / 255.0, 0.25, 0.75) - 0.25) / 0.5 * 255
    assert np.abs(out - clamped)[..., [0, 2]].max() <= 1.0
    # Green is looked up in 127 steps (within a level), doubled by this steep table.
    assert np.abs(out - clamped)[..., 1].max() <= 2.5 + 1e-9


def test_1d_lut_with_domain(tmp_path):
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    rows = "\n".join(f"{v:.6f} {v:.6f} {1 - v:.6f}" for v in np.linspace(0, 1, 11))
    path = write(tmp_path / "curve.cube", f"LUT_1D_SIZE 11\n{rows}\n")
    out = apply_lut(path, ramp).astype(float)
    assert np.abs(out[..., 0] - ramp[..., 0]).max() <= 0.5
    assert np.abs(out[..., 2] - (255 - ramp[..., 2])).max() <= 0.5
    path = write(tmp_path / "range.cube", f"LUT_1D_SIZE 11\nLUT_1D_INPUT_RANGE 0 0.5\n{rows}\n")
    out = apply_lut(path, ramp).astype(float)
    assert np.abs(out[..., 0] - np.minimum(ramp[..., 0] * 2.0, 255)).max() <= 0.5


def test_shipped_looks_parse_and_change_the_picture(frame):
    folder = Path(__file__).parents[1] / "clipforge" / "assets" / "luts"
    looks = sorted(folder.glob("*.cube"))
    assert len([p for p in looks if load_cube(p).dimensions == 3]) >= 6
    for path in looks:
        assert np.abs(apply_lut(path, frame).astype(int) - frame).mean() > 3, path.name


# --- broken files -------------------------------------------------------------------------------

BROKEN = {
    "missing size": ('TITLE "x"\n0 0 0\n1 1 1\n', 2, "missing LUT_3D_SIZE"),
    "too few rows": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7, 8, "too few table rows"),
    "too many rows": ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 9, 10, "too many table rows"),
    "not a number": ("LUT_3D_SIZE 2\n0 0 0\n0 0 0\n0 x 0\n" + "0 0 0\n" * 5, 4, "'x'"),
    "two numbers": ("LUT_1D_SIZE 2\n0 0\n1 1 1\n", 2, "expected 3 numbers"),
    "nan": ("LUT_1D_SIZE 2\n0 0 0\nnan 1 1\n", 3, "not a finite number"),
    "bad size": ("LUT_3D_SIZE two\n", 1, "whole number"),
    "size 1": ("LUT_3D_SIZE 1\n0 0 0\n", 1, "within 2..256"),
    "keyword late": ("LUT_1D_SIZE 2\n0 0 0\nDOMAIN_MIN 0 0 0\n1 1 1\n", 3, "after the table"),
    "domain": ("DOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 1 1\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n", 2, "DOMAIN"),
    "shaper": ("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n", 2, "not supported"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_name_file_and_line(tmp_path, case):
    text, line, words = BROKEN[case]
    path = write(tmp_path / "broken.cube", text)
    with pytest.raises(CubeError) as info:
        load_cube(path)
    assert (info.value.file, info.value.line) == (str(path), line)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert words in str(info.value)


def test_compile_names_the_preset_key(tmp_path):
    write(tmp_path / "broken.cube", "LUT_3D_SIZE 2\n0 0 0\n")
    with pytest.raises(CubeError, match=r"broken\.cube:2: filters\[0\]\.file: too few"):
        compile_chain([LutFilter(file="broken.cube")], (24, 32), preset_dir=tmp_path)
    with pytest.raises(InputError, match="asset not found"):
        compile_chain([LutFilter(file="nowhere.cube")], (24, 32), preset_dir=tmp_path)


def test_cli_refuses_a_broken_lut_before_rendering(tmp_path):
    clip = make_video(tmp_path / "in.mp4", seconds=0.5, tone=None)
    write(tmp_path / "bad.cube", "LUT_3D_SIZE 2\n0 0 0\n0 oops 0\n")
    preset = write(
        tmp_path / "p.yaml",
        "clipforge: 1\ncanvas: {size: 180x320}\nfilters:\n  - {type: lut, file: bad.cube}\n",
    )
    out = tmp_path / "out.mp4"
    result = subprocess.run(
        [sys.executable, "-m", "clipforge", "render", str(clip), "-p", str(preset), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert f"{tmp_path / 'bad.cube'}:3: filters[0].file: not a number: 'oops'" in result.stderr
    assert not out.exists()


def test_rendered_lut_changes_the_decoded_frame(tmp_path):
    clip = make_video(tmp_path / "grey.mp4", seconds=1.0, tone=None, color="0x808080")
    write(tmp_path / "red.cube", cube_3d(3, lambda r, g, b: (1.0, g * 0.5, b * 0.5)))
    preset = write(
        tmp_path / "p.yaml",
        "clipforge: 1\ncanvas: {size: 180x320}\nfilters:\n"
        "  - {type: lut, file: red.cube, strength: 0.5}\n",
    )
    import clipforge

    out = tmp_path / "out.mp4"
    clipforge.render([clip], out, preset)
    pixel = frame_at(out, 0.5, (180, 320))[100:200, 50:130].reshape(-1, 3).mean(axis=0)
    # grey 128: strength 0.5 of (255, 64, 64) over (128, 128, 128) = (191.5, 96, 96).
    assert np.abs(pixel - [191.5, 96, 96]).max() <= 4
