"""The `clipforge` command line: parse, call the library, print. No logic of its own.

Each command imports what it uses when it runs: `--help`, `probe` and the other light commands
never load the render stack (numpy, OpenCV, scipy), which takes a second or two to import.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import click

from clipforge import allocator
from clipforge.delivery.profiles import profile_names
from clipforge.errors import ClipforgeError


def _progress_bar(label: str, quiet: bool) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr driven by the library's (done, total) callback."""
    if quiet:
        return (lambda done, total: None), (lambda: None)
    from tqdm import tqdm  # here: the command line starts faster without it

    state: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(
                total=total,
                desc=label,
                unit="frame",
                file=sys.stderr,
                dynamic_ncols=True,
                leave=False,
                mininterval=0.25,  # a redraw costs ~1 ms of the render's main thread
            )
        bar.update(done - bar.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def _parse_sets(pairs: tuple[str, ...]) -> dict[str, str]:
    variables: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        variables[name.strip()] = value
    return variables


# Options that several commands share, declared once so they read and behave the same.
variables_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Fill a {{placeholder}} of the preset; repeatable.",
)
assets_option = click.option(
    "--assets",
    "asset_roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Another folder to look up the preset's assets in; repeatable.",
)
sheet_output_option = click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The contact sheet to write (PNG or JPEG).",
)


_opencv_pending = False


def tune_allocator() -> bool:
    """The process-wide allocator settings (allocator.py) for every command; OpenCV's threads
    are set by the commands that process frames (`_tune_opencv`), since importing OpenCV here
    would slow every command, `--help` and `probe` included."""
    global _opencv_pending
    _opencv_pending = True
    return allocator.tune_allocator(opencv=False)


def _tune_opencv() -> None:
    """`allocator.tune_opencv` once, if `tune_allocator` ran (tests leave both out)."""
    global _opencv_pending
    if _opencv_pending:
        _opencv_pending = False
        allocator.tune_opencv()


class _Group(click.Group):
    """Maps clipforge's own errors to their exit codes with a one-line message, no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ClipforgeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group)
@click.version_option(package_name="clipforge")
def main() -> None:
    """clipforge: finished short vertical clips from captured footage."""
    tune_allocator()


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The MP4 to write."
)
@click.option(
    "-p",
    "--preset",
    default="default",
    show_default=True,
    help="A catalog preset name (see `clipforge presets list`) or a preset file.",
)
@click.option("--music", type=click.Path(dir_okay=False), help="Music to mix under the clip.")
@variables_option
@click.option("--draft", is_flag=True, help="Half size and a faster encoder, for previews.")
@assets_option
@click.option(
    "--profile",
    type=click.Choice(profile_names()),
    help="Output profile: size, fps and bitrate caps (over the preset's output.profile).",
)
@click.option("--verify", is_flag=True, help="Decode the result and check it plays everywhere.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def render(inputs, output, preset, music, sets, draft, asset_roots, profile, verify, quiet) -> None:
    """Render INPUTS (videos, images, image folders or quoted patterns such as "shots/*.png",
    in order) through a preset into an MP4."""
    _tune_opencv()
    from clipforge.render import render as render_clip

    update, close = _progress_bar("rendering", quiet)
    try:
        result = render_clip(
            list(inputs),
            output,
            preset,
            variables=_parse_sets(sets),
            music=music,
            draft=draft,
            asset_roots=asset_roots,
            progress=update,
            profile=profile,
            verify=verify,
        )
    finally:
        close()
    click.echo(
        f"wrote {result.output} ({result.duration:.2f} s, "
        f"{result.size[0]}x{result.size[1]}, {result.fps:g} fps)"
    )
    for side in (result.delivered.thumbnail, result.delivered.preview, result.delivered.sidecar):
        if side is not None:
            click.echo(f"wrote {side}")
    if result.report is not None:
        click.echo(result.report.text())


@main.command()
@click.option(
    "-o", "--output", default="out/demo.mp4", show_default=True, type=click.Path(dir_okay=False)
)
@click.option("--draft", is_flag=True, help="Half size and a faster encoder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def demo(output, draft, quiet) -> None:
    """Render the demo clip from the project's own footage, stickers and music."""
    _tune_opencv()
    from clipforge.demo import render_demo

    update, close = _progress_bar("demo", quiet)
    try:
        result = render_demo(output, draft=draft, progress=update)
    finally:
        close()
    click.echo(f"wrote {Path(result.output).resolve()} ({result.duration:.2f} s)")


@main.group()
def presets() -> None:
    """The preset catalog."""


@presets.command("list")
def presets_list() -> None:
    """Names and descriptions of the catalog presets."""
    from clipforge.spec import catalog

    entries = catalog()
    width = max((len(name) for name, _ in entries), default=0)
    for name, description in entries:
        click.echo(f"{name.ljust(width)}  {description}")


@presets.command("show")
@click.argument("preset")
@variables_option
def presets_show(preset, sets) -> None:
    """Print PRESET (name or file) resolved: extends merged, variables filled, defaults shown."""
    from clipforge.spec import load_preset
    from clipforge.spec.export import preset_yaml

    click.echo(preset_yaml(load_preset(preset, variables=_parse_sets(sets))), nl=False)


@presets.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@assets_option
def presets_validate(paths, asset_roots) -> None:
    """Check preset files (schema, features, assets); exit 2 if any has a problem."""
    from clipforge.errors import PresetError
    from clipforge.spec.validate import validate_preset

    failed = 0
    for path in paths:
        try:
            validate_preset(path, roots=[Path(r) for r in asset_roots])
            click.echo(f"ok    {path}")
        except PresetError as exc:
            failed += 1
            click.echo(f"FAIL  {path}", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
    click.echo(f"{len(paths) - failed} valid, {failed} invalid")
    if failed:
        sys.exit(2)


@presets.command("schema")
def presets_schema() -> None:
    """Print the JSON Schema of the preset format (for editors' YAML support)."""
    from clipforge.spec import preset_json_schema

    click.echo(json.dumps(preset_json_schema(), indent=2))


@presets.command("sheet")
@sheet_output_option
@click.option(
    "--at",
    "at",
    default=2.5,
    show_default=True,
    type=float,
    help="The time of each preset's still, in seconds.",
)
def presets_sheet(output, at) -> None:
    """One still of every catalog preset over the demo footage, as a labelled contact sheet."""
    _tune_opencv()
    from clipforge.delivery.staging import save_image
    from clipforge.preview import catalog_sheet

    save_image(catalog_sheet(at), output)
    click.echo(f"wrote {output}")


@presets.command("preview")
@click.argument("preset")
@click.option(
    "-i",
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A clip to preview over (default: the demo footage); repeatable.",
)
@sheet_output_option
@click.option("--at", "times", multiple=True, type=float, help="A time in seconds; repeatable.")
@variables_option
@click.option(
    "--profile",
    type=click.Choice(profile_names()),
    help="Output profile whose size and fps the stills take (over the preset's output.profile).",
)
@click.option(
    "--music",
    type=click.Path(dir_okay=False),
    help="The job's music, for stickers that pulse on the beat and cuts on the beat.",
)
@click.option("--watch", is_flag=True, help="Render again whenever the preset file changes.")
def presets_preview(preset, inputs, output, times, sets, profile, music, watch) -> None:
    """Stills of PRESET at several times as one labelled contact sheet."""
    _tune_opencv()
    from clipforge.delivery.staging import save_image
    from clipforge.preview import preview_sheet, watch_preset

    def make() -> None:
        sheet = preview_sheet(
            preset,
            inputs=inputs,
            times=times or None,
            variables=_parse_sets(sets),
            profile=profile,
            music=music,
        )
        save_image(sheet, output)
        click.echo(f"wrote {output}")

    if not watch:
        make()
        return
    watch_preset(preset, make, report=lambda error: click.echo(f"error: {error}", err=True))


# --- delivery (issue 10): verify ---
@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    help="The platform's length limit.",
)
@click.option(
    "--profile",
    type=click.Choice(profile_names()),
    help="Also check this output profile's size, fps and video bitrate cap.",
)
@click.pass_context
def verify(ctx: click.Context, file, max_seconds, profile) -> None:
    """Decode FILE completely and check it plays everywhere (exit 1 on a problem)."""
    from clipforge.delivery import verify_file

    report = verify_file(Path(file), max_seconds=max_seconds, profile=profile)
    click.echo(report.text())
    if not report.ok:
        ctx.exit(1)


# --- end delivery ---


# --- audio (issue 5): beats ---
@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--start",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds into the song (a preset's audio.music.start).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Length of the excerpt, looped like music under a clip [default: to the end].",
)
def beats(file, start, seconds) -> None:
    """Print the tempo and beat times of music FILE as JSON (times from --start)."""
    from clipforge.audio.beats import file_beats

    info = file_beats(Path(file), start=start, seconds=seconds)
    click.echo(json.dumps({"file": file, "start": start, **info.to_dict()}, indent=2))


# --- end audio ---


# --- filters ---


@main.group(invoke_without_command=True)
@click.pass_context
def filters(ctx: click.Context) -> None:
    """The filter set: `clipforge filters` lists every filter and its parameters."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(filters_list)


@filters.command("list")
def filters_list() -> None:
    """Every filter type with its parameters, defaults and allowed values."""
    from clipforge.filters.catalog import catalog_text

    click.echo(catalog_text())


@filters.command("sheet")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The image to write."
)
@click.option(
    "--input",
    "source",
    type=click.Path(dir_okay=False),
    help="A video or image to take the frame from (default: the built-in sample).",
)
@click.option("--at", default=0.0, show_default=True, type=float, help="Seconds into --input.")
def filters_sheet(output, source, at) -> None:
    """One frame through every filter and shipped look, as a labelled contact sheet."""
    _tune_opencv()
    from clipforge.filters.sheet import write_contact_sheet

    click.echo(f"wrote {write_contact_sheet(output, source, at)}")


# --- end filters ---


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def probe(file) -> None:
    """Print what FILE holds (duration, size, fps, rotation, audio) as JSON."""
    from clipforge.media.probe import probe as probe_file

    info = probe_file(Path(file))
    click.echo(json.dumps(asdict(info), default=str, indent=2))


# --- batch (issue 8) ---
@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--workers", type=click.IntRange(min=1), help="Jobs at once [default: half the cores]."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds per attempt; a job still running is killed with its ffmpeg processes.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Retries after a crash, a timeout or an encoder failure (never for bad input).",
)
@click.option("--report", type=click.Path(dir_okay=False), help="Write a JSON report there.")
@click.option("--force", is_flag=True, help="Render every job, even those up to date.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Render on this Dask cluster.")
@click.option("--draft", is_flag=True, help="Half size and a faster encoder, for every job.")
@assets_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or status lines.")
@click.pass_context
def batch(
    ctx, file, workers, timeout, retries, report, force, scheduler, draft, asset_roots, quiet
):
    """Render every job of the batch FILE (YAML, JSON, JSON Lines or CSV).

    Jobs whose output is up to date are skipped; exit 1 if a job failed, 2 if FILE was
    refused, 130 on Ctrl-C (finished outputs are kept).
    """
    _tune_opencv()
    from clipforge.batch import BatchInterrupted, run_batch
    from clipforge.batch.display import BatchProgress

    display = BatchProgress(quiet)
    try:
        result = run_batch(
            file,
            workers=workers,
            scheduler=scheduler,
            progress=display,
            force=force,
            draft=draft,
            timeout=timeout,
            retries=retries,
            asset_roots=asset_roots,
            report=report,
        )
    except BatchInterrupted as exc:
        display.close()
        click.echo(exc.report.summary())
        click.echo("interrupted: running jobs stopped, finished outputs kept", err=True)
        ctx.exit(130)
    display.close()
    click.echo(result.summary())
    if report:
        click.echo(f"wrote {report}")
    ctx.exit(result.exit_code)


# --- end batch ---


# --- capture (issue 6) ---
@main.command()
@click.option(
    "--device",
    default="0",
    show_default=True,
    help="Camera index, device path (/dev/video0), or a video file standing in for a camera.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Time budget of all takes together [default: the preset's limit.max_seconds].",
)
@click.option(
    "--takes", type=click.IntRange(min=1), default=1, show_default=True, help="How many takes."
)
@click.option(
    "--take-seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Longest single take [default: the rest of the budget].",
)
@click.option(
    "--countdown",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Seconds counted down before each take.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Take file; several takes: NAME-1.mp4, NAME-2.mp4 (or put {n} in the name).",
)
@click.option(
    "-p",
    "--preset",
    default="default",
    show_default=True,
    help="Preset whose limit.max_seconds caps the takes (and that --render uses).",
)
@click.option(
    "--render",
    "clip",
    type=click.Path(dir_okay=False),
    help="Also render the takes, in order, through the preset into this MP4.",
)
def capture(device, seconds, takes, take_seconds, countdown, output, preset, clip) -> None:
    """Record takes from a camera (countdown and progress on stderr; Enter ends a take)."""
    import threading

    _tune_opencv()
    from clipforge.capture import parse_device, record_takes, stop_on_enter
    from clipforge.render import render as render_clip
    from clipforge.render import resolve_preset

    spec = resolve_preset(preset)
    limit = float(spec.limit.max_seconds)
    stop = threading.Event()
    if stop_on_enter(stop):
        click.echo("press Enter to end a take early", err=True)
    paths = record_takes(
        parse_device(device),
        limit if seconds is None else seconds,
        takes,
        output=output,
        countdown=countdown,
        max_seconds=limit,
        take_seconds=take_seconds,
        stop=stop,
    )
    for path in paths:
        click.echo(f"wrote {path}")
    if clip:
        result = render_clip(paths, clip, spec)
        click.echo(f"wrote {result.output} ({result.duration:.2f} s)")


# --- end capture ---


if __name__ == "__main__":  # pragma: no cover
    main()
