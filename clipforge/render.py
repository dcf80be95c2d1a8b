"""The frame loop: decode each clip, filter, draw the layers, encode; audio mixed up front."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clipforge.audio.timeline import mix_audio
from clipforge.delivery import (
    Delivered,
    VerificationError,
    VerifyReport,
    prepare_delivery,
    verify_file,
)
from clipforge.errors import InputError
from clipforge.filters import compile_chain
from clipforge.frames import fit_frame
from clipforge.media import VideoWriter, open_video, read_image
from clipforge.overlay.build import build_overlays
from clipforge.spec import Preset, check_supported, load_preset
from clipforge.spec.values import parse_color
from clipforge.timeline import Clip, FrameSource, plan_timeline

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
    delivered: Delivered = field(default_factory=Delivered)  # thumbnail, preview, sidecar
    report: VerifyReport | None = None  # with verify=True


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
    profile: str | None = None,
    verify: bool = False,
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
        profile: an output profile (`tiktok`, `reels`, `shorts`, `square`, `preview`) over the
            preset's `output.profile`: output size, fps and bitrate caps.
        verify: decode the finished file and check it plays everywhere (`verify_file`).

    Raises:
        PresetError, InputError, LimitError: refused before any frame is encoded (a blocked
            term of `moderation.blocklist` is a `ModerationError`, a PresetError).
        RenderError: the encoder failed, or (`VerificationError`) the file failed verification.
    """
    roots = [Path(r) for r in asset_roots]
    spec = resolve_preset(preset, variables, roots)
    check_supported(spec)
    # Assets of a parent preset (extends) live beside that parent.
    roots = [*spec.source_dirs[1:], *spec.asset_roots, *roots]
    # Delivery: blocked text is refused before any decoding; the profile sets size/fps/bitrate.
    delivery = prepare_delivery(
        spec,
        output,
        roots,
        profile=profile,
        draft=draft,
        draft_scale=DRAFT_SCALE,
        draft_preset=DRAFT_X264_PRESET,
    )
    encoding = delivery.encoding
    geometry, fps = encoding.geometry, encoding.fps
    plan = plan_timeline(inputs, spec)
    total_frames = max(1, round(plan.duration * fps))
    # Audio first: a bad music file is refused before any video work starts.
    sound = mix_audio(spec, plan, total_frames / fps, roots, Path(music) if music else None)
    chain = compile_chain(
        spec.filters,
        geometry.output_size,
        scale=geometry.scale,
        fps=fps,
        preset_dir=spec.source_dir,
        asset_roots=roots,
    )
    overlays = build_overlays(
        spec, geometry, roots, duration=total_frames / fps, beats=lambda: sound.beats
    )
    out = spec.output
    writer = VideoWriter(
        Path(output),
        geometry.output_size,
        fps,
        crf=encoding.crf,
        preset=encoding.x264_preset,
        audio=sound.samples,
        audio_rate=sound.rate,
        audio_bitrate=encoding.audio_bitrate,
        max_kbps=encoding.max_video_kbps,
        bufsize_kbps=encoding.bufsize_kbps,
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
                overlays.observe(frame, t)  # face tracking looks at the unfiltered footage
                frame = chain(frame, t) if chain else frame
                if not frame.flags.writeable:
                    frame = frame.copy()
                overlays.draw(frame, t)
                writer.write(frame)
                done += 1
                if progress:
                    progress(done, total_frames)
    # Side files only once the MP4 is in place; a draft is not held to the profile's size.
    delivered = delivery.finish()
    report = None
    if verify:
        checked = None if draft else encoding.profile
        report = verify_file(output, max_seconds=spec.limit.max_seconds, profile=checked)
        if not report.ok:
            raise VerificationError(report)
    return RenderResult(
        Path(output), done / fps, done, geometry.output_size, fps, delivered, report
    )


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
