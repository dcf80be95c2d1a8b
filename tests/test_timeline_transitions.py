"""Transitions and Ken Burns motion, rendered and decoded: what is where, half way through."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import clipforge
from clipforge.spec import preset_from_dict
from clipforge.timeline import plan_timeline
from clipforge.timeline.transitions import TRANSITIONS
from tests.timeline_footage import (
    BLUE,
    RED,
    STRIPE,
    body,
    coded_video,
    decode_all,
    near,
    read_code,
)

MID = 22  # inputs of 30 frames, a 15-frame transition from frame 15: progress 0.5 here
LOWER = slice(200, 300)


def write_preset(folder: Path, body_yaml: str) -> Path:
    path = folder / "preset.yaml"
    path.write_text("clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n" + body_yaml)
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pair")
    return coded_video(folder / "a.mp4", 30, RED), coded_video(folder / "b.mp4", 30, BLUE)


def stripe_columns(frame: np.ndarray) -> np.ndarray:
    """x of the (white) stripe columns in the lower half."""
    return np.flatnonzero(frame[LOWER].mean(axis=(0, 2)) > 200)


def render_pair(tmp_path: Path, pair, kind: str) -> list[np.ndarray]:
    preset = write_preset(tmp_path, f"timeline: {{transition: {{type: {kind}, seconds: 0.5}}}}\n")
    out = tmp_path / "out.mp4"
    result = clipforge.render(list(pair), out, preset)
    assert result.frames == 45  # 1 s + 1 s - 0.5 s
    frames = decode_all(out)
    # Outside the overlap each clip plays untouched.
    assert read_code(frames[5]) == 5 and near(body(frames[5]), RED)
    assert read_code(frames[40]) == 25 and near(body(frames[40]), BLUE)
    return frames


def test_crossfade_mixes_both_half_way(tmp_path, pair):
    frames = render_pair(tmp_path, pair, "crossfade")
    assert near(body(frames[MID]), (np.add(RED, BLUE)) / 2)
    assert near(body(frames[16]), np.add(RED, BLUE) / 2 + np.subtract(RED, BLUE) * 0.4, 12)


def test_fade_black_is_dark_at_its_middle(tmp_path, pair):
    frames = render_pair(tmp_path, pair, "fade-black")
    assert frames[MID].mean() < 12
    assert near(body(frames[17]), np.multiply(RED, 1 - 2 * 2.5 / 15), 12)  # A dimming
    assert near(body(frames[27]), np.multiply(BLUE, 2 * 12.5 / 15 - 1), 12)  # B rising


def test_slide_left_pushes_half_way(tmp_path, pair):
    frame = render_pair(tmp_path, pair, "slide-left")[MID]
    assert near(body(frame, x=slice(10, 80)), RED) and near(body(frame, x=slice(100, 175)), BLUE)
    # B's stripe (x 20..40 in B) now sits 90 px to the right; A's has left the frame.
    cols = stripe_columns(frame)
    assert abs(cols.min() - (90 + STRIPE[0])) <= 2 and abs(cols.max() - (90 + STRIPE[1] - 1)) <= 2


def test_wipe_left_uncovers_in_place(tmp_path, pair):
    frame = render_pair(tmp_path, pair, "wipe-left")[MID]
    assert near(body(frame, x=slice(10, 80)), RED) and near(body(frame, x=slice(100, 175)), BLUE)
    # Nothing moves in a wipe: A's stripe is where it was, B's (under A's half) is hidden.
    cols = stripe_columns(frame)
    assert abs(cols.min() - STRIPE[0]) <= 2 and abs(cols.max() - (STRIPE[1] - 1)) <= 2


def test_slide_up_pushes_half_way(tmp_path, pair):
    frame = render_pair(tmp_path, pair, "slide-up")[MID]
    assert near(body(frame, y=slice(60, 150)), RED)
    assert near(body(frame, y=slice(220, 300)), BLUE)
    # B's code row (frame 7: the first three blocks white) now sits just below the middle.
    assert frame[170:190, 4:16].mean() > 200 and frame[170:190, 64:76].mean() < 40


def test_zoom_magnifies_both_while_mixing(tmp_path, pair):
    frame = render_pair(tmp_path, pair, "zoom")[MID]
    assert near(body(frame), np.add(RED, BLUE) / 2, 12)
    # Both magnified 1.25x about the centre: the stripe (x 20..40) moves out to about 2..27.
    cols = stripe_columns(frame)
    assert cols.mean() < 20 and cols.max() - cols.min() > 22


def test_every_transition_is_a_whole_frame_blend_in_range():
    a = np.full((32, 18, 3), 200, np.uint8)
    b = np.full((32, 18, 3), 40, np.uint8)
    for name, blend in TRANSITIONS.items():
        start, end = blend(a, b, 0.0), blend(a, b, 1.0)
        assert start.shape == a.shape and start.dtype == np.uint8, name
        assert abs(int(start.mean()) - 200) <= 2 and abs(int(end.mean()) - 40) <= 2, name


def test_two_inputs_with_a_crossfade_make_the_expected_length():
    preset = preset_from_dict(
        {"clipforge": 1, "timeline": {"transition": {"type": "crossfade", "seconds": 0.5}}}
    )
    inputs = [clipforge.FrameSource([], fps=30, duration=5.0) for _ in range(2)]
    plan = plan_timeline(inputs, preset)
    assert plan.duration == pytest.approx(9.5)
    assert plan.clips[1].start == pytest.approx(4.5) and plan.clips[1].transition == "crossfade"
    # A transition takes at most half of the shorter clip.
    short = [clipforge.FrameSource([], fps=30, duration=d) for d in (5.0, 0.6)]
    assert plan_timeline(short, preset).duration == pytest.approx(5.3)


def blob(frame: np.ndarray) -> tuple[float, float, int]:
    """Centre x, y and area of the white square."""
    ys, xs = np.nonzero(frame.min(axis=2) > 180)
    return float(xs.mean()), float(ys.mean()), len(xs)


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    img = np.full((640, 360, 3), 40, np.uint8)
    img[160:240, 200:280] = 255  # a square right of and above the centre
    path = tmp_path_factory.mktemp("still") / "photo.png"
    Image.fromarray(img).save(path)
    return path


@pytest.mark.parametrize("motion", ["zoom-in", "pan-left"])
def test_ken_burns_moves_the_still_smoothly(tmp_path, photo, motion):
    preset = write_preset(tmp_path, f"timeline: {{still_seconds: 1.0, still_motion: {motion}}}\n")
    out = tmp_path / "out.mp4"
    clipforge.render([photo], out, preset)
    track = np.array([blob(f) for f in decode_all(out)])
    x, area = track[:, 0], track[:, 2]
    steps = np.diff(x)
    if motion == "zoom-in":
        # From the whole 1.2x still to its canvas-sized centre: the square grows 1.2^2 times
        # and moves away from the centre (to the right).
        assert area[-1] / area[0] == pytest.approx(1.44, rel=0.08)
        assert np.all(np.diff(area[::5]) > 0) and np.all(steps >= -0.3)
    else:
        # The picture travels left by the 36 px margin, eased: slow, fast, slow.
        assert x[0] - x[-1] == pytest.approx(36, abs=2)
        assert np.all(steps <= 0.3)
        assert abs(steps[:3]).max() < abs(steps[13:17]).max() / 3
    # Smooth: no jumps between consecutive frames (sub-pixel steps).
    assert np.abs(steps).max() < 3.5
