"""Chunks of text within a token budget, cut only between paragraphs or, inside a paragraph longer than the
budget, between sentences - never inside a sentence or a character.

Token counts: each paragraph is counted once with the separator that follows it. tiktoken's pre-tokenizer
never merges across a line break followed by a new paragraph's first character, so a chunk's tokens are the
sum of its paragraphs' counts (at most: the last separator is not written). Chunks built from sentences are
counted again whole, because sentence joins can merge tokens (CJK punctuation attaches to the next word).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .extract import Paragraph
from .segment import sentences

SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Chunk:
    place: str  # where its first paragraph is
    text: str
    tokens: int  # at most this many tokens (exact for chunks cut from one long paragraph)
    chars: int


@dataclass(frozen=True)
class Oversize:
    """A sentence longer than the whole budget: it cannot be used without cutting it."""

    place: str
    text: str
    tokens: int


def chunk_paragraphs(paragraphs: Iterable[Paragraph], count: Callable[[str], int],
                     budget: int) -> Iterator[Chunk | Oversize]:
    """Pack consecutive paragraphs into chunks of at most ``budget`` tokens, in order; a chapter heading starts a
    new chunk."""
    texts: list[str] = []
    tokens = 0
    place = ""
    for paragraph in paragraphs:
        n = count(paragraph.text + SEPARATOR)
        if texts and (tokens + n > budget or paragraph.heading):  # a heading starts a chunk, never ends one
            yield _chunk(place, texts, tokens)
            texts, tokens = [], 0
        if n > budget:
            yield from split_paragraph(paragraph, count, budget)
            continue
        if not texts:
            place = paragraph.place
        texts.append(paragraph.text)
        tokens += n
    if texts:
        yield _chunk(place, texts, tokens)


def _chunk(place: str, texts: list[str], tokens: int) -> Chunk:
    text = SEPARATOR.join(texts)
    return Chunk(place, text, tokens, len(text))


def split_paragraph(paragraph: Paragraph, count: Callable[[str], int], budget: int) -> Iterator[Chunk | Oversize]:
    """One long paragraph as chunks of whole sentences; a sentence over the budget on its own is ``Oversize``."""
    pending: list[str] = []
    total, first = 0, 1
    for number, sentence in enumerate(sentences(paragraph.text), 1):
        n = count(sentence)
        if n > budget:
            yield from _flush(f"{paragraph.place}, sentence {first}", pending, count, budget)
            pending, total = [], 0
            yield Oversize(f"{paragraph.place}, sentence {number}", sentence.strip(), n)
            continue
        if pending and total + n > budget:
            yield from _flush(f"{paragraph.place}, sentence {first}", pending, count, budget)
            pending, total = [], 0
        if not pending:
            first = number
        pending.append(sentence)
        total += n
    yield from _flush(f"{paragraph.place}, sentence {first}", pending, count, budget)


def _flush(place: str, pending: list[str], count, budget) -> Iterator[Chunk]:
    """The sentences as one chunk, counted whole; in the rare case that joining them added tokens past the
    budget, the last sentence starts a chunk of its own."""
    if not pending:
        return
    text = "".join(pending).strip()
    n = count(text)
    if n <= budget or len(pending) == 1:
        yield Chunk(place, text, n, len(text))
        return
    yield from _flush(place, pending[:-1], count, budget)
    yield from _flush(place, pending[-1:], count, budget)


def tail(text: str, count: Callable[[str], int], budget: int) -> str:
    """The end of ``text`` within ``budget`` tokens, cut only between sentences (whole last paragraphs where they
    fit; the last sentence alone when even it is over the budget).

    >>> tail("First paragraph here.\\n\\nSecond one. It ends here.", lambda t: len(t.split()), 5)
    'Second one. It ends here.'
    >>> tail("One. Two three four. Five six.", lambda t: len(t.split()), 2)
    'Five six.'
    """
    if count(text) <= budget:
        return text
    paragraphs = text.split(SEPARATOR)
    kept: list[str] = []
    while paragraphs and count(SEPARATOR.join([paragraphs[-1], *kept])) <= budget:
        kept.insert(0, paragraphs.pop())
    if kept or not paragraphs:
        return SEPARATOR.join(kept)
    parts = sentences(paragraphs[-1])
    out = parts.pop().strip()
    while parts and count(parts[-1] + out) <= budget:
        out = parts.pop() + out
    return out.strip()
