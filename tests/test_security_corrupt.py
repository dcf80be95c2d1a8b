"""Corrupt, truncated and mislabelled media: clipforge's own errors or a valid output, in time.

The corpus is made here from small generated fixtures: truncated and bit-flipped copies, empty
files, and text named like media. Nothing may escape as a traceback of another type, hang, or
come out with silently repeated frames.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clipforge import render
from clipforge.errors import ClipforgeError, InputError
from clipforge.media.audio import decode_audio
from clipforge.media.ffmpeg import run_ffmpeg
from clipforge.media.probe import probe
from clipforge.overlay.animated import load_sticker
from clipforge.spec import preset_from_dict

TINY = preset_from_dict(
    {
        "clipforge": 1,
        "canvas": {"size": "64x112", "fps": 10},
        "limit": {"max_seconds": 60, "policy": "trim"},
        "output": {"thumbnail": None, "sidecar": False},
    }
)
DEADLINE = 20.0  # seconds any one probe or render of a corpus file may take


def _sources(folder: Path) -> dict[str, Path]:
    """Small valid files: an MP4 with sound (moov first), MP3, WAV, PNG, animated GIF."""
    lavfi = ["-v", "error", "-y", "-f", "lavfi"]
    files = {
        "clip.mp4": [*lavfi, "-i", "testsrc2=s=96x160:r=10:d=1", *lavfi, "-i", "sine=d=1",
                     "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                     "-movflags", "+faststart"],
        "song.mp3": [*lavfi, "-i", "sine=f=330:d=1", "-c:a", "libmp3lame"],
        "beep.wav": [*lavfi, "-i", "sine=f=550:d=0.5"],
    }  # fmt: skip
    out = {}
    for name, args in files.items():
        out[name] = folder / name
        run_ffmpeg([*args, str(out[name])], 60)
    out["still.png"] = folder / "still.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (80, 60, 3), np.uint8)).save(
        out["still.png"]
    )
    out["anim.gif"] = folder / "anim.gif"
    frames = [Image.new("RGB", (32, 32), (i * 40, 0, 255 - i * 40)) for i in range(5)]
    frames[0].save(out["anim.gif"], save_all=True, append_images=frames[1:], duration=100)
    return out


def _corpus(folder: Path) -> list[Path]:
    rng = random.Random(9)
    corpus: list[Path] = []
    for name, src in _sources(folder).items():
        data = src.read_bytes()
        stem, suffix = name.rsplit(".", 1)
        for frac in (0.1, 0.5, 0.9):
            corpus.append(folder / f"{stem}-cut{int(frac * 100)}.{suffix}")
            corpus[-1].write_bytes(data[: int(len(data) * frac)])
        for seed in range(2):
            flipped = bytearray(data)
            for _ in range(24):
                pos = rng.randrange(min(32, len(data) - 1), len(data))
                flipped[pos] ^= 1 << rng.randrange(8)
            corpus.append(folder / f"{stem}-flip{seed}.{suffix}")
            corpus[-1].write_bytes(bytes(flipped))
    for suffix in ("mp4", "png", "mp3", "gif"):
        corpus.append(folder / f"empty.{suffix}")
        corpus[-1].write_bytes(b"")
        corpus.append(folder / f"text.{suffix}")
        corpus[-1].write_text("this is not media, just words\n" * 20)
    return corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _corpus(tmp_path_factory.mktemp("corrupt"))


def test_probe_gives_info_or_clipforge_error(corpus: list[Path]) -> None:
    outcomes = {}
    for path in corpus:
        started = time.monotonic()
        try:
            info = probe(path)
            outcomes[path.name] = "ok"
            assert info.has_video or info.has_audio
        except ClipforgeError as exc:
            assert str(path) in str(exc), f"{path.name}: error does not name the file: {exc}"
            outcomes[path.name] = type(exc).__name__
        assert time.monotonic() - started < DEADLINE, path.name
    # Empty and text files are never media.
    assert all(v != "ok" for k, v in outcomes.items() if k.startswith(("empty.", "text.")))


def test_render_gives_output_or_clipforge_error(corpus: list[Path], tmp_path: Path) -> None:
    rendered = refused = 0
    for path in corpus:
        if path.suffix in (".mp3", ".wav"):
            continue  # audio is not footage; it is covered by the music test below
        out = tmp_path / f"{path.stem}.mp4"
        started = time.monotonic()
        try:
            result = render([path], out, TINY)
        except ClipforgeError as exc:
            refused += 1
            assert not out.exists(), f"{path.name}: failed render left {out}"
            assert str(path) in str(exc) or path.name in str(exc), f"{path.name}: {exc}"
        else:
            rendered += 1
            assert out.exists() and probe(out).frame_count == result.frames
        assert time.monotonic() - started < DEADLINE, path.name
    assert refused >= 10  # the corpus is mostly broken: most renders must be refused
    assert not list(tmp_path.glob(".*part*"))


def test_truncated_footage_is_refused_not_padded(corpus: list[Path], tmp_path: Path) -> None:
    # The header (moov first) promises 1 s; half the data is gone. Repeating the last frame
    # for the missing half would hide the damage.
    cut = next(p for p in corpus if p.name == "clip-cut50.mp4")
    with pytest.raises(InputError, match="clip-cut50"):
        render([cut], tmp_path / "out.mp4", TINY)
    assert not (tmp_path / "out.mp4").exists()


def test_corrupt_audio_decodes_or_raises_input_error(corpus: list[Path]) -> None:
    for path in corpus:
        if path.suffix not in (".mp3", ".wav", ".mp4"):
            continue
        started = time.monotonic()
        try:
            samples = decode_audio(path, 8000, 1)
            assert samples.dtype == np.float32 and samples.ndim == 2
        except InputError as exc:
            assert str(path) in str(exc)
        assert time.monotonic() - started < DEADLINE, path.name


def test_corrupt_stickers_raise_input_error(corpus: list[Path]) -> None:
    refused = 0
    for path in corpus:
        try:
            frames = load_sticker(path)
            assert frames.frames[0].shape[2] == 4
        except InputError as exc:
            refused += 1
            assert str(path) in str(exc)
    assert refused >= 20  # every video, audio, empty and text file at least
