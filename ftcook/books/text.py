"""Books that are not EPUB: plain text (Project Gutenberg's ``*** START OF``/``*** END OF`` lines honoured),
Markdown and HTML, cut into chapters at chapter headings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from ..text.extract import paragraphs

_START = re.compile(r"^\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG", re.I)
_END = re.compile(r"^\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG", re.I)
_CHAPTER = re.compile(r"^(#{1,3}\s+.+|(chapter|book|part|letter|canto|kapitel|chapitre|cap[ií]tulo|глава)\s+"
                      r"([\divxlc]+|[a-z]+)\b.{0,60}|[IVXLC]{1,7}\.?|第[一二三四五六七八九十百千\d]+[章回节])$", re.I)


def text_chapters(path: Path) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(chapter title, [(place, paragraph)]) in order; text before the first heading is a chapter too."""
    title, current = "", []
    for paragraph in paragraphs(path):
        text = paragraph.text.strip()
        first_line = text.split("\n", 1)[0]
        if _START.match(first_line):
            title, current = "", []  # everything before START is Gutenberg's header
            continue
        if _END.match(first_line):
            break
        if _CHAPTER.match(first_line) and len(text) < 120:
            if current:
                yield title, current
            title, current = text.lstrip("# ").strip(), []
            continue
        current.append((paragraph.place, text))
    if current:
        yield title, current
