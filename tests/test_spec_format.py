"""The documented format parses: the big example from PRESET-FORMAT.md, defaults, the Python API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clipforge.errors import PresetError
from clipforge.spec import (
    AdjustFilter,
    CaptionsLayer,
    LutFilter,
    Preset,
    Sticker,
    TextLayer,
    VignetteFilter,
    load_preset,
    loader,
    parse_color,
    parse_size,
    preset_from_dict,
    preset_json_schema,
    resolve_length,
    resolve_point,
)

# The contract lives in the repo's docs/ or, in the shared workspace, beside the repo.
_REPO = Path(__file__).resolve().parents[1]
FORMAT_DOCS = [_REPO / "docs" / "PRESET-FORMAT.md", _REPO.parent / "shared" / "PRESET-FORMAT.md"]


def _doc_yaml(section: str) -> str:
    """The first ```yaml block under a `## section` heading of the format contract."""
    found = [path for path in FORMAT_DOCS if path.is_file()]
    if not found:
        pytest.skip("PRESET-FORMAT.md not available")
    text = found[0].read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```yaml\n(.*?)```", body, re.S)
    assert match, f"no yaml block under '## {section}'"
    return match.group(1)


@pytest.fixture
def catalog_with_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in catalog holding `base`, which the documented example extends."""
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "base.yaml").write_text(
        "clipforge: 1\nname: base\ndescription: from base\ncanvas: {fps: 24}\noutput: {crf: 30}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(loader, "catalog_dir", lambda: folder)
    return folder


@pytest.fixture
def example(tmp_path: Path, catalog_with_base: Path) -> Preset:
    path = tmp_path / "neon-night.yaml"
    path.write_text(_doc_yaml("A preset"), encoding="utf-8")
    return load_preset(path)


def test_documented_example_parses_with_its_values(example: Preset) -> None:
    assert example.name == "neon-night"
    assert example.extends == "base"
    assert example.canvas.size == (1080, 1920)
    assert example.canvas.fps == 30  # the child's value wins over base's 24
    assert example.output.crf == 20
    assert example.limit.policy == "error"
    assert example.timeline.segments[0].in_ == 0.5
    assert example.timeline.segments[0].speed == 2.0
    assert example.timeline.transition.type == "crossfade"
    assert [f.type for f in example.filters] == [
        "adjust", "curves", "lut", "vignette", "grain", "blur", "sharpen", "smooth",
        "grayscale", "sepia", "posterize", "rgb-split", "pixelate",
    ]  # fmt: skip
    adjust = example.filters[0]
    assert isinstance(adjust, AdjustFilter)
    assert adjust.saturation == 1.3
    assert isinstance(example.filters[2], LutFilter)
    assert example.filters[2].strength == 0.8
    assert example.filters[1].rgb[1] == (64, 50)
    sticker = example.stickers[0]
    assert sticker.at == ("80%", "20%")
    assert sticker.enter is not None and sticker.enter.type == "pop"
    assert sticker.animate[0].ease == "out-back"
    assert sticker.animate[1].width == 300
    assert example.stickers[1].track is not None
    assert example.stickers[1].track.offset == (0, -0.6)
    text = example.text[0]
    assert isinstance(text, TextLayer)
    assert text.content == "#MachDichZumClip @creator"  # placeholders filled from defaults
    assert text.shadow is not None and parse_color(text.shadow.color) == (0, 0, 0, 0x99)
    assert isinstance(example.text[1], CaptionsLayer)
    assert example.text[1].size == 56
    assert example.text[1].anchor == "center"  # a styling default on a captions layer
    assert example.audio.original.volume == -12
    assert example.audio.music is not None and example.audio.music.start == 12.0
    assert example.moderation.blocklist == ["spam", "buy followers"]
    assert example.output.preview is None


def test_documented_example_resolves_its_geometry(example: Preset) -> None:
    w, h = example.canvas.size
    assert resolve_point(example.stickers[0].at, w, h) == pytest.approx((864.0, 384.0))
    assert resolve_length(example.text[0].max_width, w) == pytest.approx(972.0)
    assert example.source_dir is not None and example.source_dir.name != "catalog"
    assert example.source_dirs[1].name == "catalog"


def test_documented_batch_example_is_yaml_with_jobs() -> None:
    import yaml

    batch = yaml.safe_load(_doc_yaml("A batch file"))
    from clipforge.spec import job_from_dict

    job = job_from_dict({**batch["defaults"], **batch["jobs"][1]})
    assert job.inputs == ["clips/b.mp4", "clips/c.mp4"]
    assert job.preset == "neon-night"
    assert job.music == "music/b.mp3"


def test_only_version_gives_every_default() -> None:
    preset = preset_from_dict({"clipforge": 1})
    assert preset.canvas.size == (1080, 1920)
    assert preset.canvas.fps == 30
    assert preset.canvas.fit == "cover"
    assert preset.limit.max_seconds == 15
    assert preset.timeline.speed == 1.0
    assert preset.timeline.still_seconds == 3.0
    assert preset.filters == [] and preset.stickers == [] and preset.text == []
    assert preset.audio.loudness == -14
    assert preset.audio.original.mute is False
    assert preset.output.crf == 20 and preset.output.preset == "veryfast"
    assert preset.output.thumbnail == 1.0


def test_version_is_required_and_must_be_one() -> None:
    with pytest.raises(PresetError, match="clipforge"):
        preset_from_dict({})
    with pytest.raises(PresetError, match="clipforge"):
        preset_from_dict({"clipforge": 2})


def test_models_build_from_python() -> None:
    preset = Preset(
        clipforge=1,
        filters=[AdjustFilter(saturation=1.3), VignetteFilter()],
        stickers=[Sticker(image="x.png", at=(100, 200))],
        text=[TextLayer(content="hi"), CaptionsLayer(captions="a.srt")],
    )
    assert preset.filters[0].type == "adjust"
    assert preset.filters[1].strength == 0.4
    assert preset.stickers[0].at == (100.0, 200.0)
    assert isinstance(preset.text[1], CaptionsLayer)
    with pytest.raises(Exception, match="frozen"):
        preset.name = "other"  # type: ignore[misc]


def test_aliases_and_field_names_both_work() -> None:
    from clipforge.spec import Segment

    assert Segment(input=0, in_=1.5).in_ == 1.5
    assert Segment.model_validate({"input": 0, "in": 2.5}).in_ == 2.5
    dumped = Segment(input=0, in_=1.5).model_dump(by_alias=True)
    assert dumped["in"] == 1.5


def test_original_mute_shorthand() -> None:
    preset = preset_from_dict({"clipforge": 1, "audio": {"original": "mute"}})
    assert preset.audio.original.mute is True


@pytest.mark.parametrize(
    ("text", "rgba"),
    [
        ("#ff8000", (255, 128, 0, 255)),
        ("#FF800080", (255, 128, 0, 128)),
        ("#f80", (255, 136, 0, 255)),
        ("white", (255, 255, 255, 255)),
        ("RebeccaPurple", (102, 51, 153, 255)),
        ("transparent", (0, 0, 0, 0)),
    ],
)
def test_parse_color(text: str, rgba: tuple[int, int, int, int]) -> None:
    assert parse_color(text) == rgba


@pytest.mark.parametrize("bad", ["#12345", "notacolour", "", "#gggggg"])
def test_parse_color_refuses_and_names_the_value(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        parse_color(bad)


def test_parse_size_and_lengths() -> None:
    assert parse_size("720x1280") == (720, 1280)
    assert parse_size([1080, 1920]) == (1080, 1920)
    with pytest.raises(ValueError):
        parse_size("big")
    assert resolve_length("50%", 1080) == 540
    assert resolve_length("-12.5%", 800) == -100
    assert resolve_length(33, 1080) == 33
    assert preset_from_dict({"clipforge": 1, "canvas": {"size": [720, 1280]}}).canvas.size == (
        720,
        1280,
    )


def test_json_schema_uses_yaml_names() -> None:
    schema = preset_json_schema()
    segment = schema["$defs"]["Segment"]["properties"]
    assert "in" in segment and "in_" not in segment
    assert "clipforge" in schema["required"]
    assert "mute" in str(schema["$defs"]["Audio"]["properties"]["original"])
