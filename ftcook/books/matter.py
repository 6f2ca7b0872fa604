"""Front and back matter: which documents of a book are not its text (cover, title page, table of contents,
copyright, dedication, colophon, index, "about the author", Project Gutenberg's licence), from what the book says
(EPUB 3 landmarks and ``epub:type``, EPUB 2 guide), the document's name, its first heading, and its content."""

from __future__ import annotations

import re

FRONT = {"cover", "titlepage", "title-page", "halftitlepage", "toc", "copyright-page", "copyright", "imprint",
         "dedication", "epigraph", "loi", "lot", "frontispiece", "other.ms-copyright", "contributors", "preamble"}
BACK = {"colophon", "index", "appendix-index", "acknowledgments", "acknowledgements", "bibliography", "glossary",
        "backmatter-about", "about-the-author", "license", "endnotes", "rearnotes", "footnotes", "notes"}
_NAME = re.compile(r"(^|[/_\-.])(cover|title(page)?|toc|contents|nav|copyright|colophon|imprint|index|about|"
                   r"license|licence|dedication|acknowledg\w*|halftitle|frontmatter|backmatter|endnotes)([_\-.\d]|$)",
                   re.I)
_HEADING = re.compile(r"^\W*(contents|table of contents|copyright|colophon|imprint|index|about the author|"
                      r"about the authors|acknowledg(e)?ments|also by|dedication|inhaltsverzeichnis|table des "
                      r"matières|sommaire|índice|目次|目录|содержание)\W*$", re.I)
_GUTENBERG = re.compile(r"project gutenberg", re.I)
_LICENCE = re.compile(r"(full project gutenberg license|gutenberg[- ]tm|www\.gutenberg\.org|section \d\.\s+"
                      r"information about the mission|\*\*\* ?(start|end) of (the|this) project gutenberg)", re.I)


def classify(name: str, types: set[str], heading: str, text: str, link_share: float, position: float,
             linear: bool) -> tuple[str, str] | None:
    """(reason, detail) when the document is not part of the book's text; ``position`` is 0.0 for the first
    document, 1.0 for the last (the same name or heading means front matter at the start, back matter at the end)."""
    side = "front_matter" if position < 0.5 else "back_matter"
    if text and len(_LICENCE.findall(text)) >= 2 or (_GUTENBERG.search(heading or "") and "licen" in text.lower()):
        return "licence", "Project Gutenberg's header or licence"
    known = {t.lower() for t in types} & (FRONT | BACK)
    if known:  # the same types occur at either end (a copyright page, an imprint): where it is decides the side
        return side, ", ".join(sorted(known))
    if not linear:
        return side, "not in the reading order (linear=\"no\")"
    if heading and _HEADING.match(heading):
        return side, f"heading '{heading[:40]}'"
    base = name.rsplit("/", 1)[-1]
    if _NAME.search(base):
        return side, f"file name {base}"
    if link_share > 0.6 and len(text) < 20000:
        return side, "mostly links (a table of contents)"
    return None
