"""The clip's sound: music, the footage's own sound, ducking, effects, loudness, beats.

`mix_audio` is the render's one call; the rest are the parts, usable on their own.
"""

from clipforge.audio.beats import BeatInfo, beat_times, file_beats
from clipforge.audio.duck import duck_gain
from clipforge.audio.loudness import integrated_loudness, normalize, true_peak
from clipforge.audio.mix import RATE
from clipforge.audio.music import music_excerpt, music_track
from clipforge.audio.original import SoundSegment, lay_out, original_sound, shape_segment
from clipforge.audio.stretch import time_stretch
from clipforge.audio.timeline import (
    AudioMix,
    check_audio_sources,
    mix_audio,
    music_beat_times,
    music_beats,
)

__all__ = [
    "RATE",
    "AudioMix",
    "BeatInfo",
    "SoundSegment",
    "beat_times",
    "check_audio_sources",
    "duck_gain",
    "file_beats",
    "integrated_loudness",
    "lay_out",
    "mix_audio",
    "music_beat_times",
    "music_beats",
    "music_excerpt",
    "music_track",
    "normalize",
    "original_sound",
    "shape_segment",
    "time_stretch",
    "true_peak",
]
