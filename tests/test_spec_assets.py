"""Asset references resolve inside the preset folder and the asset roots, never outside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clipforge.errors import InputError
from clipforge.spec import resolve_asset, shipped_assets_dir


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    preset_dir = tmp_path / "preset"
    root = tmp_path / "root"
    (preset_dir / "stickers").mkdir(parents=True)
    (root / "stickers").mkdir(parents=True)
    (preset_dir / "stickers" / "heart.png").write_bytes(b"preset heart")
    (root / "stickers" / "heart.png").write_bytes(b"root heart")
    (root / "stickers" / "star.png").write_bytes(b"root star")
    return preset_dir, root


def test_preset_folder_comes_first(folders: tuple[Path, Path]) -> None:
    preset_dir, root = folders
    found = resolve_asset("stickers/heart.png", preset_dir, [root])
    assert found.read_bytes() == b"preset heart"


def test_then_the_roots(folders: tuple[Path, Path]) -> None:
    preset_dir, root = folders
    assert resolve_asset("stickers/star.png", preset_dir, [root]).read_bytes() == b"root star"
    assert resolve_asset("stickers\\star.png", None, [root]).read_bytes() == b"root star"


def test_missing_names_reference_and_places(folders: tuple[Path, Path]) -> None:
    preset_dir, root = folders
    with pytest.raises(InputError) as info:
        resolve_asset("stickers/nope.png", preset_dir, [root])
    message = str(info.value)
    assert "stickers/nope.png" in message
    assert str(preset_dir) in message and str(root) in message
    assert str(shipped_assets_dir()) in message


@pytest.mark.parametrize(
    "ref",
    [
        "../root/stickers/star.png",
        "stickers/../../root/stickers/star.png",
        "..\\root\\stickers\\star.png",
        "/etc/passwd",
        "\\\\server\\share\\x.png",
        "C:\\x.png",
        "http://example.com/x.png",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "",
    ],
)
def test_refused_references(folders: tuple[Path, Path], ref: str) -> None:
    preset_dir, root = folders
    with pytest.raises(InputError):
        resolve_asset(ref, preset_dir, [root])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_out_of_root_is_refused(tmp_path: Path, folders: tuple[Path, Path]) -> None:
    preset_dir, root = folders
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (preset_dir / "stickers" / "evil.png").symlink_to(secret)
    with pytest.raises(InputError, match="outside"):
        resolve_asset("stickers/evil.png", preset_dir, [root])


def test_symlink_inside_root_is_fine(folders: tuple[Path, Path]) -> None:
    preset_dir, root = folders
    (preset_dir / "alias.png").symlink_to(preset_dir / "stickers" / "heart.png")
    assert resolve_asset("alias.png", preset_dir, [root]).read_bytes() == b"preset heart"
