"""output.strip_metadata: no GPS, device or creation data from the inputs reaches the output."""

from __future__ import annotations

import struct
from pathlib import Path

import clipforge
from clipforge.delivery.mp4 import top_level_boxes
from tests.gen import ffmpeg_info

# What the av_clip fixture carries (see media_fixtures.py) and a phone would write.
LEAKS = ("location", "+48.8584", "creation_time", "2021-07-14", "secret-title-xyz", "PhoneCam-4711")


def mvhd_creation_time(path: Path) -> int:
    """The creation time field of the movie header (seconds since 1904; 0 = unset)."""
    data = path.read_bytes()
    at = data.index(b"mvhd") + 4
    version = data[at]
    if version == 1:
        return struct.unpack(">Q", data[at + 4 : at + 12])[0]
    return struct.unpack(">I", data[at + 4 : at + 8])[0]


def test_phone_metadata_does_not_reach_the_delivered_files(av_clip: Path, tmp_path: Path):
    source_tags = ffmpeg_info(av_clip)
    assert all(leak in source_tags for leak in LEAKS)  # the footage has them all
    preset = tmp_path / "p.yaml"
    preset.write_text("clipforge: 1\ncanvas: {size: 180x320}\noutput: {preview: gif}\n")
    out = tmp_path / "clip.mp4"
    clipforge.render([av_clip], out, preset)
    tags = ffmpeg_info(out)
    for leak in LEAKS:
        assert leak not in tags, leak
        for side in (out, out.with_suffix(".jpg"), out.with_suffix(".gif")):
            assert leak.encode() not in side.read_bytes(), (leak, side)
    # Only the file type box (brands) and generic handler names are left.
    keys = {ln.split(":")[0].strip() for ln in tags.splitlines() if ln.startswith("    ")}
    keys.discard("Metadata")  # the heading of a stream's tags
    assert keys <= {"major_brand", "minor_version", "compatible_brands", "handler_name"}, keys
    assert tags.count("handler_name") == tags.count("Handler") == 2  # VideoHandler, SoundHandler
    assert mvhd_creation_time(out) == 0
    assert [kind for kind, _ in top_level_boxes(out)][:2] == ["ftyp", "moov"]


def test_without_stripping_clipforge_still_copies_no_input_metadata(av_clip: Path, tmp_path):
    # strip_metadata: false keeps the encoder's own tags, but the footage's tags were never
    # copied: frames are decoded and re-encoded, not remuxed.
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320}\n"
        "output: {strip_metadata: false, thumbnail: null, sidecar: false}\n"
    )
    out = tmp_path / "kept.mp4"
    clipforge.render([av_clip], out, preset)
    tags = ffmpeg_info(out)
    assert "Lavf" in tags  # the encoder tag that stripping removes
    assert all(leak not in tags for leak in LEAKS)
