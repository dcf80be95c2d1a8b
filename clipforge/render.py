"""The frame loop: decode each clip, filter, draw the layers, encode; audio mixed up front."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clipforge.audio.mix import RATE, mix, music_track, original_track, samples
from clipforge.errors import InputError
from clipforge.filters import compile_chain
from clipforge.frames import fit_frame
from clipforge.geometry import Geometry
from clipforge.media import VideoWriter, decode_audio, open_video, read_image
from clipforge.overlay.build import build_layers
from clipforge.spec import Music, Preset, check_supported, load_preset
from clipforge.spec.assets import resolve_asset
from clipforge.spec.values import parse_color
from clipforge.timeline import Clip, FrameSource, Plan, plan_timeline

Progress = Callable[[int, int], None]
"""Called after each frame with (frames done, frames in all)."""

DRAFT_SCALE = 0.5
DRAFT_X264_PRESET = "ultrafast"
# x264 defaults to 1.5 threads per core, each holding frames in flight; on the 2-core machines
# this targets, 2 threads encode as fast and save about 40 MiB at 1080x1920.
ENCODER_THREADS = 2
# A decoder may end a frame or two early (rounded container durations); more is a broken input.
MAX_MISSING_FRAMES = 2


@dataclass(frozen=True)
class RenderResult:
    output: Path
    duration: float
    frames: int
    size: tuple[int, int]
    fps: float


def resolve_preset(
    preset: Preset | str | Path | None,
    variables: dict[str, str] | None = None,
    asset_roots: Sequence[Path] = (),
) -> Preset:
    """A Preset object as is, or a catalog name / file path loaded with the job's variables."""
    if isinstance(preset, Preset):
        return preset
    return load_preset(preset or "default", variables=variables or {}, asset_roots=asset_roots)


def render(
    inputs: Sequence[str | Path | FrameSource],
    output: str | Path,
    preset: Preset | str | Path | None = None,
    *,
    variables: dict[str, str] | None = None,
    music: str | Path | None = None,
    draft: bool = False,
    asset_roots: Sequence[str | Path] = (),
    progress: Progress | None = None,
) -> RenderResult:
    """Render `inputs` through `preset` into the MP4 `output`.

    Args:
        inputs: video files, still images or `FrameSource`s, played in order.
        output: the MP4 to write; written atomically (never half-written at this path).
        preset: a `Preset`, a catalog name or a preset file path (None: the `default` preset).
        variables: values for the preset's `{{placeholders}}`, over its defaults.
        music: a music file that replaces the preset's `audio.music.file`.
        draft: half size and a faster x264 preset, for previews.
        asset_roots: extra folders where the preset's assets are looked up.
        progress: called with (frames done, frames in all) as the render goes.

    Raises:
        PresetError, InputError, LimitError: refused before any frame is encoded.
        RenderError: the encoder failed.
    """
    roots = [Path(r) for r in asset_roots]
    spec = resolve_preset(preset, variables, roots)
    check_supported(spec)
    # Assets of a parent preset (extends) live beside that parent.
    roots = [*spec.source_dirs[1:], *spec.asset_roots, *roots]
    geometry = Geometry(spec.canvas.size, DRAFT_SCALE if draft else 1.0)
    fps = float(spec.canvas.fps)
    plan = plan_timeline(inputs, spec)
    total_frames = max(1, round(plan.duration * fps))
    # Audio first: a bad music file is refused before any video work starts.
    audio = mix_audio(spec, plan, total_frames / fps, roots, Path(music) if music else None)
    chain = compile_chain(spec.filters, geometry.output_size)
    layers = build_layers(spec, geometry, roots)
    out = spec.output
    writer = VideoWriter(
        Path(output),
        geometry.output_size,
        fps,
        crf=out.crf,
        preset=DRAFT_X264_PRESET if draft else str(getattr(out.preset, "value", out.preset)),
        audio=audio,
        audio_rate=RATE,
        audio_bitrate=out.audio_bitrate,
        faststart=out.faststart,
        strip_metadata=out.strip_metadata,
        threads=ENCODER_THREADS,
    )
    done = 0
    with writer:
        for clip in plan.clips:
            first = round(clip.start * fps)
            count = min(round((clip.start + clip.duration) * fps), total_frames) - first
            for frame in clip_frames(clip, count, geometry.output_size, fps, spec):
                t = done / fps
                frame = chain(frame, t) if chain else frame
                if not frame.flags.writeable:
                    frame = frame.copy()
                for layer in layers:
                    layer.draw(frame, t)
                writer.write(frame)
                done += 1
                if progress:
                    progress(done, total_frames)
    return RenderResult(Path(output), done / fps, done, geometry.output_size, fps)


def clip_frames(
    clip: Clip, count: int, size: tuple[int, int], fps: float, spec: Preset
) -> Iterator[np.ndarray]:
    """Exactly `count` canvas-sized frames for one clip."""
    fit = str(getattr(spec.canvas.fit, "value", spec.canvas.fit))
    background = parse_color(spec.canvas.background)[:3]
    if clip.kind == "image":
        still = read_image(clip.source, size, fit, background)
        for _ in range(count):
            yield still.copy()
        return
    if clip.kind == "frames":
        source = clip.source
        assert isinstance(source, FrameSource)
        frames = (fit_frame(np.asarray(f), size, fit, background) for f in source.frames)
    else:
        frames = open_video(
            clip.source,
            size,
            fps,
            fit,
            background,
            start=clip.source_start,
            duration=clip.duration,
        )
    yield from _exactly(frames, count, clip.label)


def _exactly(frames, count: int, label: str) -> Iterator[np.ndarray]:
    """The first `count` frames; a frame or two missing at the end repeats the last one."""
    produced = 0
    last = None
    with _closing(frames):
        for frame in frames:
            if produced == count:
                break
            last = frame
            produced += 1
            yield frame
    missing = count - produced
    if missing > MAX_MISSING_FRAMES or last is None:
        raise InputError(
            f"decoded only {produced} of the {count} frames expected; the file may be "
            "truncated or corrupt",
            label,
        )
    for _ in range(missing):
        yield last.copy()


class _closing:
    """Close a reader or generator when done, even on errors (ends its ffmpeg process)."""

    def __init__(self, frames):
        self.frames = frames

    def __enter__(self):
        return self.frames

    def __exit__(self, *exc):
        close = getattr(self.frames, "close", None)
        if close:
            close()


def mix_audio(
    spec: Preset,
    plan: Plan,
    duration: float,
    roots: Sequence[Path],
    music_file: Path | None = None,
) -> np.ndarray:
    """The final stereo mix for the whole clip: the original sound and the music.

    `music_file` (the job's own music) replaces the preset's music file and keeps the preset's
    music settings; unlike a preset's asset it is not confined to the asset roots.
    """
    n = samples(duration)
    tracks = []
    original = spec.audio.original
    if not original.mute:
        pieces, lengths = [], []
        for clip in plan.clips:
            lengths.append(samples(clip.duration))
            pieces.append(_clip_sound(clip))
        track = original_track(pieces, lengths)
        track *= 10.0 ** (original.volume / 20.0)
        tracks.append(track)
    music = spec.audio.music
    if music_file is not None:
        if not music_file.is_file():
            raise InputError("no such music file", str(music_file))
        tracks.append(music_track(music_file, music or Music(file=music_file.name), duration))
    elif music is not None:
        path = resolve_asset(music.file, spec.source_dir, roots)
        tracks.append(music_track(path, music, duration))
    return mix(tracks, n)


def _clip_sound(clip: Clip) -> np.ndarray | None:
    if not clip.has_audio:
        return None
    if clip.kind == "frames":
        source = clip.source
        assert isinstance(source, FrameSource) and source.audio is not None
        return _resample(np.asarray(source.audio, np.float32), source.audio_rate)
    return decode_audio(
        clip.source, rate=RATE, channels=2, start=clip.source_start, duration=clip.duration
    )


def _resample(track: np.ndarray, rate: int) -> np.ndarray:
    if track.ndim == 1:
        track = np.stack([track, track], axis=1)
    if rate == RATE:
        return track
    n = samples(len(track) / rate)
    x = np.linspace(0, len(track) - 1, n)
    return np.stack(
        [np.interp(x, np.arange(len(track)), track[:, c]) for c in range(2)], axis=1
    ).astype(np.float32)
