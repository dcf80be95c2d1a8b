"""Per-frame colour and spatial filters, compiled once per render into fused kernels."""

from clipforge.filters.compiler import FilterChain, compile_chain

__all__ = ["FilterChain", "compile_chain"]
