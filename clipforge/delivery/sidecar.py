"""The sidecar: a JSON file describing the delivered clip, for the systems that publish it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from clipforge.delivery.tags import hashtags, mentions
from clipforge.media import MediaInfo

SIDECAR_VERSION = 1


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, hex, read in chunks (a 15 s clip is tens of megabytes)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def sidecar_data(
    video: Path,
    info: MediaInfo,
    *,
    preset: str | None,
    variables: Mapping[str, str],
    texts: Sequence[str],
    profile: str | None = None,
    h264_profile: str | None = None,
    thumbnail: Path | None = None,
    preview: Path | None = None,
) -> dict[str, Any]:
    """The sidecar document of `video`.

    Measured values (duration, size, fps, codecs, bytes, hash) come from the finished file, not
    from the render plan, so the sidecar describes what was actually delivered.

    Args:
        video: The finished MP4.
        info: `probe(video)`.
        preset: The preset's name.
        variables: The variable values the render used.
        texts: The clip's on-screen texts (hashtags and mentions are taken from them).
        profile: The output profile applied, if any.
        h264_profile: The H.264 profile name, e.g. "High".
        thumbnail: The thumbnail written beside the video, if any.
        preview: The preview written beside the video, if any.

    Returns:
        A JSON-ready mapping.
    """
    return {
        "sidecar_version": SIDECAR_VERSION,
        "video": video.name,
        "duration": round(info.duration, 3),
        "size": [info.width, info.height],
        "fps": info.fps,
        "codec": info.video_codec,
        "h264_profile": h264_profile,
        "pix_fmt": info.pix_fmt,
        "audio_codec": info.audio_codec,
        "bytes": video.stat().st_size,
        "sha256": sha256_of(video),
        "preset": preset,
        "profile": profile,
        "variables": dict(variables),
        "hashtags": hashtags(texts),
        "mentions": mentions(texts),
        "thumbnail": thumbnail.name if thumbnail else None,
        "preview": preview.name if preview else None,
    }


def write_sidecar(dest: Path, data: Mapping[str, Any]) -> None:
    """Write the sidecar as UTF-8 JSON (hashtags stay readable: no \\u escapes)."""
    dest.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
