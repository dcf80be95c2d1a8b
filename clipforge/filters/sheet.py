"""A labelled contact sheet: one frame through every filter and every shipped look.

`clipforge filters sheet -o sheet.png` calls `write_contact_sheet`. Each tile is rendered at
tile size through the real compiler, as a draft render would (radii and offsets scale with the
tile), so the sheet shows what the filters do, not a downscaled full-size render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from clipforge.delivery.staging import save_image
from clipforge.errors import InputError
from clipforge.filters.compiler import compile_chain
from clipforge.filters.cube import load_cube
from clipforge.frames import fit_frame
from clipforge.sheet import contact_sheet as labelled_grid
from clipforge.spec.assets import shipped_assets_dir
from clipforge.spec.models import (
    AdjustFilter,
    BlurFilter,
    CurvesFilter,
    GrainFilter,
    GrayscaleFilter,
    LutFilter,
    PixelateFilter,
    PosterizeFilter,
    RgbSplitFilter,
    SepiaFilter,
    SharpenFilter,
    SmoothFilter,
    VignetteFilter,
)

CANVAS = (1080, 1920)
TILE = (180, 320)
COLUMNS = 8
LABEL_HEIGHT = 30
LABEL_SIZE = 15

# One example of every filter type, with settings that show what it does.
EXAMPLES: tuple[tuple[str, object], ...] = (
    ("adjust", AdjustFilter(contrast=1.2, saturation=1.4, temperature=0.3)),
    ("adjust hue 120", AdjustFilter(hue=120)),
    ("curves", CurvesFilter(rgb=[(0, 0), (64, 40), (192, 222), (255, 255)])),
    ("lut 1D: matte", LutFilter(file="luts/matte.cube")),
    ("vignette", VignetteFilter(strength=0.7, radius=0.6)),
    ("grain", GrainFilter(amount=0.08, seed=7)),
    ("blur", BlurFilter(radius=10)),
    ("sharpen", SharpenFilter(amount=2.0)),
    ("smooth", SmoothFilter()),
    ("grayscale", GrayscaleFilter()),
    ("sepia", SepiaFilter()),
    ("posterize", PosterizeFilter(levels=4)),
    ("rgb-split", RgbSplitFilter(offset=14)),
    ("pixelate", PixelateFilter(size=40)),
)

# ColorChecker Classic patches (sRGB), the usual reference card in colour work.
COLOR_CHECKER = (
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177),
    (103, 189, 170), (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108),
    (157, 188, 64), (224, 163, 46), (56, 61, 150), (70, 148, 73), (175, 54, 60),
    (231, 199, 31), (187, 86, 149), (8, 133, 161), (243, 243, 242), (200, 200, 200),
    (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
)  # fmt: skip


@dataclass(frozen=True)
class Tile:
    """One labelled cell of the sheet."""

    label: str
    filters: tuple


def sample_frame(size: tuple[int, int] = CANVAS, seed: int = 7) -> np.ndarray:
    """The built-in sample: the demo sunset, a ColorChecker card and a grey ramp, with light
    sensor noise (so smoothing and sharpening have something to show)."""
    from clipforge.demo_media import demo_frames

    w, h = size
    frame = next(iter(demo_frames(seconds=1.0, size=size, fps=1.0, seed=seed))).copy()
    card_top = int(h * 0.55)
    cell = w // 6
    gap = max(1, cell // 16)
    for i, rgb in enumerate(COLOR_CHECKER):
        row, col = divmod(i, 6)
        y0, x0 = card_top + row * cell, col * cell
        frame[y0 + gap : y0 + cell - gap, x0 + gap : x0 + cell - gap] = rgb
    ramp_top = card_top + 4 * cell + 8
    ramp = np.linspace(0, 255, w).astype(np.uint8)
    frame[ramp_top : ramp_top + cell // 2] = ramp[None, :, None]
    noise = np.random.default_rng(seed).normal(0.0, 4.0, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def shipped_looks() -> list[str]:
    """Names of the shipped 3D looks (`assets/luts/*.cube`)."""
    folder = shipped_assets_dir() / "luts"
    return [p.stem for p in sorted(folder.glob("*.cube")) if load_cube(p).dimensions == 3]


def default_tiles() -> list[Tile]:
    """The original, every filter example, then every shipped look."""
    tiles = [Tile("original", ())]
    tiles += [Tile(label, (spec,)) for label, spec in EXAMPLES]
    tiles += [Tile(f"look: {n}", (LutFilter(file=f"luts/{n}.cube"),)) for n in shipped_looks()]
    return tiles


def contact_sheet(
    frame: np.ndarray | None = None,
    tiles: Sequence[Tile] | None = None,
    *,
    tile_size: tuple[int, int] = TILE,
    columns: int = COLUMNS,
    canvas: tuple[int, int] = CANVAS,
) -> np.ndarray:
    """Render `frame` (default: the sample) through each tile's filters into one RGB image.

    Args:
        frame: An RGB frame of any size; it is fitted (cover) to the tile size.
        tiles: What to show (default: the original, every filter, every shipped look).
        tile_size: (W, H) of one tile.
        columns: Tiles per row.
        canvas: The canvas the filter settings refer to (radii scale from it to the tile).
    """
    tiles = list(tiles or default_tiles())
    # The sample is drawn at tile size, so its noise and edges are not averaged away.
    small = sample_frame(tile_size) if frame is None else fit_frame(frame, tile_size, "cover")
    scale = tile_size[0] / canvas[0]
    filtered = []
    for tile in tiles:
        chain = compile_chain(tile.filters, tile_size, scale=scale)
        filtered.append((tile.label, chain(small.copy(), 0.5) if chain else small))
    sheet = labelled_grid(
        filtered,
        columns=columns,
        tile_width=tile_size[0],
        gap=0,
        label_size=LABEL_SIZE,
        label_height=LABEL_HEIGHT,
    )
    return np.asarray(sheet)


def write_contact_sheet(
    output: str | Path, source: str | Path | None = None, at: float = 0.0
) -> Path:
    """Write the contact sheet as an image (PNG, or anything Pillow writes by extension).

    Args:
        output: The image to write.
        source: A video or still to take the frame from (default: the built-in sample).
        at: Seconds into a video source.

    Raises:
        InputError: the source cannot be read or the output cannot be written.
    """
    frame = None if source is None else read_frame(Path(source), at)
    sheet = contact_sheet(frame)
    out = Path(output)
    try:
        save_image(Image.fromarray(sheet), out, optimize=True)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write the contact sheet: {exc}", str(out)) from None
    return out


def read_frame(path: Path, at: float = 0.0) -> np.ndarray:
    """One canvas-sized RGB frame from a video (at `at` seconds) or a still image.

    Raises:
        InputError: the file is missing, not a video or image, or has no frame at `at`.
    """
    from clipforge.media import open_video, read_image
    from clipforge.timeline import classify

    kind, info = classify(path)
    if kind == "image":
        return read_image(path, CANVAS, "cover", (0, 0, 0))
    with open_video(path, CANVAS, 30, "cover", start=at, duration=0.2, info=info) as reader:
        for frame in reader:
            return frame
    raise InputError(f"no frame at {at:g} s", str(path))
