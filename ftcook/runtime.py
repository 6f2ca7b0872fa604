"""How the process of a long data command runs (``ftcook build``, ``ftcook check``): its garbage collector, and
how it ends.

CPython's cyclic garbage collector looks at the youngest objects every 700 allocations (less frees) of
containers, and now and then at all of them. A build allocates millions of short-lived containers (parsed
messages, records, examples), nearly all freed by reference counting the moment they are done with, so those
passes find next to nothing; on an email build they cost about 4 % of the CPU time. ``for_batch_work`` makes
them rarer and leaves what is loaded before the work starts (the command's modules and their tables) out of
every pass, as long-running Python tools do (the same two settings: ``gc.freeze`` and a larger first threshold).
Reference cycles are still collected, later; helper processes forked afterwards inherit the settings.

Such a process also ends without tearing the interpreter down (``end``): once the command has returned, its files
are closed and its helpers joined, and clearing some 400 modules and every object one by one only delays the
shell prompt (0.04-0.07 s of an email build here). Exit handlers still run and the output is flushed; mypy ends
the same way.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import NoReturn

#: container allocations (less frees) between two passes over the youngest objects; CPython's default is 700
YOUNG_THRESHOLD = 50_000
_console = False  # this process runs the console script (``console_script``): its settings are ftcook's to make
_batch = False  # for_batch_work() was called: the console script may end with ``end``


def console_script() -> None:
    """Called by the console script: the process is ftcook's own. A command run any other way (click's test
    runner, a library call) leaves the process's settings as they are."""
    global _console
    _console = True


def for_batch_work() -> None:
    """Freeze what exists now out of later collections and collect the youngest objects every
    ``YOUNG_THRESHOLD`` allocations: for a command that runs one batch job and exits, in the console script's
    process only (``console_script``)."""
    global _batch
    if not _console:
        return
    _batch = True
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)


def may_end_fast() -> bool:
    """Whether the command that ran was a batch job (``for_batch_work``) and nothing else runs in this process."""
    return _batch and threading.active_count() == 1


def end(code) -> NoReturn:
    """Exit with ``code`` (``SystemExit``'s: None, a number or a message) as Python would, less the interpreter's
    teardown: exit handlers run, standard output and error are flushed, then the process ends."""
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's own; without it, the usual exit
    if run_exit_handlers is None:
        raise SystemExit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    run_exit_handlers()  # what Python runs at exit (multiprocessing's clean-up among them), then no teardown
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    os._exit(code)
