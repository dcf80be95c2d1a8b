"""Generate clipforge's shipped colour looks as `.cube` LUTs in ``clipforge/assets/luts/``.

Every look is colour math on the LUT grid (numpy only, no third-party LUTs or images), so the
files carry the project's own license and are reproducible byte for byte. Seven are 3D LUTs
(33 points, the common size), one is a 1D LUT, to exercise both kinds.

Usage::

    python tools/make_luts.py               # write every look
    python tools/make_luts.py --out /tmp/l  # somewhere else
    python tools/make_luts.py --size 17     # a smaller grid (the shipped files use 33)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LUTS = ROOT / "clipforge" / "assets" / "luts"
LUMA = np.array([0.2126, 0.7152, 0.0722])

Look = Callable[[np.ndarray], np.ndarray]


# --- building blocks: all take and return (..., 3) float arrays in 0..1 -------------------------


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ LUMA


def saturate(rgb: np.ndarray, amount: float) -> np.ndarray:
    y = luma(rgb)[..., None]
    return y + (rgb - y) * amount


def s_curve(x: np.ndarray, strength: float) -> np.ndarray:
    """Contrast around mid-grey that keeps 0 and 1: a blend towards smoothstep."""
    x = np.clip(x, 0.0, 1.0)
    return x + strength * (x * x * (3 - 2 * x) - x)


def lift_and_cap(x: np.ndarray, black: float, white: float) -> np.ndarray:
    """Map 0..1 to black..white (a faded, matte print when black > 0 and white < 1)."""
    return black + np.clip(x, 0.0, 1.0) * (white - black)


def split_tone(
    rgb: np.ndarray, shadows: tuple[float, float, float], highlights: tuple[float, float, float], k
) -> np.ndarray:
    """Tint the shadows and the highlights towards two colours, by luma."""
    y = luma(rgb)[..., None]
    shadow_tint = np.array(shadows) - 0.5
    highlight_tint = np.array(highlights) - 0.5
    return rgb + k * ((1 - y) ** 2 * shadow_tint + y**2 * highlight_tint)


def warmth(rgb: np.ndarray, amount: float) -> np.ndarray:
    return rgb * np.array([1 + 0.5 * amount, 1 + 0.1 * amount, 1 - 0.6 * amount])


# --- the looks ----------------------------------------------------------------------------------


def teal_orange(rgb: np.ndarray) -> np.ndarray:
    """Blockbuster grade: teal shadows, orange skin and highlights, a little more punch."""
    out = split_tone(rgb, (0.15, 0.55, 0.65), (0.9, 0.55, 0.25), 0.6)
    out = saturate(out, 1.15)
    return s_curve(out, 0.4)


def vintage(rgb: np.ndarray) -> np.ndarray:
    """Faded film: lifted blacks, softened whites, warm highlights, green-cyan shadows."""
    out = saturate(rgb, 0.78)
    out = split_tone(out, (0.4, 0.55, 0.52), (0.62, 0.55, 0.4), 0.35)
    out = s_curve(out, 0.25)
    return lift_and_cap(out, 0.07, 0.93)


def noir(rgb: np.ndarray) -> np.ndarray:
    """High-contrast black and white with cool silver shadows."""
    y = s_curve(s_curve(luma(rgb), 0.6), 0.3)[..., None]
    out = np.repeat(y, 3, axis=-1)
    return split_tone(out, (0.46, 0.49, 0.56), (0.5, 0.5, 0.5), 0.15)


def golden_hour(rgb: np.ndarray) -> np.ndarray:
    """Late-sun warmth: warm balance, rich warm colours, soft highlight roll-off."""
    out = warmth(rgb, 0.22)
    out = saturate(out, 1.1)
    out = split_tone(out, (0.6, 0.48, 0.38), (0.66, 0.56, 0.36), 0.4)
    return 1 - (1 - np.clip(out, 0, 1)) ** 1.2  # lift the midtones a touch


def moonlight(rgb: np.ndarray) -> np.ndarray:
    """Day for night: cool, darker, desaturated, blue-teal shadows."""
    out = warmth(rgb, -0.22)
    out = saturate(out, 0.62)
    out = np.clip(out, 0, 1) ** 1.3
    return split_tone(out, (0.35, 0.48, 0.65), (0.5, 0.52, 0.58), 0.3)


def bleach_bypass(rgb: np.ndarray) -> np.ndarray:
    """Silver retained: half the colour, hard contrast, bright whites."""
    y = luma(rgb)[..., None]
    # The film's silver layer is an overlay of its own luma.
    overlay = np.where(rgb < 0.5, 2 * rgb * y, 1 - 2 * (1 - rgb) * (1 - y))
    out = saturate(0.5 * rgb + 0.5 * overlay, 0.55)
    return s_curve(out, 0.45)


def cross_process(rgb: np.ndarray) -> np.ndarray:
    """Slide film in negative chemicals: yellow-green highlights, blue shadows, strong colour."""
    r = s_curve(rgb[..., 0], 0.7)
    g = s_curve(rgb[..., 1], 0.35) * 0.95 + 0.04
    b = lift_and_cap(rgb[..., 2], 0.16, 0.8)
    return saturate(np.stack([r, g, b], axis=-1), 1.2)


def matte(x: np.ndarray) -> np.ndarray:
    """A 1D look: matte blacks and soft whites with a gentle S, the same on every channel."""
    return lift_and_cap(s_curve(x, 0.3), 0.09, 0.95)


LOOKS_3D: dict[str, tuple[Look, str]] = {
    "teal-orange": (teal_orange, "Teal shadows, orange skin tones"),
    "vintage": (vintage, "Faded film with warm highlights"),
    "noir": (noir, "High-contrast black and white"),
    "golden-hour": (golden_hour, "Warm late-sun glow"),
    "moonlight": (moonlight, "Cool day-for-night"),
    "bleach-bypass": (bleach_bypass, "Desaturated, hard contrast"),
    "cross-process": (cross_process, "Yellow-green highlights, blue shadows"),
}
LOOKS_1D: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "matte": (matte, "Matte blacks, soft whites"),
}


# --- writing ------------------------------------------------------------------------------------


def _header(title: str, size_line: str) -> list[str]:
    return [
        "# Made by tools/make_luts.py (clipforge): regenerate rather than edit.",
        f'TITLE "{title}"',
        size_line,
        "DOMAIN_MIN 0.0 0.0 0.0",
        "DOMAIN_MAX 1.0 1.0 1.0",
    ]


def _rows(values: np.ndarray) -> list[str]:
    clipped = np.clip(values.reshape(-1, 3), 0.0, 1.0)
    return [f"{r:.4f} {g:.4f} {b:.4f}" for r, g, b in clipped]


def cube_3d(look: Look, title: str, size: int) -> str:
    """The text of a 3D `.cube` file: red changes fastest, then green, then blue."""
    axis = np.linspace(0.0, 1.0, size)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    grid = np.stack([r, g, b], axis=-1)  # [b, g, r, channel]
    lines = _header(title, f"LUT_3D_SIZE {size}") + _rows(look(grid))
    return "\n".join(lines) + "\n"


def cube_1d(curve: Callable[[np.ndarray], np.ndarray], title: str, size: int) -> str:
    axis = np.linspace(0.0, 1.0, size)
    values = np.repeat(curve(axis)[:, None], 3, axis=1)
    return "\n".join([*_header(title, f"LUT_1D_SIZE {size}"), *_rows(values)]) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=LUTS, help="folder to write into")
    parser.add_argument("--size", type=int, default=33, help="3D grid points per axis")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (look, title) in LOOKS_3D.items():
        (args.out / f"{name}.cube").write_text(cube_3d(look, title, args.size), encoding="utf-8")
        print(f"wrote {args.out / name}.cube (3D, {args.size} points)")
    for name, (curve, title) in LOOKS_1D.items():
        (args.out / f"{name}.cube").write_text(cube_1d(curve, title, 1024), encoding="utf-8")
        print(f"wrote {args.out / name}.cube (1D, 1024 points)")


if __name__ == "__main__":
    main()
