"""A render's delivery, from before the first frame to the files beside the finished MP4.

`prepare_delivery` runs before any decoding: it refuses blocked text (moderation), settles the
output format (profile), and checks the side files' paths. `DeliveryPlan.finish` runs after the
MP4 is in place: it writes the thumbnail, preview and sidecar, each to a temporary name first,
and moves them beside the video together (the sidecar last), so a failure leaves none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clipforge.delivery.encoding import Encoding, plan_encoding
from clipforge.delivery.moderation import check_blocklist
from clipforge.delivery.preview import write_preview
from clipforge.delivery.sidecar import sidecar_data, write_sidecar
from clipforge.delivery.staging import Staging
from clipforge.delivery.texts import ClipText, clip_texts
from clipforge.delivery.thumbnail import write_thumbnail
from clipforge.delivery.verify import describe, h264_profile
from clipforge.errors import PresetError, Problem
from clipforge.media.probe import parse_probe
from clipforge.spec.models import Preset


@dataclass(frozen=True)
class Delivered:
    """The side files written beside a rendered MP4 (None: not asked for)."""

    thumbnail: Path | None = None
    preview: Path | None = None
    sidecar: Path | None = None


@dataclass(frozen=True)
class SidePaths:
    """Where the side files of an output go: `<stem>.jpg`, `<stem>.gif|webp`, `<stem>.json`."""

    thumbnail: Path | None
    preview: Path | None
    sidecar: Path | None

    @classmethod
    def of(cls, output: Path, spec: Preset) -> SidePaths:
        """The side files `spec.output` asks for beside `output`.

        Raises:
            PresetError: A side file would overwrite the video itself (an output named
                `clip.jpg`, say).
        """
        out = spec.output
        paths = cls(
            output.with_suffix(".jpg") if out.thumbnail is not None else None,
            output.with_suffix(f".{out.preview}") if out.preview is not None else None,
            output.with_suffix(".json") if out.sidecar else None,
        )
        for key, path in (("thumbnail", paths.thumbnail), ("preview", paths.preview),
                          ("sidecar", paths.sidecar)):  # fmt: skip
            if path is not None and path == output:
                raise PresetError(
                    Problem(
                        f"the {key} would overwrite the output video {output}; "
                        "name the output .mp4",
                        str(spec.source) if spec.source else None,
                        key=f"output.{key}",
                    )
                )
        return paths


@dataclass(frozen=True)
class DeliveryPlan:
    """What `prepare_delivery` settled: the output format, the on-screen text, the side files."""

    spec: Preset
    output: Path
    encoding: Encoding
    texts: tuple[ClipText, ...]
    paths: SidePaths

    def finish(self) -> Delivered:
        """Write the side files of the finished `output` (call only after the MP4 succeeded).

        Raises:
            RenderError: A side file could not be made (none of them is left behind; the MP4
                stays, it is complete).
        """
        paths = self.paths
        if paths == SidePaths(None, None, None):
            return Delivered()
        # Our own output: one `ffmpeg -i` gives both the stream facts and the H.264 profile.
        description = describe(self.output)
        info = parse_probe(str(self.output), description)
        out = self.spec.output
        with Staging() as staging:
            if paths.thumbnail is not None and out.thumbnail is not None:
                write_thumbnail(self.output, staging.path_for(paths.thumbnail), out.thumbnail, info)
            if paths.preview is not None and out.preview is not None:
                write_preview(self.output, staging.path_for(paths.preview), out.preview, info)
            if paths.sidecar is not None:
                data = sidecar_data(
                    self.output,
                    info,
                    preset=self.spec.name,
                    variables=self.spec.variables,
                    texts=[t.text for t in self.texts],
                    profile=self.encoding.profile.name if self.encoding.profile else None,
                    h264_profile=h264_profile(description),
                    thumbnail=paths.thumbnail,
                    preview=paths.preview,
                )
                write_sidecar(staging.path_for(paths.sidecar), data)
            staging.commit()
        return Delivered(paths.thumbnail, paths.preview, paths.sidecar)


def prepare_delivery(
    spec: Preset,
    output: str | Path,
    roots: Sequence[Path] = (),
    *,
    profile: str | None = None,
    draft: bool = False,
    draft_scale: float = 0.5,
    draft_preset: str = "ultrafast",
) -> DeliveryPlan:
    """Everything about delivery that must be settled before the first frame is decoded.

    Args:
        spec: The validated preset, placeholders filled.
        output: The MP4 the render writes.
        roots: Asset roots after the preset's folder (for captions files).
        profile: An output profile name over the preset's `output.profile`.
        draft: Whether the render is a draft (half size, fastest encoder).
        draft_scale: Size factor of a draft.
        draft_preset: x264 preset of a draft.

    Raises:
        ModerationError: The on-screen text contains a blocked term (exit code 2).
        PresetError: An unknown profile, or a side file that would overwrite the output.
        InputError: A captions file cannot be read.
    """
    texts = tuple(clip_texts(spec, roots))
    check_blocklist(spec, texts)
    encoding = plan_encoding(
        spec, profile, draft=draft, draft_scale=draft_scale, draft_preset=draft_preset
    )
    path = Path(output)
    return DeliveryPlan(spec, path, encoding, texts, SidePaths.of(path, spec))
