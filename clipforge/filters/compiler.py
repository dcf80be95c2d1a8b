"""Compiles a preset's filter list once per render into fused whole-frame kernels.

Each filter becomes one or more stages (tone curve, colour matrix or spatial kernel). At a given
time the active stages are fused: consecutive tone curves into one `cv2.LUT`, consecutive colour
matrices into one `cv2.transform`. The fused plan is cached per (active stages, strengths), so a
static chain is fused once and every frame costs only the kernels themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from clipforge.animation import Track
from clipforge.filters import adjust, vignette
from clipforge.filters.kernels import (
    ColorMatrix,
    SpatialKernel,
    ToneCurve,
    apply_matrix,
    apply_tone,
)


@dataclass(frozen=True)
class Stage:
    """One step of a compiled chain, active on [start, end) of the output timeline."""

    start: float
    end: float | None
    strength: Track[float]
    tone: ToneCurve | None = None
    matrix: ColorMatrix | None = None
    spatial: SpatialKernel | None = None
    # Spatial kernels that take the strength themselves (vignette darkness) do their own mixing.
    mixes_itself: bool = False

    def strength_at(self, t: float) -> float | None:
        """The stage's strength at t, or None when it is off (outside its window or at 0)."""
        if t < self.start or (self.end is not None and t >= self.end):
            return None
        s = float(self.strength(t - self.start))
        return s if s > 0 else None


@dataclass
class FilterChain:
    """A compiled chain: call it with (frame, t) to get the filtered frame."""

    stages: list[Stage]
    _plans: dict[tuple, list] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.stages)

    def __call__(self, frame: np.ndarray, t: float) -> np.ndarray:
        active = tuple(
            (i, s) for i, stage in enumerate(self.stages) if (s := stage.strength_at(t)) is not None
        )
        plan = self._plans.get(active)
        if plan is None:
            plan = self._plans[active] = self._fuse(active)
            if len(self._plans) > 512:  # animated strengths: don't grow without bound
                self._plans.pop(next(iter(self._plans)))
        for step in plan:
            frame = step(frame)
        return frame

    def _fuse(self, active: tuple[tuple[int, float], ...]) -> list:
        steps: list = []
        tone: ToneCurve | None = None
        matrix: ColorMatrix | None = None

        def flush() -> None:
            nonlocal tone, matrix
            if tone is not None:
                table = tone.table()
                steps.append(lambda f, table=table: apply_tone(f, table))
            if matrix is not None:
                m = matrix.matrix
                steps.append(lambda f, m=m: apply_matrix(f, m))
            tone = matrix = None

        for index, strength in active:
            stage = self.stages[index]
            if stage.tone is not None:
                if matrix is not None:
                    flush()
                curve = stage.tone.blend(strength)
                tone = curve if tone is None else tone.then(curve)
            elif stage.matrix is not None:
                mixed = stage.matrix.blend(strength)
                matrix = mixed if matrix is None else matrix.then(mixed)
            else:
                flush()
                steps.append(_spatial_step(stage, strength))
        flush()
        return steps


def _spatial_step(stage: Stage, strength: float):
    kernel = stage.spatial
    assert kernel is not None  # a stage is tone, matrix or spatial by construction
    if stage.mixes_itself or strength >= 1.0:
        return lambda f: kernel(f, strength)
    return lambda f: cv2.addWeighted(kernel(f, 1.0), strength, f, 1.0 - strength, 0.0)


def _strength_track(value: float | Sequence) -> Track[float]:
    if isinstance(value, int | float):
        return Track.constant(float(value))
    return Track.of([(k.t, float(k.value), k.ease) for k in value])


def compile_chain(filters: Sequence, size: tuple[int, int]) -> FilterChain:
    """Compile preset filter specs for frames of `size` (W, H)."""
    stages: list[Stage] = []
    for spec in filters:
        stages.extend(_compile_one(spec, size))
    return FilterChain(stages)


def _compile_one(spec, size: tuple[int, int]) -> list[Stage]:
    window = {"start": spec.start, "end": spec.end}
    if spec.type == "adjust":
        strength = _strength_track(spec.strength)
        tone = adjust.tone_curve(
            exposure=spec.exposure,
            brightness=spec.brightness,
            contrast=spec.contrast,
            gamma=spec.gamma,
        )
        matrix = adjust.color_matrix(
            saturation=spec.saturation, temperature=spec.temperature, tint=spec.tint, hue=spec.hue
        )
        return [
            Stage(**window, strength=strength, tone=tone),
            Stage(**window, strength=strength, matrix=matrix),
        ]
    if spec.type == "vignette":
        kernel = vignette.Vignette(size, spec.radius, spec.softness)
        return [
            Stage(
                **window,
                strength=_strength_track(spec.strength),
                spatial=kernel,
                mixes_itself=True,
            )
        ]
    raise NotImplementedError(f"filter type {spec.type!r}")  # refused earlier by spec.support
