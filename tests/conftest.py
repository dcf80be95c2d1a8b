"""Shared pytest fixtures. Each area keeps its fixtures in its own module, imported here."""

from media_fixtures import (  # noqa: F401  (fixtures are found by name)
    av_clip,
    bad_files,
    bars_clip,
    corner_clip,
    media_dir,
    ramp_clip,
    silent_clip,
    sine_wav,
)
