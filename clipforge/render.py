"""The frame loop: decode each clip, filter, draw the layers, encode; audio mixed alongside.

The sound's inputs are checked before any video work; the mix itself (decoding, ducking,
loudness: ~0.45 s for 15 s, half of it in ffmpeg) runs in a background thread while the
filters and overlays are prepared and the encoder and decoders start, and the encoder takes it
when its audio pipe starts (`VideoWriter`'s late audio): an error in it still fails the render
before any output.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from clipforge.audio.mix import RATE
from clipforge.audio.timeline import (
    AudioMix,
    check_audio_sources,
    mix_audio,
    music_beat_times,
)
from clipforge.delivery import (
    Delivered,
    DeliveryPlan,
    Encoding,
    VerificationError,
    VerifyReport,
    prepare_delivery,
    verify_file,
)
from clipforge.filters import FilterChain, compile_chain
from clipforge.filters.yuv import YuvChain, yuv_chain
from clipforge.media import VideoWriter
from clipforge.media.decode import draft_decoding
from clipforge.media.pool import FramePool, recycling
from clipforge.overlay.build import build_overlays
from clipforge.spec import Preset, check_supported, load_preset
from clipforge.timeline import (
    Canvas,
    FrameSource,
    ImageSequence,
    Plan,
    plan_timeline,
    plays_as_decoded,
    timeline_frames,
    total_frames,
)

Progress = Callable[[int, int], None]
"""Called after each frame with (frames done, frames in all)."""

DRAFT_SCALE = 0.5
DRAFT_X264_PRESET = "ultrafast"
# x264 threads: its own default, 1.5 per core, on the 2-core workers this targets. With frames in
# YUV the Python side is light enough that a third thread pays: alternated on the reference job,
# 3-11 % less wall time than 2 threads, for 22 MiB more (x264's frames in flight). Renders in
# RGB (stills, reversed clips, transitions) keep 2, which encoded as fast there, and the memory
# their RGB frames and reversed chunks take. Fixed counts, not x264's default, so that a render
# on a big machine does not hold a frame per core.
ENCODER_THREADS = {"yuv709": 3, "rgb": 2}
# A draft's x264 (ultrafast at half size, ~3 ms a frame) keeps up on one thread, and frame
# threads cost it CPU that the decoder and Python need: alternated over 6 pairs, a draft of the
# reference job took 4.09 s with one thread against 4.20 s with three (CPU 6.7 against 7.0 s).
DRAFT_ENCODER_THREADS = 1


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
    """A Preset object as is, or a catalog name / file path loaded with the job's variables.

    Raises:
        ValueError: `variables` given with a `Preset` object, whose placeholders were filled
            when it was loaded (silently ignoring them would render the wrong text).
    """
    if isinstance(preset, Preset):
        if variables:
            raise ValueError(
                "variables fill a preset's placeholders when it is loaded: pass the preset's "
                "name or path to render(), or load it with load_preset(..., variables=...)"
            )
        return preset
    return load_preset(preset or "default", variables=variables or {}, asset_roots=asset_roots)


def render(
    inputs: Sequence[str | Path | FrameSource | ImageSequence],
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
        inputs: video files, still images, image sequences (a folder or a glob pattern such
            as `shots/*.png`) or `FrameSource`s, played in order (see `timeline` in the
            preset for segments, speed and transitions).
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
    fps = delivery.encoding.fps
    music_file = Path(music) if music else None
    plan = plan_timeline(
        inputs,
        spec,
        fps=fps,
        # cut_on_beat: the music's beats for the planned length, before anything is decoded.
        beats=lambda seconds: music_beat_times(spec, seconds, roots, music_file),
    )
    frame_count = total_frames(plan, fps)  # as the preview counts them
    # A bad music file is refused before any video work starts; the mix is made meanwhile.
    check_audio_sources(spec, roots, music_file)
    sound = _in_background(mix_audio, spec, plan, frame_count / fps, roots, music_file)
    try:
        return _render_frames(
            spec, plan, delivery, sound, output, roots, frame_count, progress, draft, verify
        )
    except BaseException:
        # Not before the mix's own ffmpeg processes are done (a second or so; bounded all the
        # same, so a stuck mix cannot hold the error back).
        sound.cancel()
        wait([sound], timeout=60)
        raise


def _render_frames(
    spec: Preset,
    plan: Plan,
    delivery: DeliveryPlan,
    sound: Future[AudioMix],
    output: str | Path,
    roots: list[Path],
    frame_count: int,
    progress: Progress | None,
    draft: bool,
    verify: bool,
) -> RenderResult:
    """The video work of `render`, with the sound on its way in `sound`."""
    encoding = delivery.encoding
    geometry, fps = encoding.geometry, encoding.fps
    chain = compile_chain(
        spec.filters,
        geometry.output_size,
        scale=geometry.scale,
        fps=fps,
        preset_dir=spec.source_dir,
        asset_roots=roots,
    )
    on_yuv = frames_in_yuv(chain, spec, plan)
    pixels = "rgb" if on_yuv is None else "yuv709"
    threads = DRAFT_ENCODER_THREADS if draft else ENCODER_THREADS[pixels]
    writer = _writer(spec, encoding, Path(output), sound, pixels, threads)
    done = 0
    # YUV frames go round: decoder -> filters and layers -> encoder -> decoder (pool.py).
    pool = FramePool() if on_yuv is not None else None
    # The encoder starts first: x264 sets up while the layers are built, and the vignette's
    # mask and the first sprites are made on the first frame, while the decoder starts.
    with writer:
        overlays = build_overlays(
            spec, geometry, roots, duration=frame_count / fps, beats=lambda: sound.result().beats
        )
        canvas = Canvas.of(spec, geometry.output_size, fps)
        frames = timeline_frames(plan, frame_count, canvas, pixels)
        # closing: a failed encode still ends the decoders' ffmpeg processes right away. A
        # draft decodes its footage the cheap way (no deblocking, a fast scaler): see
        # draft_decoding.
        with (
            closing(frames),
            draft_decoding() if draft else nullcontext(),
            recycling(pool) if pool else nullcontext(),
        ):
            for frame in frames:
                t = done / fps
                if on_yuv is not None:
                    on_yuv(frame, t)  # in place: the decoder hands each frame over
                else:
                    overlays.observe(frame, t)  # face tracking looks at the unfiltered footage
                    # The loop owns its frames (timeline copies callers' arrays): in place.
                    frame = chain(frame, t, inplace=True) if chain else frame
                    if not frame.flags.writeable:
                        frame = frame.copy()
                overlays.draw(frame, t)
                writer.write(frame, recycle=pool.give if pool else None)
                done += 1
                if progress:
                    progress(done, frame_count)
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


def frames_in_yuv(chain: FilterChain, spec: Preset, plan: Plan | None) -> YuvChain | None:
    """The chain on I420 frames when a render of `spec` stays in the decoder's YUV, else None.

    Frames stay in BT.709 YUV when nothing needs RGB (filters/yuv.py): the common looks over
    cut-together footage skip two colour conversions a frame, in Python and in both ffmpeg
    processes. Stills, reversed clips and transitions make RGB frames, and a sticker that
    follows a face looks at RGB footage. `plan` None: footage that plays as decoded (the
    preview's demo footage).
    """
    follows_face = any(sticker.track is not None for sticker in spec.stickers)
    if follows_face or (plan is not None and not plays_as_decoded(plan)):
        return None
    return yuv_chain(chain)


def _writer(
    spec: Preset,
    encoding: Encoding,
    output: Path,
    sound: Future[AudioMix],
    pixels: str,
    threads: int,
) -> VideoWriter:
    """The encoder for `output` (x264 on `threads`), taking the mix when its audio pipe
    starts."""
    out = spec.output
    return VideoWriter(
        output,
        encoding.geometry.output_size,
        encoding.fps,
        crf=encoding.crf,
        preset=encoding.x264_preset,
        audio=lambda: sound.result().samples,
        audio_rate=RATE,
        audio_bitrate=encoding.audio_bitrate,
        aac_coder=encoding.aac_coder,
        max_kbps=encoding.max_video_kbps,
        bufsize_kbps=encoding.bufsize_kbps,
        faststart=out.faststart,
        strip_metadata=out.strip_metadata,
        threads=threads,
        pixels=pixels,  # type: ignore[arg-type]
        # Frames in YUV leave room in the memory budget for x264's own lookahead thread, which
        # keeps both cores busier (the reference job: 1.12x -> 1.0x ffmpeg's wall time, +28 MiB).
        lookahead_thread=pixels != "rgb",
    )


def _in_background(function: Callable[..., AudioMix], *args: object) -> Future[AudioMix]:
    """`function(*args)` run in a daemon thread from now on, its result or exception in the
    Future.

    Started with the render, the mix's ffmpeg decodes use the core the imports and set-up leave
    idle. Started on demand, at the first frame, it came back later, and the encoder waits for
    its audio after a few dozen frames (alternated: 11.83 s against 12.28 s).
    """
    future: Future[AudioMix] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(function(*args))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="clipforge-audio-mix", daemon=True).start()
    return future
