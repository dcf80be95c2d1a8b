"""Crafted hostile files for the tests/test_security_*.py suites, made at test time.

A "canary" is a file with unique bytes that a hostile input points at; a test proves a leak by
finding those bytes in whatever ffmpeg produced.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from clipforge.media.ffmpeg import run_ffmpeg

# The header of the published AVI/GAB2 exploit (an AVI with one 'txts' stream whose first
# packet is a GAB2 subtitle chunk carrying a playlist), as in neex's gen_xbin_avi.py.
AVI_HEADER = (
    b"RIFF\x00\x00\x00\x00AVI LIST\x14\x01\x00\x00hdrlavih8\x00\x00\x00@\x9c\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00}\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00"
    b"\x00\x10\x00\xe0\x00\x00\x00\xa0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00LISTt\x00\x00\x00strlstrh8\x00\x00\x00txts\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x19\x00\x00\x00\x00\x00\x00\x00}\x00"
    b"\x00\x00\x86\x03\x00\x00\x10'\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xe0\x00\xa0\x00strf"
    b"(\x00\x00\x00(\x00\x00\x00\xe0\x00\x00\x00\xa0\x00\x00\x00\x01\x00\x18\x00XVID\x00H\x03\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00LIST    movi"
)


def gab2_avi(payload: bytes, fake_packets: int = 50) -> bytes:
    """The exploit layout: a GAB2 chunk with `payload`, then empty video packets."""
    content = b"GAB2\x00\x02\x00" + b"\x00" * 10 + payload
    packet = b"00tx" + struct.pack("<I", len(content)) + content
    filler = b"00dc" + struct.pack("<I", 200) + b"\x00" * 200
    return AVI_HEADER + packet + filler * fake_packets


@dataclass(frozen=True)
class Hostile:
    """The canary, its unique bytes, and the hostile inputs pointing at it, by name."""

    token: bytes
    canary_wav: Path
    canary_mp4: Path
    inputs: dict[str, Path]


def make_hostile(folder: Path) -> Hostile:
    """Write a canary (PCM audio whose samples are a unique token) and inputs that point at it.

    Inputs: an HLS playlist renamed .mp4, the same named .m3u8, a DASH manifest renamed .mp4,
    a concat list renamed .mov, and the AVI/GAB2 exploit carrying the HLS playlist.
    """
    folder.mkdir(parents=True, exist_ok=True)
    token = b"CANARY-" + os.urandom(8).hex().encode()
    raw = folder / "canary.raw"
    raw.write_bytes(token * 400)
    canary_wav = folder / "canary.wav"
    canary_mp4 = folder / "canary.mp4"
    pcm = ["-f", "s16le", "-ar", "8000", "-ac", "1", "-i", str(raw), "-c:a", "pcm_s16le"]
    run_ffmpeg(["-v", "error", "-y", *pcm, str(canary_wav)], 30)
    run_ffmpeg(["-v", "error", "-y", *pcm, "-f", "mov", str(canary_mp4)], 30)
    raw.unlink()
    hls = (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXTINF:1.0,\ncanary.mp4\n#EXT-X-ENDLIST\n"
    )
    dash = (
        '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" '
        'profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" type="static" '
        'mediaPresentationDuration="PT1S" minBufferTime="PT1S">\n<Period><AdaptationSet '
        'mimeType="audio/mp4"><Representation id="0" bandwidth="1000"><BaseURL>canary.mp4'
        "</BaseURL></Representation></AdaptationSet></Period>\n</MPD>\n"
    )
    inputs = {
        "hls-renamed.mp4": hls,
        "hls.m3u8": hls,
        "dash-renamed.mp4": dash,
        "concat-renamed.mov": "ffconcat version 1.0\nfile canary.wav\n",
    }
    paths = {}
    for name, text in inputs.items():
        paths[name] = folder / name
        paths[name].write_text(text)
    paths["gab2-hls.avi"] = folder / "gab2-hls.avi"
    paths["gab2-hls.avi"].write_bytes(gab2_avi(hls.encode()))
    return Hostile(token, canary_wav, canary_mp4, paths)


def files_containing(folder: Path, token: bytes, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Files under `folder` (not in `skip`) whose bytes contain `token`."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path not in skip and token in path.read_bytes():
            found.append(path)
    return found
