"""The moderation blocklist: refuse a job whose on-screen text contains a blocked term.

Matching is meant to catch what a viewer reads, not byte sequences:

- Unicode-normalized: both sides go through NFKC (full-width `ｓｐａｍ`, ligatures and composed vs.
  decomposed accents read the same) and case folding (`SPAM`, `Spam`, `ſpam`; `STRASSE`
  matches `straße`); invisible format characters (zero-width spaces and joiners, soft hyphens)
  are dropped, so `sp<U+200B>am` (a zero-width space inside) cannot slip through.
- On word boundaries: `spam` matches `Spam!` and `#spam` but not `spammer` or `antispam`; a
  term of several words matches across any run of white space (`buy   followers`).

Runs before any footage is decoded, so a refused job costs nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clipforge.delivery.texts import ClipText, clip_texts
from clipforge.errors import PresetError, Problem
from clipforge.spec.locations import LineMap, parse_key_path
from clipforge.spec.models import Preset

_QUOTE_CHARS = 80


class ModerationError(PresetError):
    """The job's text contains a term of `moderation.blocklist` (refused: exit code 2)."""


def normalize(text: str) -> str:
    """Text as compared by the blocklist: NFKC, case-folded, format characters removed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Case folding can produce new decomposable sequences; normalise once more.
    folded = unicodedata.normalize("NFKC", folded)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


@dataclass(frozen=True)
class Blocklist:
    """Compiled blocklist terms: one regular expression for all of them."""

    terms: dict[str, str]  # normalized, white space collapsed -> the term as written
    pattern: re.Pattern[str] | None

    @classmethod
    def compile(cls, terms: Iterable[str]) -> Blocklist:
        """Build the matcher. Terms that normalize to nothing (only spaces) are ignored."""
        by_key: dict[str, str] = {}
        for term in terms:
            words = normalize(term).split()
            if words:
                by_key.setdefault(" ".join(words), term)
        if not by_key:
            return cls({}, None)
        # Longest first, so "buy followers" wins over "buy" when both are listed.
        alternatives = sorted(by_key, key=len, reverse=True)
        body = "|".join(r"\s+".join(re.escape(w) for w in key.split()) for key in alternatives)
        return cls(by_key, re.compile(rf"(?<!\w)(?:{body})(?!\w)"))

    def find(self, text: str) -> str | None:
        """The first blocked term (as written in the blocklist) found in `text`, or None."""
        if self.pattern is None:
            return None
        match = self.pattern.search(normalize(text))
        if match is None:
            return None
        return self.terms[" ".join(match.group(0).split())]


def find_blocked(spec: Preset, texts: Sequence[ClipText]) -> list[tuple[str, ClipText]]:
    """Every (blocked term, text) pair: the first blocked term of each on-screen text."""
    blocklist = Blocklist.compile(spec.moderation.blocklist)
    if blocklist.pattern is None:
        return []
    found = []
    for item in texts:
        term = blocklist.find(item.text)
        if term is not None:
            found.append((term, item))
    return found


def check_moderation(spec: Preset, roots: Sequence[Path] = ()) -> None:
    """Refuse the job if any on-screen text contains a blocked term.

    Args:
        spec: The validated preset, placeholders filled with the job's variables.
        roots: Asset roots after the preset's folder (captions files are read from them).

    Raises:
        ModerationError: See `check_blocklist`.
        InputError: A captions file cannot be read.
    """
    if spec.moderation.blocklist:
        check_blocklist(spec, clip_texts(spec, roots))


def check_blocklist(spec: Preset, texts: Sequence[ClipText]) -> None:
    """Refuse the job if one of `texts` contains a term of `spec.moderation.blocklist`.

    Raises:
        ModerationError: One problem per offending text, naming the term, the text layer
            (key and, for presets from a file, its line) and for captions the cue's line.
    """
    blocked = find_blocked(spec, texts)
    if not blocked:
        return
    lines = spec._lines if isinstance(spec._lines, LineMap) else None
    file = str(spec.source) if spec.source is not None else None
    problems = []
    for term, item in blocked:
        line = column = None
        where = file
        if lines is not None:
            mark = lines.find(parse_key_path(item.key))
            line, column, where = mark.line, mark.column, mark.file or file
        quoted = item.text if len(item.text) <= _QUOTE_CHARS else item.text[:_QUOTE_CHARS] + "..."
        cue = f" ({item.where})" if item.where else ""
        message = (
            f"refused by moderation.blocklist: blocked term '{term}' in text layer "
            f"{item.layer}{cue}: {quoted!r}"
        )
        problems.append(Problem(message, where, line, column, item.key))
    raise ModerationError(problems)
