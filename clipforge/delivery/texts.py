"""The words a clip shows: every text layer's content and every cue of its captions files.

Moderation checks these, and the sidecar lists the hashtags and mentions found in them. Text
layers are read after `{{placeholders}}` were filled (the loader does that), so this is the text
as it appears on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clipforge.overlay.captions import read_captions
from clipforge.spec.assets import resolve_asset
from clipforge.spec.models import CaptionsLayer, Preset, TextLayer


@dataclass(frozen=True)
class ClipText:
    """One piece of on-screen text.

    Attributes:
        key: The preset key it comes from, e.g. `text[0].content` or `text[1].captions`.
        text: The text as drawn.
        where: For a caption cue, the file and line of the cue (None for a text layer).
    """

    key: str
    text: str
    where: str | None = None

    @property
    def layer(self) -> str:
        """`text[0]`: the text layer this belongs to."""
        return self.key.rsplit(".", 1)[0]


def clip_texts(spec: Preset, roots: Sequence[Path] = ()) -> list[ClipText]:
    """All on-screen text of a preset, in layer order (caption cues in file order).

    Args:
        spec: The validated preset (placeholders already filled).
        roots: Asset roots after the preset's folder, where captions files are looked up.

    Raises:
        InputError: A captions file cannot be found or read (names the file and key).
    """
    found: list[ClipText] = []
    for index, layer in enumerate(spec.text):
        if isinstance(layer, TextLayer):
            found.append(ClipText(f"text[{index}].content", layer.content))
        elif isinstance(layer, CaptionsLayer):
            key = f"text[{index}].captions"
            path = resolve_asset(layer.captions, spec.source_dir, roots)
            found.extend(
                ClipText(key, cue.text, f"{path.name} line {cue.line}")
                for cue in read_captions(path, key)
            )
    return found
