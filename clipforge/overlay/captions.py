"""Timed captions from SubRip (.srt) and WebVTT (.vtt) files: a strict, small cue parser.

The subtitle libraries on PyPI (srt, pysubs2, webvtt-py) are lenient: they skip a malformed cue
or report a character offset. A caption file here comes from a preset author who needs the
line of the cue that is wrong, so this parser reads the common subset of both formats and
names the line of anything it cannot use:

- SRT: blocks separated by blank lines; an optional number line, a timing line
  `00:00:01,000 --> 00:00:02,500`, then the text lines.
- WebVTT: the `WEBVTT` header, then `NOTE`, `STYLE` and `REGION` blocks (skipped) and cues: an
  optional identifier line, a timing line `00:01.000 --> 00:02.500` (cue settings after it
  are ignored), then the text lines.

Markup in the text (`<i>`, `<b>`, `<font ...>`, `<v Name>`, `<c.class>`, inline timestamps, SRT's
`{\\an8}`) is removed and HTML entities are decoded: the layer's own style applies.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from clipforge.errors import InputError

MAX_CAPTIONS_BYTES = 5 * 2**20
MAX_CUES = 20_000

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")


@dataclass(frozen=True)
class Cue:
    """One caption: shown from `start` to `end` seconds; `line` is its timing line (1-based)."""

    start: float
    end: float
    text: str
    line: int


def read_captions(path: Path, key: str | None = None) -> list[Cue]:
    """The cues of an SRT or WebVTT file, in file order.

    Args:
        path: the captions file.
        key: the preset key it comes from (for messages), e.g. `text[1].captions`.

    Raises:
        InputError: the file cannot be read, or a cue is malformed (the message names the file,
            the key and the line).
    """
    where = f"{key}: " if key else ""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{where}cannot read captions file: {exc.strerror}", str(path)) from exc
    if len(data) > MAX_CAPTIONS_BYTES:
        raise InputError(
            f"{where}captions file is {len(data)} bytes, more than the "
            f"{MAX_CAPTIONS_BYTES} allowed",
            str(path),
        )
    text = _decode(data, path, where)
    try:
        return parse_captions(text, vtt=path.suffix.lower() == ".vtt")
    except ValueError as exc:
        raise InputError(f"{where}{exc}", str(path)) from exc


def _decode(data: bytes, path: Path, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Older SRT files are often Windows-1252 (German, French, Spanish subtitles).
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}captions file is neither UTF-8 nor Windows-1252", str(path)
        ) from exc


def parse_captions(text: str, vtt: bool = False) -> list[Cue]:
    """Cues from the text of an SRT file, or a WebVTT file (`vtt`, or a `WEBVTT` first line).

    Raises:
        ValueError: `line N: ...` for the first malformed cue.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    is_vtt = bool(lines) and re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]) is not None
    if vtt and not is_vtt:
        raise ValueError("line 1: a WebVTT file starts with 'WEBVTT'")
    cues: list[Cue] = []
    for first, block in _blocks(lines, skip_header=is_vtt):
        if is_vtt and re.match(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)", block[0]):
            continue
        cue = _cue(first, block, is_vtt)
        if cue is not None:
            cues.append(cue)
            if len(cues) > MAX_CUES:
                raise ValueError(f"line {first}: more than {MAX_CUES} cues")
    return cues


def _blocks(lines: list[str], skip_header: bool) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each run of non-blank lines."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    # WebVTT's header block (WEBVTT and any header lines up to the first blank line).
    return blocks[1:] if skip_header and blocks else blocks


def _cue(first: int, block: list[str], vtt: bool) -> Cue | None:
    timing_at = 0
    if "-->" not in block[0]:
        # SRT numbers its cues; WebVTT allows any identifier.
        if not vtt and not block[0].strip().isdigit():
            raise ValueError(
                f"line {first}: expected a cue number or a timing like "
                f"'00:00:01,000 --> 00:00:02,500', found {block[0].strip()[:60]!r}"
            )
        timing_at = 1
    if timing_at >= len(block) or "-->" not in block[timing_at]:
        found = block[timing_at].strip()[:60] if timing_at < len(block) else "the end of the cue"
        raise ValueError(
            f"line {first + timing_at}: expected a cue timing like "
            f"'00:00:01,000 --> 00:00:02,500', found {found!r}"
        )
    number = first + timing_at
    match = _TIMING.match(block[timing_at])
    if match is None:
        raise ValueError(
            f"line {number}: malformed cue timing {block[timing_at].strip()[:60]!r}; expected "
            "'HH:MM:SS,mmm --> HH:MM:SS,mmm'"
        )
    start = _seconds(match.groups()[:4], number)
    end = _seconds(match.groups()[4:], number)
    if end <= start:
        raise ValueError(
            f"line {number}: cue ends ({end:.3f} s) before or when it starts ({start:.3f} s)"
        )
    text = "\n".join(_plain(line) for line in block[timing_at + 1 :]).strip()
    return Cue(start, end, text, number) if text else None


def _seconds(parts: tuple[str | None, ...], number: int) -> float:
    hours, minutes, seconds, millis = parts
    if int(minutes or 0) > 59 or int(seconds or 0) > 59:
        raise ValueError(f"line {number}: minutes and seconds go up to 59 in a cue timing")
    # "1,5" is 500 ms: the fraction is read as a decimal fraction.
    fraction = float(f"0.{millis}")
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0) + fraction


def _plain(line: str) -> str:
    return html.unescape(_TAG.sub("", line)).strip()
