"""A timeline that cannot work is refused before any rendering, naming the segment."""

from __future__ import annotations

import pytest

import clipforge
from clipforge.errors import LimitError, PresetError
from clipforge.spec import preset_from_dict
from clipforge.timeline import FrameSource, plan_timeline


def frames(seconds: float, name: str = "<frames>") -> FrameSource:
    return FrameSource([], fps=30, duration=seconds, name=name)


def plan(segments, inputs=None, **timeline):
    preset = preset_from_dict({"clipforge": 1, "timeline": {"segments": segments, **timeline}})
    return plan_timeline(inputs or [frames(8.0, "clips/a.mp4")], preset)


def test_in_beyond_the_input_names_segment_input_and_length():
    with pytest.raises(PresetError) as info:
        plan([{"input": 0, "in": 12.0}])
    assert str(info.value) == "timeline.segments[0]: in 12 is beyond input 0 (clips/a.mp4, 8 s)"


def test_segment_for_an_input_that_does_not_exist():
    with pytest.raises(PresetError, match=r"timeline.segments\[1\]: input 3 does not exist"):
        plan([{"input": 0}, {"input": 3}], [frames(2.0), frames(2.0)])


def test_two_segments_for_one_input():
    with pytest.raises(PresetError, match=r"segments\[1\]: input 0 already has a segment"):
        plan([{"input": 0, "out": 1}, {"input": 0, "in": 1}])


@pytest.mark.parametrize(
    ("segment", "key"),
    [({"input": 0, "in": 4.0, "out": 3.0}, "timeline.segments[0].out"),
     ({"input": 0, "speed": 0}, "timeline.segments[0].speed"),
     ({"input": 0, "speed": 5}, "timeline.segments[0].speed")],
)  # fmt: skip
def test_the_model_refuses_bad_values(segment, key):
    with pytest.raises(PresetError) as info:
        preset_from_dict({"clipforge": 1, "timeline": {"segments": [segment]}})
    assert key in {p.key for p in info.value.problems}


def test_segment_speed_times_timeline_speed_must_stay_within_range():
    with pytest.raises(PresetError, match=r"segments\[0\].speed: .* at 8x; the range is 0.25x"):
        plan([{"input": 0, "speed": 4}], speed=2)


def test_out_past_the_end_plays_to_the_end():
    (clip,) = plan([{"input": 0, "in": 6.0, "out": 20.0}]).clips
    assert (clip.source_start, clip.duration) == (6.0, pytest.approx(2.0))


def test_fit_that_needs_more_than_4x_is_refused():
    preset = preset_from_dict({"clipforge": 1, "limit": {"max_seconds": 2, "policy": "fit"}})
    with pytest.raises(LimitError, match=r"fit would play input 0 .* at 5.00x"):
        plan_timeline([frames(10.0)], preset)


def test_render_refuses_before_writing_anything_with_file_and_line(tmp_path):
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320}\ntimeline:\n  segments:\n"
        "    - {input: 0, in: 0.5}\n    - {input: 1, in: 3}\n"
    )
    out = tmp_path / "out.mp4"
    source = FrameSource([], fps=30, duration=2.0, name="take2")
    with pytest.raises(PresetError) as info:
        clipforge.render([frames(2.0), source], out, preset)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.key) == (str(preset), 6, "timeline.segments[1]")
    assert "in 3 is beyond input 1 (take2, 2 s)" in problem.message
    assert not out.exists() and not list(tmp_path.glob("*.mp4*"))
