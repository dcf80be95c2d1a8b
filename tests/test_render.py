"""End to end: presets render to MP4s that are decoded back and measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import clipforge
from clipforge.errors import LimitError
from tests.gen import (
    blob_centre,
    ffmpeg_info,
    frame_at,
    make_square_png,
    make_tone,
    make_video,
    tone_level,
    top_level_boxes,
    window,
)

SMALL = (180, 320)


def write_preset(folder: Path, body: str) -> Path:
    path = folder / "preset.yaml"
    path.write_text("clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n" + body)
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clipforge", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def gray_clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "gray.mp4", seconds=2.0)


def test_stickers_follow_keyframes_and_windows(tmp_path, gray_clip):
    make_square_png(tmp_path / "green.png", 40, (0, 255, 0, 255))
    make_square_png(tmp_path / "red.png", 40, (255, 0, 0, 255))
    preset = write_preset(
        tmp_path,
        """
stickers:
  - image: green.png
    width: 20
    animate: [{t: 0, at: [30, 40]}, {t: 2, at: [150, 280]}]
  - {image: red.png, at: [40, 250], width: 20, start: 0.5, end: 1.5}
""",
    )
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset)
    for t in (0.0, 1.0, 1.6):
        frame = frame_at(out, t, SMALL).astype(int)
        green = (frame[..., 1] > 200) & (frame[..., 0] < 80)
        x, y = blob_centre(frame, green)
        expected = (30 + 120 * t / 2, 40 + 240 * t / 2)
        assert abs(x - expected[0]) <= 2 and abs(y - expected[1]) <= 2, (t, x, y)
    red_at = lambda t: int((frame_at(out, t, SMALL)[..., 0] > 200).sum())  # noqa: E731
    assert red_at(0.2) == 0 and red_at(1.0) > 300 and red_at(1.8) == 0


def test_filters_change_the_decoded_picture(tmp_path, gray_clip):
    plain, graded = tmp_path / "plain.mp4", tmp_path / "graded.mp4"
    clipforge.render([gray_clip], plain, write_preset(tmp_path, ""))
    preset = write_preset(
        tmp_path,
        """
filters:
  - {type: adjust, brightness: 0.2}
  - {type: vignette, strength: 0.6, radius: 0.4, softness: 0.3}
""",
    )
    clipforge.render([gray_clip], graded, preset)
    a, b = frame_at(plain, 1.0, SMALL).astype(int), frame_at(graded, 1.0, SMALL).astype(int)
    assert b[160, 90].mean() - a[160, 90].mean() == pytest.approx(0.2 * 255, abs=4)
    assert b[5, 5].mean() < b[160, 90].mean() - 40  # corners darkened by the vignette


def test_caption_is_drawn(tmp_path, gray_clip):
    preset = write_preset(
        tmp_path,
        """
variables: {tag: "#Grüße"}
text:
  - {content: "{{tag}} @anna", at: ["50%", "80%"], size: 28, color: white,
     stroke: {width: 3, color: black}, box: {color: "#0000ffff", padding: 6, radius: 4}}
""",
    )
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset, variables={"tag": "#Sommer"})
    frame = frame_at(out, 1.0, SMALL).astype(int)
    band, elsewhere = frame[236:276], frame[20:60]
    assert (band[..., 2] - band[..., 0] > 150).sum() > 500  # the blue box
    assert ((band > 230).all(axis=2)).sum() > 40  # white glyphs
    assert ((elsewhere > 230).all(axis=2)).sum() == 0


def test_music_mixed_with_original_sound(tmp_path, gray_clip):
    make_tone(tmp_path / "music.wav", 5.0, 1000.0)
    preset = write_preset(
        tmp_path,
        """
audio:
  music: {file: music.wav, volume: -3, fade_in: 1.0}
  original: {volume: -12}
  loudness: null
""",
    )
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset)
    late = window(out, 1.2, 0.6)
    music_level, original_level = tone_level(late, 1000.0), tone_level(late, 440.0)
    # `loudness: null` keeps the volumes absolute (the default brings the mix to -14 LUFS,
    # measured in tests/test_audio_render.py).
    # lavfi's sine is 1/8 full scale; at -3 dB and -12 dB that is 0.0885 and 0.0314.
    assert music_level == pytest.approx(0.125 * 10 ** (-3 / 20), rel=0.15)
    assert original_level == pytest.approx(0.125 * 10 ** (-12 / 20), rel=0.15)
    early = tone_level(window(out, 0.0, 0.2), 1000.0)
    assert early < music_level * 0.3  # still fading in


def test_job_music_replaces_preset_music_and_mute(tmp_path, gray_clip):
    music = make_tone(tmp_path / "song.wav", 5.0, 700.0)
    preset = write_preset(tmp_path, "audio: {original: mute}\n")
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, preset, music=music)
    part = window(out, 0.5, 1.0)
    assert tone_level(part, 700.0) > 0.1 and tone_level(part, 440.0) < 0.005


def test_inputs_in_sequence_with_a_still(tmp_path):
    red = make_video(tmp_path / "red.mp4", 1.0, color="red", tone=None)
    photo = tmp_path / "photo.png"
    from PIL import Image

    Image.new("RGB", (400, 300), (0, 0, 255)).save(photo)
    preset = write_preset(tmp_path, "timeline: {still_seconds: 1.0}\n")
    out = tmp_path / "out.mp4"
    result = clipforge.render([red, photo], out, preset)
    assert result.frames == 60
    assert frame_at(out, 0.5, SMALL)[160, 90, 0] > 200
    still = frame_at(out, 1.5, SMALL)
    assert still[160, 90, 2] > 200 and still[160, 90, 0] < 50


def test_contain_letterboxes_on_background(tmp_path):
    wide = make_video(tmp_path / "wide.mp4", 1.0, size=(320, 180), color="white", tone=None)
    preset = write_preset(tmp_path, "")
    preset.write_text(
        preset.read_text().replace("fps: 30}", "fps: 30, fit: contain, background: '#ff0000'}")
    )
    out = tmp_path / "out.mp4"
    clipforge.render([wide], out, preset)
    frame = frame_at(out, 0.5, SMALL).astype(int)
    assert frame[10, 90, 0] > 200 and frame[10, 90, 1] < 60  # red bar above
    assert frame[160, 90].min() > 230  # white picture in the middle


def test_limit_error_refuses_and_trim_cuts_to_exactly_the_limit(tmp_path):
    long_clip = make_video(tmp_path / "long.mp4", 20.0, size=(90, 160), tone=None)
    preset = write_preset(tmp_path, "")
    with pytest.raises(LimitError, match="15 s"):
        clipforge.render([long_clip], tmp_path / "refused.mp4", preset)
    result = cli(
        "render", str(long_clip), "--preset", str(preset), "-o", str(tmp_path / "cli.mp4"), "-q"
    )
    assert result.returncode == 2
    assert "limit" in result.stderr and "15" in result.stderr
    assert not (tmp_path / "cli.mp4").exists() and not (tmp_path / "refused.mp4").exists()

    preset.write_text(preset.read_text() + "limit: {policy: trim}\n")
    out = tmp_path / "trimmed.mp4"
    result = clipforge.render([long_clip], out, preset)
    assert result.frames == 450
    info = clipforge.media.probe(out)
    assert info.duration == pytest.approx(15.0, abs=1 / 30)


def test_cli_render_with_set_and_draft(tmp_path, gray_clip):
    preset = write_preset(tmp_path, 'text: [{content: "{{who}}", size: 30}]\n')
    out = tmp_path / "draft.mp4"
    result = cli(
        "render",
        str(gray_clip),
        "-p",
        str(preset),
        "-o",
        str(out),
        "--draft",
        "--set",
        "who=@anna",
        "-q",
    )
    assert result.returncode == 0, result.stderr
    info = clipforge.media.probe(out)
    assert (info.width, info.height) == (90, 160)
    assert "wrote" in result.stdout


def test_cli_exit_codes_for_bad_preset_and_missing_input(tmp_path, gray_clip):
    bad = tmp_path / "bad.yaml"
    bad.write_text("clipforge: 1\nfilterz: []\n")
    result = cli("render", str(gray_clip), "-p", str(bad), "-o", str(tmp_path / "x.mp4"))
    assert result.returncode == 2 and "filterz" in result.stderr and "bad.yaml:2" in result.stderr
    result = cli("render", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "x.mp4"))
    assert result.returncode == 2 and "nope.mp4" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_probe_prints_json(gray_clip):
    result = cli("probe", str(gray_clip))
    assert result.returncode == 0
    info = json.loads(result.stdout)
    assert info["width"] == 180 and info["height"] == 320 and info["has_audio"] is True
    assert info["duration"] == pytest.approx(2.0, abs=0.05)


def test_cli_presets_list_names_the_catalog():
    result = cli("presets", "list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert "demo" in names and "default" in names


def test_output_is_h264_high_aac_faststart(tmp_path, gray_clip):
    out = tmp_path / "out.mp4"
    clipforge.render([gray_clip], out, write_preset(tmp_path, ""))
    info = ffmpeg_info(out)
    assert "h264 (High)" in info and "yuv420p" in info and "aac" in info
    assert "bt709" in info
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")


def test_frames_from_code_are_an_input(tmp_path):
    frames = (np.full((100, 100, 3), (0, 200, 0), np.uint8) for _ in range(30))
    source = clipforge.FrameSource(frames, fps=30, duration=1.0)
    out = tmp_path / "frames.mp4"
    calls = []
    clipforge.render(
        [source],
        out,
        write_preset(tmp_path, ""),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (30, 30) and len(calls) == 30
    assert frame_at(out, 0.5, SMALL)[160, 90, 1] > 180


PEAK_RSS_SCRIPT = """
import resource, sys
import clipforge
clipforge.render([sys.argv[1]], sys.argv[2], sys.argv[3])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_memory_does_not_grow_with_clip_length(tmp_path):
    """Frames stream: a 6x longer clip peaks at about the same memory."""
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 360x640}\nlimit: {max_seconds: 60}\n"
        "filters: [{type: adjust, saturation: 1.2}]\n"
    )
    peaks = []
    for seconds in (2.0, 12.0):
        clip = make_video(tmp_path / f"in{seconds}.mp4", seconds, size=(360, 640), color=None)
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                PEAK_RSS_SCRIPT,
                str(clip),
                str(tmp_path / "o.mp4"),
                str(preset),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        peaks.append(int(run.stdout.split()[-1]))
    assert peaks[1] - peaks[0] < 30, peaks  # MiB


def test_variables_with_a_preset_object_are_refused_not_ignored(tmp_path, gray_clip):
    preset = clipforge.load_preset(write_preset(tmp_path, "text: [{content: 'hi'}]\n"))
    with pytest.raises(ValueError, match="load_preset"):
        clipforge.render([gray_clip], tmp_path / "out.mp4", preset, variables={"a": "b"})
    assert not (tmp_path / "out.mp4").exists()
