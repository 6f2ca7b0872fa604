"""The ``author`` recipe: a chatbot that writes in an author's style, from their books.

EPUB 2/3 books (several at once), plain-text books (Project Gutenberg's markers honoured), HTML and Markdown.
Front and back matter (cover, title page, contents, copyright, colophon, index, "about the author", Gutenberg's
licence) is skipped with a reason. Three modes: ``continue`` (the preceding passage → the next one),
``dialogue`` (a line of the books' own dialogue → the reply to it) and ``questions`` (a question a model writes
for each passage → the passage). Every example carries its chapter as its split group, so valid.jsonl holds
whole chapters the model never saw.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, Literal

from pydantic import Field

from ftcook.books.epub import read_epub
from ftcook.books.extract import extract
from ftcook.books.matter import classify
from ftcook.books.text import text_chapters
from ftcook.parallel import batched, helper_processes, ordered_map
from ftcook.pipeline.ledger import Skip
from ftcook.plugins import hookimpl
from ftcook.recipes.base import Recipe, RecipeOptions
from ftcook.text.chunk import SEPARATOR, Oversize, chunk_paragraphs, tail
from ftcook.text.decode import Undecodable
from ftcook.text.extract import Paragraph
from ftcook.tokens import get_counter

_QUOTED = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"|«\s?([^»]{2,}?)\s?»|„([^“”]{2,})[“”]|‘([^’]{2,})’(?!\w)")
_DASH_LINE = re.compile(r"^\s*[—–]\s*(.+)$")
_LETTERS = re.compile(r"[^\W\d_]+")  # runs: one match a word rather than a letter (looks_like_prose counts them)
_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


class Author(Recipe):
    """Write like an author: passages, dialogue or questions from their books."""

    name = "author"
    inputs = (".epub", ".txt", ".md", ".html", ".htm", ".xhtml")
    min_chars = 2
    reasons = {
        "front_matter": "a cover, title page, table of contents, copyright page, dedication or other front matter",
        "back_matter": "a colophon, index, 'about the author', acknowledgements or other back matter",
        "licence": "Project Gutenberg's header, footer or licence text",
        "not_prose": "a passage that looks like a table, a list of names or other non-prose",
        "empty_document": "a document of the book with no text (an image page, a blank page)",
        "no_question": "the questions model wrote no usable question for the passage",
    }

    class Options(RecipeOptions):
        mode: Literal["continue", "dialogue", "questions"] = Field(
            "continue", description="continue: the end of the preceding passage -> the next passage; dialogue: a "
                                    "line of the books' dialogue -> the reply; questions: a model-written question "
                                    "-> the passage")
        passage_tokens: int = Field(256, ge=16, description="most tokens per passage (passages end between "
                                                           "paragraphs; a chapter shorter than two passages is "
                                                           "cut in half)")
        context_tokens: int = Field(96, ge=0, description="for mode=continue: the prompt holds the end of the "
                                                          "preceding passage, at most this many tokens (whole "
                                                          "sentences; 0: the whole passage). Training time grows "
                                                          "with it; the loss covers only the passage written")
        author: str | None = Field(None, description="the author's name for the system prompt (default: from the "
                                                     "EPUB's metadata)")
        questions_model: str = Field("local:default", description="for mode=questions: BACKEND:MODEL or a tuned "
                                                                 "model name that writes the questions")
        jobs: int | None = Field(None, ge=1, le=64, description="processes cutting a large book's chapters, this "
                                                                "one included (default: one per core, at most 8)")

    def __init__(self, options=None, **kwargs):
        super().__init__(options, **kwargs)
        self._books: list[dict] = []
        self._counts: Counter[str] = Counter()
        self._dropped: Counter[str] = Counter()
        self._question_writer = None

    def records(self, sources: list[Path]) -> Iterator[dict | Skip]:
        """Books are read here; their chapters are extracted, cut into passages and counted in helper processes
        (one per core), in order, so the files are the same as with one process. mode=questions cuts here, where
        its model writes the questions."""
        cutter = _Cutter(self.options, self.counter.encoding if self.counter is not None else None,
                         tuple(self.model.extra_special_tokens) if self.model is not None else ())
        for path in self.files(sources):
            if isinstance(path, Skip):
                yield path
                continue
            try:
                jobs = list(self._jobs(path))
            except Undecodable as error:
                yield Skip(str(path), "undecodable", detail=str(error))
                continue
            if self.options.mode == "questions":
                cutter.ask = self._question
            for batch in ordered_map(_cut, ((cutter, batch) for batch in _batches(jobs)), self._workers(jobs),
                                     share=True):
                for items, counts, dropped in batch:
                    self._counts.update(counts)
                    self._dropped.update(dropped)
                    yield from items

    def _jobs(self, path: Path) -> Iterator[tuple]:
        """A book's chapters (plain text: already cut at its headings) or documents (EPUB), one job each."""
        if path.suffix.lower() != ".epub":
            info = {"file": path.name, "title": path.stem, "author": self.options.author or "", "language": "",
                    "rights": "", "problems": []}
            self._books.append(info)
            for number, (title, paragraphs) in enumerate(text_chapters(path), 1):
                yield "text", info, f"{path.name}#{number}", title, paragraphs
            return
        book = read_epub(path)
        info = book.metadata()
        self._books.append(info)
        for index, document in enumerate(book.documents):
            yield "epub", info, path.name, index, len(book.documents), document

    def _workers(self, jobs: list[tuple]) -> int:
        """Helper processes for a book: none for a small one (starting them costs more than they save) or when a
        model writes questions; else ``jobs - 1``, by default one per other core."""
        size = sum(_size(job) for job in jobs)
        if self.options.mode == "questions" or size < PARALLEL_MIN_CHARS:
            return 0
        return helper_processes() if self.options.jobs is None else self.options.jobs - 1

    def _question(self, passage: str) -> str:
        if self._question_writer is None:
            from ftcook.recipes.author_questions import QuestionWriter

            self._question_writer = QuestionWriter(self.options.questions_model)
        return self._question_writer.ask(passage)

    def stats(self) -> dict:
        return {"books": self._books, **dict(sorted(self._counts.items())),
                "removed": dict(sorted(self._dropped.items()))}


#: books smaller than this (characters of their documents) are cut in this process
PARALLEL_MIN_CHARS = 1_000_000


#: chapters sent to a helper at once: up to this many characters of their documents. Each batch costs this
#: process a round trip through the pool: one chapter a batch, Moby-Dick built in 1.18-1.30 s; with these, 1.08-1.13
#: s (alternated, 2 cores)
BATCH_CHARS = 250_000
FIRST_BATCH_CHARS = 125_000


def _size(job: tuple) -> int:
    return len(job[-1].content) if job[0] == "epub" else sum(len(t) for _, t in job[-1])


def _batches(jobs: list[tuple]) -> Iterator[list[tuple]]:
    """``jobs`` in order, in lists of about ``BATCH_CHARS`` characters; the first of about ``FIRST_BATCH_CHARS``,
    so its passages come back, to be prepared, while the next batches are cut (here and in the helpers)."""
    jobs = iter(jobs)
    yield from islice(batched(jobs, _size, FIRST_BATCH_CHARS), 1)
    yield from batched(jobs, _size, BATCH_CHARS)


def _cut(item: tuple) -> list[tuple[list, Counter, Counter]]:
    """Jobs of ``Author._jobs`` through their ``_Cutter`` (in a helper process, or here)."""
    cutter, jobs = item
    return [cutter.cut(job) for job in jobs]


@dataclass
class _Cutter:
    """Chapters to records, the same in a helper process or here: it carries only the options and the name of
    the encoding (each process has its counter)."""

    options: Author.Options
    encoding: str | None
    extra_special: tuple[str, ...] = ()
    ask: Callable[[str], str] | None = None  # mode=questions: the question for a passage (this process only)

    def cut(self, job: tuple) -> tuple[list, Counter, Counter]:
        """(records and skips, counts, text removed by kind) of one chapter or EPUB document."""
        self.counts, self.dropped = Counter(), Counter()
        kind, info, *rest = job
        if kind == "text":
            group, title, paragraphs = rest
            self.counts["chapters"] += 1
            out = list(self._records(info, group, title, [Paragraph(place, text) for place, text in paragraphs]))
        else:
            out = list(self._document(info, *rest))
        return out, self.counts, self.dropped

    def _document(self, info: dict, book: str, index: int, total: int, document) -> Iterator[dict | Skip]:
        extracted = extract(document.content)
        self.dropped.update(extracted.dropped)
        headings = [b.text for b in extracted.blocks if b.kind == "heading"]
        text = "\n".join(b.text for b in extracted.blocks)
        where = f"{book}:{document.name}"
        verdict = classify(document.name, document.types | extracted.types, headings[0] if headings else "",
                           text, extracted.link_share, index / max(total - 1, 1), document.linear)
        if verdict is not None:
            self.counts[verdict[0]] += 1
            yield Skip(where, verdict[0], detail=verdict[1], excerpt=text)
            return
        paragraphs = [Paragraph(f"{where} ¶{b.number}", b.text) for b in extracted.blocks if b.kind == "paragraph"]
        if not paragraphs:
            yield Skip(where, "empty_document", detail="no paragraphs of text")
            return
        self.counts["chapters"] += 1
        yield from self._records(info, f"{book}#{document.name}", document.title or (headings[0] if headings else ""),
                                 paragraphs)

    def _records(self, book: dict, group: str, title: str, paragraphs: list[Paragraph]):
        base = {"author": self.options.author or book.get("author") or "", "book": book.get("title", ""),
                "chapter": title, "group": group, "mode": self.options.mode}
        if self.options.mode == "dialogue":
            yield from self._dialogue(base, paragraphs)
            return
        passages = list(chunk_paragraphs(paragraphs, *self._budget(paragraphs)))
        previous = None
        for number, passage in enumerate(passages, 1):
            ident = f"{passage.place} (passage {number})"
            if isinstance(passage, Oversize):
                yield Skip(ident, "too_long", detail=f"one sentence of {passage.tokens} tokens, over passage_tokens",
                           excerpt=passage.text)
                previous = None
                continue
            if not looks_like_prose(passage.text):
                yield Skip(ident, "not_prose", excerpt=passage.text)
                previous = None
                continue
            self.counts["passages"] += 1
            if self.options.mode == "questions":
                question = self.ask(passage.text)
                if not question:
                    yield Skip(ident, "no_question", excerpt=passage.text)
                    continue
                yield {**base, "id": ident, "question": question, "text": passage.text}
            elif previous is not None:
                yield {**base, "id": ident, "previous": self._context(previous), "text": passage.text}
            previous = passage.text

    def _context(self, previous: str) -> str:
        budget = self.options.context_tokens
        return tail(previous, self._count, budget) if budget else previous

    def _dialogue(self, base: dict, paragraphs: list[Paragraph]):
        previous = None
        for paragraph in paragraphs:
            speech = spoken(paragraph.text)
            if speech is None:
                previous = None
                continue
            self.counts["dialogue_lines"] += 1
            if previous is not None:
                yield {**base, "id": paragraph.place, "line": previous, "reply": speech}
            previous = speech

    def _budget(self, paragraphs: list[Paragraph]):
        """(token counter, passage budget) for a chapter. A chapter shorter than two passages gets passages of
        half its length (at least its longest paragraph), so in continue mode a chapter of several paragraphs
        gives at least one pair. Counts are kept for the
        chunker, which asks for the same texts."""
        counts = {p.text + SEPARATOR: self._count(p.text + SEPARATOR) for p in paragraphs}
        count = lambda text: counts[text] if text in counts else self._count(text)  # noqa: E731
        budget = self.options.passage_tokens
        if self.options.mode == "continue":
            # halved, but never below the longest paragraph: halving must not cut paragraphs or sentences
            budget = min(budget, max(16, sum(counts.values()) // 2 + 1, max(counts.values(), default=0)))
        return count, budget

    def _count(self, text: str) -> int:
        if self.encoding is None:
            return len(text) // 4
        return get_counter(self.encoding, self.extra_special).count(text)


def spoken(text: str) -> str | None:
    """The words spoken in a paragraph of dialogue (its quotations joined), or None when nobody speaks.

    >>> spoken('“Where are you going?” asked Tom. “It is late.”')
    'Where are you going? It is late.'
    >>> spoken("— Bonjour, dit-il."), spoken("The night was cold.")
    ('Bonjour, dit-il.', None)
    """
    found = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]
    if found:
        return " ".join(part.strip() for part in found)
    dash = _DASH_LINE.match(text)
    return dash.group(1).strip() if dash else None


def looks_like_prose(text: str) -> bool:
    """False for tables, lists of names, tables of numbers and other non-prose.

    >>> looks_like_prose("She walked to the harbour. The boats were quiet, and the gulls slept.")
    True
    >>> looks_like_prose("Smith, J.\\nBrown, A.\\nGreen, P.\\nWhite, T.\\nBlack, R.\\nGray, L.")
    False
    """
    text = text[:2000]  # a sample decides: tables and lists look like that from their start
    visible = len("".join(text.split()))  # str.split's whitespace is re's \s
    if not visible:
        return False
    letters, digits = sum(map(len, _LETTERS.findall(text))), sum(map(len, _DIGITS.findall(text)))
    if digits / visible > 0.2 or letters / visible < 0.5:
        return False
    if _CJK.search(text):
        return True
    lines = [line for line in text.split("\n") if line.strip()]
    words = len(text.split())
    if len(lines) >= 5 and words / len(lines) < 3.5:
        return False
    sentence_ends = len(re.findall(r"[.!?;:…](\s|$)", text))
    return words < 25 or sentence_ends > 0


@hookimpl
def register_recipes(register):
    register(Author)
