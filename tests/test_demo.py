"""`clipforge demo` renders the demo clip from the project's own material."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import clipforge
from tests.gen import frame_at, window


@pytest.mark.slow
def test_demo_renders_with_music_and_layers(tmp_path):
    out = tmp_path / "demo.mp4"
    run = subprocess.run(
        [sys.executable, "-m", "clipforge", "demo", "-o", str(out), "--draft", "-q"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert str(out.resolve()) in run.stdout
    info = clipforge.media.probe(out)
    assert info.duration == pytest.approx(15.0, abs=0.05) and info.has_audio
    assert (info.width, info.height) == (540, 960)
    a, b = frame_at(out, 2.0, (540, 960)), frame_at(out, 9.0, (540, 960))
    assert np.abs(a.astype(int) - b).mean() > 5  # the footage and the heart move
    assert float(np.sqrt((window(out, 5.0, 2.0) ** 2).mean())) > 0.02  # music is audible
