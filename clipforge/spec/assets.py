"""Find asset files (stickers, LUTs, fonts, music) without ever leaving the asset roots.

A reference is looked up in the preset's folder, then each extra root, then the shipped
`clipforge/assets/`. References are plain relative paths: no absolute paths, no `..`, no URLs,
and no symlink that resolves outside the root it was found in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath

from clipforge.errors import InputError

# `http:`, `file:`, `data:`... and Windows drives (`C:`), which are absolute anyway.
# The installed `clipforge/` folder (this file is clipforge/spec/<module>.py).
_PACKAGE_DIR = Path(__file__).parent.parent
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def shipped_assets_dir() -> Path:
    """The assets shipped inside the package (`clipforge/assets/`)."""
    return _PACKAGE_DIR / "assets"


def _check_reference(ref: str) -> PurePosixPath:
    """Refuse references that could point anywhere but below a root."""
    if not isinstance(ref, str) or not ref.strip():
        raise InputError(f"expected a relative asset path, found {ref!r}")
    if "\x00" in ref:
        raise InputError("asset path contains a NUL character", path=repr(ref))
    if _SCHEME.match(ref):
        raise InputError(
            "URLs are not allowed for assets; use a path relative to the preset", path=ref
        )
    if PurePosixPath(ref).is_absolute() or PureWindowsPath(ref).is_absolute() or ref[0] in "/\\":
        raise InputError(
            "absolute asset paths are not allowed; use a path relative to the preset", path=ref
        )
    relative = PurePosixPath(ref.replace("\\", "/"))  # presets written on Windows use backslashes
    if ".." in relative.parts:
        raise InputError("asset paths may not contain '..'", path=ref)
    return relative


def resolve_asset(ref: str, preset_dir: Path | None, roots: Sequence[Path] = ()) -> Path:
    """Find an asset file.

    Args:
        ref: The path as written in the preset, relative (`stickers/heart.png`).
        preset_dir: The preset file's folder, looked in first (None for none).
        roots: Extra asset folders, looked in next; the shipped assets come last.

    Returns:
        The resolved (real) path of the file.

    Raises:
        InputError: The reference is refused, escapes its root via a symlink, or is not found
            (the message lists every place looked).
    """
    relative = _check_reference(ref)
    places = [p for p in (preset_dir, *roots, shipped_assets_dir()) if p is not None]
    looked: list[str] = []
    for root in places:
        candidate = Path(root) / relative
        looked.append(str(candidate))
        try:
            if not candidate.is_file():
                continue
            real = candidate.resolve(strict=True)
            real_root = Path(root).resolve(strict=True)
        except (OSError, RuntimeError):  # broken or looping symlinks
            continue
        if not real.is_relative_to(real_root):
            raise InputError(
                f"resolves outside its asset folder {root} (symlink to {real})", path=ref
            )
        return real
    raise InputError(f"asset not found; looked in: {', '.join(looked)}", path=ref)
