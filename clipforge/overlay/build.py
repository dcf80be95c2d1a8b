"""Builds the overlay layers of a render from a preset's `stickers` and `text`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import ImageFont

from clipforge.errors import InputError, PresetError, Problem
from clipforge.geometry import Geometry
from clipforge.overlay.animated import (
    MAX_ANIMATED_PIXELS,
    MAX_STICKER_FRAMES,
    MAX_STICKER_PIXELS,
    SpriteFrames,
    load_sticker,
)
from clipforge.overlay.captions import read_captions
from clipforge.overlay.entrance import entrance_for
from clipforge.overlay.faces import FaceFollow, FaceTracker
from clipforge.overlay.fonts import load_font, warn_missing_glyphs
from clipforge.overlay.layers import LazyLayer, SpriteLayer, build_motion
from clipforge.overlay.overlays import Layer, Overlays, Watch
from clipforge.overlay.pulse import BeatPulse
from clipforge.overlay.state import Modifier
from clipforge.overlay.text import TextStyle, render_text
from clipforge.spec.assets import resolve_asset
from clipforge.spec.values import parse_color

__all__ = [
    "MAX_ANIMATED_PIXELS",
    "MAX_STICKER_FRAMES",
    "MAX_STICKER_PIXELS",
    "build_overlays",
    "load_sticker",
]

Beats = Sequence[float] | Any | Callable[[], Any] | None
"""Beat times: a sequence of seconds, a `BeatInfo` (its `times`), or a callable giving either."""

# Animated frames are shrunk at load to the largest size the layer is shown at, with room for
# overshooting eases, pops and beat pulses.
SHRINK_MARGIN = 1.25


def _name(value) -> str:
    """Enum members and plain strings alike."""
    return str(getattr(value, "value", value))


class _Context:
    """What every layer of one render is built with."""

    def __init__(
        self,
        preset,
        geometry: Geometry,
        roots: Sequence[Path],
        duration: float | None,
        beats: Beats,
    ):
        self.preset = preset
        self.geometry = geometry
        self.preset_dir: Path | None = preset.source_dir
        self.roots = roots
        self.duration = duration
        self._beats = beats
        self.tracker: FaceTracker | None = None
        # A sticker used by several layers is decoded (and shrunk) once.
        self._stickers: dict[tuple, SpriteFrames] = {}

    def sticker(self, path: Path, max_size: tuple[float, float] | None = None) -> SpriteFrames:
        """The sticker at `path`, shrunk to fit `max_size` (None: as it is)."""
        key = (path, None if max_size is None else tuple(round(v) for v in max_size))
        frames = self._stickers.get(key)
        if frames is None:
            frames = self._stickers.get((path, None)) or load_sticker(path)
            self._stickers[(path, None)] = frames
            if max_size is not None:
                frames = frames.shrunk_to(*max_size)
            self._stickers[key] = frames
        return frames

    def beat_times(self) -> tuple[float, ...]:
        """The music's beats (output seconds); asked for only when a sticker pulses, since
        finding them means analysing the music."""
        beats = self._beats() if callable(self._beats) else self._beats
        if beats is None:
            return ()
        # A `clipforge.audio.beats.BeatInfo` or a plain sequence of times.
        return tuple(float(t) for t in getattr(beats, "times", beats))

    def end_of(self, end: float | None) -> float | None:
        """A layer's end, with `None` (to the end of the clip) made the clip's duration."""
        return end if end is not None else self.duration

    def problem(self, key: str, message: str) -> PresetError:
        source = self.preset.source
        return PresetError(Problem(message, str(source) if source else None, key=key))


def sticker_layer(index: int, spec, ctx: _Context) -> SpriteLayer:
    key = f"stickers[{index}]"
    geometry = ctx.geometry
    path = resolve_asset(spec.image, ctx.preset_dir, ctx.roots)
    frames = ctx.sticker(path)
    w, h = frames.size
    motion = build_motion(spec, geometry, (w * geometry.scale, h * geometry.scale))
    modifiers: list[Modifier] = []
    if spec.track is not None:
        if ctx.tracker is None:
            ctx.tracker = FaceTracker()
        track = spec.track
        modifiers.append(
            FaceFollow(ctx.tracker, tuple(track.offset), track.scale, h / w, track.hide_when_lost)
        )
    elif frames.animated:
        frames = ctx.sticker(
            path,
            (max(motion.width.values) * SHRINK_MARGIN, max(motion.height.values) * SHRINK_MARGIN),
        )
    frames = frames.with_loop(spec.loop)
    if spec.pulse == "beat":
        beats = ctx.beat_times()
        if not beats:
            raise ctx.problem(
                f"{key}.pulse",
                "pulse: beat needs music with a beat (audio.music or the job's music)",
            )
        modifiers.append(BeatPulse(beats))
    end = ctx.end_of(spec.end)
    if end is not None and (entrance := entrance_for(spec, spec.start, end, geometry.x("100%"))):
        modifiers.append(entrance)
    return SpriteLayer(key, frames, motion, _name(spec.anchor), spec.start, spec.end, modifiers)


def text_style(spec, geometry: Geometry, preset_dir: Path | None, roots: Sequence[Path]):
    font_path = resolve_asset(spec.font, preset_dir, roots) if spec.font else None
    font = _font(font_path, max(1, round(geometry.px(spec.size))))
    style = TextStyle(
        font=font,
        color=parse_color(spec.color),
        align=_name(spec.align),
        max_width=geometry.x(spec.max_width) if spec.max_width is not None else None,
        line_spacing=spec.line_spacing,
    )
    changes: dict = {}
    if spec.stroke is not None:
        changes |= {
            "stroke_width": max(1, round(geometry.px(spec.stroke.width))),
            "stroke_color": parse_color(spec.stroke.color),
        }
    if spec.shadow is not None:
        changes |= {
            "shadow_offset": geometry.point(spec.shadow.offset),
            "shadow_blur": geometry.px(spec.shadow.blur),
            "shadow_color": parse_color(spec.shadow.color),
        }
    if spec.box is not None:
        changes |= {
            "box_color": parse_color(spec.box.color),
            "box_padding": geometry.px(spec.box.padding),
            "box_radius": geometry.px(spec.box.radius),
        }
    return TextStyle(**{**style.__dict__, **changes})


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont:
    try:
        return load_font(path, size)
    except OSError as exc:
        raise InputError(f"cannot read font: {exc}", str(path)) from exc


def _text_sprite_layer(
    name: str, content: str, spec, style: TextStyle, ctx: _Context, start: float, end: float | None
) -> SpriteLayer:
    """A block of text rendered once, placed and animated like a sticker."""
    source = render_text(content, style)
    h, w = source.shape[:2]
    # Text keeps its rendered size unless keyframes scale it.
    motion = build_motion(_without_size(spec), ctx.geometry, (w, h))
    modifiers: list[Modifier] = []
    last = end if end is not None else ctx.duration
    if last is not None and (entrance := entrance_for(spec, start, last, ctx.geometry.x("100%"))):
        modifiers.append(entrance)
    return SpriteLayer(
        name, SpriteFrames.still(source), motion, _name(spec.anchor), start, end, modifiers
    )


def text_layer(index: int, spec, ctx: _Context) -> SpriteLayer:
    style = text_style(spec, ctx.geometry, ctx.preset_dir, ctx.roots)
    warn_missing_glyphs(style.font, spec.content, f"text[{index}]")
    return _text_sprite_layer(
        f"text[{index}]", spec.content, spec, style, ctx, spec.start, spec.end
    )


def caption_layers(index: int, spec, ctx: _Context) -> list[LazyLayer]:
    """One layer per cue of the captions file, shown from `start` + the cue's times (cut at the
    layer's `end`); each cue's text is rendered when it first shows."""
    key = f"text[{index}].captions"
    path = resolve_asset(spec.captions, ctx.preset_dir, ctx.roots)
    cues = read_captions(path, key)
    style = text_style(spec, ctx.geometry, ctx.preset_dir, ctx.roots)
    warn_missing_glyphs(style.font, "".join(c.text for c in cues), f"{key} ({path.name})")
    layers = []
    for cue in cues:
        start = spec.start + cue.start
        end = spec.start + cue.end
        if spec.end is not None:
            end = min(end, spec.end)
        if start >= end or (ctx.duration is not None and start >= ctx.duration):
            continue
        name = f"text[{index}] ({path.name} line {cue.line})"
        make = functools.partial(_text_sprite_layer, name, cue.text, spec, style, ctx, start, end)
        layers.append(LazyLayer(name, start, end, make))
    return layers


class _without_size:
    """A text spec seen as a sprite spec: `width`/`height` are not text properties."""

    def __init__(self, spec):
        self._spec = spec
        self.width = None
        self.height = None

    def __getattr__(self, name):
        return getattr(self._spec, name)


def build_overlays(
    preset,
    geometry: Geometry,
    roots: Sequence[Path] = (),
    *,
    duration: float | None = None,
    beats: Beats = None,
) -> Overlays:
    """All overlay layers of a render in drawing order (stickers first, then text on top), and
    the face tracker that `track: face` stickers share.

    Args:
        preset: the validated preset.
        geometry: canvas to output pixels.
        roots: asset roots after the preset's folder.
        duration: the clip's length in seconds; exit animations of layers without an `end`
            play up to it.
        beats: the music's beats on the output timeline, for `pulse: beat`: times in seconds,
            a `BeatInfo`, or a callable giving either (called only if a sticker pulses).

    Raises:
        InputError: a sticker, font or captions file cannot be used.
        PresetError: `pulse: beat` without beats.
    """
    ctx = _Context(preset, geometry, roots, duration, beats)
    layers: list[Layer] = [sticker_layer(i, spec, ctx) for i, spec in enumerate(preset.stickers)]
    for i, spec in enumerate(preset.text):
        if getattr(spec, "captions", None) is not None:
            layers += caption_layers(i, spec, ctx)
        else:
            layers.append(text_layer(i, spec, ctx))
    watches = []
    if ctx.tracker is not None:
        tracked = [s for s in preset.stickers if s.track is not None]
        ends = [s.end for s in tracked]
        watches.append(
            Watch(
                ctx.tracker,
                min(s.start for s in tracked),
                None if None in ends else max(e for e in ends if e is not None),
            )
        )
    return Overlays(layers, watches)
