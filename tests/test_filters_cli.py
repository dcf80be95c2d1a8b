"""`clipforge filters`: the list of filters and the contact sheet."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PIL import Image

from clipforge.filters.catalog import filter_catalog
from clipforge.filters.sheet import COLUMNS, LABEL_HEIGHT, TILE, default_tiles
from tests.gen import make_video

TYPES = {"adjust", "curves", "lut", "vignette", "grain", "blur", "sharpen", "smooth",
         "grayscale", "sepia", "posterize", "rgb-split", "pixelate"}  # fmt: skip


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clipforge", *args], capture_output=True, text=True, timeout=300
    )


def test_catalog_has_every_filter_of_the_format_with_its_parameters():
    infos = {info.name: info for info in filter_catalog()}
    assert set(infos) == TYPES
    adjust = {p.name: p for p in infos["adjust"].params}
    assert list(adjust) == [
        "brightness", "contrast", "saturation", "exposure", "gamma", "temperature", "tint", "hue"
    ]  # fmt: skip
    assert (adjust["contrast"].default, adjust["contrast"].allowed) == (1, "0..4")
    assert {p.name: p.required for p in infos["lut"].params} == {"file": True}
    assert infos["vignette"].params[0].name == "strength"  # its darkness


def test_filters_command_lists_filters_and_parameters():
    listed = cli("filters")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == cli("filters", "list").stdout
    names = {line.split(":")[0] for line in listed.stdout.splitlines() if not line[:1].isspace()}
    assert names >= TYPES
    assert "    saturation = 1 (0..4)" in listed.stdout
    assert "    levels = 6 (2..256)" in listed.stdout
    assert "    file (required)" in listed.stdout


def tile(sheet: np.ndarray, label: str) -> np.ndarray:
    index = [t.label for t in default_tiles()].index(label)
    row, col = divmod(index, COLUMNS)
    w, h = TILE
    y, x = row * (h + LABEL_HEIGHT), col * w
    return sheet[y : y + h, x : x + w].astype(int)


def test_sheet_command_renders_every_filter_and_look(tmp_path):
    out = tmp_path / "sheet.png"
    result = cli("filters", "sheet", "-o", str(out))
    assert result.returncode == 0, result.stderr
    sheet = np.asarray(Image.open(out).convert("RGB"))
    tiles = default_tiles()
    assert len(tiles) >= 1 + len(TYPES) + 6
    rows = -(-len(tiles) // COLUMNS)
    assert sheet.shape == (rows * (TILE[1] + LABEL_HEIGHT), COLUMNS * TILE[0], 3)
    original = tile(sheet, "original")
    grey = tile(sheet, "grayscale")
    assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 1
    assert np.abs(original[..., 0] - original[..., 2]).mean() > 20
    for t in tiles[1:]:  # every filter and look changes the picture
        assert np.abs(tile(sheet, t.label) - original).mean() > 1.0, t.label
    label_strip = sheet[TILE[1] : TILE[1] + LABEL_HEIGHT, : TILE[0]]
    assert (label_strip > 200).any()  # the label is drawn


def test_sheet_from_an_input_video_and_errors(tmp_path):
    clip = make_video(tmp_path / "red.mp4", seconds=1.0, color="red", tone=None)
    out = tmp_path / "sheet.png"
    made = cli("filters", "sheet", "-o", str(out), "--input", str(clip), "--at", "0.5")
    assert made.returncode == 0, made.stderr
    original = tile(np.asarray(Image.open(out).convert("RGB")), "original")
    assert original[..., 0].mean() > 200 and original[..., 1].mean() < 40
    missing = cli("filters", "sheet", "-o", str(out), "--input", str(tmp_path / "none.mp4"))
    assert missing.returncode == 2 and "none.mp4" in missing.stderr
