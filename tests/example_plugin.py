"""A plugin as a third-party package writes one (``[project.entry-points.ftcook] example = "example_plugin"``):
it adds a command through the ``register_commands`` hook. docs/cli.md is generated with it registered, and
tests/test_plugins.py runs it, so plugin commands are seen by CliRunner and by the CLI reference."""

from __future__ import annotations

from pathlib import Path

import click

from ftcook.plugins import hookimpl

FILES = ("train.jsonl", "valid.jsonl", "skipped.jsonl")


@click.command("example-count")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
def count(dataset):
    """(example plugin) Count the lines of a dataset folder's train, valid and skipped files."""
    for name in FILES:
        path = dataset / name
        lines = sum(1 for line in path.open(encoding="utf-8") if line.strip()) if path.is_file() else 0
        click.echo(f"{name:<14} {lines:>7,}")


@hookimpl
def register_commands(cli):
    cli.add_command(count)
