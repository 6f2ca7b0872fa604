"""``ftcook keys``: API keys of the backends that declare them (``Backend.keys``)."""

from __future__ import annotations

import click


@click.group()
def keys():
    """API keys for remote backends, stored with mode 0600 in FTCOOK_HOME and never printed."""


@keys.command("set")
@click.argument("name")
@click.option("--key", prompt=True, hide_input=True, help="The key (asked for, hidden, when not given).")
def keys_set(name, key):
    """Store the API key NAME ('ftcook keys list' shows the names backends use, e.g. openai, azure)."""
    from ..keys import set_key

    path = set_key(name, key)
    click.echo(f"Stored the {name} key in {path} (mode 0600). An environment variable still wins.")


@keys.command("list")
def keys_list():
    """Which keys are set and where they come from (only their last 4 characters)."""
    from ..keys import describe

    for name, where, tail in describe():
        click.echo(f"{name:<8} {where} {tail}".rstrip())


@keys.command("remove")
@click.argument("name")
def keys_remove(name):
    """Forget the stored key NAME."""
    from ..keys import remove_key

    click.echo(f"Removed the {name} key." if remove_key(name) else f"No stored {name} key.")


COMMANDS = (keys,)
