"""Stills of a preset at chosen times, without encoding: the designer's quick look.

The frames go through the same filter chain and layers as a render, at draft size, over the
demo footage or a given clip, in the colour space the render would use (I420 where the render
stays in YUV, see filters/yuv.py), so a still shows what the video will. A still at time t is
the render's frame n = floor(t * fps), the one on screen at t, made as the render makes it
(`timeline.frame_at`: transitions, Ken Burns, segments) and filtered and drawn at its own time
n / fps, as the render draws it.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from clipforge.audio.timeline import music_beat_times, music_beats, music_source
from clipforge.delivery import plan_encoding
from clipforge.demo_media import DemoScene
from clipforge.errors import ClipforgeError, InputError
from clipforge.filters import compile_chain
from clipforge.filters.yuv import i420_to_rgb, rgb_to_i420
from clipforge.overlay.build import build_overlays
from clipforge.render import DRAFT_SCALE, frames_in_yuv, resolve_preset
from clipforge.sheet import contact_sheet
from clipforge.spec import Preset, catalog, catalog_dir, check_supported
from clipforge.timeline import Canvas, frame_at, plan_timeline, total_frames

SAMPLE_SECONDS = 15.0


def default_times(duration: float, count: int = 6) -> list[float]:
    """`count` times spread over the clip, avoiding the very first and last frame."""
    step = duration / count
    return [round(step * (i + 0.5), 2) for i in range(count)]


def render_stills(
    preset: Preset | str | Path,
    times: Sequence[float] | None = None,
    *,
    inputs: Sequence[str | Path] = (),
    variables: dict[str, str] | None = None,
    scale: float = DRAFT_SCALE,
    asset_roots: Sequence[str | Path] = (),
    profile: str | None = None,
    music: str | Path | None = None,
) -> list[tuple[float, np.ndarray]]:
    """The frames the preset shows at `times` (seconds), over `inputs` or the demo footage.

    Each still is the rendered video's frame on screen at its time (see the module's notes),
    at `scale` times the render's output size: an output profile (`profile`, or the preset's
    `output.profile`) sets that size, its aspect and the frame rate, as in the render.
    `music` replaces the preset's music as the render's does, for `pulse: beat` and
    `cut_on_beat`.
    """
    roots = [Path(r) for r in asset_roots]
    spec = resolve_preset(preset, variables, roots)
    check_supported(spec)
    roots = [*spec.source_dirs[1:], *spec.asset_roots, *roots]
    music_file = Path(music) if music else None
    if music_file is not None:
        music_source(spec, roots, music_file)  # a missing file is refused, as by the render
    encoding = plan_encoding(spec, profile, draft=True, draft_scale=scale)
    geometry, fps = encoding.geometry, encoding.fps
    size = geometry.output_size
    # As the render compiles it: blur radii and grain follow the scale, a LUT file is found
    # beside the preset or in the asset roots.
    chain = compile_chain(
        spec.filters,
        size,
        scale=geometry.scale,
        fps=fps,
        preset_dir=spec.source_dir,
        asset_roots=roots,
    )
    source = (
        _InputSource(spec, inputs, size, fps, roots, music_file) if inputs else _DemoSource(size)
    )
    duration = source.duration
    # As the render builds them: exits play up to the clip's end, `pulse: beat` follows the
    # music's beats (analysed only if a sticker pulses).
    overlays = build_overlays(
        spec,
        geometry,
        roots,
        duration=duration,
        beats=lambda: music_beats(spec, duration, roots, music_file),
    )
    # As the render decides (the demo footage stands for a video input).
    on_yuv = frames_in_yuv(chain, spec, source.plan if inputs else None)
    stills = []
    for t in times if times is not None else default_times(duration):
        if not 0 <= t < duration:
            raise InputError(f"time {t:g} s is outside the clip (0 to {duration:.2f} s)")
        # The render filters and draws frame n at n / fps, whatever time within it was asked.
        at = frame_number(t, fps) / fps
        frame = source.frame(at)
        if on_yuv is not None:
            frame = rgb_to_i420(frame)
            on_yuv(frame, at)
        else:
            # Each source frame is new (decoded, read or drawn): the chain may filter in place.
            frame = chain(frame, at, inplace=True) if chain else frame
        for layer in overlays.layers:
            layer.draw(frame, at)
        stills.append((t, frame if on_yuv is None else i420_to_rgb(frame)))
    return stills


def frame_number(t: float, fps: float) -> int:
    """The output frame on screen at `t` seconds: frame n shows from n / fps to (n + 1) / fps."""
    # A hair over: a time a rounding error short of n / fps (4.1 * 30) still shows frame n.
    return math.floor(t * fps + 1e-6)


def preview_sheet(
    preset: Preset | str | Path,
    *,
    inputs: Sequence[str | Path] = (),
    times: Sequence[float] | None = None,
    variables: dict[str, str] | None = None,
    asset_roots: Sequence[str | Path] = (),
    title: str | None = None,
    profile: str | None = None,
    music: str | Path | None = None,
) -> Image.Image:
    """A labelled contact sheet of the preset's stills (see `render_stills`)."""
    stills = render_stills(
        preset,
        times,
        inputs=inputs,
        variables=variables,
        asset_roots=asset_roots,
        profile=profile,
        music=music,
    )
    name = title or (preset.name if isinstance(preset, Preset) else Path(str(preset)).stem)
    return contact_sheet([(f"{t:.2f} s", f) for t, f in stills], title=name)


@functools.lru_cache(maxsize=2)
def _demo_scene(size: tuple[int, int]) -> DemoScene:
    # Building the scene (sky, panoramas, bokeh sprites) takes longer than a still itself;
    # it depends only on the size, so a designer's second and later looks reuse it.
    return DemoScene(size, SAMPLE_SECONDS)


class _DemoSource:
    def __init__(self, size: tuple[int, int]):
        self.scene = _demo_scene((int(size[0]), int(size[1])))
        self.duration = SAMPLE_SECONDS

    def frame(self, t: float) -> np.ndarray:
        return self.scene.frame(t)


class _InputSource:
    """Frames of the job's inputs on the output timeline, each made on its own."""

    def __init__(
        self,
        spec: Preset,
        inputs: Sequence[str | Path],
        size: tuple[int, int],
        fps: float,
        roots: Sequence[Path],
        music_file: Path | None,
    ):
        self.canvas = Canvas.of(spec, size, fps)
        # Planned as the render plans: `cut_on_beat` moves the cuts onto the music's beats.
        self.plan = plan_timeline(
            list(inputs),
            spec,
            fps=fps,
            beats=lambda seconds: music_beat_times(spec, seconds, roots, music_file),
        )
        self.total = total_frames(self.plan, fps)
        # The rendered video's length: its last frame starts before this.
        self.duration = self.total / fps

    def frame(self, t: float) -> np.ndarray:
        """The render's frame on screen at `t`: transitions, moving stills and segments too."""
        n = min(frame_number(t, self.canvas.fps), self.total - 1)
        return frame_at(self.plan, n, self.canvas, total=self.total)


def watch_preset(
    preset: str | Path,
    make: Callable[[], None],
    report: Callable[[Exception], None],
    *,
    poll_seconds: float = 0.5,
    max_rounds: int | None = None,
) -> None:
    """Call `make` now and again whenever the preset file changes, until interrupted.

    Errors in the preset are reported and watching goes on, so a designer can fix and save.
    Polling the modification time needs no extra dependency and works on every file system.
    """
    path = Path(preset)
    if not path.is_file():
        path = catalog_dir() / f"{preset}.yaml"
    if not path.is_file():
        raise InputError("no such preset file to watch", str(preset))
    seen: int | None = None
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        stamp = path.stat().st_mtime_ns
        if stamp != seen:
            seen = stamp
            try:
                make()
            except ClipforgeError as exc:
                report(exc)
        rounds += 1
        time.sleep(poll_seconds)


def catalog_stills(at: float = 2.5) -> list[tuple[str, np.ndarray]]:
    """(name, still at `at` seconds over the demo footage) for every catalog preset."""
    stills = []
    for name, _ in catalog():
        ((_, frame),) = render_stills(name, [at])
        stills.append((name, frame))
    return stills


def catalog_sheet(at: float = 2.5, columns: int = 6) -> Image.Image:
    """The catalog as one labelled contact sheet (see `catalog_stills`)."""
    return contact_sheet(catalog_stills(at), columns=columns, title="clipforge preset catalog")
