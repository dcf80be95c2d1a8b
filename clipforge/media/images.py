"""Opening untrusted image files with Pillow: an allowlist of formats and pixel caps.

Pillow identifies a file by trying every plugin it has; some of those are large attack surface
for formats nobody films (EPS even runs Ghostscript). `open_image` only tries the formats in
`IMAGE_FORMATS` and refuses a picture whose header promises more pixels than the caller's cap,
before a single pixel is decoded: Pillow's own decompression-bomb guard only warns below
2 x 89 MP, which is no guard for a sticker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import (  # importing a plugin registers it: `formats=` needs them registered
    BmpImagePlugin,  # noqa: F401
    GifImagePlugin,  # noqa: F401
    Image,
    JpegImagePlugin,  # noqa: F401
    MpoImagePlugin,  # noqa: F401
    PngImagePlugin,  # noqa: F401
    UnidentifiedImageError,
    WebPImagePlugin,  # noqa: F401
)

from clipforge.errors import InputError

#: Pillow formats clipforge reads (camera JPEGs that Pillow calls MPO open through "JPEG").
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
#: Stickers are small: 4096 x 4096 is already far larger than any canvas needs.
MAX_STICKER_PIXELS = 4096 * 4096
#: Photos used as footage: 64 MP covers 48/50 MP phone cameras (about 200 MiB decoded as RGB).
MAX_STILL_PIXELS = 64 * 1024 * 1024
#: An image file larger than this is refused before it is opened.
MAX_IMAGE_BYTES = 64 * 1024 * 1024

# What Pillow raises on corrupt, truncated or hostile files (besides our own InputError).
IMAGE_ERRORS: tuple[type[BaseException], ...] = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    EOFError,
    SyntaxError,  # some plugins raise it for malformed headers
    Image.DecompressionBombError,
    MemoryError,
)


@contextmanager
def open_image(
    path: str | os.PathLike[str], max_pixels: int, what: str = "image"
) -> Iterator[Image.Image]:
    """Open an image lazily (header read, no pixels decoded) after the safety checks.

    Args:
        path: The file.
        max_pixels: Refuse a picture (any one frame) with more pixels than this.
        what: "image", "sticker", ...: the word used in messages.

    Yields:
        The open Pillow image (closed when the block ends).

    Raises:
        InputError: the file is larger than `MAX_IMAGE_BYTES`, not one of `IMAGE_FORMATS`,
            corrupt, or larger than `max_pixels`; the message names the file. Errors raised
            by Pillow inside the block (while decoding) are turned into InputError too.
    """
    p = os.fspath(path)
    try:
        size = os.path.getsize(p)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", p) from None
    if size > MAX_IMAGE_BYTES:
        raise InputError(f"{what} file is {size} bytes, more than {MAX_IMAGE_BYTES} allowed", p)
    try:
        image = Image.open(p, formats=IMAGE_FORMATS)
    except UnidentifiedImageError:
        accepted = ", ".join(IMAGE_FORMATS)
        raise InputError(f"cannot read {what}: not one of the accepted {accepted}", p) from None
    except IMAGE_ERRORS as exc:
        raise InputError(f"cannot read {what}: {exc}", p) from None
    with image:
        w, h = image.size
        if w * h > max_pixels:
            raise InputError(f"{what} is {w}x{h} px, more than the {max_pixels} pixels allowed", p)
        try:
            yield image
        except InputError:
            raise
        except IMAGE_ERRORS as exc:
            raise InputError(f"cannot read {what} (corrupt or truncated): {exc}", p) from None
