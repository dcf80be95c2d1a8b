"""Thumbnail, preview and sidecar beside the rendered MP4, decoded back and measured."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image, ImageSequence

import clipforge
from clipforge.errors import PresetError, RenderError
from tests.delivery_cli import run_cli
from tests.gen import frame_at, make_video

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "benchmarks" / "reference.yaml"
SCALE = 0.25  # 270x480: the preview is as wide as the full-size job's (270 px)
SMALL = (270, 480)


def small_reference(folder: Path, **output: object) -> Path:
    """The reference job with every pixel amount scaled by SCALE (percentages stay)."""
    doc = yaml.safe_load(REFERENCE.read_text())
    doc["canvas"]["size"] = f"{SMALL[0]}x{SMALL[1]}"

    def px(value):
        return value if isinstance(value, str) else round(value * SCALE)

    for sticker in doc["stickers"]:
        sticker["width"] = px(sticker["width"])
        for key in sticker.get("animate", []):
            key["at"] = [px(v) for v in key["at"]]
    for text in doc["text"]:
        text["size"] = px(text["size"])
        text["stroke"]["width"] = max(1, px(text["stroke"]["width"]))
    doc["output"].update(output)
    path = folder / "reference.yaml"  # same stem: the preset's name stays "reference"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def reference_small(tmp_path_factory) -> Path:
    """15 s of the reference job at 270x480 over busy footage, with a GIF preview."""
    folder = tmp_path_factory.mktemp("reference-small")
    footage = make_video(folder / "in.mp4", 15.0, size=SMALL, color=None, tone=440.0)
    out = folder / "clip.mp4"
    result = clipforge.render([footage], out, small_reference(folder, preview="gif"))
    assert result.delivered.thumbnail == folder / "clip.jpg"
    return out


def test_sidecar_describes_the_delivered_file(reference_small: Path) -> None:
    data = json.loads(reference_small.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["sha256"] == hashlib.sha256(reference_small.read_bytes()).hexdigest()
    assert data["bytes"] == reference_small.stat().st_size
    assert data["duration"] == pytest.approx(15.0, abs=0.04)
    assert data["size"] == list(SMALL) and data["fps"] == pytest.approx(30)
    assert (data["codec"], data["audio_codec"], data["pix_fmt"]) == ("h264", "aac", "yuv420p")
    assert data["preset"] == "reference" and data["variables"] == {}
    # Independently of clipforge: the words of the preset's caption that start with # and @.
    words = yaml.safe_load(REFERENCE.read_text())["text"][0]["content"].split()
    assert data["hashtags"] == [w for w in words if w.startswith("#")] == ["#MachDichZumClip"]
    assert data["mentions"] == [w for w in words if w.startswith("@")] == ["@creator"]
    assert (data["thumbnail"], data["preview"]) == ("clip.jpg", "clip.gif")


def test_thumbnail_is_the_frame_at_its_time(reference_small: Path) -> None:
    with Image.open(reference_small.with_suffix(".jpg")) as image:
        assert image.format == "JPEG" and image.size == SMALL
        assert not image.getexif()
        thumb = np.asarray(image.convert("RGB")).astype(int)
    frame = frame_at(reference_small, 1.0, SMALL).astype(int)
    later = frame_at(reference_small, 3.0, SMALL).astype(int)  # testsrc2 moves: t matters
    assert np.abs(thumb - frame).mean() < 5  # JPEG error on busy testsrc2 footage
    assert np.abs(thumb - later).mean() > 3 * np.abs(thumb - frame).mean()


def test_preview_is_a_small_looping_gif_of_the_whole_clip(reference_small: Path) -> None:
    path = reference_small.with_suffix(".gif")
    assert path.stat().st_size <= 2_000_000
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.info.get("loop") == 0  # loops forever
        width, height = gif.size
        assert width <= SMALL[0] and height == pytest.approx(width * 16 / 9, abs=2)
        durations = [f.info["duration"] for f in ImageSequence.Iterator(gif)]
        assert sum(durations) == pytest.approx(15_000, abs=150)
        assert len(durations) <= 15 * 10  # low frame rate (frames only where it changes)
        gif.seek(0)
        first = gif.convert("RGB")

    def coarse(image: Image.Image) -> np.ndarray:
        """Blocks of 8x8 preview pixels: averages out the GIF's dithering."""
        return np.asarray(image.resize((width // 8, height // 8), Image.BOX)).astype(int)

    frame = coarse(Image.fromarray(frame_at(reference_small, 0.0, SMALL)))
    later = coarse(Image.fromarray(frame_at(reference_small, 2.0, SMALL)))
    error = np.abs(coarse(first) - frame).mean()
    assert error < 4.5  # the same picture, in 128 colours
    assert np.abs(coarse(first) - later).mean() > 2 * error


def test_webp_preview_and_variables_in_the_sidecar(tmp_path: Path) -> None:
    red = make_video(tmp_path / "red.mp4", 0.5, color="red", tone=None)
    blue = make_video(tmp_path / "blue.mp4", 0.5, color="blue", tone=None)
    preset = tmp_path / "vars.yaml"
    preset.write_text(
        "clipforge: 1\nname: campaign\ncanvas: {size: 180x320}\n"
        "variables: {caption: '#Default', handle: '@brand'}\n"
        "text: [{content: '{{caption}} mit {{handle}} #Sommer2026', size: 14}]\n"
        "output: {preview: webp, thumbnail: 0.5}\n"
    )
    out = tmp_path / "v.mp4"
    clipforge.render([red, blue], out, preset, variables={"caption": "#Grüße"})
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["preset"] == "campaign"
    assert data["variables"] == {"caption": "#Grüße", "handle": "@brand"}
    assert data["hashtags"] == ["#Grüße", "#Sommer2026"] and data["mentions"] == ["@brand"]
    assert "#Grüße" in out.with_suffix(".json").read_text(encoding="utf-8")  # not \u-escaped
    with Image.open(out.with_suffix(".webp")) as webp:
        assert webp.format == "WEBP" and webp.is_animated and webp.info.get("loop") == 0
        assert webp.size == (180, 320) and webp.n_frames >= 2
        first = np.asarray(webp.convert("RGB")).astype(int)[80:240, 45:135]
        webp.seek(webp.n_frames - 1)
        last = np.asarray(webp.convert("RGB")).astype(int)[80:240, 45:135]
    assert first[..., 0].mean() > 200 and first[..., 1:].mean() < 60  # red, then blue
    assert last[..., 2].mean() > 200 and last[..., :2].mean() < 60


def test_defaults_write_thumbnail_and_sidecar_and_null_writes_none(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = tmp_path / "plain.yaml"
    plain.write_text("clipforge: 1\ncanvas: {size: 180x320}\n")
    clipforge.render([clip], tmp_path / "a" / "c.mp4", plain)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["c.jpg", "c.json", "c.mp4"]
    bare = tmp_path / "bare.yaml"
    bare.write_text(plain.read_text() + "output: {thumbnail: null, sidecar: false}\n")
    result = clipforge.render([clip], tmp_path / "b" / "c.mp4", bare)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["c.mp4"]
    assert result.delivered == clipforge.render.__globals__["Delivered"]()


def test_thumbnail_time_past_the_end_takes_the_last_frame(tmp_path: Path) -> None:
    red = make_video(tmp_path / "red.mp4", 0.5, color="red", tone=None)
    blue = make_video(tmp_path / "blue.mp4", 0.5, color="blue", tone=None)
    preset = tmp_path / "p.yaml"
    for at, channel in ((0.2, 0), (9.0, 2)):
        preset.write_text(f"clipforge: 1\ncanvas: {{size: 180x320}}\noutput: {{thumbnail: {at}}}\n")
        out = tmp_path / f"t{at}.mp4"
        clipforge.render([red, blue], out, preset)
        thumb = np.asarray(Image.open(out.with_suffix(".jpg")).convert("RGB")).astype(int)
        assert thumb[..., channel].mean() > 200 and thumb[..., 1].mean() < 40, at


def test_failed_side_file_leaves_none_behind(tmp_path: Path, monkeypatch) -> None:
    import clipforge.delivery.job as job

    def broken(*args, **kwargs):
        raise RenderError("preview: disk full")

    monkeypatch.setattr(job, "write_preview", broken)
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    preset = tmp_path / "p.yaml"
    preset.write_text("clipforge: 1\ncanvas: {size: 180x320}\noutput: {preview: gif}\n")
    out = tmp_path / "out" / "c.mp4"
    out.parent.mkdir()
    with pytest.raises(RenderError, match="disk full"):
        clipforge.render([clip], out, preset)
    # The video is complete and stays; none of the side files (nor a temporary) is left.
    assert [p.name for p in out.parent.iterdir()] == ["c.mp4"]


def test_side_file_that_would_overwrite_the_output_is_refused(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    preset = tmp_path / "p.yaml"
    preset.write_text("clipforge: 1\ncanvas: {size: 180x320}\n")
    with pytest.raises(PresetError, match=re.escape("output.sidecar")):
        clipforge.render([clip], tmp_path / "clip.json", preset)
    result = run_cli("render", str(clip), "-p", str(preset), "-o", str(tmp_path / "x.jpg"), "-q")
    assert result.exit_code == 2 and "output.thumbnail" in result.stderr
    assert not (tmp_path / "clip.json").exists() and not (tmp_path / "x.jpg").exists()
