"""Timed captions from SRT and WebVTT: parsed strictly, one styled text layer per cue."""

from __future__ import annotations

import numpy as np
import pytest

import clipforge
from clipforge.errors import InputError
from clipforge.geometry import Geometry
from clipforge.overlay import build
from clipforge.overlay.build import build_overlays
from clipforge.overlay.captions import parse_captions, read_captions
from clipforge.spec import preset_from_dict
from tests.gen import frame_at, make_video

SRT = """1
00:00:00,500 --> 00:00:01,250
Hallo <i>Welt</i>,
grüß dich!

2
00:00:01,400 --> 00:00:02,000
{\\an8}Zweiter &amp; letzter
"""

VTT = """WEBVTT - talk captions
Kind: captions

NOTE written by hand
with a second line

STYLE
::cue { color: yellow }

intro
00:00.500 --> 00:01.250 align:start position:10%
<v Anna>Hallo</v> <c.loud>Welt</c>

00:00:01.400 --> 00:00:02.000
Zweiter<00:00:01.700> &lt;Teil&gt;
"""


def test_srt_cues_times_and_plain_text():
    cues = parse_captions(SRT)
    assert [(c.start, c.end, c.line) for c in cues] == [(0.5, 1.25, 2), (1.4, 2.0, 7)]
    assert cues[0].text == "Hallo Welt,\ngrüß dich!"
    assert cues[1].text == "Zweiter & letzter"


def test_vtt_cues_skip_header_notes_and_styles():
    cues = parse_captions(VTT)
    assert [(c.start, c.end, c.line) for c in cues] == [(0.5, 1.25, 11), (1.4, 2.0, 14)]
    assert [c.text for c in cues] == ["Hallo Welt", "Zweiter <Teil>"]


def test_windows_line_ends_bom_and_cp1252(tmp_path):
    path = tmp_path / "win.srt"
    path.write_bytes("\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nGrüße\r\n".encode("utf-8"))
    assert [c.text for c in read_captions(path)] == ["Grüße"]
    path.write_bytes("1\r\n00:00:01,000 --> 00:00:02,000\r\nGrüße\r\n".encode("cp1252"))
    assert [c.text for c in read_captions(path)] == ["Grüße"]


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nx\n",
            6,
            "expected a cue timing",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:3,000 --> 00:00:04\nx\n",
            6,
            "malformed cue timing",
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\nok\n\nnot a cue\n", 5, "expected a cue number"),
        ("1\n00:00:05,000 --> 00:00:02,000\nx\n", 2, "before or when it starts"),
        ("1\n00:01:61,000 --> 00:01:62,000\nx\n", 2, "up to 59"),
    ],
)
def test_malformed_cue_is_reported_with_file_key_and_line(tmp_path, text, line, what):
    path = tmp_path / "subs.srt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_captions(path, "text[0].captions")
    message = str(info.value)
    assert message.startswith(f"{path}: text[0].captions: line {line}: "), message
    assert what in message


def test_cue_without_text_is_skipped():
    text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:02,000 --> 00:00:03,000\n"
    assert [c.text for c in parse_captions(text)] == ["ok"]


def test_vtt_file_needs_its_header(tmp_path):
    path = tmp_path / "subs.vtt"
    path.write_text("00:01.000 --> 00:02.000\nhi\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"subs\.vtt: line 1: a WebVTT file starts with"):
        read_captions(path)


def test_cues_are_shifted_by_start_cut_at_end_and_rendered_lazily(tmp_path, monkeypatch):
    (tmp_path / "talk.srt").write_text(SRT, encoding="utf-8")
    preset = preset_from_dict(
        {
            "clipforge": 1,
            "canvas": {"size": "180x320"},
            "text": [{"captions": "talk.srt", "size": 20, "start": 1.0, "end": 2.6}],
        }
    )
    rendered: list[str] = []
    real = build.render_text
    monkeypatch.setattr(
        build, "render_text", lambda text, style: rendered.append(text) or real(text, style)
    )
    overlays = build_overlays(preset, Geometry((180, 320)), [tmp_path], duration=5.0)
    cues = overlays.layers
    assert [(c.start, c.end) for c in cues] == [(1.5, 2.25), (2.4, 2.6)]
    assert "talk.srt line 2" in cues[0].name
    assert rendered == []  # nothing rendered before a cue shows
    frame = np.zeros((320, 180, 3), np.uint8)
    for n in range(90):
        overlays.draw(frame, n / 30)
    # Each cue rendered exactly once, on its first frame; nothing kept after its end.
    assert rendered == ["Hallo Welt,\ngrüß dich!", "Zweiter & letzter"]
    assert not any(c.built for c in cues)


def test_missing_glyph_in_a_cue_warns(tmp_path):
    (tmp_path / "emoji.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nok \U0001f600\n")
    preset = preset_from_dict({"clipforge": 1, "text": [{"captions": "emoji.srt"}]})
    with pytest.warns(UserWarning, match=r"text\[0\]\.captions \(emoji\.srt\).*no glyph"):
        build_overlays(preset, Geometry((1080, 1920)), [tmp_path], duration=1.0)


def test_captions_show_during_their_cues_in_the_output(tmp_path):
    clip = make_video(tmp_path / "gray.mp4", seconds=2.5, tone=None)
    (tmp_path / "talk.vtt").write_text(VTT, encoding="utf-8")
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "clipforge: 1\ncanvas: {size: 180x320, fps: 30}\n"
        "text:\n  - {captions: talk.vtt, at: ['50%', '50%'], size: 18,"
        " box: {color: '#0000ff', padding: 6, radius: 4}}\n"
    )
    out = tmp_path / "out.mp4"
    clipforge.render([clip], out, preset)

    def blue(t: float) -> int:
        frame = frame_at(out, t, (180, 320)).astype(int)
        return int(((frame[..., 2] - frame[..., 0]) > 120).sum())

    assert blue(0.3) == 0 and blue(1.3) == 0 and blue(2.2) == 0
    assert blue(0.8) > 300 and blue(1.7) > 300
