"""What clipforge lets ffmpeg read: allowlists of demuxers and codecs, and the input options.

Footage, music and stickers are untrusted. ffmpeg can follow indirections hidden in a file:
an HLS or DASH playlist, a concat list or an image-sequence pattern makes it open *other*
files (the classic SSRF/LFI trick: a "video" whose playlist points at /etc/passwd, which then
shows up in the output). Four layers keep every ffmpeg run on the one file it was given:

1. `sniff()` refuses playlists, manifests and concat lists by their first bytes, before ffmpeg
   runs at all (also with a clear message, which ffmpeg's refusal lacks).
2. Every input gets ``-protocol_whitelist file`` (no URLs, no ``subfile:``/``data:``/``concat:``)
   and ``-format_whitelist`` with the demuxers below, so even probing never lets an
   indirection demuxer (hls, dash, concat, image2 patterns, ...) read its header.
3. `check_probed()` checks the probed demuxer and the codecs of the streams we decode against
   the allowlists, before anything is decoded.
4. `input_options()` pins the demuxer with ``-f`` at decode time, so a file cannot "change its
   mind" between probe and decode, and names the file as ``file:/abs/path`` so its name is never
   parsed as a URL or option.
"""

from __future__ import annotations

import os
import re

from clipforge.errors import InputError

# Probed demuxer (the first name ffmpeg prints on "Input #0, ...") -> the name pinned with -f.
DEMUXERS: dict[str, str] = {
    "mov": "mov",  # mov,mp4,m4a,3gp,3g2,mj2: phones
    "matroska": "matroska",  # matroska,webm
    "avi": "avi",
    "mpegts": "mpegts",  # camcorders (.mts)
    "h264": "h264",  # raw elementary streams
    "hevc": "hevc",
    "mp3": "mp3",
    "wav": "wav",
    "ogg": "ogg",
    "flac": "flac",
    "aac": "aac",
    # Animated stickers and stills that reach ffmpeg (single stills go through Pillow).
    "gif": "gif",
    "apng": "apng",
    "webp_anim": "webp_anim",
    "webp_pipe": "webp_pipe",
    "png_pipe": "png_pipe",
    "jpeg_pipe": "jpeg_pipe",
    "bmp_pipe": "bmp_pipe",
}

#: Passed as ``-format_whitelist``: ffmpeg refuses any other demuxer before reading its header.
FORMAT_WHITELIST = ",".join(DEMUXERS)

VIDEO_CODECS = frozenset(
    {
        "h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video", "prores", "mjpeg",
        "png", "apng", "gif", "webp", "webp_anim", "bmp",
    }
)  # fmt: skip
AUDIO_CODECS = frozenset({"aac", "mp3", "opus", "vorbis", "flac", "alac"})
_AUDIO_PREFIXES = ("pcm_",)

# Why a refused demuxer is refused, for the message (ffmpeg's own is "Invalid argument").
_REFUSED_WHY = {
    "hls": "an HLS playlist (it makes ffmpeg open other files)",
    "dash": "a DASH manifest (it makes ffmpeg open other files)",
    "concat": "an ffmpeg concat list (it makes ffmpeg open other files)",
    "image2": "an image sequence pattern (it makes ffmpeg open other files)",
}

# First bytes of text formats that point ffmpeg at other files; checked before ffmpeg runs.
_SNIFF_BYTES = 64 * 1024
_TEXT_MARKERS = (
    (re.compile(rb"^#EXTM3U"), "an HLS playlist"),
    (re.compile(rb"^ffconcat\s+version", re.I), "an ffmpeg concat list"),
    (re.compile(rb"^(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<MPD\b", re.S), "a DASH manifest"),
    (re.compile(rb"^(<\?xml[^>]*>\s*)?<SmoothStreamingMedia\b"), "a Smooth Streaming manifest"),
)
_ANY_PLAYLIST = re.compile(rb"#EXTM3U|#EXT-X-|ffconcat version|<MPD\b")


def sniff(path: str) -> None:
    """Refuse files whose first bytes are a playlist, manifest or concat list.

    Also refuses an AVI carrying a GAB2 subtitle payload in its first 64 KiB: the known exploit
    layout hides an HLS playlist there (current ffmpeg only parses SRT/ASS from it, but the
    file is not footage either way).

    Raises:
        InputError: naming the file and what it is.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path) from None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for pattern, what in _TEXT_MARKERS:
        if pattern.match(text):
            raise InputError(f"is {what}, not media; playlists are never followed", path)
    if head[:4] == b"RIFF" and head[8:12] == b"AVI " and b"GAB2\x00" in head:
        what = "an embedded playlist" if _ANY_PLAYLIST.search(head) else "a GAB2 subtitle payload"
        raise InputError(
            f"is an AVI carrying {what} (the AVI playlist exploit layout); refused", path
        )


def demuxer_token(fmt: str) -> str:
    """The first name in ffmpeg's demuxer list, e.g. "mov" for "mov,mp4,m4a,3gp,3g2,mj2"."""
    return fmt.split(",", 1)[0].strip()


def check_probed(
    path: str,
    fmt: str,
    video_codec: str | None,
    audio_codec: str | None,
    subtitles: bool = False,
) -> None:
    """Refuse a probed file whose demuxer or decoded codecs are not on the allowlists.

    Args:
        path: The file, for messages.
        fmt: The demuxer list ffmpeg printed ("mov,mp4,m4a,3gp,3g2,mj2").
        video_codec: The codec of the video stream we would decode (None: none).
        audio_codec: The codec of the audio stream we would decode (None: none).
        subtitles: The file has subtitle streams (refused in AVI: see `sniff`).

    Raises:
        InputError: naming the file, the format or codec, and what is accepted.
    """
    token = demuxer_token(fmt)
    if token not in DEMUXERS:
        why = _REFUSED_WHY.get(token, f"format '{token}'")
        raise InputError(f"{why} is not accepted; use MP4/MOV, MKV/WebM or a common audio", path)
    if token == "avi" and subtitles:
        raise InputError("AVI with a subtitle stream (GAB2 can hide a playlist); refused", path)
    if video_codec is not None and video_codec not in VIDEO_CODECS:
        raise InputError(
            f"video codec '{video_codec}' is not accepted (accepted: "
            f"{', '.join(sorted(VIDEO_CODECS))})",
            path,
        )
    if audio_codec is not None and not (
        audio_codec in AUDIO_CODECS or audio_codec.startswith(_AUDIO_PREFIXES)
    ):
        raise InputError(
            f"audio codec '{audio_codec}' is not accepted (accepted: "
            f"{', '.join(sorted(AUDIO_CODECS))}, pcm_*)",
            path,
        )


def input_url(path: str) -> str:
    """The path as ffmpeg's ``file:`` URL: never parsed as another protocol, option or '-'."""
    return "file:" + os.path.abspath(path)


def probe_options() -> list[str]:
    """Input options for probing an unknown file: files only, allowlisted demuxers only."""
    return ["-protocol_whitelist", "file", "-format_whitelist", FORMAT_WHITELIST]


def input_options(fmt: str) -> list[str]:
    """Input options for decoding a probed file: `probe_options()` plus the pinned demuxer.

    Args:
        fmt: `MediaInfo.format` as probed by ffmpeg.

    Raises:
        InputError: the format is not an accepted demuxer (never probed by clipforge).
    """
    token = demuxer_token(fmt)
    if token not in DEMUXERS:
        raise InputError(f"format '{fmt}' is not accepted")
    return [*probe_options(), "-f", DEMUXERS[token]]
