"""From a filter spec (clipforge.spec.models) to a compiled filter, one function per type."""

from __future__ import annotations

from collections.abc import Callable

from clipforge.filters import adjust, blur, color, grain, smooth, stylize, tone, vignette
from clipforge.filters.compiler import ChainContext, strength_track
from clipforge.filters.cube import CubeError, load_cube
from clipforge.filters.kernels import ColorMatrix
from clipforge.filters.lut3d import Lut3D, lut1d_levels
from clipforge.filters.ops import CompiledFilter, MatrixFilter, ToneFilter
from clipforge.spec.assets import resolve_asset


def _adjust(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return adjust.Adjust(spec)


def _curves(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return ToneFilter(tone.curves_levels(spec.rgb, spec.r, spec.g, spec.b))


def _lut(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    path = resolve_asset(spec.file, ctx.preset_dir, ctx.asset_roots)
    try:
        cube = load_cube(path)
    except CubeError as exc:
        raise exc.for_key(f"{key}.file") from None
    if cube.dimensions == 1:
        return ToneFilter(lut1d_levels(cube))
    track = strength_track(spec.strength)
    return Lut3D(cube, float(track.values[0]) if track.is_constant else None)


def _vignette(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return vignette.Vignette(ctx.size, spec.radius, spec.softness)


def _grain(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return grain.Grain(ctx.size, spec.amount, spec.seed, ctx.fps, ctx.scale)


def _blur(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return blur.Blur(spec.radius, ctx.scale)


def _sharpen(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return blur.Sharpen(spec.amount, ctx.scale)


def _smooth(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return smooth.Smooth(ctx.scale)


def _grayscale(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return MatrixFilter(ColorMatrix.of(color.GRAYSCALE))


def _sepia(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return MatrixFilter(ColorMatrix.of(color.SEPIA))


def _posterize(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return ToneFilter(tone.posterize_levels(spec.levels))


def _rgb_split(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return stylize.RgbSplit(spec.offset, ctx.scale)


def _pixelate(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    return stylize.Pixelate(spec.size, ctx.scale)


BUILDERS: dict[str, Callable[[object, ChainContext, str], CompiledFilter]] = {
    "adjust": _adjust,
    "curves": _curves,
    "lut": _lut,
    "vignette": _vignette,
    "grain": _grain,
    "blur": _blur,
    "sharpen": _sharpen,
    "smooth": _smooth,
    "grayscale": _grayscale,
    "sepia": _sepia,
    "posterize": _posterize,
    "rgb-split": _rgb_split,
    "pixelate": _pixelate,
}


def build_filter(spec, ctx: ChainContext, key: str) -> CompiledFilter:
    """Compile one filter spec; `key` (like `filters[2]`) names it in error messages.

    Raises:
        InputError: a LUT file is missing, outside the asset roots, or broken.
    """
    return BUILDERS[spec.type](spec, ctx, key)
