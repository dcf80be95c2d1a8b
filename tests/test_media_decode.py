"""clipforge.media.decode: canvas geometry, frame counts, colour accuracy, trims, cleanup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_fixtures import BAR_W, BARS, ffmpeg_children, lavfi
from PIL import Image

from clipforge.errors import InputError
from clipforge.media import open_video, read_image


def bar_samples(frame: np.ndarray, y: int, centres: list[float]) -> np.ndarray:
    return np.array([frame[y, round(x)] for x in centres], dtype=int)


@pytest.mark.parametrize("fit", ["cover", "contain", "stretch"])
@pytest.mark.parametrize(("fps", "frames"), [(30, 60), (25, 50), (60, 120)])
def test_canvas_size_and_constant_frame_count(
    av_clip: Path, fit: str, fps: int, frames: int
) -> None:
    with open_video(av_clip, (180, 320), fps, fit) as reader:  # type: ignore[arg-type]
        assert reader.frame_count == frames
        got = list(reader)
    assert len(got) == frames
    assert reader.padded_frames <= 1
    assert all(f.shape == (320, 180, 3) and f.dtype == np.uint8 for f in got)
    assert got[0] is not got[1] and not np.shares_memory(got[0], got[1])


def test_bars_decode_within_3_levels(bars_clip: Path) -> None:
    with open_video(bars_clip, (320, 176), 30, "stretch") as reader:
        frame = next(iter(reader))
    centres = [i * BAR_W + BAR_W / 2 for i in range(len(BARS))]
    err = np.abs(bar_samples(frame, 88, centres) - np.array(BARS))
    assert err.max() <= 3, err


def test_contain_pads_with_background_and_keeps_bars(bars_clip: Path) -> None:
    bg = (200, 30, 60)
    with open_video(bars_clip, (180, 320), 30, "contain", background=bg) as reader:
        frame = next(iter(reader))
    # 320x176 fitted into 180 wide: 180x98 (even), centred vertically at y = 110..208.
    assert np.abs(frame[:100].reshape(-1, 3).astype(int) - bg).max() <= 3
    assert np.abs(frame[220:].reshape(-1, 3).astype(int) - bg).max() <= 3
    k = 180 / 320
    centres = [(i * BAR_W + BAR_W / 2) * k for i in range(len(BARS))]
    err = np.abs(bar_samples(frame, 160, centres) - np.array(BARS))
    assert err.max() <= 3, err


def test_cover_crops_the_centre(bars_clip: Path) -> None:
    # 320x176 covering 176x176 keeps x = 72..248 of the source: bars 2 .. 7.
    with open_video(bars_clip, (176, 176), 30, "cover") as reader:
        frame = next(iter(reader))
    for canvas_x in (10, 50, 100, 140, 170):
        src_bar = (canvas_x + 72) // BAR_W
        if (canvas_x + 72) % BAR_W in (0, 1, BAR_W - 1):
            continue  # on an edge
        assert np.abs(frame[88, canvas_x].astype(int) - BARS[src_bar]).max() <= 3


def test_stretch_maps_bars_linearly(bars_clip: Path) -> None:
    with open_video(bars_clip, (160, 352), 30, "stretch") as reader:
        frame = next(iter(reader))
    centres = [i * 16 + 8 for i in range(len(BARS))]
    assert np.abs(bar_samples(frame, 176, centres) - np.array(BARS)).max() <= 3


@pytest.mark.parametrize(
    ("display_rotation", "bright_corner"), [(90, "bottom-left"), (-90, "top-right")]
)
def test_autorotation(corner_clip: Path, tmp_path: Path, display_rotation: int,
                      bright_corner: str) -> None:  # fmt: skip
    rotated = lavfi(tmp_path / "r.mp4", ["-display_rotation", str(display_rotation), "-i",
                                         str(corner_clip), "-c", "copy"])  # fmt: skip
    with open_video(rotated, (180, 320), 30, "stretch") as reader:
        frame = next(iter(reader)).astype(int)
    quads = {
        "top-left": frame[40:120, 20:70], "top-right": frame[40:120, 110:160],
        "bottom-left": frame[200:280, 20:70], "bottom-right": frame[200:280, 110:160],
    }  # fmt: skip
    for name, quad in quads.items():
        assert (quad.mean() > 200) == (name == bright_corner), name


def test_trim_and_speed(ramp_clip: Path) -> None:
    # Source frame i has grey level 8 + 3 i at t = i / 30.
    with open_video(ramp_clip, (64, 64), 30, "stretch", start=0.5, duration=1.0,
                    speed=2.0) as reader:  # fmt: skip
        frames = list(reader)
    assert len(frames) == 15
    levels = [int(f[32, 32].mean().round()) for f in frames]
    assert abs(levels[0] - (8 + 3 * 15)) <= 2  # accurate seek: frame 15
    assert abs(levels[1] - (8 + 3 * 17)) <= 2  # speed 2: every other source frame
    assert abs(levels[-1] - (8 + 3 * 43)) <= 2


def test_early_close_kills_ffmpeg(av_clip: Path) -> None:
    reader = open_video(av_clip, (180, 320), 30)
    it = iter(reader)
    next(it)
    assert ffmpeg_children()
    reader.close()
    assert not ffmpeg_children()


def test_generator_close_reaps_ffmpeg(av_clip: Path) -> None:
    def frames():
        with open_video(av_clip, (180, 320), 30) as reader:
            yield from reader

    gen = frames()
    next(gen)
    gen.close()
    assert not ffmpeg_children()


@pytest.mark.parametrize("kind", ["empty", "garbage", "text"])
def test_open_video_refuses_non_media(bad_files: dict[str, Path], kind: str) -> None:
    with pytest.raises(InputError, match=kind):
        open_video(bad_files[kind], (180, 320), 30)
    assert not ffmpeg_children()


def test_open_video_refuses_audio_only(sine_wav: Path) -> None:
    with pytest.raises(InputError, match="no video"):
        open_video(sine_wav, (180, 320), 30)


def test_read_image_exif_fit_and_alpha(tmp_path: Path) -> None:
    img = Image.new("RGBA", (40, 20), (255, 0, 0, 255))
    img.paste((0, 0, 255, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 CW: the left (red) half ends up on top
    path = tmp_path / "p.png"
    img.save(path, exif=exif)
    out = read_image(path, (20, 40), "stretch")
    assert out.shape == (40, 20, 3)
    assert tuple(out[5, 10]) == (255, 0, 0) and tuple(out[35, 10]) == (0, 0, 255)

    clear = tmp_path / "clear.png"
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(clear)
    flat = read_image(clear, (20, 20), "contain", background=(10, 200, 30))
    assert (flat.reshape(-1, 3) == (10, 200, 30)).all()


def test_read_image_contain_pads(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    Image.new("RGB", (100, 50), (255, 255, 255)).save(path)
    out = read_image(path, (100, 200), "contain", background=(0, 0, 0))
    assert out[10, 50].tolist() == [0, 0, 0] and out[100, 50].tolist() == [255, 255, 255]
    out = read_image(path, (100, 200), "cover")
    assert (out == 255).all()
