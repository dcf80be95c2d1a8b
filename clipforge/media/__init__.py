"""Media I/O: probing, decoding and encoding with the bundled ffmpeg.

This package is the only place in clipforge that starts ffmpeg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clipforge.lazy import export_lazily

if TYPE_CHECKING:  # the same names, imported eagerly, for type checkers and editors
    from clipforge.media.audio import decode_audio, from_audiosegment, to_audiosegment
    from clipforge.media.decode import VideoReader, fit_geometry, open_video, read_image
    from clipforge.media.encode import VideoWriter, encode_frames
    from clipforge.media.ffmpeg import FFmpegProcess, ffmpeg_exe, run_ffmpeg
    from clipforge.media.probe import MediaInfo, probe

# Public name -> its module, imported on first use (PEP 562): importing the package alone
# stays cheap (see clipforge/__init__.py).
_LAZY = {
    "decode_audio": "clipforge.media.audio",
    "from_audiosegment": "clipforge.media.audio",
    "to_audiosegment": "clipforge.media.audio",
    "VideoReader": "clipforge.media.decode",
    "fit_geometry": "clipforge.media.decode",
    "open_video": "clipforge.media.decode",
    "read_image": "clipforge.media.decode",
    "VideoWriter": "clipforge.media.encode",
    "encode_frames": "clipforge.media.encode",
    "FFmpegProcess": "clipforge.media.ffmpeg",
    "ffmpeg_exe": "clipforge.media.ffmpeg",
    "run_ffmpeg": "clipforge.media.ffmpeg",
    "MediaInfo": "clipforge.media.probe",
    "probe": "clipforge.media.probe",
}

__all__ = [
    "FFmpegProcess",
    "MediaInfo",
    "VideoReader",
    "VideoWriter",
    "decode_audio",
    "encode_frames",
    "ffmpeg_exe",
    "fit_geometry",
    "from_audiosegment",
    "open_video",
    "probe",
    "read_image",
    "run_ffmpeg",
    "to_audiosegment",
]

export_lazily(__name__, _LAZY, functions_over_submodules=("probe",))
