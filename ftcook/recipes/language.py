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
from ftcook.plugins import hookimpl
from ftcook.recipes.base import Recipe, RecipeOptions
from ftcook.pipeline.ledger import Skip
from ftcook.pipeline.normalise import normalise_text
from ftcook.text.chunk import Oversize, chunk_paragraphs
from ftcook.text.decode import Undecodable
from ftcook.text.extract import SUFFIXES, Paragraph, paragraphs

DETECT_BATCH = 64  # chunks handed to lingua at once (it detects a batch on all cores)


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
        for path in self.files(sources):
            if isinstance(path, Skip):
                yield path
                continue
            try:
                yield from self._file(path)
            except Undecodable as error:
                yield Skip(str(path), "undecodable", error.problem)
            except InputError as error:
                yield Skip(str(path), "unreadable", error.problem)

    def _file(self, path: Path) -> Iterator[dict | Skip]:
        count = self.counter.count
        texts = (Paragraph(p.place, normalise_text(p.text)) for p in paragraphs(path))
        chunks = chunk_paragraphs((p for p in texts if p.text), count, self.options.max_tokens)
        previous = ""
        while batch := list(islice(chunks, DETECT_BATCH)):
            for chunk, code in zip(batch, self._languages(batch)):
                item_id = f"{path.as_posix()}:{chunk.place}"
                if isinstance(chunk, Oversize):
                    yield Skip(item_id, "too_long", f"one sentence of {chunk.tokens:,} tokens is longer than "
                               f"max_tokens={self.options.max_tokens}", chunk.text)
                    continue
                if self.options.lang and code != self.options.lang:
                    yield Skip(item_id, "off_language", f"detected {code or 'no language'}, not "
                               f"{self.options.lang}", chunk.text)
                    continue
                self._chars[code or "all"] += chunk.chars
                self._tokens[code or "all"] += chunk.tokens
                yield {"id": item_id, "source": path.as_posix(), "place": chunk.place, "text": chunk.text,
                       "previous": previous if self.options.mode == "continue" else "", "language": code or ""}
                previous = chunk.text

    def _languages(self, batch) -> list[str | None]:
        """The ISO 639-1 code of each chunk when ``lang`` is set (lingua, all cores), else ``None``s."""
        if not self.options.lang:
            return [None] * len(batch)
        found = detector().detect_languages_in_parallel_of([chunk.text for chunk in batch])
        return [language.iso_code_639_1.name.lower() if language else None for language in found]

    def stats(self) -> dict:
        """Tokens per character of the kept text in the target's encoding: what the language costs to train."""
        encoding = self.counter.encoding if self.counter else ""
        return {"encoding": encoding, "languages": {
            code: {"chars": self._chars[code], "tokens": self._tokens[code],
                   "tokens_per_char": round(self._tokens[code] / self._chars[code], 3) if self._chars[code] else None}
            for code in sorted(self._chars)}}


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
