"""Compiles a preset's filter list once per render into fused whole-frame steps.

Each filter compiles to an object that, given its strength, returns operations: tone tables,
colour matrices, baked 3D LUTs, spatial kernels, or a group blended with its input. At a given
time the operations of the active filters are fused into steps:

- consecutive tone tables compose into one table (`t2[t1]`: exact);
- a tone table right before a 3D LUT folds into the LUT's input tables (exact);
- consecutive colour matrices multiply into one, but only where that gives the pixels of
  applying them one by one within a level: the first must not clip any colour, the rounding
  it skips must stay below a level, nothing after it may grow a level into more (a steep
  curve, sharpening), and only one such run per plan (else they stay separate steps);
- an affine tone table (brightness, contrast, white balance) right after a colour matrix
  folds into it on the same terms, where the table keeps the matrix's clipping as it is
  (0 stays 0 where the matrix can go below 0, 255 stays 255 where it can go above): `adjust`
  costs one `cv2.transform` instead of a transform and a lookup;
- everything else runs as it is.

Per frame, the first step that runs allocates the output and the steps after it that can run
in place (tone tables, the vignette, grain, pixelate) write into that array instead of
allocating another: a 1080x1920 frame is 6 MB, and a fresh one costs about a millisecond in
page faults. With `inplace=True`
the caller hands its frame over, and a first tone table, vignette, grain or pixelate writes
into it too (a colour matrix never does: cv2.transform would copy its input first, which is
slower).

So a chain gives, within one level, the pixels of its filters applied one by one. The fused
plan is cached per (active filters, strengths): a static chain fuses once, and every frame
costs only the kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clipforge.animation import Track
from clipforge.filters.kernels import ColorMatrix, ToneTable, blend_frames
from clipforge.filters.lut3d import Lut3DStep
from clipforge.filters.ops import CompiledFilter, GroupOp, Lut3DOp, Op, SpatialOp

Step = Callable[[np.ndarray, float], np.ndarray]
"""One fused kernel: (frame, t) in, frame out."""

# Rounding a fused matrix skips must stay below this, in levels, for the fusion to be allowed.
_MAX_SKIPPED_ROUNDING = 0.95
# Static chains need a plan per set of active filters; animated strengths make a new plan every
# frame that is never reused, and plans hold masks and tables: keep only a few.
_MAX_PLANS = 16


@dataclass(frozen=True)
class ChainContext:
    """What compiling a chain needs beside the filters themselves."""

    size: tuple[int, int]  # output (W, H)
    scale: float = 1.0  # output pixels per canvas pixel (0.5 for drafts)
    fps: float = 30.0
    preset_dir: Path | None = None
    asset_roots: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Active:
    """A compiled filter with its window on the output timeline and its strength track."""

    compiled: CompiledFilter
    start: float
    end: float | None
    strength: Track[float]

    def strength_at(self, t: float) -> float | None:
        """The strength at t, or None when the filter is off (outside its window, or 0)."""
        if t < self.start or (self.end is not None and t >= self.end):
            return None
        s = min(1.0, float(self.strength(t - self.start)))
        return s if s > 0 else None


@dataclass
class FilterChain:
    """A compiled chain: call it with (frame, t) to get the filtered frame."""

    filters: list[Active]
    _plans: dict[tuple, list[Step]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.filters)

    def __call__(self, frame: np.ndarray, t: float, *, inplace: bool = False) -> np.ndarray:
        """The filtered frame at time t.

        Args:
            frame: (H, W, 3) uint8 RGB; left untouched unless `inplace`.
            t: Seconds on the output timeline.
            inplace: The caller owns `frame` and gives it up: pointwise steps may write into
                it (the result may then be `frame` itself).
        """
        owned = inplace and frame.flags.writeable and frame.flags.c_contiguous
        for step in self.plan_at(t):
            if owned and getattr(step, "in_place", False):
                frame = step.into(frame, t)  # type: ignore[attr-defined]
                continue
            result = step(frame, t)
            # Only steps known to return a new array hand over one the chain may write into.
            owned = result is not frame and getattr(step, "fresh", False)
            frame = result
        return frame

    def active_at(self, t: float) -> tuple[tuple[int, float], ...]:
        """(index, strength) of each filter on at time t."""
        return tuple(
            (i, s) for i, item in enumerate(self.filters) if (s := item.strength_at(t)) is not None
        )

    def ops_of(self, active: tuple[tuple[int, float], ...]) -> list[Op]:
        """The operations of the filters in `active` (from `active_at`), in chain order."""
        return [op for i, s in active for op in self.filters[i].compiled.ops(s)]

    def plan_at(self, t: float) -> list[Step]:
        """The fused steps that run at time t (cached per active filters and strengths)."""
        active = self.active_at(t)
        plan = self._plans.get(active)
        if plan is None:
            plan = fuse(self.ops_of(active))
            self._plans[active] = plan
            if len(self._plans) > _MAX_PLANS:
                self._plans.pop(next(iter(self._plans)))
        return plan


class _PendingMatrix:
    """A run of fused matrices, and how far (levels, per channel) the values that applying
    them one by one would round at the end may be from the exact product's."""

    def __init__(self, matrix: ColorMatrix):
        self.matrix = matrix
        self.exact = matrix.matrix  # the exact product of the run's (grid) matrices
        self.skipped = np.zeros(3)

    def try_tone(self, tone: ToneTable) -> bool:
        """Fold an affine tone table into the run (see `ColorMatrix.then_tone`)."""
        if tone.affine is None or tone.is_identity:
            return False
        fused = self.matrix.then_tone(tone)
        if fused is None:
            return False
        gain, offset = tone.affine[:, 0], tone.affine[:, 1]
        # One by one, the run's output is rounded (half a level) before the table scales it.
        skipped = gain * (self.skipped + 0.5)
        if (skipped + fused.rounded_off >= _MAX_SKIPPED_ROUNDING).any():
            return False
        exact = np.diag(gain) @ self.exact
        exact[:, 3] += offset
        self.matrix, self.exact, self.skipped = fused, exact, skipped
        return True

    def try_then(self, other: ColorMatrix) -> bool:
        if not self.matrix.keeps_in_range():
            return False  # one by one, the first matrix's output would clip
        # One by one, the output of the run so far is rounded (half a level) and goes through
        # `other`; fused, the exact product is rounded onto the fixed-point grid once.
        skipped = np.abs(other.matrix[:, :3]) @ (self.skipped + 0.5)
        exact = (np.vstack([other.matrix, [0, 0, 0, 1]]) @ np.vstack([self.exact, [0, 0, 0, 1]]))[
            :3
        ]
        fused = ColorMatrix(exact)
        if (skipped + fused.rounded_off >= _MAX_SKIPPED_ROUNDING).any():
            return False
        self.matrix, self.exact, self.skipped = fused, exact, skipped
        return True


def fuse(ops: Sequence[Op], after: float = 1.0, budget: list | None = None) -> list[Step]:
    """Fuse a sequence of operations into the fewest steps that give the same pixels.

    Tone tables compose exactly. Matrix products skip roundings, so they may move a pixel by
    a level; one such fused run is allowed per plan (two could add up), and only where no
    later step can grow that level (a steep curve or sharpening after it).

    Args:
        ops: The operations in order.
        after: How much the steps that follow these can grow a difference (for groups).
        budget: Shared between a plan and its groups: `[run]` once a run of fused
            matrices has used the plan's one allowed level.
    """
    budget = [] if budget is None else budget
    ops = [op.as_tone() if isinstance(op, ColorMatrix) and op.is_per_channel else op for op in ops]
    # downstream[i]: how much everything after op i can grow a one-level difference. Fusing
    # matrices may move an output by a level; that is only allowed where nothing grows it.
    downstream = [after] * len(ops)
    for i in range(len(ops) - 2, -1, -1):
        downstream[i] = downstream[i + 1] * ops[i + 1].gain
    steps: list[Step] = []
    pending: ToneTable | _PendingMatrix | None = None

    def flush() -> None:
        nonlocal pending
        if isinstance(pending, ToneTable) and not pending.is_identity:
            steps.append(_Untimed(pending))
        elif isinstance(pending, _PendingMatrix) and not pending.matrix.is_identity:
            steps.append(_Untimed(pending.matrix))
        pending = None

    for i, op in enumerate(ops):
        if isinstance(op, ToneTable):
            if isinstance(pending, ToneTable):
                pending = pending.then(op)
            elif (
                isinstance(pending, _PendingMatrix)
                and downstream[i] <= 1.0 + 1e-9
                and (not budget or budget[0] is pending)
                and pending.try_tone(op)
            ):
                budget[:] = [pending]
            else:
                flush()
                pending = op
        elif isinstance(op, ColorMatrix):
            if (
                isinstance(pending, _PendingMatrix)
                and downstream[i] <= 1.0 + 1e-9
                and (not budget or budget[0] is pending)
                and pending.try_then(op)
            ):
                budget[:] = [pending]
                continue
            flush()
            pending = _PendingMatrix(op)
        elif isinstance(op, Lut3DOp):
            before = pending if isinstance(pending, ToneTable) else None
            if before is None:
                flush()
            pending = None
            steps.append(_Untimed(Lut3DStep(op.atlas, before)))
        elif isinstance(op, GroupOp):
            flush()
            # The blend rounds again, so a level inside may still be a level after it.
            inner = fuse(op.ops, downstream[i], budget)
            steps.append(_Group(inner, op.strength))
        elif isinstance(op, SpatialOp):
            flush()
            steps.append(_Timed(op.kernel) if op.timed else _Untimed(op.kernel))  # type: ignore[arg-type]
        else:  # pragma: no cover - the Op union is closed
            raise TypeError(f"not a filter operation: {op!r}")
    flush()
    return steps


class _Untimed:
    """A kernel that ignores the time, as a step.

    `in_place`: the kernel is pointwise and takes an `out` array (which may be its input);
    `fresh`: called without one, it always returns a new array the chain may write into.
    """

    __slots__ = ("fresh", "in_place", "kernel")

    def __init__(self, kernel: Callable[[np.ndarray], np.ndarray]):
        self.kernel = kernel
        self.in_place = bool(getattr(kernel, "in_place", False))
        self.fresh = self.in_place or bool(getattr(kernel, "fresh", False))

    def __call__(self, frame: np.ndarray, t: float) -> np.ndarray:
        return self.kernel(frame)

    def into(self, frame: np.ndarray, t: float) -> np.ndarray:
        """Run in place: `frame` is owned by the chain (only when `in_place`)."""
        return self.kernel(frame, frame)  # type: ignore[call-arg]

    def __repr__(self) -> str:
        return repr(self.kernel)


class _Timed:
    """A kernel that needs the time (grain), as a step; `in_place` and `fresh` as `_Untimed`
    (an in-place timed kernel takes `out` as a keyword: `kernel(frame, t, out=...)`)."""

    __slots__ = ("fresh", "in_place", "kernel")

    def __init__(self, kernel: Callable[[np.ndarray, float], np.ndarray]):
        self.kernel = kernel
        self.in_place = bool(getattr(kernel, "in_place", False))
        self.fresh = self.in_place or bool(getattr(kernel, "fresh", False))

    def __call__(self, frame: np.ndarray, t: float) -> np.ndarray:
        return self.kernel(frame, t)

    def into(self, frame: np.ndarray, t: float) -> np.ndarray:
        return self.kernel(frame, t, out=frame)  # type: ignore[call-arg]

    def __repr__(self) -> str:
        return repr(self.kernel)


class _Group:
    """Steps applied together, then blended with their input (into a new array)."""

    fresh = True

    def __init__(self, steps: list[Step], strength: float):
        self.steps = steps
        self.strength = strength

    def __call__(self, frame: np.ndarray, t: float) -> np.ndarray:
        out = frame
        for step in self.steps:
            out = step(out, t)
        return blend_frames(out, frame, self.strength)

    def __repr__(self) -> str:
        return f"Group({self.steps!r}, strength={self.strength:g})"


def strength_track(value: float | Sequence) -> Track[float]:
    """A filter's `strength` (a number or keyframes) as a track of time since its start."""
    if isinstance(value, int | float):
        return Track.constant(float(value))
    return Track.of([(k.t, float(k.value), str(getattr(k.ease, "value", k.ease))) for k in value])


def compile_chain(
    filters: Sequence,
    size: tuple[int, int],
    *,
    scale: float = 1.0,
    fps: float = 30.0,
    preset_dir: Path | None = None,
    asset_roots: Sequence[Path] = (),
) -> FilterChain:
    """Compile preset filter specs for frames of `size` (W, H), once per render.

    Args:
        filters: The preset's `filters` (spec models).
        size: Output frame size (W, H).
        scale: Output pixels per canvas pixel (radii and offsets are in canvas pixels).
        fps: Output frame rate (grain changes every frame).
        preset_dir: The preset's folder, where LUT files are looked up first.
        asset_roots: Further asset folders (the shipped assets come last).

    Raises:
        InputError: a LUT file is missing or broken (`CubeError` names file, line and key).
    """
    from clipforge.filters.build import build_filter  # build imports every filter family

    context = ChainContext(
        (int(size[0]), int(size[1])), float(scale), float(fps), preset_dir, tuple(asset_roots)
    )
    active = [
        Active(
            build_filter(spec, context, key=f"filters[{index}]"),
            float(spec.start),
            None if spec.end is None else float(spec.end),
            strength_track(spec.strength),
        )
        for index, spec in enumerate(filters)
    ]
    return FilterChain(active)
