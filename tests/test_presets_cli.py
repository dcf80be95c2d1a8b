"""Preset tooling for designers: validate, show, schema, preview (and --watch)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml
from PIL import Image

from clipforge.spec import catalog, catalog_dir, preset_json_schema

BROKEN = {
    # name: (document, expected text, expected line)
    "misspelt-key": ("clipforge: 1\ncanvas:\n  fpz: 30\n", "did you mean 'fps'", 3),
    "wrong-type": ("clipforge: 1\ncanvas:\n  fps: fast\n", "canvas.fps", 3),
    "bad-enum": ("clipforge: 1\ncanvas:\n  fit: zoom\n", "canvas.fit", 3),
    "missing-asset": (
        "clipforge: 1\nstickers:\n  - image: stickers/nope.png\n",
        "stickers/nope.png",
        3,
    ),
    "outside-roots": ("clipforge: 1\nstickers:\n  - image: ../secret.png\n", "..", 3),
    "unknown-variable": ("clipforge: 1\ntext:\n  - content: '{{who}}'\n", "who", 3),
    "yaml-syntax": ("clipforge: 1\ncanvas:\n  fps: 30\n fit: cover\n", "YAML syntax error", 4),
}


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clipforge", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def broken(tmp_path) -> dict[str, Path]:
    paths = {}
    for name, (text, _, _) in BROKEN.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths[name] = path
    (tmp_path / "cycle-a.yaml").write_text("clipforge: 1\nextends: cycle-b.yaml\n")
    (tmp_path / "cycle-b.yaml").write_text("clipforge: 1\nextends: cycle-a.yaml\n")
    paths["extends-cycle"] = tmp_path / "cycle-a.yaml"
    return paths


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_validate_names_file_line_and_problem(broken, name):
    _, expected, line = BROKEN[name]
    result = cli("presets", "validate", str(broken[name]))
    assert result.returncode == 2
    assert f"{broken[name]}:{line}" in result.stderr, result.stderr
    assert expected in result.stderr


def test_validate_reports_extends_cycle_with_chain(broken):
    result = cli("presets", "validate", str(broken["extends-cycle"]))
    assert result.returncode == 2
    assert "cycle-a.yaml" in result.stderr and "cycle-b.yaml" in result.stderr


def test_validate_many_files_counts_and_exit_code(broken):
    good = str(catalog_dir() / "demo.yaml")
    result = cli("presets", "validate", good, str(broken["bad-enum"]))
    assert result.returncode == 2 and "1 valid, 1 invalid" in result.stdout
    assert cli("presets", "validate", good).returncode == 0


def test_every_catalog_preset_validates_and_matches_the_schema():
    schema = preset_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    names = [name for name, _ in catalog()]
    assert len(names) >= 2
    result = cli("presets", "validate", *[str(catalog_dir() / f"{n}.yaml") for n in names])
    assert result.returncode == 0, result.stderr
    for name in names:
        document = yaml.safe_load((catalog_dir() / f"{name}.yaml").read_text())
        errors = list(validator.iter_errors(document))
        assert not errors, (name, errors[:1])


@pytest.mark.parametrize("name", ["misspelt-key", "wrong-type", "bad-enum"])
def test_schema_rejects_broken_presets(name):
    validator = jsonschema.Draft202012Validator(preset_json_schema())
    assert list(validator.iter_errors(yaml.safe_load(BROKEN[name][0])))


def test_schema_command_prints_the_schema():
    result = cli("presets", "schema")
    assert result.returncode == 0
    assert json.loads(result.stdout) == json.loads(json.dumps(preset_json_schema()))


def test_show_resolves_extends_variables_and_defaults(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(
        "clipforge: 1\nvariables: {who: anna}\ncanvas: {fps: 25}\ntext: [{content: 'hi {{who}}'}]\n"
    )
    child = tmp_path / "child.yaml"
    child.write_text("clipforge: 1\nextends: base.yaml\ncanvas: {fit: contain}\n")
    result = cli("presets", "show", str(child), "--set", "who=ben")
    assert result.returncode == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert shown["canvas"]["fps"] == 25 and shown["canvas"]["fit"] == "contain"
    assert shown["text"][0]["content"] == "hi ben"
    assert shown["limit"]["max_seconds"] == 15  # defaults are shown


def test_preview_sheet_has_a_tile_per_time_showing_the_preset(tmp_path):
    out = tmp_path / "sheet.png"
    result = cli(
        "presets", "preview", "demo", "-o", str(out), "--at", "1", "--at", "5", "--at", "9"
    )
    assert result.returncode == 0, result.stderr
    sheet = np.asarray(Image.open(out).convert("RGB")).astype(int)
    # Three tiles side by side on the dark sheet background: count bright columns bands.
    content = (np.abs(sheet - (24, 24, 28)).sum(axis=2) > 30).any(axis=0)
    edges = np.flatnonzero(np.diff(content.astype(int)) == 1)
    assert len(edges) >= 3
    from clipforge.preview import render_stills

    ((_, still),) = render_stills("demo", [5.0])
    (plain,) = render_stills(catalog_dir() / "default.yaml", [5.0])
    assert np.abs(still.astype(int) - plain[1]).mean() > 5  # the preset changes the frame


def test_preview_watch_renders_again_when_the_preset_changes(tmp_path):
    preset = tmp_path / "look.yaml"
    preset.write_text("clipforge: 1\nfilters: [{type: adjust, brightness: -0.3}]\n")
    out = tmp_path / "sheet.png"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clipforge",
            "presets",
            "preview",
            str(preset),
            "-o",
            str(out),
            "--at",
            "2",
            "--watch",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        dark = np.asarray(Image.open(out).convert("L")).mean()
        first = out.stat().st_mtime_ns
        time.sleep(1.1)  # a new mtime even on coarse file systems
        preset.write_text("clipforge: 1\nfilters: [{type: adjust, brightness: 0.3}]\n")
        while out.stat().st_mtime_ns == first and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.3)
        bright = np.asarray(Image.open(out).convert("L")).mean()
        assert bright > dark + 10
    finally:
        proc.terminate()
        proc.wait(10)
