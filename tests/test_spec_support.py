"""The not-yet-supported table: only non-default uses are listed, each with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipforge.errors import PresetError
from clipforge.spec import (
    UNSUPPORTED,
    AdjustFilter,
    Audio,
    Duck,
    Preset,
    Timeline,
    check_supported,
    load_preset,
    preset_from_dict,
    support,
)
from clipforge.spec.support import Unsupported


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
                "filters": [
                    {"type": "adjust", "brightness": 0.1, "hue": 10, "temperature": 0.2},
                    {"type": "vignette", "strength": [{"t": 0, "value": 0.5}]},
                    *({"type": kind} for kind in ("blur", "grayscale", "sepia", "smooth")),
                    {"type": "lut", "file": "luts/x.cube", "strength": 0.5},
                ],
                "stickers": [
                    {"image": "a.png", "animate": [{"t": 0}, {"t": 1, "ease": "linear"}]},
                    {
                        "image": "b.gif",
                        "loop": False,
                        "enter": {"type": "pop"},
                        "exit": {"type": "slide-up"},
                        "track": {"offset": [0, -0.5]},
                        "pulse": "beat",
                    },
                ],
                "text": [
                    {"content": "hi", "stroke": {"width": 3}, "enter": {"type": "fade"}},
                    {"captions": "talk.vtt", "exit": {"type": "zoom"}},
                ],
                "audio": {
                    "loudness": -16,
                    "music": {"file": "m.mp3"},
                    "duck": {"amount": -9},
                    "effects": [{"file": "pop.wav", "at": 1}],
                },
                "output": {"sidecar": True, "thumbnail": 2.0, "preview": "gif", "profile": "reels"},
                "moderation": {"blocklist": ["spam"]},
                "timeline": {"speed": 1, "transition": {"type": "none"}},
            }
        )
    )


@pytest.fixture
def fake_table(monkeypatch) -> None:
    """Every feature of the format is built now: the table's machinery is tested on stand-ins."""
    monkeypatch.setattr(
        support,
        "UNSUPPORTED",
        [
            Unsupported("timeline.speed", lambda v, _: v != 1, "timeline speed"),
            Unsupported("stickers[*].loop", lambda v, _: v is False, "holding the last frame"),
            Unsupported("limit.policy", lambda v, _: v == "fit", "limit policy fit"),
        ],
    )


def test_everything_in_the_format_is_supported() -> None:
    check_supported(
        preset_from_dict(
            {
                "clipforge": 1,
                "timeline": {
                    "speed": 2,
                    "cut_on_beat": True,
                    "segments": [{"input": 0, "in": 1, "reverse": True}],
                    "still_motion": "zoom-in",
                    "transition": {"type": "wipe-left"},
                },
                "limit": {"policy": "fit"},
            }
        )
    )


def test_unsupported_uses_are_all_listed(fake_table) -> None:
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "timeline": {"speed": 2, "cut_on_beat": True},
            "canvas": {"fit": "contain-blur"},
            "stickers": [
                {"image": "a.gif", "loop": False, "animate": [{"t": 0, "ease": "ease-in"}]},
                {"image": "b.png", "track": {}},
            ],
            "text": [{"captions": "s.srt"}, {"content": "x", "shadow": {}}],
            "audio": {"loudness": -16, "effects": [{"file": "a.wav", "at": 1}]},
        }
    )
    assert _unsupported_keys(preset) == {"timeline.speed", "stickers[0].loop"}


def test_api_defaults_count_as_unset_but_explicit_values_count(fake_table) -> None:
    check_supported(Preset(clipforge=1, filters=[AdjustFilter(saturation=1.2)], audio=Audio()))
    check_supported(Preset(clipforge=1, audio=Audio(loudness=-14, duck=Duck())))
    assert _unsupported_keys(Preset(clipforge=1, timeline=Timeline(speed=2))) == {"timeline.speed"}


def test_problems_carry_file_and_line(tmp_path: Path, fake_table) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "clipforge: 1\nstickers:\n  - image: a.png\nlimit:\n  policy: fit\n", encoding="utf-8"
    )
    with pytest.raises(PresetError) as info:
        check_supported(load_preset(path))
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), 5, "limit.policy")


def test_table_entries_are_plain_triples() -> None:
    for pattern, used, description in UNSUPPORTED:
        assert isinstance(pattern, str) and callable(used) and description
