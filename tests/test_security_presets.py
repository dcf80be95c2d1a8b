"""Untrusted presets and images: safe YAML, caps, ranges, asset roots, image bombs."""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from clipforge.errors import InputError, PresetError
from clipforge.media.images import MAX_STILL_PIXELS
from clipforge.media.probe import probe
from clipforge.overlay.animated import MAX_STICKER_FRAMES, load_sticker
from clipforge.spec import load_preset, parse_document, preset_from_dict, resolve_asset

VALID = """\
clipforge: 1
name: demo
canvas: {size: 1080x1920, fps: 30, fit: cover}
limit: {max_seconds: 15, policy: trim}
variables: {caption: "#Hi"}
filters:
  - {type: adjust, brightness: 0.05, contrast: 1.1}
  - {type: vignette, strength: 0.4}
stickers:
  - image: stickers/heart.png
    at: ["80%", "20%"]
    width: 240
    animate:
      - {t: 0, rotate: -10, ease: out-back}
      - {t: 1.5, at: [500, 600]}
text:
  - content: "{{caption}}"
    size: 72
    stroke: {width: 6, color: black}
audio:
  original: {volume: -12}
  loudness: -14
"""

YAML_NOISE = [*"*&!|>{}[],:#'\"%@`-?\\\n\t ", "<<", "!!python/object:os.system", "\x00"]


def _load_text(text: str, folder: Path) -> object:
    """Both entry points on text: parse + validate, and the file loader."""
    data, _ = parse_document(text, "fuzz.yaml")
    preset_from_dict(data, base_dir=folder)
    path = folder / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return load_preset(path)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.one_of(st.sampled_from(YAML_NOISE), st.text(max_size=6)))
        end = pos + draw(st.integers(0, 12))
        if action == "insert":
            text = text[:pos] + piece + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[end:]
        else:
            text = text[:pos] + piece + text[end:]
    return text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=mutated_text())
def test_mutated_preset_text_raises_only_preset_error(text: str, tmp_path: Path) -> None:
    try:
        _load_text(text, tmp_path)
    except PresetError as exc:
        assert exc.problems, "a PresetError must say what is wrong"


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_random_text_raises_only_preset_error(text: str, tmp_path: Path) -> None:
    with contextlib.suppress(PresetError):
        _load_text(text, tmp_path)


def test_valid_text_loads(tmp_path: Path) -> None:
    (tmp_path / "stickers").mkdir()
    assert _load_text(VALID, tmp_path).canvas.fps == 30


def test_alias_bomb_is_refused_with_its_line(tmp_path: Path) -> None:
    lines = ["clipforge: 1", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{', '.join(['*' + prev] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path) and problem.line == 3 and "alias" in problem.message


def test_python_tags_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"clipforge: 1\nname: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(PresetError, match=r"evil\.yaml:2"):
        parse_document(text, "evil.yaml")
    assert not marker.exists()


def test_oversized_document_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("clipforge: 1\ndescription: '" + "x" * (1024 * 1024) + "'\n")
    with pytest.raises(PresetError, match="larger than"):
        load_preset(path)


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        ({"canvas": {"size": "8192x1920"}}, "canvas"),
        ({"canvas": {"size": [4098, 1920]}}, "canvas"),
        ({"canvas": {"fps": 120}}, "fps"),
        ({"limit": {"max_seconds": 100_000}}, "max_seconds"),
        ({"stickers": [{"image": "a.png"}] * 201}, "stickers"),
        ({"filters": [{"type": "grayscale"}] * 201}, "filters"),
        ({"text": [{"content": "x", "start": 1e9}]}, "start"),
        ({"timeline": {"speed": 100}}, "speed"),
        ({"output": {"crf": 99}}, "crf"),
    ],
)
def test_numbers_are_range_checked(doc: dict, key: str) -> None:
    with pytest.raises(PresetError) as caught:
        preset_from_dict({"clipforge": 1, **doc})
    assert key in str(caught.value)


@pytest.mark.parametrize(
    "ref",
    [
        "../secret.png",
        "stickers/../../secret.png",
        "/etc/passwd",
        "\\\\server\\share\\x.png",
        "C:\\x.png",
        "http://127.0.0.1/x.png",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "a\x00.png",
    ],
)
def test_asset_references_cannot_leave_the_roots(ref: str, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"x")
    root = tmp_path / "presets"
    (root / "stickers").mkdir(parents=True)
    with pytest.raises(InputError):
        resolve_asset(ref, root)


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"secret")
    root = tmp_path / "presets"
    (root / "stickers").mkdir(parents=True)
    (root / "stickers" / "link.png").symlink_to(outside)
    (root / "dir").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(InputError, match="outside"):
        resolve_asset("stickers/link.png", root)
    with pytest.raises(InputError, match="outside"):
        resolve_asset("dir/outside.png", root)
    (root / "stickers" / "ok.png").write_bytes(b"fine")
    assert resolve_asset("stickers/ok.png", root) == (root / "stickers" / "ok.png").resolve()


def test_extends_cannot_leave_the_preset_folder(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text("clipforge: 1\n")
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "child.yaml").write_text("clipforge: 1\nextends: ../parent.yaml\n")
    with pytest.raises(PresetError, match=r"\.\."):
        load_preset(folder / "child.yaml")
    (folder / "link.yaml").symlink_to(tmp_path / "parent.yaml")
    (folder / "child2.yaml").write_text("clipforge: 1\nextends: link.yaml\n")
    with pytest.raises(PresetError, match="outside"):
        load_preset(folder / "child2.yaml")


def _png_bomb(path: Path, width: int, height: int) -> Path:
    """A valid grey PNG of width x height that is a few kB on disk (all-zero rows)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    raw = zlib.compress(b"\x00" * ((width + 1) * height), 9)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    )
    return path


def test_sticker_pixel_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = _png_bomb(tmp_path / "bomb.png", 5000, 5000)  # 25 MP > 16.7 MP
    assert bomb.stat().st_size < 100_000
    with pytest.raises(InputError, match=r"bomb\.png.*5000x5000"):
        load_sticker(bomb)


def test_footage_pixel_bomb_is_refused(tmp_path: Path) -> None:
    side = int(MAX_STILL_PIXELS**0.5) + 64
    bomb = _png_bomb(tmp_path / "huge.png", side, side)
    with pytest.raises(InputError, match=r"huge\.png"):
        probe(bomb)


def test_animated_sticker_frame_cap(tmp_path: Path) -> None:
    path = tmp_path / "long.gif"
    frames = [
        Image.new("RGB", (4, 4), (i % 256, i // 256 * 99, 7)) for i in range(MAX_STICKER_FRAMES + 1)
    ]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=40)
    with pytest.raises(InputError, match=r"long\.gif.*frames"):
        load_sticker(path)


def test_sticker_formats_outside_the_allowlist_are_refused(tmp_path: Path) -> None:
    rgb = np.zeros((8, 8, 3), np.uint8)
    Image.fromarray(rgb).save(tmp_path / "s.tiff")
    eps = tmp_path / "s.eps"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\nshowpage\n")
    for path in (tmp_path / "s.tiff", eps):
        with pytest.raises(InputError, match="accepted"):
            load_sticker(path)
    Image.fromarray(rgb).save(tmp_path / "ok.png")
    assert load_sticker(tmp_path / "ok.png").size == (8, 8)


def test_sticker_file_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clipforge.media import images

    path = tmp_path / "s.png"
    Image.new("RGB", (8, 8)).save(path)
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", os.path.getsize(path) - 1)
    with pytest.raises(InputError, match="bytes"):
        load_sticker(path)
