"""Per-frame colour and spatial filters, compiled once per render into fused kernels."""

from clipforge.filters.compiler import FilterChain, compile_chain
from clipforge.filters.cube import CubeError, CubeLut, load_cube, parse_cube

__all__ = ["CubeError", "CubeLut", "FilterChain", "compile_chain", "load_cube", "parse_cube"]
