"""Preview stills over real inputs are the rendered video's frames: transitions, Ken Burns.

A still is compared with the rendered MP4's frame at the same time, decoded back, by the PSNR of
their luma: x264 is lossy and keeps colour at half resolution (4:2:0), so a sharp colour edge
on an odd column (a slide between a red and a blue clip) is smeared in the video whatever the
still. `frame_at` is compared with the render's own frame stream, frame by frame.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import clipforge
from clipforge.media import open_video, read_image
from clipforge.preview import frame_number, render_stills
from clipforge.spec import load_preset
from clipforge.timeline import Canvas, frame_at, plan_timeline, timeline_frames, total_frames
from clipforge.timeline import frames as timeline_frames_module
from tests.timeline_footage import (
    BLUE,
    RED,
    SIZE,
    H,
    W,
    body,
    coded_pngs,
    coded_video,
    decode_all,
    near,
)

FPS = 30
CANVAS = Canvas(SIZE, FPS)
CLOSE_DB = 38.0
"""Luma PSNR of a still and the rendered frame it stands for: measured 43.5 dB and up (47.5 in
the transitions). The old preview (the first clip only, stills unmoved) measured 6.5 to 28.4 dB
at 0.6 to 0.9 s in these transitions, and 26 to 29 dB mid-move on a moving still."""


def write_preset(folder: Path, body_yaml: str) -> Path:
    path = folder / "preset.yaml"
    path.write_text(
        f"clipforge: 1\ncanvas: {{size: {W}x{H}, fps: {FPS}}}\n"
        "output: {thumbnail: null, sidecar: false}\n" + body_yaml
    )
    return path


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) of the luma of two RGB frames."""
    ya, yb = (cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2YUV)[..., 0] for f in (a, b))
    mse = float(((ya.astype(np.float64) - yb) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("preview_pair")
    return coded_video(folder / "a.mp4", 30, RED), coded_video(folder / "b.mp4", 30, BLUE)


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    """A 360x640 picture with detail everywhere (gradients and large checks), so any move shows."""
    y, x = np.mgrid[0:640, 0:360]
    img = np.empty((640, 360, 3), np.uint8)
    img[..., 0] = 40 + x * 160 // 360
    img[..., 1] = 40 + y * 160 // 640
    img[..., 2] = np.where((x // 45 + y // 45) % 2, 200, 60)
    path = tmp_path_factory.mktemp("preview_still") / "photo.png"
    Image.fromarray(img).save(path)
    return path


def rendered(preset: Path, inputs: list[Path], out: Path) -> list[np.ndarray]:
    clipforge.render(inputs, out, preset)
    return decode_all(out, FPS)


# Inputs of 30 frames with a 0.5 s transition: frames 15..29 are blended. 0.76 s is frame 22
# (22.8 rounds to 23: the floor is what a player shows at 0.76 s).
TIMES = (0.2, 0.6, 0.76, 0.9, 1.3)


@pytest.mark.parametrize("kind", ["crossfade", "fade-black", "slide-left"])
def test_stills_in_and_out_of_a_transition_are_the_rendered_frames(tmp_path, pair, kind):
    preset = write_preset(tmp_path, f"timeline: {{transition: {{type: {kind}, seconds: 0.5}}}}\n")
    frames = rendered(preset, list(pair), tmp_path / "out.mp4")
    assert len(frames) == 45
    for t, still in render_stills(preset, TIMES, inputs=list(pair), scale=1.0):
        assert psnr(still, frames[frame_number(t, FPS)]) > CLOSE_DB, (kind, t)


def test_a_crossfade_still_is_the_frame_on_screen_at_its_time(tmp_path, pair):
    # The crossfade changes the picture every frame: the frame after is clearly another.
    preset = write_preset(tmp_path, "timeline: {transition: {type: crossfade, seconds: 0.5}}\n")
    frames = rendered(preset, list(pair), tmp_path / "out.mp4")
    ((_, still),) = render_stills(preset, [0.76], inputs=list(pair), scale=1.0)
    assert near(body(still), np.add(RED, BLUE) / 2)  # half way: (22 - 15 + 0.5) / 15
    assert psnr(still, frames[22]) > CLOSE_DB
    assert psnr(still, frames[23]) < CLOSE_DB - 10


@pytest.mark.parametrize(
    ("motion", "segments"),
    [
        ("zoom-in", ""),
        ("pan-left", "  segments: [{input: 0, reverse: true}]\n"),
    ],
)
def test_a_moving_still_is_previewed_as_rendered(tmp_path, photo, motion, segments):
    preset = write_preset(
        tmp_path, f"timeline:\n  still_seconds: 1.0\n  still_motion: {motion}\n{segments}"
    )
    frames = rendered(preset, [photo], tmp_path / "out.mp4")
    assert len(frames) == 30
    stills = dict(render_stills(preset, [0.0, 0.5, 0.9], inputs=[photo], scale=1.0))
    for t, still in stills.items():
        assert psnr(still, frames[frame_number(t, FPS)]) > CLOSE_DB, (motion, t)
    # Mid-move the picture is not the unmoved still (what the old preview showed).
    assert psnr(stills[0.5], read_image(photo, SIZE, "cover")) < CLOSE_DB - 6


def test_frame_at_is_the_streamed_frame_for_stills_bit_for_bit(tmp_path, photo):
    # Two stills (one reversed) moving, joined by a zoom: no decoder, so exactly the same.
    flipped = tmp_path / "flipped.png"
    Image.open(photo).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(flipped)
    preset = load_preset(
        write_preset(
            tmp_path,
            "timeline:\n  still_seconds: 0.7\n  still_motion: zoom-out\n"
            "  segments: [{input: 1, reverse: true}]\n"
            "  transition: {type: zoom, seconds: 0.3}\n",
        )
    )
    plan = plan_timeline([photo, flipped], preset)
    total = total_frames(plan, FPS)
    assert total == 33
    streamed = list(timeline_frames(plan, total, CANVAS))
    for n in range(total):
        alone = frame_at(plan, n, CANVAS)
        assert np.array_equal(alone, streamed[n]), n


def test_frame_at_samples_sequences_and_frames_from_code_as_streamed(tmp_path):
    # A folder of stills (a preview input like a video) reversed and faster, then frames from
    # code at another rate: both sampled by time, bit for bit.
    shots = coded_pngs(tmp_path / "shots", 20)
    frames = [np.full((90, 160, 3), i * 10, np.uint8) for i in range(25)]
    preset = load_preset(
        write_preset(
            tmp_path,
            "timeline:\n  transition: {type: crossfade, seconds: 0.2}\n"
            "  segments: [{input: 0, speed: 1.6, reverse: true}]\n",
        )
    )
    plan = plan_timeline([shots, clipforge.FrameSource(frames, fps=25, duration=1.0)], preset)
    assert [c.kind for c in plan.clips] == ["sequence", "frames"]
    total = total_frames(plan, FPS)
    streamed = list(timeline_frames(plan, total, CANVAS))
    for n in range(total):
        assert np.array_equal(frame_at(plan, n, CANVAS), streamed[n]), n


def test_frame_at_decodes_the_render_s_source_frames(tmp_path, pair, monkeypatch):
    # Slow motion from between two source frames, then a reversed clip decoded in chunks of
    # 7 frames: a seek straight to the source time would land a frame late in both.
    monkeypatch.setattr(timeline_frames_module, "REVERSE_CHUNK_YUV_BYTES", W * H * 3 // 2 * 7)
    preset = load_preset(
        write_preset(
            tmp_path,
            "timeline:\n  transition: {type: wipe-left, seconds: 0.2}\n  segments:\n"
            "    - {input: 0, in: 0.51, speed: 0.6}\n"
            "    - {input: 1, in: 0.1, speed: 1.3, reverse: true}\n",
        )
    )
    plan = plan_timeline(list(pair), preset)
    total = total_frames(plan, FPS)
    streamed = list(timeline_frames(plan, total, CANVAS))
    # Decoding is deterministic: the same source frame decodes to the same pixels.
    for n in range(total):
        alone = frame_at(plan, n, CANVAS)
        assert np.array_equal(alone, streamed[n]), n


def test_times_map_to_the_frame_on_screen():
    assert frame_number(0.76, 30) == 22
    assert frame_number(4.1, 30) == 123  # 4.1 * 30 is a rounding error under 123
    assert frame_number(0.0, 24) == 0


def test_preview_finds_a_lut_beside_its_preset_file_as_the_render_does(tmp_path: Path) -> None:
    """The preview compiles its filters as the render does: a .cube next to the preset file."""
    rows = "\n".join(
        f"{1 - r / 2:.6f} {1 - g / 2:.6f} {1 - b / 2:.6f}"
        for b in range(3)
        for g in range(3)
        for r in range(3)
    )
    (tmp_path / "invert.cube").write_text(f"LUT_3D_SIZE 3\n{rows}\n")
    preset = tmp_path / "inverted.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320}\nfilters:\n  - {type: lut, file: invert.cube}\n"
    )
    plain = tmp_path / "plain.yaml"
    plain.write_text("clipforge: 1\ncanvas: {size: 180x320}\n")
    [(_, inverted)] = render_stills(preset, [1.0], scale=1.0)
    [(_, original)] = render_stills(plain, [1.0], scale=1.0)
    # An inverting table: each channel becomes 255 minus itself (up to the table's
    # interpolation and the YUV round trip at sharp edges).
    assert np.abs(inverted.astype(int) - (255 - original.astype(int))).mean() < 2


def test_stills_cut_on_the_beat_where_the_render_cuts(tmp_path: Path) -> None:
    from tests.audio_helpers import encode, tone, with_clicks

    # A click track at 120 BPM from 0.1 s; the planned cut at 1.45 s moves onto the beat at 1.6.
    clicks = [0.1 + 0.5 * k for k in range(12)]
    encode(tmp_path / "clicks.wav", with_clicks(tone(6.0, 300.0, 0.02), clicks))
    a = coded_video(tmp_path / "a.mp4", 90, RED)
    b = coded_video(tmp_path / "b.mp4", 90, BLUE)
    preset = write_preset(
        tmp_path,
        "audio: {music: {file: clicks.wav}}\ntimeline:\n  cut_on_beat: true\n"
        "  segments: [{input: 0, out: 1.45}, {input: 1}]\n",
    )
    frames = rendered(preset, [a, b], tmp_path / "out.mp4")
    assert near(body(frames[frame_number(1.5, FPS)]), RED, 20)  # the render cut at 1.6 s
    stills = dict(render_stills(preset, [1.5, 1.7], inputs=[a, b], scale=1.0))
    assert near(body(stills[1.5]), RED, 20) and near(body(stills[1.7]), BLUE, 20)


PULSING = "stickers: [{image: red.png, at: [90, 160], width: 60, pulse: beat}]\n"
"""A 60 px red sticker pulsing on the beat (`red.png`, made by `make_square_png`)."""


def red_width(frame: np.ndarray) -> int:
    """The width of the red sticker on a grey frame, in pixels."""
    red = (frame[..., 0].astype(int) - frame[..., 1]) > 100
    cols = np.nonzero(red.any(axis=0))[0]
    return int(cols[-1] - cols[0] + 1)


def test_a_sticker_pulsing_on_the_beat_is_previewed(tmp_path: Path) -> None:
    from tests.gen import make_square_png

    # The shipped loop is 120 BPM with its first beat at 0: a beat at 1.0 s, none at 1.3 s.
    make_square_png(tmp_path / "red.png", 40, (255, 0, 0, 255))
    preset = write_preset(tmp_path, PULSING + "audio: {music: {file: music/pop-120.m4a}}\n")
    grey = coded_video(tmp_path / "grey.mp4", 60, (128, 128, 128))
    # Before, the preview had no beats and refused the preset ("pulse: beat needs music").
    stills = dict(render_stills(preset, [1.0, 1.3], inputs=[grey], scale=1.0))
    assert red_width(stills[1.0]) >= 64 and abs(red_width(stills[1.3]) - 60) <= 2


def test_a_layer_without_an_end_exits_at_the_clip_s_end_in_the_preview(tmp_path: Path) -> None:
    from tests.gen import make_square_png

    # The exit of a layer with no `end` plays over the clip's last second, in the render as in
    # the preview (which did not know the clip's length and never showed it).
    make_square_png(tmp_path / "red.png", 40, (255, 0, 0, 255))
    preset = write_preset(
        tmp_path,
        "stickers: [{image: red.png, at: [90, 160], width: 60,"
        " exit: {type: fade, seconds: 1.0}}]\n",
    )
    grey = coded_video(tmp_path / "grey.mp4", 60, (128, 128, 128))  # 2 s
    frames = rendered(preset, [grey], tmp_path / "out.mp4")
    stills = dict(render_stills(preset, [0.5, 1.7], inputs=[grey], scale=1.0))
    for t in (0.5, 1.7):
        assert psnr(stills[t], frames[frame_number(t, FPS)]) > CLOSE_DB, t
    centre = (slice(150, 170), slice(80, 100))
    assert stills[0.5][centre][..., 0].mean() > 200  # fully shown
    assert stills[1.7][centre][..., 0].mean() < 200  # fading out


def test_stills_take_the_output_profile_s_size_as_the_render_does(tmp_path: Path, photo) -> None:
    # A square feed post of a 180x320 preset: the canvas is matched by width (180x180) and the
    # output is 1080x1080; the preview showed the preset's 9:16 canvas.
    preset = write_preset(tmp_path, "")
    out = tmp_path / "square.mp4"
    clipforge.render([photo], out, preset, profile="square")
    with open_video(out, (1080, 1080), FPS, "stretch") as reader:
        frames = list(reader)
    ((t, still),) = render_stills(preset, [0.5], inputs=[photo], scale=1.0, profile="square")
    assert still.shape == (1080, 1080, 3)
    assert psnr(still, frames[frame_number(t, FPS)]) > CLOSE_DB  # the photo's detail lines up
    # At the preview's own scale, and from the preset's output.profile too.
    squared = tmp_path / "squared.yaml"
    squared.write_text(preset.read_text().replace("output: {", "output: {profile: square, "))
    ((_, small),) = render_stills(squared, [0.5], inputs=[photo])
    assert small.shape == (540, 540, 3)


def test_the_job_s_music_drives_a_preview_s_beats_as_it_drives_the_render_s(
    tmp_path: Path,
) -> None:
    from clipforge.spec.assets import shipped_assets_dir
    from tests.delivery_cli import run_cli
    from tests.gen import make_square_png

    make_square_png(tmp_path / "red.png", 40, (255, 0, 0, 255))
    preset = write_preset(tmp_path, PULSING)  # no music of its own
    grey = coded_video(tmp_path / "grey.mp4", 60, (128, 128, 128))
    sheet = tmp_path / "sheet.png"
    args = ["presets", "preview", str(preset), "-i", str(grey), "--at", "1.0", "-o", str(sheet)]
    refused = run_cli(*args)
    assert refused.exit_code == 2 and "pulse: beat needs music" in refused.output
    assert not sheet.exists()
    # A wrong path is refused even where nothing needs the beats, as the render refuses it.
    (tmp_path / "plain").mkdir()
    plain = write_preset(tmp_path / "plain", "")
    missing = run_cli("presets", "preview", str(plain), "--music", str(tmp_path / "nope.mp3"),
                      "-o", str(sheet))  # fmt: skip
    assert missing.exit_code == 2 and "no such music file" in missing.output
    assert not sheet.exists()
    song = shipped_assets_dir() / "music" / "pop-120.m4a"
    done = run_cli(*args, "--music", str(song))
    assert done.exit_code == 0, done.output
    assert Image.open(sheet).size[0] > 90
    ((_, still),) = render_stills(preset, [1.0], inputs=[grey], scale=1.0, music=song)
    assert red_width(still) >= 64  # on the beat: wider than its 60 px
