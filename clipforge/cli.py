"""The `clipforge` command line: parse, call the library, print. No logic of its own."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import click
from tqdm import tqdm

from clipforge.errors import ClipforgeError


def _progress_bar(label: str, quiet: bool) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr driven by the library's (done, total) callback."""
    if quiet:
        return (lambda done, total: None), (lambda: None)
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


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
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
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Fill a {{placeholder}} of the preset; repeatable.",
)
@click.option("--draft", is_flag=True, help="Half size and a faster encoder, for previews.")
@click.option(
    "--assets",
    "asset_roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Another folder to look up the preset's assets in; repeatable.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def render(inputs, output, preset, music, sets, draft, asset_roots, quiet) -> None:
    """Render INPUTS (videos and images, in order) through a preset into an MP4."""
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
        )
    finally:
        close()
    click.echo(
        f"wrote {result.output} ({result.duration:.2f} s, "
        f"{result.size[0]}x{result.size[1]}, {result.fps:g} fps)"
    )


@main.command()
@click.option(
    "-o", "--output", default="out/demo.mp4", show_default=True, type=click.Path(dir_okay=False)
)
@click.option("--draft", is_flag=True, help="Half size and a faster encoder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def demo(output, draft, quiet) -> None:
    """Render the demo clip from the project's own footage, stickers and music."""
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


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def probe(file) -> None:
    """Print what FILE holds (duration, size, fps, rotation, audio) as JSON."""
    from clipforge.media import probe as probe_file

    info = probe_file(Path(file))
    click.echo(json.dumps(asdict(info), default=str, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
