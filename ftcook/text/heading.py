"""Headings in plain text: the short line that opens a chapter. A chunk of text starts at a heading, so the next
chapter's title never ends the chunk before it.

Recognised: numbered chapter lines in the common languages (第六回 …, 第3章, Chapter XII, Kapitel 4, Chapitre 2,
Capítulo 7, Глава 5, 제3장 …), a lone Roman numeral, and Markdown headings. HTML headings (h1-h6) are marked by
the HTML reader itself.
"""

from __future__ import annotations

import regex

MAX_CHARS = 80  # a longer line is prose, whatever it starts with

_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_WORDS = (f"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:{_UNITS}))?|ten|eleven|twelve|"
          f"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|{_UNITS}|first|last|the\\s+last)")
_NUMBER = rf"(?:\d+|[ivxlcdm]+|{_WORDS})"
_PATTERNS = regex.compile(
    r"""^(?:
        第\s*[\d一二三四五六七八九十百千零〇两壹贰叁肆伍陆柒捌玖拾佰]+\s*[回章节節卷部篇集话話幕]   # CJK: 第六回, 第3章
      | 제\s*\d+\s*[장화부편]                                                    # Korean: 제3장
      | (?:chapter|book|part|volume|canto|act|letter|kapitel|teil|buch|chapitre|livre|partie|cap[ií]tulo|capitolo
          |libro|parte|hoofdstuk|rozdzia[łl]|kapitola|luku|глава|часть|книга|розділ)\.?\s+""" + _NUMBER + r"""\b
      | [ivxlcdm]+\.?                                                           # a lone Roman numeral: XII
      | \#{1,6}\s+\S                                                            # Markdown: ## Title
    )""",
    regex.IGNORECASE | regex.VERBOSE,
)
_LONE_NUMERAL = regex.compile(r"^[ivxlcdm]+\.?$", regex.IGNORECASE)


def is_heading(text: str) -> bool:
    """Whether a paragraph is a chapter heading: short, one line, and numbered like one.

    >>> is_heading("第六回 焚金阙董卓行凶　匿玉玺孙坚背约"), is_heading("CHAPTER XII. The Storm")
    (True, True)
    >>> is_heading("## Notes"), is_heading("제3장 출발")
    (True, True)
    >>> is_heading("Chapter and verse were quoted at length by everyone in the room that night."), is_heading("I")
    (False, True)
    >>> is_heading("I went home."), is_heading("Kapitel 4"), is_heading("Глава 5. Встреча")
    (False, True, True)
    """
    line = text.strip()
    if not line or len(line) > MAX_CHARS or "\n" in line:
        return False
    match = _PATTERNS.match(line)
    if match is None:
        return False
    if _LONE_NUMERAL.match(match.group(0).strip()):
        return bool(_LONE_NUMERAL.match(line))  # "I went home." is not a heading; "IV." is
    return True
