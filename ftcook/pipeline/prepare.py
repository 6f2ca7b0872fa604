"""The stages of one item that need nothing from the items before it: render (the templates), normalise, filter,
the fingerprint the duplicate search compares (a hash and a MinHash signature) and, with the privacy gate on,
what it finds to redact (only numbering the placeholders depends on earlier items).

A large build runs them in helper processes, in order, while this process reads the sources (the recipe), searches
duplicates, redacts (numbering what the helpers found), fits to the token budget and writes; a small build, or
``--jobs 1``, runs them here. Both run the same functions on the same items, so the files are byte-identical
either way. Only records travel to the helpers: the recipe's skips (most of a chat build's items) wait here in
their batch, in order. When the helpers are behind, this process prepares the next batch itself rather than wait
(``ordered_map``'s ``share``): an email build waited for its one helper half of this stage on 2 cores.
"""

from __future__ import annotations

from collections import deque
from itertools import chain, islice
from typing import Callable, Iterable, Iterator, NamedTuple

from ..example import Example
from ..parallel import batched, free_helpers, ordered_map
from ..render import Renderer
from ..tokens import SpecialTokens
from .dedupe import Fingerprint, fingerprint
from .filters import reject
from .ledger import Skip
from .normalise import normalise_example
from .redact import Redactor

#: items a build reads before it starts helper processes: a smaller build is done here (starting helpers, and
#: their imports, cost more than they save on it)
PARALLEL_FROM = 500
#: a helper's batch: up to this many items or characters of text, whichever comes first. Each batch costs this
#: process a round trip through the pool, so small batches ate the gain: on 2 cores a 10 MB WhatsApp export
#: built in 9.5-10.0 s with batches of 64, 7.7-8.4 s with 1,024 (9.2-9.5 s with no helpers)
BATCH_ITEMS = 1024
BATCH_CHARS = 2_000_000
FIRST_BATCHES = (128, 256, 512)


class Prepared(NamedTuple):
    example: Example
    problem: tuple[str, str] | None  # (reason, detail) when the filter refused the example
    fingerprint: Fingerprint | None  # None when it was refused
    found: tuple | None = None  # the privacy gate's findings (``Redactor.find_all``), when it is on


class Preparer:
    """``preparer(item)``: a record → ``Prepared``; a ``Skip`` passes as it is. Sent to helper processes without
    its renderer: each builds its own once, from the recipe's name and inline templates."""

    def __init__(self, recipe: str, inline: dict[str, str], min_chars: int, special_tokens: SpecialTokens,
                 threshold: float | None, renderer: Renderer | None = None, redactor: Redactor | None = None):
        self.recipe, self.inline, self.min_chars = recipe, dict(inline or {}), min_chars
        self.special_tokens, self.threshold = special_tokens, threshold
        self._renderer, self.redactor = renderer, redactor

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.recipe, self.inline)
        return self._renderer

    def __call__(self, item: dict | Skip) -> Prepared | Skip:
        if isinstance(item, Skip):
            return item
        example = normalise_example(self.renderer.render(item))
        problem = reject(example, self.min_chars, self.special_tokens)
        if problem:
            return Prepared(example, problem, None)
        found = self.redactor.find_all(example) if self.redactor is not None else None
        return Prepared(example, None, fingerprint(example, self.threshold), found)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_renderer": None}


def prepare_all(preparer: Preparer, items: Iterable[dict | Skip], jobs: int | None = None,
                coming: Callable[[], int | None] = lambda: None) -> Iterator[Prepared | Skip]:
    """``map(preparer, items)``, in order: here for the first ``PARALLEL_FROM`` items, then, when more come and
    ``jobs`` (processes, this one included; default one per core that the recipe's own helpers leave free)
    allows, in helper processes. ``coming``: how many items there are in all, asked after the first (the
    recipe's ``items_coming``); more than ``PARALLEL_FROM``, and the helpers start at once."""
    items = iter(items)
    first = list(islice(items, 1))
    here = 1 if (coming() or 0) > PARALLEL_FROM else PARALLEL_FROM
    yield from map(preparer, chain(first, islice(items, here - 1)))
    workers = free_helpers() if jobs is None else jobs - 1
    if workers <= 0:
        yield from map(preparer, items)
        return
    batches = _batches(items)
    first = next(batches, None)
    if first is None:
        return  # a small build: no helpers started
    sent: deque[list[dict | Skip]] = deque()  # the batches in flight, whose skips stay here

    def records() -> Iterator[list[dict]]:
        for batch in chain([first], batches):
            sent.append(batch)
            yield [item for item in batch if not isinstance(item, Skip)]

    for prepared in ordered_map(_prepare_batch, records(), workers, setup=(_install, preparer), share=True):
        done = iter(prepared)
        yield from (item if isinstance(item, Skip) else next(done) for item in sent.popleft())


def _batches(items: Iterator[dict | Skip]) -> Iterator[list[dict | Skip]]:
    """``items`` in lists of at most ``BATCH_ITEMS`` items and about ``BATCH_CHARS`` characters of text; the first
    ones smaller (``FIRST_BATCHES``), so the helper does not wait for this process to gather a full one."""
    for size in FIRST_BATCHES:
        first = list(batched(islice(items, size), _chars, BATCH_CHARS, BATCH_ITEMS))
        yield from first
        if not first:
            return
    yield from batched(items, _chars, BATCH_CHARS, BATCH_ITEMS)


def _chars(item: dict | Skip) -> int:
    """The characters of a record's text values (and of the texts in its lists, such as a chat's context)."""
    if isinstance(item, Skip):
        return 0
    total = 0
    for value in item.values():
        if isinstance(value, str):
            total += len(value)
        elif isinstance(value, list):
            total += sum(len(v) if isinstance(v, str) else _chars(v) if isinstance(v, dict) else 0 for v in value)
    return total


_HELPER: dict[str, Preparer] = {}  # a helper process's preparer (``_install``)


def _install(preparer: Preparer) -> None:
    _HELPER["preparer"] = preparer


def _prepare_batch(batch: list[dict]) -> list[Prepared]:
    """Runs in a helper process, on a batch's records (its skips need nothing done: they are not sent)."""
    preparer = _HELPER["preparer"]
    return [preparer(item) for item in batch]
