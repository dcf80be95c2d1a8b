"""Enter/exit animations and the beat pulse: their states, and measured in rendered output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.errors import PresetError
from clipforge.geometry import Geometry
from clipforge.media import open_video
from clipforge.overlay.build import build_overlays
from clipforge.overlay.entrance import SLIDE_DISTANCE, Entrance, enter_effect, exit_effect
from clipforge.overlay.pulse import PULSE_AMOUNT, PULSE_SECONDS, BeatPulse
from clipforge.overlay.state import LayerState
from clipforge.spec import preset_from_dict
from clipforge.spec.values import Easing
from tests.gen import blob_centre, make_square_png, make_video

STATE = LayerState(at=(100.0, 200.0), width=40.0, height=20.0, rotate=0.0, opacity=1.0)
KINDS = ["fade", "pop", "zoom", "slide-up", "slide-down", "slide-left", "slide-right"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_animation_starts_hidden_and_lands_on_the_layer(kind):
    start, done = enter_effect(kind, 0.0, 50.0), enter_effect(kind, 1.0, 50.0)
    # At its start the layer cannot be seen: transparent or of size zero.
    assert min(start.opacity, start.scale) == pytest.approx(0.0, abs=1e-9)
    assert done.apply(STATE) == STATE
    gone = exit_effect(kind, 1.0, 50.0)
    assert min(gone.opacity, gone.scale) == pytest.approx(0.0, abs=1e-9)
    assert exit_effect(kind, 0.0, 50.0).apply(STATE) == STATE


@pytest.mark.parametrize(
    ("kind", "direction"),
    [
        ("slide-up", (0, -1)),
        ("slide-down", (0, 1)),
        ("slide-left", (-1, 0)),
        ("slide-right", (1, 0)),
    ],
)
def test_slides_move_in_their_direction_both_in_and_out(kind, direction):
    entering = [enter_effect(kind, p, 50.0) for p in (0.0, 0.5, 1.0)]
    leaving = [exit_effect(kind, q, 50.0) for q in (0.0, 0.5, 1.0)]
    for path in (entering, leaving):
        steps = np.diff([[e.dx, e.dy] for e in path], axis=0)
        assert (steps @ np.array(direction) > 0).all()  # always moving the named way
    assert np.hypot(entering[0].dx, entering[0].dy) == pytest.approx(50.0)
    assert np.hypot(leaving[2].dx, leaving[2].dy) == pytest.approx(50.0)


def test_pop_overshoots_and_zoom_grows_while_fading():
    pops = [enter_effect("pop", p / 20, 0).scale for p in range(21)]
    assert max(pops) > 1.05 and pops[-1] == pytest.approx(1.0)
    zoom = [enter_effect("zoom", p, 0) for p in (0.0, 0.5, 1.0)]
    assert [z.scale for z in zoom] == sorted(z.scale for z in zoom) and zoom[0].scale > 0
    assert [z.opacity for z in zoom] == [0.0, 0.5, 1.0]


def test_enter_and_exit_windows_on_the_layer_time():
    entrance = Entrance("fade", 0.5, "fade", 1.0, length=3.0, distance=0.0)
    opacity = [entrance(STATE, t, t).opacity for t in (0.0, 0.25, 0.5, 1.5, 2.5, 3.0)]
    assert opacity == pytest.approx([0.0, 0.5, 1.0, 1.0, 0.5, 0.0])
    short = Entrance("fade", 1.0, "fade", 1.0, length=1.0, distance=0.0)
    assert short(STATE, 0.5, 0.5).opacity == pytest.approx(0.25)  # both at once: multiplied


def test_exit_without_end_plays_at_the_end_of_the_clip():
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "stickers": [{"image": "stickers/star.png", "exit": {"type": "fade", "seconds": 1}}],
        }
    )
    (layer,) = build_overlays(preset, Geometry((1080, 1920)), duration=4.0).layers
    assert layer.state_at(2.0).opacity == 1.0
    assert layer.state_at(3.5).opacity == pytest.approx(0.5)


def test_pulse_scales_on_beats_and_settles():
    pulse = BeatPulse([1.0, 0.5])
    assert pulse.scale_at(0.2) == 1.0
    assert pulse.scale_at(0.5) == pytest.approx(1 + PULSE_AMOUNT)
    assert 1.0 < pulse.scale_at(1.0 + PULSE_SECONDS / 2) < 1 + PULSE_AMOUNT
    assert pulse.scale_at(1.0 + PULSE_SECONDS) == 1.0
    state = pulse(STATE, 0.0, 0.5)
    assert (state.width, state.height) == pytest.approx(
        (40 * (1 + PULSE_AMOUNT), 20 * (1 + PULSE_AMOUNT))
    )
    assert state.at == STATE.at  # it swells about its anchor point


def test_pulse_without_music_is_refused_with_its_key():
    preset = preset_from_dict(
        {"clipforge": 1, "stickers": [{"image": "stickers/star.png", "pulse": "beat"}]}
    )
    with pytest.raises(PresetError, match=r"stickers\[0\]\.pulse: pulse: beat needs music"):
        build_overlays(preset, Geometry((1080, 1920)), duration=4.0, beats=lambda: None)


@pytest.fixture(scope="module")
def gray_clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "gray.mp4", seconds=3.0, tone=None)


def _widths(path: Path) -> list[float]:
    """The red sticker's width in each decoded frame."""
    with open_video(path, (180, 320), 30, "stretch") as reader:
        widths = []
        for frame in reader:
            red = (frame[..., 0].astype(int) - frame[..., 1]) > 100
            cols = np.nonzero(red.any(axis=0))[0]
            widths.append(float(cols[-1] - cols[0] + 1) if len(cols) else 0.0)
    return widths


def test_sticker_pulses_on_the_beats_of_the_music_used(tmp_path, gray_clip):
    # The shipped loop is 120 BPM with its first beat at 0: beats every 0.5 s.
    make_square_png(tmp_path / "red.png", 40, (255, 0, 0, 255))
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        "stickers: [{image: red.png, at: [90, 160], width: 60, pulse: beat}]\n"
        "audio: {music: {file: music/pop-120.m4a}}\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset)
    widths = _widths(out)
    for beat in (0.5, 1.0, 1.5, 2.0, 2.5):
        near = [widths[n] for n in range(len(widths)) if -0.05 <= n / 30 - beat <= 0.1]
        after = [widths[n] for n in range(len(widths)) if 0.3 <= n / 30 - beat <= 0.45]
        assert max(near) >= 60 * (1 + 0.7 * PULSE_AMOUNT), (beat, near)
        assert all(abs(w - 60) <= 2 for w in after), (beat, after)


def test_slide_up_exit_in_the_output(tmp_path, gray_clip):
    make_square_png(tmp_path / "red.png", 40, (255, 0, 0, 255))
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        "stickers: [{image: red.png, at: [90, 160], width: 30, end: 2.0,"
        " exit: {type: slide-up, seconds: 1.0}}]\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset)
    with open_video(out, (180, 320), 30, "stretch") as reader:
        frames = list(reader)
    ys = {}
    for n in (15, 45, 54):  # before the exit; 1/2 and 0.8 of the way out
        frame = frames[n].astype(int)
        red = (frame[..., 0] - frame[..., 1]) > 30
        ys[n] = blob_centre(frame, red)[1] + 0.5
    distance = SLIDE_DISTANCE * 180  # 36 px
    assert ys[15] == pytest.approx(160, abs=1)
    # ease-in: distance * q^3 above its place.
    assert ys[45] == pytest.approx(160 - distance * 0.5**3, abs=1.5)
    assert ys[54] == pytest.approx(160 - distance * 0.8**3, abs=1.5)
    assert not ((frames[61].astype(int)[..., 0] - frames[61][..., 1]) > 30).any()


def _textbook(name: str, x: float) -> float:
    """The easing curves as easings.net writes them (cubic in/out, back, bounce, elastic)."""
    if name == "out-bounce":
        n, d = 7.5625, 2.75
        if x < 1 / d:
            return n * x * x
        if x < 2 / d:
            return n * (x - 1.5 / d) ** 2 + 0.75
        if x < 2.5 / d:
            return n * (x - 2.25 / d) ** 2 + 0.9375
        return n * (x - 2.625 / d) ** 2 + 0.984375
    formulas = {
        "linear": lambda: x,
        "ease-in": lambda: x**3,
        "ease-out": lambda: 1 - (1 - x) ** 3,
        "ease-in-out": lambda: 4 * x**3 if x < 0.5 else 1 - (-2 * x + 2) ** 3 / 2,
        "out-back": lambda: 1 + 2.70158 * (x - 1) ** 3 + 1.70158 * (x - 1) ** 2,
        "out-elastic": lambda: 2 ** (-10 * x) * np.sin((x * 10 - 0.75) * (2 * np.pi / 3)) + 1,
        "step": lambda: 0.0 if x < 1 else 1.0,
    }
    return formulas[name]()


@pytest.mark.parametrize("name", [e.value for e in Easing])
def test_every_easing_of_the_format_moves_a_sticker_along_its_curve(name):
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "stickers": [
                {
                    "image": "stickers/star.png",
                    "animate": [
                        {"t": 0, "at": [100, 200], "opacity": 0.0, "ease": name},
                        {"t": 2, "at": [900, 1800], "opacity": 1.0},
                    ],
                }
            ],
        }
    )
    (layer,) = build_overlays(preset, Geometry((1080, 1920)), duration=3.0).layers
    for x in (0.1, 0.25, 0.5, 0.75, 0.9):
        k = _textbook(name, x)
        state = layer.motion.state(2 * x)
        assert state.at == pytest.approx((100 + 800 * k, 200 + 1600 * k))
        assert state.opacity == pytest.approx(k)
