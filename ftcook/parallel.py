"""Work on all cores with output in input order: ``ordered_map`` keeps results in order (so builds stay
byte-identical) and bounds the work in flight (so memory stays bounded).

Ctrl-C is the parent's alone: helpers ignore SIGINT, and the parent, on Ctrl-C or any error (or when its
consumer stops early), terminates them at once - no helper left blocked on a full pipe that nobody reads."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")
_NOTHING = object()  # no first item (``ordered_map``)
_busy = 0  # helpers of ``ordered_map`` calls that are running now, in this process


def helper_processes() -> int:
    """Processes to start besides this one: one per other core, at most 7."""
    return max(0, min((os.cpu_count() or 1) - 1, 7))


def free_helpers() -> int:
    """``helper_processes()`` less the helpers this process is running now: a stage that starts while a recipe's
    helpers work (the build's per-item stages inside the author recipe's chapter helpers) shares the cores
    rather than starting as many again (on 2 cores that was 10 % slower than none)."""
    return max(0, helper_processes() - _busy)


def batched(items: Iterable[T], size: Callable[[T], int], max_size: int, max_items: int | None = None
            ) -> Iterator[list[T]]:
    """``items`` in order, in lists closed once they hold ``max_size`` of ``size`` (or ``max_items`` items): the
    tasks of ``ordered_map``, each of which costs the caller a round trip through the pool, so they should not be
    small.

    >>> list(batched(["ab", "c", "def", "g"], len, 3))
    [['ab', 'c'], ['def'], ['g']]
    """
    batch, total = [], 0
    for item in items:
        batch.append(item)
        total += size(item)
        if total >= max_size or (max_items is not None and len(batch) >= max_items):
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def ignore_sigint(setup: Callable | None = None, *args) -> None:
    """A helper process's initializer: Ctrl-C is the parent's to handle (the terminal sends it to all); then
    ``setup(*args)``, when given."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if setup is not None:
        setup(*args)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int, setup: tuple = (),
                here_first: bool = False) -> Iterator[R]:
    """``map(fn, items)`` computed by ``workers`` processes (here when 0), at most ``workers + 1`` items in
    flight. ``fn`` must be a module-level function; ``setup``, ``(function, *args)``, runs once in each helper
    before its first item (state the items share, sent once rather than with every item). With ``here_first``
    this process computes the first item while the helpers start on the next ones, rather than waiting idle for
    the first result (``setup`` then runs here too)."""
    if workers <= 0:
        yield from map(fn, items)
        return
    items = iter(items)
    first = next(items, _NOTHING) if here_first else _NOTHING
    global _busy
    pool = multiprocessing.Pool(workers, initializer=ignore_sigint, initargs=tuple(setup))
    _busy += workers
    try:
        pending: deque = deque()
        if first is not _NOTHING:
            pending.extend(pool.apply_async(fn, (item,)) for item in islice(items, workers))
            if setup:
                setup[0](*setup[1:])
            yield fn(first)
        for item in items:
            pending.append(pool.apply_async(fn, (item,)))
            if len(pending) > workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()
    finally:
        _busy -= workers
        pool.terminate()  # after close(): the helpers are done; else (Ctrl-C, an error, stopped early): stop them now
        pool.join()
