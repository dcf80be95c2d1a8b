"""Hashtags and @mentions in a clip's text, the way the short-video apps recognise them.

A hashtag is `#` followed by letters, digits or underscores (any script) with at least one
letter, not glued to a word before it (`a#b` is no tag). A mention is `@` followed by a handle
of letters, digits, underscores and inner dots (`@anna.k`), not preceded by a word character
(so an e-mail address is no mention). A trailing dot ends a sentence, not the handle.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_HASHTAG = re.compile(r"(?<![\w#@&])#(\w+)")
_MENTION = re.compile(r"(?<![\w@#])@(\w+(?:\.\w+)*)")


def _unique(items: Iterable[str]) -> list[str]:
    """First spelling of each, compared case-insensitively, in order of appearance."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def hashtags(texts: Iterable[str]) -> list[str]:
    """The distinct hashtags (with their `#`) in `texts`, in order of first appearance."""
    found = (
        f"#{m.group(1)}"
        for text in texts
        for m in _HASHTAG.finditer(unicodedata.normalize("NFC", text))
        if any(ch.isalpha() for ch in m.group(1))  # "#1" is a number, not a tag
    )
    return _unique(found)


def mentions(texts: Iterable[str]) -> list[str]:
    """The distinct @mentions (with their `@`) in `texts`, in order of first appearance."""
    found = (
        f"@{m.group(1)}"
        for text in texts
        for m in _MENTION.finditer(unicodedata.normalize("NFC", text))
    )
    return _unique(found)
