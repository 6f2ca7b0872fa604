"""What every command module uses: the console, options made from typed settings, and ``-o key=value``."""

from __future__ import annotations

import dataclasses

import click
from rich.console import Console

from ..errors import UsageError
from ..options import key_values


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def setting(settings: type, name: str, *decls: str, **kwargs):
    """A click option for field ``name`` of the settings dataclass ``settings``, with the field's default and help
    (written once, on the field). ``decls`` default to ``--name-with-dashes``."""
    field = next((f for f in dataclasses.fields(settings) if f.name == name), None)
    if field is None:
        raise AttributeError(f"{settings.__name__} has no setting {name!r}")
    default = field.default if field.default is not dataclasses.MISSING else None  # a factory: click's own
    kwargs.setdefault("default", default)
    kwargs.setdefault("show_default", default is not None and default is not False)
    kwargs.setdefault("help", field.metadata.get("help"))
    return click.option(*(decls or (f"--{name.replace('_', '-')}",)), name, **kwargs)


def plugin_options(values: tuple[str, ...]) -> dict:
    """``-o key=value`` values as a dict, a bad one as a click usage error."""
    try:
        return key_values(values)
    except UsageError as error:
        raise click.BadParameter(str(error).removeprefix("-o "), param_hint="-o") from None
