"""Loading: extends (merge, cycles), placeholders and variables, the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipforge.errors import PresetError
from clipforge.spec import TextLayer, catalog, load_preset, loader, preset_from_dict


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BASE = """\
clipforge: 1
name: base
description: the base
canvas: {size: 720x1280, fps: 24}
output: {crf: 28, preset: fast}
filters:
  - {type: adjust, saturation: 1.5}
  - {type: vignette}
stickers:
  - {image: a.png}
"""


def test_extends_merges_maps_and_replaces_lists(tmp_path: Path) -> None:
    _write(tmp_path, "common/base.yaml", BASE)
    child = _write(
        tmp_path,
        "child.yaml",
        "clipforge: 1\nextends: common/base.yaml\ncanvas: {fps: 30}\n"
        "filters:\n  - {type: grayscale}\n",
    )
    preset = load_preset(child)
    assert preset.canvas.size == (720, 1280)  # kept from the parent
    assert preset.canvas.fps == 30  # overridden, key by key
    assert preset.output.crf == 28 and preset.output.preset == "fast"
    assert [f.type for f in preset.filters] == ["grayscale"]  # replaced whole
    assert [s.image for s in preset.stickers] == ["a.png"]  # untouched list inherited
    assert preset.description == "the base"
    assert preset.name == "child"  # a name is never inherited
    assert preset.source_dirs == (tmp_path, tmp_path / "common")


def test_extends_catalog_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "catalog"
    _write(folder, "base.yaml", BASE)
    monkeypatch.setattr(loader, "catalog_dir", lambda: folder)
    child = _write(tmp_path, "c.yaml", "clipforge: 1\nextends: base\n")
    assert load_preset(child).canvas.fps == 24
    assert load_preset("base").name == "base"
    assert catalog() == [("base", "the base")]
    bad = _write(tmp_path, "d.yaml", "clipforge: 1\nextends: bsae\n")
    with pytest.raises(PresetError, match="did you mean 'base'"):
        load_preset(bad)


def test_errors_in_a_parent_point_at_the_parent_file(tmp_path: Path) -> None:
    parent = _write(tmp_path, "parent.yaml", "clipforge: 1\noutput:\n  crf: 99\n")
    child = _write(
        tmp_path, "child.yaml", "clipforge: 1\nextends: parent.yaml\ncanvas: {fps: 30}\n"
    )
    with pytest.raises(PresetError) as info:
        load_preset(child)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.key) == (str(parent), 3, "output.crf")


def test_extends_cycle_names_the_chain(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", "clipforge: 1\nextends: b.yaml\n")
    _write(tmp_path, "b.yaml", "clipforge: 1\nextends: a.yaml\n")
    with pytest.raises(PresetError) as info:
        load_preset(a)
    assert "a.yaml -> b.yaml -> a.yaml" in str(info.value)


def test_extends_missing_file_is_named(tmp_path: Path) -> None:
    child = _write(tmp_path, "c.yaml", "clipforge: 1\nextends: nothere.yaml\n")
    with pytest.raises(PresetError) as info:
        load_preset(child)
    problem = info.value.problems[0]
    assert "nothere.yaml" in problem.message and problem.line == 2 and problem.key == "extends"


def test_extends_depth_is_capped(tmp_path: Path) -> None:
    for i in range(20):
        _write(tmp_path, f"p{i}.yaml", f"clipforge: 1\nextends: p{i + 1}.yaml\n")
    _write(tmp_path, "p20.yaml", "clipforge: 1\n")
    with pytest.raises(PresetError, match="longer than 16"):
        load_preset(tmp_path / "p0.yaml")


PLACEHOLDERS = """\
clipforge: 1
variables: {caption: "#Default", handle: "@me", year: 2024}
text:
  - content: "{{caption}} {{ handle }} {{year}}"
stickers:
  - image: "stickers/{{handle}}.png"
"""


def test_placeholders_filled_from_defaults_and_job(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.yaml", PLACEHOLDERS)
    preset = load_preset(path)
    assert isinstance(preset.text[0], TextLayer)
    assert preset.text[0].content == "#Default @me 2024"
    job = load_preset(path, variables={"caption": "#Sommer", "extra": "x"})
    assert isinstance(job.text[0], TextLayer)
    assert job.text[0].content == "#Sommer @me 2024"
    assert job.stickers[0].image == "stickers/@me.png"
    assert job.variables == {"caption": "#Sommer", "handle": "@me", "year": "2024", "extra": "x"}


def test_unknown_placeholder_is_named_with_its_place(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "p.yaml",
        'clipforge: 1\nvariables: {caption: a}\ntext:\n  - content: "{{captoin}}"\n',
    )
    with pytest.raises(PresetError) as info:
        load_preset(path)
    (problem,) = info.value.problems
    assert "{{captoin}}" in problem.message and "did you mean 'caption'" in problem.message
    assert (problem.line, problem.key) == (4, "text[0].content")


def test_placeholders_fill_after_extends(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", 'clipforge: 1\ntext:\n  - content: "{{who}}"\n')
    child = _write(
        tmp_path, "c.yaml", "clipforge: 1\nextends: base.yaml\nvariables: {who: child}\n"
    )
    preset = load_preset(child)
    assert isinstance(preset.text[0], TextLayer)
    assert preset.text[0].content == "child"


def test_preset_from_dict_with_variables_and_base_dir(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", BASE)
    preset = preset_from_dict(
        {"clipforge": 1, "extends": "base.yaml", "text": [{"content": "{{x}}"}]},
        variables={"x": "hello"},
        base_dir=tmp_path,
    )
    assert preset.canvas.fps == 24
    assert preset.source_dir == tmp_path
    assert isinstance(preset.text[0], TextLayer) and preset.text[0].content == "hello"
    with pytest.raises(PresetError, match=r"\{\{x\}\}"):
        preset_from_dict({"clipforge": 1, "text": [{"content": "{{x}}"}]})


def test_shipped_catalog_presets_load() -> None:
    for name, _description in catalog():
        preset = load_preset(name)
        assert preset.name == name
        assert preset.source_dir == loader.catalog_dir()
