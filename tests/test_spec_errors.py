"""Invalid presets are refused with one PresetError naming file, line, column, key and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipforge.errors import PresetError, Problem
from clipforge.spec import load_document, load_preset, preset_from_dict


def _load_error(tmp_path: Path, text: str, name: str = "p.yaml") -> list[Problem]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert info.value.exit_code == 2
    return info.value.problems


def _only(problems: list[Problem], key: str) -> Problem:
    found = [p for p in problems if p.key == key]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


def test_unknown_key_names_key_line_and_suggestion(tmp_path: Path) -> None:
    problems = _load_error(
        tmp_path,
        "clipforge: 1\nstickers:\n  - image: a.png\n  - image: b.png\n    opactiy: 0.5\n",
    )
    problem = _only(problems, "stickers[1].opactiy")
    assert problem.file == str(tmp_path / "p.yaml")
    assert (problem.line, problem.column) == (5, 5)
    assert "unknown key 'opactiy'" in problem.message
    assert "did you mean 'opacity'?" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'p.yaml'}:5:5: stickers[1].opactiy:")


def test_unknown_top_level_key_without_close_match_lists_allowed(tmp_path: Path) -> None:
    problem = _only(_load_error(tmp_path, "clipforge: 1\nzzzzzz: 1\n"), "zzzzzz")
    assert "expected one of" in problem.message and "stickers" in problem.message


def test_bad_enum_in_nested_keyframe(tmp_path: Path) -> None:
    text = (
        "clipforge: 1\n"
        "stickers:\n"
        "  - image: a.png\n"
        "  - image: b.png\n"
        "    animate:\n"
        "      - {t: 0, ease: out-bouncy}\n"
    )
    problem = _only(_load_error(tmp_path, text), "stickers[1].animate[0].ease")
    assert problem.line == 6
    assert "'out-bouncy'" in problem.message
    assert "did you mean 'out-bounce'?" in problem.message


def test_bad_filter_type_and_misspelt_filter_key(tmp_path: Path) -> None:
    text = "clipforge: 1\nfilters:\n  - {type: blurr}\n  - {type: adjust, brightnes: 0.1}\n"
    problems = _load_error(tmp_path, text)
    assert "did you mean 'blur'?" in _only(problems, "filters[0]").message
    # The union tag ("adjust") must not leak into the key path.
    misspelt = _only(problems, "filters[1].brightnes")
    assert "did you mean 'brightness'?" in misspelt.message
    assert misspelt.line == 4


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "clipforge: 1\n"
        "canvas: {fps: 500, fit: squash}\n"
        "output: {crf: 60}\n"
        "timeline: {speed: fast}\n"
    )
    problems = _load_error(tmp_path, text)
    keys = {p.key for p in problems}
    assert {"canvas.fps", "canvas.fit", "output.crf", "timeline.speed"} <= keys


def test_wrong_type_says_expected_and_found(tmp_path: Path) -> None:
    problem = _only(
        _load_error(tmp_path, "clipforge: 1\ntimeline: {speed: fast}\n"), "timeline.speed"
    )
    assert "number" in problem.message and "'fast'" in problem.message
    assert problem.line == 2


def test_out_of_range(tmp_path: Path) -> None:
    problems = _load_error(
        tmp_path, "clipforge: 1\noutput:\n  crf: 60\ncanvas: {size: 1081x1920}\n"
    )
    crf = _only(problems, "output.crf")
    assert "51" in crf.message and "60" in crf.message and crf.line == 3
    assert "even" in _only(problems, "canvas.size").message


def test_bad_colour_names_the_value(tmp_path: Path) -> None:
    text = "clipforge: 1\ntext:\n  - content: hi\n    color: notacolour\n"
    problem = _only(_load_error(tmp_path, text), "text[0].color")
    assert "'notacolour'" in problem.message and problem.line == 4


def test_unquoted_hash_colour_explains_the_yaml_comment(tmp_path: Path) -> None:
    problem = _only(
        _load_error(tmp_path, "clipforge: 1\ncanvas:\n  background: #000000\n"), "canvas.background"
    )
    assert "comment" in problem.message


def test_missing_required_key(tmp_path: Path) -> None:
    problem = _only(
        _load_error(tmp_path, "clipforge: 1\nstickers:\n  - at: [1, 2]\n"), "stickers[0].image"
    )
    assert "required" in problem.message and problem.line == 3


def test_text_needs_exactly_one_of_content_and_captions(tmp_path: Path) -> None:
    text = "clipforge: 1\ntext:\n  - {content: a, captions: b.srt}\n  - {size: 3}\n"
    problems = _load_error(tmp_path, text)
    assert "both" in _only(problems, "text[0]").message
    assert "neither" in _only(problems, "text[1]").message


def test_end_before_start_is_refused() -> None:
    with pytest.raises(PresetError) as info:
        preset_from_dict({"clipforge": 1, "stickers": [{"image": "a.png", "start": 3, "end": 1}]})
    assert info.value.problems[0].key == "stickers[0].end"


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    problems = _load_error(tmp_path, "clipforge: 1\ncanvas:\n  fps: [30\n  fit: cover\n")
    assert len(problems) == 1
    assert "YAML syntax error" in problems[0].message
    assert problems[0].line in (3, 4) and problems[0].column is not None


def test_json_syntax_error_has_line(tmp_path: Path) -> None:
    problems = _load_error(tmp_path, '{"clipforge": 1,\n "canvas": }\n', name="p.json")
    assert problems[0].line == 2 and "JSON" in problems[0].message


def test_json_validation_error_has_line(tmp_path: Path) -> None:
    problems = _load_error(tmp_path, '{"clipforge": 1,\n "canvas": {"fps": 100}}\n', name="p.json")
    assert _only(problems, "canvas.fps").line == 2


def test_aliases_are_refused(tmp_path: Path) -> None:
    text = "clipforge: 1\nvariables: &v {a: b}\ndescription: *v\n"
    problems = _load_error(tmp_path, text)
    assert "alias" in problems[0].message and problems[0].line == 3


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    problems = _load_error(tmp_path, "clipforge: 1\nname: a\nname: b\n")
    assert "duplicate key 'name'" in problems[0].message and problems[0].line == 3


def test_non_mapping_top_level(tmp_path: Path) -> None:
    assert "mapping" in _load_error(tmp_path, "- 1\n- 2\n")[0].message
    assert "mapping" in _load_error(tmp_path, "")[0].message


def test_file_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("clipforge: 1\ndescription: " + "x" * (1024 * 1024) + "\n", encoding="utf-8")
    with pytest.raises(PresetError, match="larger than"):
        load_document(path)


def test_missing_file_and_unknown_catalog_name() -> None:
    with pytest.raises(PresetError, match="not found"):
        load_preset(Path("/nonexistent/preset.yaml"))
    with pytest.raises(PresetError, match="no catalog preset named 'no-such-preset'"):
        load_preset("no-such-preset")
