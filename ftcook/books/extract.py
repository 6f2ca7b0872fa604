"""A book's XHTML document → its headings and paragraphs as clean text.

Kept: paragraphs, headings, dialogue, block quotes, verse lines, italics (as plain text). Dropped: markup,
scripts, styles, images, navigation, tables, page numbers (``epub:type="pagebreak"``, ``pagenum`` spans),
footnote markers (``noteref`` links, superscript numbers) and the notes themselves (``footnote``/``endnote``
asides), and Project Gutenberg's header and footer sections. Parsed with lxml's HTML parser, which never loads
external entities or DTDs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree, html

_PARSER = html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "div", "section",
          "article", "figcaption", "header", "footer", "aside", "main", "body"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DROP_TAGS = ("script", "style", "head", "nav", "img", "svg", "math", "audio", "video", "object", "iframe",
              "table", "figure", "noscript", "form", "button")
_NOTE_TYPES = {"footnote", "endnote", "rearnote", "note", "footnotes", "endnotes", "rearnotes"}
_PAGE_CLASS = re.compile(r"\b(pagenum|pageno|page-?number|page-?break|pagebreak)\b", re.I)
_NOTE_CLASS = re.compile(r"\b(noteref|footnote-?ref|fnref|footnote|endnote)\b", re.I)
_MARKER = re.compile(r"^\W*[\d*†‡§¶ivxlc]{1,6}\W*$", re.I)
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" or "paragraph"
    text: str
    number: int  # the block's position in the document, for ids ("ch03.xhtml ¶12")


@dataclass
class Extracted:
    blocks: list[Block]
    types: set[str]  # epub:type values of body/sections (frontmatter, copyright-page, ...)
    link_share: float  # share of the text inside links (a table of contents is mostly links)
    dropped: dict[str, int]  # what was taken out: footnotes, page numbers, tables...


def extract(content: bytes) -> Extracted:
    try:
        root = html.document_fromstring(content, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return Extracted([], set(), 0.0, {})
    types = {t for el in root.iter("body", "section", "div") for t in _types(el)}
    dropped = _drop_noise(root)
    body = root.find(".//body")
    body = body if body is not None else root
    text_all = body.text_content()
    linked = sum(len(a.text_content()) for a in body.iter("a"))
    link_share = linked / max(len(text_all.strip()), 1)
    for br in list(body.iter("br")):
        br.tail = "\n" + (br.tail or "")
    blocks, number = [], 0
    for element in body.iter(*BLOCKS):
        if any(child.tag in BLOCKS for child in element.iterdescendants() if isinstance(child.tag, str)):
            continue  # a container: its innermost blocks carry the text
        text = _clean(element.text_content())
        if not text:
            continue
        number += 1
        blocks.append(Block("heading" if element.tag in HEADINGS else "paragraph", text, number))
    return Extracted(blocks, types, link_share, dropped)


def _drop_noise(root) -> dict[str, int]:
    """Remove what is not the author's text (tags never read, page numbers, notes...); counts by reason."""
    dropped: dict[str, int] = {}
    for element in list(root.iter(*_DROP_TAGS)):
        if element.getparent() is not None:
            dropped[element.tag] = dropped.get(element.tag, 0) + 1
            element.drop_tree()
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        reason = _noise(element)
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
            element.drop_tree()
    return dropped


def _types(element) -> list[str]:
    value = element.get(_EPUB_TYPE) or element.get("epub:type") or ""
    return [t.split(":")[-1].lower() for t in value.split()]


def _noise(element) -> str | None:
    """Why an element is not the author's text: a page number, a footnote marker or note, Gutenberg's frame."""
    types = set(_types(element))
    classes = element.get("class") or ""
    ident = (element.get("id") or "").lower()
    if ident in ("pg-header", "pg-footer") or "pg-boilerplate" in classes:
        return "gutenberg"
    if "pagebreak" in types or _PAGE_CLASS.search(classes):
        return "page_number"
    if types & _NOTE_TYPES and element.tag in ("aside", "section", "div", "p", "li", "ol", "ul"):
        return "footnote"
    if "noteref" in types or (element.tag == "a" and _NOTE_CLASS.search(classes)):
        return "footnote_marker"
    if element.tag == "sup" and _MARKER.match(element.text_content() or ""):
        return "footnote_marker"
    internal = element.tag == "a" and (element.get("href") or "").startswith("#")
    if internal and _MARKER.match(element.text_content() or "") \
            and ("note" in (element.get("href") or "").lower() or "fn" in (element.get("href") or "").lower()):
        return "footnote_marker"
    return None


def _clean(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\xa0", " ").splitlines()]
    return "\n".join(line for line in lines if line).strip()
