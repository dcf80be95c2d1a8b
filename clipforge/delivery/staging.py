"""Write several files so that each appears at its final path whole, or not at all.

Every file is first written to a hidden temporary name beside its destination (same folder, so
the final `os.replace` is an atomic rename on the same file system); `commit()` moves them into
place, and leaving the `with` block on an exception removes whatever was staged.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from PIL import Image


class Staging:
    """Temporary files beside their destinations, committed together."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def path_for(self, final: Path) -> Path:
        """A fresh temporary path beside `final`, to be moved there on `commit()`.

        The temporary name keeps `final`'s suffix, so tools that look at it (Pillow, ffmpeg)
        still know the format.
        """
        temp = final.parent / f".{final.stem}.part-{secrets.token_hex(4)}{final.suffix}"
        self._staged.append((temp, final))
        return temp

    def commit(self) -> list[Path]:
        """Move every staged file to its destination; returns the destinations."""
        done = []
        for temp, final in self._staged:
            os.replace(temp, final)
            done.append(final)
        self._staged = []
        return done

    def discard(self) -> None:
        """Remove every staged temporary file (those never written are fine)."""
        for temp, _ in self._staged:
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
        self._staged = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        # Committed files are gone from the list; anything still staged is a leftover.
        self.discard()


def save_image(image: Image.Image, final: Path | str, **options: object) -> Path:
    """Save a Pillow image so that `final` only ever holds a whole file (watchers read it live)."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    with Staging() as staging:
        image.save(staging.path_for(final), **options)
        staging.commit()
    return final
