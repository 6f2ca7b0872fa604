"""``ftcook start``: pick a recipe by what the model should learn, then build (and train) with printed commands."""

from __future__ import annotations

import sys

import click


def in_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@click.command()
def start():
    """Pick what the model should learn (your emails, your chats, an author's books, a language, a table), where
    the source is and the recipe's options; then preview, build and train. Each step prints the plain command it
    runs, and the end prints them all to copy and adapt. Needs a terminal. See docs/start.md."""
    from ..start import run
    from ..start.ask import TerminalAsker
    from ..start.sources import Places

    if not in_terminal():
        click.echo("ftcook start asks its questions in a terminal, and this is not one. Without it:\n"
                   "  ftcook recipes                                   # what each recipe reads\n"
                   "  ftcook build RECIPE SOURCE... --out DIR [-o KEY=VALUE...]\n"
                   "  ftcook train DIR\n"
                   "docs/start.md shows the questions and the commands they lead to.", err=True)
        sys.exit(2)
    sys.exit(run(TerminalAsker(), click.echo, Places.of_this_user(), execute))


def execute(argv: list[str]) -> int:
    """Run ``ftcook ARGV`` in this process, as the shell would run it; its exit status."""
    from ..cli import cli

    try:
        cli.main(args=argv, prog_name="ftcook", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


COMMANDS = (start,)
