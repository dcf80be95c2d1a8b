"""moderation.blocklist: blocked on-screen text is refused before any decoding, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import clipforge
from clipforge.delivery import Blocklist, ModerationError, normalize
from clipforge.errors import InputError
from tests.gen import make_video

PRESET = """clipforge: 1
canvas: {size: 180x320, fps: 30}
variables: {caption: "#Sommer", handle: "@anna"}
moderation:
  blocklist: [spam, "buy followers", "straße"]
text:
  - {content: "hello", size: 20}
  - {content: "{{caption}} {{handle}}", size: 20}
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clipforge", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Get SPAM now", "spam"),
        ("#spam!", "spam"),
        ("ｓｐａｍ", "spam"),  # full-width letters (NFKC)
        ("sp\u200bam", "spam"),  # a zero-width space hidden inside
        ("BUY   Followers today", "buy followers"),  # any run of white space
        ("buy\u00a0followers", "buy followers"),  # no-break space
        ("STRASSE", "straße"),  # case folding: ß folds to ss
        ("STRA\u1e9eE", "straße"),  # capital sharp s
    ],
)
def test_blocked_terms_match_normalized_and_case_insensitively(text: str, term: str) -> None:
    blocklist = Blocklist.compile(["spam", "buy followers", "straße"])
    assert blocklist.find(text) == term


@pytest.mark.parametrize("text", ["spammer", "antispam", "spam_bot", "buyfollowers", "sp am"])
def test_blocked_terms_match_only_on_word_boundaries(text: str) -> None:
    assert Blocklist.compile(["spam", "buy followers"]).find(text) is None


def test_longer_terms_win_and_decomposed_accents_match() -> None:
    blocklist = Blocklist.compile(["buy", "buy followers", "café"])
    assert blocklist.find("please buy followers") == "buy followers"
    assert blocklist.find("Cafe\u0301 noir") == "café"  # e + combining acute == é
    assert normalize("Ｃａｆé") == "café"


def write_preset(folder: Path, body: str = PRESET) -> Path:
    path = folder / "mod.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_blocked_variable_is_refused_naming_term_layer_and_line(tmp_path: Path) -> None:
    preset = write_preset(tmp_path)
    # A garbage input: were it probed or decoded first, this would be an InputError.
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video" * 100)
    out = tmp_path / "out.mp4"
    with pytest.raises(ModerationError) as info:
        clipforge.render([garbage], out, preset, variables={"caption": "Buy  FOLLOWERS"})
    (problem,) = info.value.problems
    assert problem.key == "text[1].content" and problem.line == 8
    assert "'buy followers'" in problem.message and "text[1]" in problem.message
    assert not isinstance(info.value, InputError)
    assert sorted(tmp_path.iterdir()) == sorted([preset, garbage])


def test_unblocked_text_renders(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    out = tmp_path / "ok.mp4"
    result = clipforge.render([clip], out, write_preset(tmp_path), variables={"caption": "spa"})
    assert result.frames == 15 and out.is_file()


def test_cli_refuses_a_blocked_caption_with_exit_2_and_no_output(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "in.mp4", 0.5, tone=None)
    preset = write_preset(tmp_path)
    out = tmp_path / "out" / "clip.mp4"
    out.parent.mkdir()
    result = cli(
        "render", str(clip), "-p", str(preset), "-o", str(out), "--set", "caption=#SPAM", "-q"
    )
    assert result.returncode == 2, result.stderr
    assert f"{preset}:8" in result.stderr and "'spam'" in result.stderr
    assert "text[1]" in result.stderr and "Traceback" not in result.stderr
    assert list(out.parent.iterdir()) == []


def test_caption_file_cues_are_checked(tmp_path: Path) -> None:
    (tmp_path / "talk.srt").write_text(
        "1\n00:00:00,000 --> 00:00:01,000\nhello there\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\nfree spam for all\n",
        encoding="utf-8",
    )
    preset = write_preset(
        tmp_path,
        "clipforge: 1\ncanvas: {size: 180x320}\nmoderation: {blocklist: [spam]}\n"
        "text:\n  - {captions: talk.srt, size: 20}\n",
    )
    with pytest.raises(ModerationError) as info:
        clipforge.render([tmp_path / "missing.mp4"], tmp_path / "out.mp4", preset)
    (problem,) = info.value.problems
    assert problem.key == "text[0].captions" and "talk.srt line 6" in problem.message
