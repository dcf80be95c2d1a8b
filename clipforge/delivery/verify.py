"""`clipforge verify`: does a delivered MP4 play everywhere?

Decodes the whole file with the bundled ffmpeg and checks what players, browsers and the
platforms' upload pipelines trip over: the codecs (H.264 + AAC), the H.264 profile (8-bit 4:2:0
profiles every hardware decoder has), the pixel format (yuv420p), faststart (the index before the
media data, so playback starts while downloading), the duration against the platform limit,
audio/video sync (start within the 45 ms at which viewers notice audio leading, ITU-R BT.1359;
ends within 100 ms), and that every frame decodes without an error. With an output profile it
also checks the size, frame rate and the video bitrate cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from clipforge.delivery.mp4 import top_level_boxes
from clipforge.delivery.profiles import Profile, get_profile
from clipforge.errors import InputError, RenderError
from clipforge.media import MediaInfo, probe
from clipforge.media.ffmpeg import INPUT_WHITELIST, input_file, run_ffmpeg

PLAYABLE_H264_PROFILES = ("Constrained Baseline", "Baseline", "Main", "High")
START_SYNC_SECONDS = 0.045
END_SYNC_SECONDS = 0.100
MAX_FRAME_MISMATCH = 2
DECODE_TIMEOUT = 900.0

_H264_PROFILE = re.compile(r"Video: h264 \(([^)]+)\)")
_TB = re.compile(r"^#tb (\d+): (\d+)/(\d+)", re.M)
_MEDIA = re.compile(r"^#media_type (\d+): (\w+)", re.M)
_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")  # "[h264 @ 0x55...] " before ffmpeg's messages


@dataclass(frozen=True)
class Check:
    """One verified property: its name, whether it passed, and what was found."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of `verify_file`."""

    path: Path
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[Check]:
        """The checks that failed."""
        return [check for check in self.checks if not check.ok]

    def text(self) -> str:
        """A short human report, one line per check."""
        width = max((len(c.name) for c in self.checks), default=0)
        head = f"{self.path}: {'ok' if self.ok else f'{len(self.problems)} problem(s)'}"
        lines = [head]
        for c in self.checks:
            lines.append(f"  {'ok  ' if c.ok else 'FAIL'}  {c.name.ljust(width)}  {c.detail}")
        return "\n".join(lines)


class VerificationError(RenderError):
    """A rendered file failed verification (exit code 1); `report` says which checks."""

    def __init__(self, report: VerifyReport):
        self.report = report
        super().__init__(report.text())


@dataclass
class _Stream:
    """Timing of one stream from ffmpeg's framecrc listing."""

    kind: str
    tb: float
    packets: int = 0
    bytes: int = 0
    first: float | None = None
    end: float = 0.0


def _framecrc(text: str) -> dict[int, _Stream]:
    """Parse `-f framecrc` output: per stream, packet count, bytes, first time, end time."""
    bases = {int(i): int(n) / int(d) for i, n, d in _TB.findall(text)}
    kinds = {int(i): kind for i, kind in _MEDIA.findall(text)}
    streams = {i: _Stream(kinds.get(i, "?"), tb) for i, tb in bases.items()}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 6:
            continue
        index, pts, duration, size = int(parts[0]), int(parts[2]), int(parts[3]), int(parts[4])
        s = streams.get(index)
        if s is None:
            continue
        s.packets += 1
        s.bytes += size
        start = pts * s.tb
        s.first = start if s.first is None else min(s.first, start)
        s.end = max(s.end, (pts + duration) * s.tb)
    return streams


def _first(streams: dict[int, _Stream], kind: str) -> _Stream | None:
    return next((s for _, s in sorted(streams.items()) if s.kind == kind), None)


def _listing(path: Path, decode: bool) -> tuple[dict[int, _Stream], str]:
    """framecrc of the first video and audio stream: decoded frames, or packets (stream copy)."""
    args = ["-v", "error", *INPUT_WHITELIST, "-i", str(path), "-map", "0:v:0?", "-map", "0:a:0?"]
    if not decode:
        args += ["-c", "copy"]
    proc = run_ffmpeg([*args, "-f", "framecrc", "-"], DECODE_TIMEOUT, check=False)
    errors = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0 and not errors:
        errors = f"ffmpeg exited with status {proc.returncode}"
    return _framecrc(proc.stdout.decode("utf-8", "replace")), errors


def describe(path: Path) -> str:
    """What ffmpeg prints about a file's streams (`ffmpeg -i`), as text."""
    proc = run_ffmpeg([*INPUT_WHITELIST, "-i", str(path)], 60, check=False)
    return proc.stderr.decode("utf-8", "replace")


def h264_profile(description: str) -> str | None:
    """The H.264 profile name in `describe()`'s text ("High", "Main", ...), if any."""
    m = _H264_PROFILE.search(description)
    return m.group(1) if m else None


def _codec_checks(info: MediaInfo, description: str) -> list[Check]:
    audio = "no audio"
    if info.has_audio:
        audio = f"{info.audio_codec} audio ({info.audio_rate} Hz, {info.audio_channels} ch)"
    codec_ok = info.video_codec == "h264" and (not info.has_audio or info.audio_codec == "aac")
    checks = [Check("codec", codec_ok, f"{info.video_codec} video, {audio}")]
    name = h264_profile(description)
    if info.video_codec != "h264":
        checks.append(Check("profile", False, "not H.264"))
    else:
        ok = name in PLAYABLE_H264_PROFILES
        need = " (need " + ", ".join(PLAYABLE_H264_PROFILES) + ")" if not ok else ""
        checks.append(Check("profile", ok, f"H.264 {name or 'unknown'}{need}"))
    pix_ok = info.pix_fmt == "yuv420p"
    checks.append(
        Check(
            "pixel format",
            pix_ok,
            f"{info.pix_fmt}{'' if pix_ok else ' (need yuv420p: 8-bit 4:2:0, limited range)'}",
        )
    )
    return checks


def _faststart_check(path: Path) -> Check:
    kinds = [kind for kind, _ in top_level_boxes(path)]
    if "moov" not in kinds:
        return Check("faststart", False, "no moov box (index) found: truncated or not an MP4")
    if "mdat" not in kinds or kinds.index("moov") < kinds.index("mdat"):
        return Check("faststart", True, "index (moov) before media data (mdat)")
    return Check("faststart", False, "media data (mdat) before the index (moov): not streamable")


def _duration_check(video: _Stream | None, info: MediaInfo, max_seconds: float) -> Check:
    seconds = video.end if video is not None and video.packets else info.duration
    slack = 0.5 / info.fps if info.fps > 0 else 0.0
    ok = 0 < seconds <= max_seconds + slack
    return Check("duration", ok, f"{seconds:.2f} s (limit {max_seconds:g} s)")


def _sync_check(video: _Stream | None, audio: _Stream | None) -> Check:
    if audio is None or not audio.packets:
        return Check("sync", True, "no audio track")
    if video is None or not video.packets or video.first is None or audio.first is None:
        return Check("sync", False, "no decodable video to sync with")
    start = audio.first - video.first
    end = audio.end - video.end
    ok = abs(start) <= START_SYNC_SECONDS and abs(end) <= END_SYNC_SECONDS
    detail = f"audio starts {start * 1000:+.0f} ms and ends {end * 1000:+.0f} ms from the video"
    if not ok:
        detail += (
            f" (allowed: start within {START_SYNC_SECONDS * 1000:.0f} ms, "
            f"end within {END_SYNC_SECONDS * 1000:.0f} ms)"
        )
    return Check("sync", ok, detail)


def _decode_check(video: _Stream | None, audio: _Stream | None, info: MediaInfo, errors: str):
    frames = video.packets if video is not None else 0
    expected = round(info.duration * info.fps)
    counted = f"{frames} video frames"
    if audio is not None:
        counted += f", {audio.packets} audio frames"
    if errors:
        lines = [_PREFIX.sub("", ln).strip() for ln in errors.splitlines() if ln.strip()]
        first = lines[0][:200] if lines else "error"
        return Check("decode", False, f"{counted}; ffmpeg reported {len(lines)} error(s): {first}")
    if frames == 0:
        return Check("decode", False, "no video frame decodes")
    if abs(frames - expected) > MAX_FRAME_MISMATCH:
        return Check(
            "decode", False, f"{counted}, but {info.duration:.2f} s at {info.fps:g} fps "
            f"is {expected} frames"
        )  # fmt: skip
    return Check("decode", True, f"{counted}, no errors")


def _profile_check(profile: Profile, info: MediaInfo, packets: _Stream | None) -> Check:
    problems = []
    if (info.width, info.height) != profile.size:
        need = f"{profile.size[0]}x{profile.size[1]}"
        problems.append(f"size {info.width}x{info.height}, need {need}")
    if abs(info.fps - profile.fps) > 0.01:
        problems.append(f"{info.fps:g} fps, need {profile.fps}")
    kbps = 0.0
    if packets is not None and packets.end > 0:
        seconds = packets.end - (packets.first or 0.0)
        kbps = packets.bytes * 8 / 1000 / max(seconds, 1e-6)
        # The VBV buffer may start nearly full (x264: 90 %), a burst spread over the clip.
        allowed = profile.max_video_kbps + 0.9 * profile.bufsize_kbps / max(seconds, 1.0)
        if kbps > allowed * 1.02:
            problems.append(f"video {kbps:.0f} kbit/s over the {profile.max_video_kbps} cap")
    detail = (
        f"{profile.name}: {info.width}x{info.height}, {info.fps:g} fps, "
        f"video {kbps:.0f} kbit/s (cap {profile.max_video_kbps})"
    )
    return Check("output profile", not problems, "; ".join(problems) if problems else detail)


def verify_file(
    path: str | Path, *, max_seconds: float = 15.0, profile: str | Profile | None = None
) -> VerifyReport:
    """Decode `path` completely and check that it plays everywhere.

    Args:
        path: The MP4 to check.
        max_seconds: The platform's length limit (a preset's `limit.max_seconds`).
        profile: Also check the size, frame rate and bitrate cap of this output profile.

    Returns:
        The report; `report.ok` is False when any check failed. A file ffmpeg cannot read at
        all gives a report with one failed `container` check.

    Raises:
        InputError: The file does not exist, is empty or is not a regular file.
        KeyError: An unknown profile name.
    """
    file = Path(input_file(path))
    chosen = get_profile(profile) if isinstance(profile, str) else profile
    try:
        info = probe(file)
    except InputError as exc:
        return VerifyReport(file, (Check("container", False, str(exc)),))
    if not info.has_video or info.is_image:
        return VerifyReport(file, (Check("container", False, "no video stream"),))
    checks = [Check("container", "mp4" in info.format, info.format)]
    checks += _codec_checks(info, describe(file))
    checks.append(_faststart_check(file))
    decoded, errors = _listing(file, decode=True)
    video, audio = _first(decoded, "video"), _first(decoded, "audio")
    checks.append(_duration_check(video, info, max_seconds))
    checks.append(_sync_check(video, audio))
    checks.append(_decode_check(video, audio, info, errors))
    if chosen is not None:
        packets, _ = _listing(file, decode=False)
        checks.append(_profile_check(chosen, info, _first(packets, "video")))
    return VerifyReport(file, tuple(checks))
