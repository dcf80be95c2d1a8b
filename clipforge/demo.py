"""The demo clip: the project's own procedural footage through the `demo` preset."""

from __future__ import annotations

from pathlib import Path

from clipforge.demo_media import demo_frames, demo_sound
from clipforge.render import Progress, RenderResult, render
from clipforge.spec import load_preset
from clipforge.timeline import FrameSource

DEMO_SECONDS = 15.0


def render_demo(
    output: str | Path, *, draft: bool = False, progress: Progress | None = None
) -> RenderResult:
    """Render the 15 s demo clip to `output`; needs no user files."""
    preset = load_preset("demo")
    fps = float(preset.canvas.fps)
    footage = FrameSource(
        demo_frames(DEMO_SECONDS, preset.canvas.size, fps),
        fps=fps,
        duration=DEMO_SECONDS,
        audio=demo_sound(DEMO_SECONDS),
        name="<demo footage>",
    )
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    return render([footage], output, preset, draft=draft, progress=progress)
