"""The ``ftcook`` command line: the root group, how errors and outcomes end a command (one place, one exit code
each), and the commands of plugins. The commands live in ``ftcook.commands``, one module per group; plugin
commands (the ``register_commands`` hook) are added when this module is imported, so tests, ``CliRunner`` and
docs/cli.md see them too."""

from __future__ import annotations

import shlex

import click

from . import __version__
from .commands import COMMANDS
from .commands.common import console  # noqa: F401 - the console commands print with
from .errors import FtcookError, PluginError, Stopped


class CommandError(click.ClickException):
    """A ``FtcookError`` as click shows it: ``Error: <message>`` and the error's exit code."""

    def __init__(self, error: FtcookError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class Group(click.Group):
    """Turns what a command raises into a message and an exit code: errors ``Error: ...`` (their own code), a
    training run that stopped early its one line (``Interrupted`` 130, ``Cancelled`` 1, ``Detached`` 0), Ctrl-C
    anywhere else one line naming the command to run again, and 130. No traceback reaches a user."""

    def parse_args(self, ctx, args):
        ctx.meta["ftcook.argv"] = list(args)  # before click consumes them: the command to run again
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Stopped as stopped:
            click.echo(str(stopped))
            ctx.exit(stopped.exit_code)
        except FtcookError as error:
            raise CommandError(error) from None
        except KeyboardInterrupt:
            again = shlex.join(["ftcook", *ctx.meta.get("ftcook.argv", [])])
            click.echo(f"Interrupted (Ctrl-C); nothing more was done. Run '{again}' again to start over.", err=True)
            ctx.exit(130)


@click.group(cls=Group, invoke_without_command=True)
@click.version_option(__version__, prog_name="ftcook")
@click.pass_context
def cli(ctx):
    """ftcook - a fine-tuning cookbook: turn your data into a checked dataset, train, and use the model.

    New here? 'ftcook quickstart' builds a dataset from a bundled sample, trains a small model on this machine and
    shows it before and after (offline, a few minutes). 'ftcook start' (or 'ftcook' alone in a terminal) asks what
    the model should learn and builds your dataset step by step; 'ftcook recipes' lists the recipes.
    """
    if ctx.invoked_subcommand is None:
        from .commands.start import in_terminal, start

        if in_terminal():
            ctx.invoke(start)
        click.echo(ctx.get_help())
        ctx.exit(2)


def _add_commands(group: click.Group) -> None:
    """The built-in commands, then the plugins'. A plugin that fails to load is reported by every command that
    uses plugins (with the plugin's name), so ``ftcook --help`` still works."""
    for command in COMMANDS:
        group.add_command(command)
    from .plugins import register_commands

    try:
        register_commands(group)
    except PluginError as error:
        group.add_command(_broken_plugins(error))


def _broken_plugins(error: PluginError) -> click.Command:
    @click.command("plugins", help="A plugin failed to load: this command says which and why.")
    def plugins():
        raise error

    return plugins


_add_commands(cli)


def main():  # pragma: no cover - the console script
    cli()
