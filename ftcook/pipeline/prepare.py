"""The stages of one item that need nothing from the items before it: render (the templates), normalise, filter,
and the fingerprint the duplicate search compares (a hash and a MinHash signature).

A large build runs them in helper processes, in order, while this process reads the sources (the recipe), searches
duplicates, redacts, fits to the token budget and writes; a small build, or ``--jobs 1``, runs them here. Both run
the same functions on the same items, so the files are byte-identical either way.
"""

from __future__ import annotations

from itertools import chain, islice
from typing import Iterable, Iterator, NamedTuple

from ..example import Example
from ..parallel import free_helpers, ordered_map
from ..render import Renderer
from ..tokens import SpecialTokens
from .dedupe import Fingerprint, fingerprint
from .filters import reject
from .ledger import Skip
from .normalise import normalise_example

#: items a build reads before it starts helper processes: a smaller build is done here (starting helpers, and
#: their imports, cost more than they save on it)
PARALLEL_FROM = 500
BATCH_ITEMS = 64  # items sent to a helper at once


class Prepared(NamedTuple):
    example: Example
    problem: tuple[str, str] | None  # (reason, detail) when the filter refused the example
    fingerprint: Fingerprint | None  # None when it was refused


class Preparer:
    """``preparer(item)``: a record → ``Prepared``; a ``Skip`` passes as it is. Sent to helper processes without
    its renderer: each builds its own once, from the recipe's name and inline templates."""

    def __init__(self, recipe: str, inline: dict[str, str], min_chars: int, special_tokens: SpecialTokens,
                 threshold: float | None, renderer: Renderer | None = None):
        self.recipe, self.inline, self.min_chars = recipe, dict(inline or {}), min_chars
        self.special_tokens, self.threshold = special_tokens, threshold
        self._renderer = renderer

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
        return Prepared(example, problem, None if problem else fingerprint(example, self.threshold))

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_renderer": None}


def prepare_all(preparer: Preparer, items: Iterable[dict | Skip], jobs: int | None = None
                ) -> Iterator[Prepared | Skip]:
    """``map(preparer, items)``, in order: here for the first ``PARALLEL_FROM`` items, then, when more come and
    ``jobs`` (processes, this one included; default one per core that the recipe's own helpers leave free)
    allows, in helper processes."""
    items = iter(items)
    yield from map(preparer, islice(items, PARALLEL_FROM))
    workers = free_helpers() if jobs is None else jobs - 1
    if workers <= 0:
        yield from map(preparer, items)
        return
    batches = iter(lambda: list(islice(items, BATCH_ITEMS)), [])
    first = next(batches, None)
    if first is None:
        return  # a small build: no helpers started
    for batch in ordered_map(_prepare_batch, chain([first], batches), workers, setup=(_install, preparer)):
        yield from batch


_HELPER: dict[str, Preparer] = {}  # a helper process's preparer (``_install``)


def _install(preparer: Preparer) -> None:
    _HELPER["preparer"] = preparer


def _prepare_batch(batch: list[dict | Skip]) -> list[Prepared | Skip]:
    """Runs in a helper process."""
    preparer = _HELPER["preparer"]
    return [preparer(item) for item in batch]
