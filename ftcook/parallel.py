"""Work on all cores with output in input order: ``ordered_map`` keeps results in order (so builds stay
byte-identical) and bounds the work in flight (so memory stays bounded)."""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def helper_processes() -> int:
    """Processes to start besides this one: one per other core, at most 7."""
    return max(0, min((os.cpu_count() or 1) - 1, 7))


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(fn, items)`` computed by ``workers`` processes (here when 0), at most ``workers + 1`` items in
    flight. ``fn`` must be a module-level function."""
    if workers <= 0:
        yield from map(fn, items)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
