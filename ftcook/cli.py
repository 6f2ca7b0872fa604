"""The ``ftcook`` command line: the root group, how errors and outcomes end a command (one place, one exit code
each), and the commands of plugins. The commands live in ``ftcook.commands``, one module per group, imported
when a command is used; plugin commands (the ``register_commands`` hook) are added the first time the group
lists its commands or is asked for one it does not have, so ``--help``, ``CliRunner`` and docs/cli.md see them
too."""

from __future__ import annotations

import shlex

import click

from . import __version__
from .commands import MODULES, load
from .errors import FtcookError, PluginError, Stopped
from .runtime import console_script, end, for_batch_work, may_end_fast

#: commands that read and write data in one long run, then exit: their process is set for it (runtime.py)
BATCH_COMMANDS = ("build", "check")


class CommandError(click.ClickException):
    """A ``FtcookError`` as click shows it: ``Error: <message>`` and the error's exit code."""

    def __init__(self, error: FtcookError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class Group(click.Group):
    """Turns what a command raises into a message and an exit code: errors ``Error: ...`` (their own code), a
    training run that stopped early its one line (``Interrupted`` 130, ``Cancelled`` 1, ``Detached`` 0), Ctrl-C
    anywhere else one line naming the command to run again, and 130. No traceback reaches a user.

    Built-in commands are loaded when used, plugin commands when first needed (see the module's docstring). The
    batch commands (``BATCH_COMMANDS``) run with the process set for batch work (runtime.py)."""

    _plugins_added = False

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if name in BATCH_COMMANDS:
            for_batch_work()
        return name, command, rest

    def list_commands(self, ctx):
        self._add_plugin_commands()
        return sorted({*self.commands, *MODULES})

    def get_command(self, ctx, name):
        if name not in self.commands and name in MODULES:
            self.add_command(load(name))
        if name not in self.commands:
            self._add_plugin_commands()
        return self.commands.get(name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command, built-in and plugin, loaded."""
        for name in self.list_commands(None):
            self.get_command(None, name)
        return self.commands

    def _add_plugin_commands(self) -> None:
        """The plugins' commands, once; a built-in command keeps its name (whether it was loaded before the plugins
        or not). A plugin that fails to load is reported by every command that uses plugins (with the plugin's
        name), so ``ftcook --help`` still works."""
        if self._plugins_added:
            return
        self._plugins_added = True
        from .plugins import register_commands

        added = click.Group()
        try:
            register_commands(added)
        except PluginError as error:
            self.add_command(_broken_plugins(error))
        for name, command in added.commands.items():
            if name not in MODULES:
                self.add_command(command, name)

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


def _broken_plugins(error: PluginError) -> click.Command:
    @click.command("plugins", help="A plugin failed to load: this command says which and why.")
    def plugins():
        raise error

    return plugins


def main():  # pragma: no cover - the console script
    console_script()
    try:
        cli()
    except SystemExit as done:
        if not may_end_fast():
            raise
        end(done.code)
