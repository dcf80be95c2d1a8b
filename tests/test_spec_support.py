"""The not-yet-supported table: only non-default uses are listed, each with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipforge.errors import PresetError
from clipforge.spec import (
    UNSUPPORTED,
    AdjustFilter,
    Audio,
    Preset,
    check_supported,
    load_preset,
    preset_from_dict,
)


def _unsupported_keys(preset: Preset) -> set[str | None]:
    with pytest.raises(PresetError) as info:
        check_supported(preset)
    for problem in info.value.problems:
        assert problem.message.startswith(f"not supported yet: {problem.key}")
    return {p.key for p in info.value.problems}


def test_defaults_and_supported_features_pass() -> None:
    check_supported(preset_from_dict({"clipforge": 1}))
    check_supported(
        preset_from_dict(
            {
                "clipforge": 1,
                "filters": [{"type": "adjust", "brightness": 0.1}, {"type": "vignette"}],
                "stickers": [{"image": "a.png", "animate": [{"t": 0}, {"t": 1, "ease": "linear"}]}],
                "text": [{"content": "hi", "stroke": {"width": 3}}],
                "audio": {"loudness": None, "music": {"file": "m.mp3"}},
                "output": {"sidecar": False, "thumbnail": None},
                "timeline": {"speed": 1, "transition": {"type": "none"}},
            }
        )
    )


def test_unsupported_uses_are_all_listed() -> None:
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "timeline": {"speed": 2, "cut_on_beat": True},
            "canvas": {"fit": "contain-blur"},
            "filters": [
                {"type": "adjust", "hue": 10},
                {"type": "blur"},
                {"type": "vignette", "strength": [{"t": 0, "value": 0.5}]},
            ],
            "stickers": [
                {"image": "a.gif", "loop": False, "animate": [{"t": 0, "ease": "ease-in"}]},
                {"image": "b.png", "track": {}},
            ],
            "text": [{"captions": "s.srt"}, {"content": "x", "shadow": {}}],
            "audio": {"loudness": -16, "effects": [{"file": "a.wav", "at": 1}]},
            "moderation": {"blocklist": ["spam"]},
            "output": {"thumbnail": 2.0, "sidecar": True, "preview": "gif"},
        }
    )
    assert _unsupported_keys(preset) == {
        "timeline.speed",
        "timeline.cut_on_beat",
        "canvas.fit",
        "filters[0].hue",
        "filters[1].type",
        "filters[2].strength",
        "stickers[0].image",
        "stickers[0].loop",
        "stickers[1].track",
        "text[0].captions",
        "audio.loudness",
        "audio.effects",
        "moderation.blocklist",
        "output.thumbnail",
        "output.sidecar",
        "output.preview",
    }


def test_api_defaults_count_as_unset_but_explicit_values_count() -> None:
    check_supported(Preset(clipforge=1, filters=[AdjustFilter(saturation=1.2)], audio=Audio()))
    assert _unsupported_keys(Preset(clipforge=1, audio=Audio(loudness=-14))) == {"audio.loudness"}


def test_problems_carry_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "clipforge: 1\nstickers:\n  - image: a.png\n    pulse: beat\n", encoding="utf-8"
    )
    with pytest.raises(PresetError) as info:
        check_supported(load_preset(path))
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), 4, "stickers[0].pulse")


def test_table_entries_are_plain_triples() -> None:
    for pattern, used, description in UNSUPPORTED:
        assert isinstance(pattern, str) and callable(used) and description
