"""Work on all cores with output in input order: ``ordered_map`` keeps results in order (so builds stay
byte-identical) and bounds the work in flight (so memory stays bounded).

Ctrl-C is the parent's alone: helpers ignore SIGINT, and the parent, on Ctrl-C or any error (or when its
consumer stops early), terminates them at once - no helper left blocked on a full pipe that nobody reads."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")
_NOTHING = object()  # no item left (``ordered_map``)
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
                share: bool = False) -> Iterator[R]:
    """``map(fn, items)`` computed by ``workers`` processes (here when 0), at most ``workers + 1`` items in
    flight. ``fn`` must be a module-level function; ``setup``, ``(function, *args)``, runs once in each helper
    before its first item (state the items share, sent once rather than with every item), and here when there are
    no helpers. With ``share`` this process computes items too: whenever the oldest item in flight is not back, it
    takes the next one itself rather than waiting idle (``setup`` then runs here too), at most ``workers + 1``
    more."""
    if workers <= 0:
        if setup:
            setup[0](*setup[1:])
        yield from map(fn, items)
        return
    global _busy
    pool = multiprocessing.Pool(workers, initializer=ignore_sigint, initargs=tuple(setup))
    _busy += workers
    try:
        if share and setup:
            setup[0](*setup[1:])
        yield from _in_order(fn, iter(items), pool, workers, share)
        pool.close()
    finally:
        _busy -= workers
        pool.terminate()  # after close(): the helpers are done; else (Ctrl-C, an error, stopped early): stop them now
        pool.join()


def _in_order(fn: Callable[[T], R], items: Iterator[T], pool, workers: int, share: bool) -> Iterator[R]:
    """The results of ``ordered_map``, in input order: ``workers + 1`` items in the pool, and with ``share`` up to
    as many more computed here while the oldest is not back. ``pending`` holds, in input order, the pool's
    ``AsyncResult``s and, in one-element lists, the results computed here."""
    pending: deque = deque()
    in_pool = 0
    item = next(items, _NOTHING)
    while True:
        while item is not _NOTHING and in_pool <= workers:
            pending.append(pool.apply_async(fn, (item,)))
            in_pool += 1
            item = next(items, _NOTHING)
        if not pending:
            return
        head = pending[0]
        if share and item is not _NOTHING and len(pending) <= 2 * workers + 1 and not isinstance(head, list) \
                and not head.ready():
            pending.append([fn(item)])
            item = next(items, _NOTHING)
            continue
        pending.popleft()
        if isinstance(head, list):
            yield head[0]
        else:
            in_pool -= 1
            yield head.get()
