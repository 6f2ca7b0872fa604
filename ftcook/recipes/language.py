"""The ``language`` recipe: teach a model a language from plain text (the seed's third scenario).

Text files, Markdown, HTML and EPUB books are read paragraph by paragraph (any charset), cut into chunks of
whole sentences within a token budget, and each chunk becomes an example with an empty prompt - or, with
``-o mode=continue``, the previous chunk as the prompt. ``-o lang=zh`` keeps only Chinese chunks (lingua).
Written with absolute imports so that ``ftcook new-recipe --from language`` copies it as a starting point.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import islice
from pathlib import Path
from typing import Iterator, Literal

from pydantic import Field, field_validator

from ftcook.errors import InputError
from ftcook.parallel import helper_processes, ordered_map
from ftcook.plugins import hookimpl
from ftcook.recipes.base import Recipe, RecipeOptions
from ftcook.pipeline.ledger import Skip
from ftcook.pipeline.normalise import normalise_text
from ftcook.text.chunk import Oversize, chunk_paragraphs
from ftcook.text.decode import Undecodable
from ftcook.text.extract import cut_bytes
from ftcook.text.extract import SUFFIXES, Paragraph, paragraphs
from ftcook.tokens import get_counter

DETECT_BATCH = 64  # chunks handed to lingua at once (it detects a batch on all cores)
PARALLEL_MAX_BYTES = 4 * 1024 * 1024  # larger files stream in this process: a file in flight is held whole


class Language(Recipe):
    """Teach a model a language: plain text in, empty-prompt completions out."""

    name = "language"
    inputs = SUFFIXES
    min_chars = 1

    class Options(RecipeOptions):
        lang: str | None = Field(None, description="keep only chunks in this language (ISO 639-1 code: zh, ja, "
                                                   "ru, ar, en...); others are skipped as off_language")
        max_tokens: int = Field(1024, ge=16, description="most tokens per chunk, in the target model's encoding")
        mode: Literal["plain", "continue"] = Field(
            "plain", description="plain: empty prompt, the chunk is the completion; continue: the previous "
                                 "chunk of the same file is the prompt")
        jobs: int | None = Field(None, ge=1, description="processes reading files, this one included (default: "
                                                         "one per core, at most 8)")

        @field_validator("lang")
        @classmethod
        def _known_language(cls, value):
            if value is not None:
                language_of(value)
            return value

    def __init__(self, options=None, **kwargs):
        super().__init__(options, **kwargs)
        self._chars: dict[str, int] = defaultdict(int)
        self._tokens: dict[str, int] = defaultdict(int)

    def records(self, sources: list[Path]) -> Iterator[dict | Skip]:
        """Files up to 4 MB (a book) are read and chunked in helper processes, in order; larger ones here,
        streaming."""
        workers = helper_processes() if self.options.jobs is None else self.options.jobs - 1
        jobs = ((entry, self.options, self.model.encoding, self.model.extra_special_tokens)
                for entry in self.files(sources))
        for entry, items in ordered_map(_file_job, jobs, workers):
            for item in items if items is not None else file_items(entry, self.options, self.counter):
                if isinstance(item, dict):
                    code = item["language"] or "all"
                    self._chars[code] += len(item["text"])
                    self._tokens[code] += item["meta"]["tokens"]
                yield item

    def stats(self) -> dict:
        """Tokens per character of the text read (duplicates included) in the target's encoding: what the language
        costs to train."""
        encoding = self.counter.encoding if self.counter else ""
        return {"encoding": encoding, "languages": {
            code: {"chars": self._chars[code], "tokens": self._tokens[code],
                   "tokens_per_char": round(self._tokens[code] / self._chars[code], 3) if self._chars[code] else None}
            for code in sorted(self._chars)}}


def _file_job(job) -> tuple:
    """(entry, its items) in a helper process; items ``None`` for a file too large to hold (read it here)."""
    entry, options, encoding, extra_special = job
    if isinstance(entry, Skip):
        return entry, [entry]
    if entry.stat().st_size > PARALLEL_MAX_BYTES:
        return entry, None
    return entry, list(file_items(entry, options, get_counter(encoding, extra_special)))


def file_items(path: Path, options, counter) -> Iterator[dict | Skip]:
    """The records of one file: chunks of whole sentences, or skips with their reason."""
    if path.suffix.lower() not in (".epub", ".html", ".htm", ".xhtml") and (cut := cut_bytes(path)):
        yield Skip(f"{path.as_posix()}:end", "cut_at_end", f"the last {cut} bytes are part of a character: the "
                   f"file was cut there; the text before them is kept")
    try:
        yield from _chunks(path, options, counter)
    except Undecodable as error:
        yield Skip(path.as_posix(), "undecodable", error.problem)
    except InputError as error:
        yield Skip(path.as_posix(), "unreadable", error.problem)


def _chunks(path: Path, options, counter) -> Iterator[dict | Skip]:
    texts = (Paragraph(p.place, normalise_text(p.text), p.heading) for p in paragraphs(path))
    chunks = chunk_paragraphs((p for p in texts if p.text), counter.count, options.max_tokens)
    previous = ""
    while batch := list(islice(chunks, DETECT_BATCH)):
        for chunk, code in zip(batch, _languages(batch, options.lang)):
            item_id = f"{path.as_posix()}:{chunk.place}"
            if isinstance(chunk, Oversize):
                yield Skip(item_id, "too_long", f"one sentence of {chunk.tokens:,} tokens is longer than "
                           f"max_tokens={options.max_tokens}", chunk.text)
                continue
            if options.lang and code != options.lang:
                yield Skip(item_id, "off_language", f"detected {code or 'no language'}, not {options.lang}",
                           chunk.text)
                continue
            yield {"id": item_id, "source": path.as_posix(), "place": chunk.place, "text": chunk.text,
                   "previous": previous if options.mode == "continue" else "", "language": code or "",
                   "meta": {"tokens": chunk.tokens}}
            previous = chunk.text


def _languages(batch, lang: str | None) -> list[str | None]:
    """The ISO 639-1 code of each chunk when ``lang`` is set (lingua, all cores), else ``None``s."""
    if not lang:
        return [None] * len(batch)
    found = detector().detect_languages_in_parallel_of([chunk.text for chunk in batch])
    return [language.iso_code_639_1.name.lower() if language else None for language in found]


def language_of(code: str):
    """lingua's Language for an ISO 639-1 code, or a ValueError that lists what is accepted."""
    from lingua import IsoCode639_1, Language as Lingua

    try:
        return Lingua.from_iso_code_639_1(IsoCode639_1.from_str(code.lower()))
    except ValueError:
        known = ", ".join(sorted(lang.iso_code_639_1.name.lower() for lang in Lingua.all()))
        raise ValueError(f"'{code}' is not an ISO 639-1 code lingua detects; use one of: {known}") from None


_detector = None


def detector():
    """One lingua detector for all languages in low-accuracy mode: ~30 MB instead of ~1 GB, and reliable on
    chunks of hundreds of tokens (lingua's high-accuracy mode is for single words and short phrases)."""
    global _detector
    if _detector is None:
        from lingua import LanguageDetectorBuilder

        _detector = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
    return _detector


@hookimpl
def register_recipes(register):
    register(Language)
