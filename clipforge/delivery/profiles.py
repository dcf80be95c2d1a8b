"""Output profiles: the frame size, frame rate and bitrate caps each platform wants.

A profile is plain data (no clipforge imports), so the spec can validate `output.profile`
against the same table the renderer uses. Sizes and rates follow the platforms' published
upload recommendations for vertical 1080p at 30 fps; the caps keep a file under what a platform
would re-encode anyway, and bound the upload size of busy footage (grain, confetti) that a
constant-quality encode would otherwise let grow without limit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """One delivery target.

    Attributes:
        name: The name used with `--profile` and `output.profile`.
        size: Output (width, height) in pixels, both even.
        fps: Output frame rate.
        max_video_kbps: Peak video bitrate (x264 VBV maxrate, kbit/s).
        max_audio_kbps: Highest AAC bitrate (kbit/s); a lower `output.audio_bitrate` is kept.
        x264_preset: An x264 preset that replaces `output.preset` (None: keep the preset's).
        description: One line for `--help` and the docs.
    """

    name: str
    size: tuple[int, int]
    fps: int
    max_video_kbps: int
    max_audio_kbps: int
    x264_preset: str | None = None
    description: str = ""

    @property
    def bufsize_kbps(self) -> int:
        """VBV buffer: one second of the cap, so no one-second window exceeds it by much."""
        return self.max_video_kbps


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("tiktok", (1080, 1920), 30, 10_000, 192, description="TikTok, 1080x1920 30 fps"),
        Profile("reels", (1080, 1920), 30, 8_000, 128, description="Instagram Reels, 1080x1920"),
        Profile("shorts", (1080, 1920), 30, 12_000, 192, description="YouTube Shorts, 1080x1920"),
        Profile("square", (1080, 1080), 30, 8_000, 128, description="Square feed post, 1080x1080"),
        Profile(
            "preview",
            (540, 960),
            30,
            2_000,
            96,
            x264_preset="superfast",
            description="Quick look, 540x960, fast encode",
        ),
    )
}


def profile_names() -> list[str]:
    """The known profile names, sorted."""
    return sorted(PROFILES)


def get_profile(name: str) -> Profile:
    """The profile called `name`.

    Raises:
        KeyError: With a message listing the known names (the callers turn it into their own
            error: a preset problem, a click usage error).
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(
            f"unknown output profile '{name}'; known profiles: {', '.join(profile_names())}"
        ) from None


def parse_kbps(value: str) -> int:
    """`"128k"` -> 128."""
    return int(value.rstrip("kK"))
