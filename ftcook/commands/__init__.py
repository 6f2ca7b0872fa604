"""ftcook's click commands, one module per command group. Each command parses its options, calls one library
function and prints; the work is in the library (``ftcook.pipeline``, ``ftcook.check``, ``ftcook.runner``...).

- ``check``: check
- ``data``: build, recipes, templates, samples, new-recipe
- ``training``: train, backends, jobs, models, quickstart
- ``use``: ask, compare, eval, serve, export
- ``keys``: keys
- ``report``: report
- ``start``: start (and bare ``ftcook`` in a terminal)

A command's module is imported when the command is used (``ftcook check`` does not load the training or build
stack: a command starts in a fraction of the time); ``MODULES`` says where each one is.
"""

from __future__ import annotations

import importlib

import click

#: command name -> the module of this package that defines it, in the order of the list above
MODULES = {
    "check": "check",
    **dict.fromkeys(("build", "recipes", "templates", "samples", "new-recipe"), "data"),
    **dict.fromkeys(("train", "backends", "jobs", "models", "quickstart"), "training"),
    **dict.fromkeys(("ask", "compare", "eval", "serve", "export"), "use"),
    "keys": "keys", "report": "report", "start": "start",
}


def load(name: str) -> click.Command:
    """The built-in command ``name`` (a key of ``MODULES``), importing its module."""
    module = importlib.import_module(f"{__name__}.{MODULES[name]}")
    return next(command for command in module.COMMANDS if command.name == name)
