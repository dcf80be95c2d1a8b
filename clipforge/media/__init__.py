"""Media I/O: probing, decoding and encoding with the bundled ffmpeg.

This package is the only place in clipforge that starts ffmpeg.
"""

from clipforge.media.audio import decode_audio, from_audiosegment, to_audiosegment
from clipforge.media.decode import VideoReader, fit_geometry, open_video, read_image
from clipforge.media.encode import VideoWriter, encode_frames
from clipforge.media.ffmpeg import FFmpegProcess, ffmpeg_exe, run_ffmpeg
from clipforge.media.probe import MediaInfo, probe

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
