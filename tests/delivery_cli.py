"""Run the `clipforge` command line in-process (no interpreter start-up) for the delivery tests."""

from __future__ import annotations

from click.testing import CliRunner, Result

import clipforge.cli as cli_module


def run_cli(*args: str) -> Result:
    """`clipforge ARGS...` through click's runner: exit code, stdout and stderr apart.

    The allocator tuning of `main` is process-wide, so it is left out of the test process.
    """
    tune = cli_module.tune_allocator
    cli_module.tune_allocator = lambda: True
    try:
        return CliRunner().invoke(cli_module.main, list(args))
    finally:
        cli_module.tune_allocator = tune
