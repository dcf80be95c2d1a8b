"""Every catalog preset validates, renders a 2 s draft, and visibly changes the footage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import clipforge
from clipforge.spec import catalog
from tests.gen import frame_at, make_video

DRAFT = (540, 960)
NAMES = [name for name, _ in catalog() if name != "default"]


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> tuple[Path, np.ndarray]:
    folder = tmp_path_factory.mktemp("catalog")
    clip = make_video(folder / "in.mp4", 2.0, size=(360, 640), color=None)
    plain = folder / "plain.mp4"
    clipforge.render([clip], plain, "default", draft=True)
    return clip, frame_at(plain, 1.5, DRAFT)


def visibly_different(a: np.ndarray, b: np.ndarray) -> bool:
    """A grade shifts every pixel a little; a template draws a lot on part of the frame."""
    diff = np.abs(a.astype(int) - b)
    return diff.mean() > 3 or (diff.max(axis=2) > 24).mean() > 0.03


def test_catalog_has_at_least_twelve_presets():
    assert len(NAMES) >= 12, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_preset_renders_a_draft_that_changes_the_input(tmp_path, footage, name):
    clip, plain = footage
    out = tmp_path / f"{name}.mp4"
    result = clipforge.render([clip], out, name, draft=True)
    assert result.size == DRAFT and result.frames == 60
    styled = frame_at(out, 1.5, DRAFT)
    assert visibly_different(styled, plain)


def test_catalog_stills_cover_every_preset_and_differ():
    from clipforge.preview import catalog_stills

    stills = dict(catalog_stills(2.5))
    assert sorted(stills) == sorted(name for name, _ in catalog())
    plain = stills.pop("default").astype(int)
    for name, frame in stills.items():
        assert visibly_different(frame, plain), name


def test_catalog_sheet_command_writes_the_sheet(tmp_path):
    out = tmp_path / "catalog.png"
    run = subprocess.run(
        [sys.executable, "-m", "clipforge", "presets", "sheet", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    sheet = Image.open(out)
    rows = -(-len(catalog()) // 6)
    assert sheet.format == "PNG" and sheet.height > rows * sheet.width / 6 * 16 / 9 * 0.9
