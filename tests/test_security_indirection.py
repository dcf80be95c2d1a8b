"""ffmpeg reads only the file it was given: playlists, manifests and concat lists are refused.

Each hostile input points at a canary file with unique bytes. The first test proves the bundled
ffmpeg *does* follow most of them when called the way clipforge used to call it (so the guards
matter); the others prove clipforge refuses every one of them, in probe and in render, and that
the canary's bytes appear in no output.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path

import pytest
from security_media import Hostile, files_containing, make_hostile

from clipforge import render
from clipforge.errors import InputError
from clipforge.media.audio import decode_audio
from clipforge.media.decode import open_video
from clipforge.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from clipforge.media.probe import MediaInfo, probe
from clipforge.media.safety import input_url, probe_options
from clipforge.spec import preset_from_dict

# clipforge.media re-exports the function `probe`, which shadows the module as an attribute.
probe_module = importlib.import_module("clipforge.media.probe")

HOSTILE = ["hls-renamed.mp4", "hls.m3u8", "dash-renamed.mp4", "concat-renamed.mov", "gab2-hls.avi"]
# What the bundled ffmpeg 9 follows by itself, measured: it refuses HLS by auto-detection
# under a non-playlist name, and parses only SRT/ASS out of GAB2, but follows these.
FOLLOWED_UNGUARDED = ["hls.m3u8", "dash-renamed.mp4", "concat-renamed.mov"]

TINY = {
    "clipforge": 1,
    "canvas": {"size": "64x112", "fps": 10},
    "limit": {"max_seconds": 60, "policy": "trim"},
    "output": {"thumbnail": None, "sidecar": False},
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return make_hostile(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", FOLLOWED_UNGUARDED)
def test_unguarded_ffmpeg_leaks_the_canary(hostile: Hostile, name: str, tmp_path: Path) -> None:
    # The old input options: files and pipes allowed, demuxer auto-detected.
    out = tmp_path / "leak.bin"
    args = ["-v", "error", "-protocol_whitelist", "file,pipe", "-i", str(hostile.inputs[name])]
    run_ffmpeg([*args, "-map", "0:a", "-c", "copy", "-f", "data", str(out)], 30, check=False)
    assert out.exists() and hostile.token in out.read_bytes()


@pytest.mark.parametrize("name", HOSTILE)
def test_probe_refuses(hostile: Hostile, name: str) -> None:
    path = hostile.inputs[name]
    with pytest.raises(InputError) as caught:
        probe(path)
    assert caught.value.path == str(path) and str(path) in str(caught.value)


@pytest.mark.parametrize("name", HOSTILE)
def test_probe_refuses_even_without_the_byte_sniff(
    hostile: Hostile, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Second layer: ffmpeg's -format_whitelist (or the probed-format allowlist) alone refuses.
    monkeypatch.setattr(probe_module, "sniff", lambda path: None)
    with pytest.raises(InputError):
        probe(hostile.inputs[name])


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
@pytest.mark.parametrize("name", FOLLOWED_UNGUARDED)
def test_probing_ffmpeg_never_opens_the_canary(hostile: Hostile, name: str, tmp_path: Path) -> None:
    log = tmp_path / "strace.txt"
    target = input_url(str(hostile.inputs[name]))
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *probe_options(), "-i", target]
    traced = subprocess.run(
        ["strace", "-f", "-e", "trace=open,openat", "-o", str(log), *cmd],
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if not log.exists() or "openat" not in log.read_text():
        pytest.skip(f"strace cannot trace here: {traced.stderr[-200:]!r}")
    opened = log.read_text()
    assert hostile.inputs[name].name in opened  # the trace works: it saw the input itself
    assert "canary" not in opened


@pytest.mark.parametrize("name", HOSTILE)
def test_render_refuses_and_leaks_nothing(hostile: Hostile, name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    with pytest.raises(InputError) as caught:
        render([hostile.inputs[name]], out, preset_from_dict(TINY))
    assert str(hostile.inputs[name]) in str(caught.value)
    assert not out.exists()
    assert files_containing(tmp_path, hostile.token) == []


@pytest.mark.parametrize(
    ("name", "forged_format"),
    [("concat-renamed.mov", "wav"), ("dash-renamed.mp4", "mov,mp4,m4a,3gp,3g2,mj2")],
)
def test_decoding_pins_the_probed_demuxer(
    hostile: Hostile, name: str, forged_format: str, tmp_path: Path
) -> None:
    # Even handed a MediaInfo that lies (as if the file changed after probing), decoding
    # forces that demuxer, which cannot read a playlist: no canary samples come back.
    path = str(hostile.inputs[name])
    info = MediaInfo(
        path, 1.0, 64, 64, 10.0, 0, True, True, audio_rate=8000, audio_channels=1,
        video_codec="h264", audio_codec="pcm_s16le", format=forged_format,
    )  # fmt: skip
    with pytest.raises(InputError):
        decode_audio(path, 8000, 1, info=info)
    with pytest.raises(InputError), open_video(path, (64, 64), 10, info=info) as frames:
        list(frames)


def test_url_like_file_names_are_plain_files(av_clip: Path, tmp_path: Path) -> None:
    # A file whose name looks like a URL or protocol is opened as that file, nothing else.
    weird = tmp_path / "http:evil.example,subfile,,start,0,end,9,,:x.mp4"
    shutil.copy(av_clip, weird)
    assert probe(weird).has_video
    for url in ("http://127.0.0.1:9/a.mp4", "data:video/mp4;base64,AAAA", "concat:a.mp4|b.mp4"):
        with pytest.raises(InputError, match="not found"):
            probe(url)


def test_no_shell_anywhere_in_the_package() -> None:
    package = Path(__file__).parent.parent / "clipforge"
    offenders = []
    for source in package.rglob("*.py"):
        text = source.read_text()
        for needle in ("shell=True", "os.system(", "os.popen(", "commands.getoutput"):
            if needle in text:
                offenders.append(f"{source}: {needle}")
    assert offenders == []
