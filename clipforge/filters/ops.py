"""What a compiled filter hands the compiler: operations at a given strength.

A filter compiles once per render into a `CompiledFilter`; `ops(strength)` returns its work at
that strength as tone tables, colour matrices, baked 3D LUTs, spatial kernels, or a group that
is blended with its input. The strength is always the format's "blend with the unfiltered
frame", made exact: a tone table blends per level, a matrix that clips nothing blends as a
matrix, and anything else runs at full strength inside a `GroupOp` blended afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from clipforge.filters.kernels import ColorMatrix, ToneTable, blend_levels

Kernel = Callable[[np.ndarray], np.ndarray]
"""A whole-frame kernel: (H, W, 3) uint8 frame in, frame out."""

TimedKernel = Callable[[np.ndarray, float], np.ndarray]
"""A kernel that also needs the time (grain changes every frame): (frame, t) -> frame."""


@dataclass(frozen=True, eq=False)
class Lut3DOp:
    """A 3D LUT baked into an atlas (see lut3d.py)."""

    atlas: np.ndarray
    gain: float  # the most a one-level change of every input can move an output


@dataclass(frozen=True, eq=False)
class SpatialOp:
    """A kernel that needs the whole frame (blur, vignette, grain...)."""

    kernel: Kernel | TimedKernel
    timed: bool = False  # True: the kernel takes (frame, t)
    gain: float = 1.0  # how much it can grow a difference between two inputs (sharpen: > 1)


@dataclass(frozen=True, eq=False)
class GroupOp:
    """Operations applied together, then blended with their input at `strength`."""

    ops: tuple[Op, ...]
    strength: float

    @property
    def gain(self) -> float:
        inner = 1.0
        for op in self.ops:
            inner *= op.gain
        return self.strength * inner + (1.0 - self.strength)


Op = ToneTable | ColorMatrix | Lut3DOp | SpatialOp | GroupOp


class CompiledFilter:
    """A filter ready to run: `ops(strength)` gives its operations at a strength in (0, 1]."""

    def ops(self, strength: float) -> list[Op]:  # pragma: no cover - interface
        raise NotImplementedError


class ToneFilter(CompiledFilter):
    """A per-channel filter given as (3, 256) or (256,) float levels: blends per level."""

    def __init__(self, levels: np.ndarray):
        self.levels = np.broadcast_to(np.asarray(levels, np.float64), (3, 256))
        self._full = ToneTable.from_levels(self.levels)

    def ops(self, strength: float) -> list[Op]:
        if strength >= 1.0:
            return [self._full]
        return [ToneTable.from_levels(blend_levels(self.levels, strength))]


class MatrixFilter(CompiledFilter):
    """A colour-mixing filter: blends as a matrix where that is exact (nothing clips)."""

    def __init__(self, matrix: ColorMatrix):
        self.matrix = matrix

    def ops(self, strength: float) -> list[Op]:
        if strength >= 1.0:
            return [self.matrix]
        if self.matrix.keeps_in_range():
            return [self.matrix.blend(strength)]
        return [GroupOp((self.matrix,), strength)]


class SpatialFilter(CompiledFilter):
    """A whole-frame kernel blended with the unfiltered frame below full strength."""

    def __init__(self, kernel: Kernel | TimedKernel, timed: bool = False, gain: float = 1.0):
        self.op = SpatialOp(kernel, timed, gain)

    def ops(self, strength: float) -> list[Op]:
        return [self.op] if strength >= 1.0 else [GroupOp((self.op,), strength)]
