"""ftcook's click commands, one module per command group. Each command parses its options, calls one library
function and prints; the work is in the library (``ftcook.pipeline``, ``ftcook.check``, ``ftcook.runner``...).

- ``data``: check, build, recipes, templates, samples, new-recipe
- ``training``: train, backends, jobs, models, quickstart
- ``use``: ask, compare, eval
- ``keys``: keys
- ``report``: report
- ``start``: start (and bare ``ftcook`` in a terminal)
"""

from __future__ import annotations

from . import data, keys, report, start, training, use

COMMANDS = (*data.COMMANDS, *training.COMMANDS, *use.COMMANDS, *keys.COMMANDS, *report.COMMANDS, *start.COMMANDS)
