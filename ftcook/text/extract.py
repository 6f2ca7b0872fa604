"""Paragraphs from the files people have: plain text, Markdown, HTML and EPUB.

``paragraphs(path)`` yields ``Paragraph(place, text)`` in reading order, where ``place`` says where a person finds
it again ("line 12", "OEBPS/ch01.xhtml ¶3"). Plain text streams line by line (UTF-8), so a file of any size
reads in bounded memory; other charsets are detected (charset-normalizer) and decoded whole.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import InputError
from .decode import SAMPLE_BYTES, Undecodable, decode_bytes
from .heading import is_heading
from .segment import join_wrapped

TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
EPUB_SUFFIXES = (".epub",)
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + EPUB_SUFFIXES

_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_TAGS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "td", "th",
               "figcaption", "div", "section", "article"]


@dataclass(frozen=True)
class Paragraph:
    place: str
    text: str
    heading: bool = False  # a chapter heading: a chunk starts here (ftcook.text.heading)


def paragraphs(path: Path) -> Iterator[Paragraph]:
    """The paragraphs of one file, by its suffix. Raises ``InputError``/``Undecodable`` naming the file."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return _html_file(path)
    if suffix in EPUB_SUFFIXES:
        return epub_paragraphs(path)
    return _text_file(path, markdown=suffix in (".md", ".markdown"))


# --- plain text and Markdown -------------------------------------------------------------------------------

def _text_file(path: Path, markdown: bool) -> Iterator[Paragraph]:
    try:
        with open(path, "rb") as f:
            head = f.read(SAMPLE_BYTES)
    except OSError as error:
        raise InputError(path, f"cannot read it ({error.strerror})") from None
    if _is_utf8(head):
        lines = _utf8_lines(path)
    else:  # another charset: detect it and decode the whole file (such files are rarely large)
        lines = iter(decode_bytes(path.read_bytes(), path).text.splitlines())
    blank_separated = _blank_separated(head.decode("utf-8", "replace").splitlines()[:5000])
    return _group(lines, blank_separated, "\n" if markdown else None)


def _is_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a cut last character is fine
        return True
    except UnicodeDecodeError:
        return False


def _utf8_lines(path: Path) -> Iterator[str]:
    """The lines of a UTF-8 file; a file cut inside its last character keeps the text before the cut
    (``cut_bytes`` says how much was lost)."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                if error.reason != "unexpected end of data" or raw.endswith(b"\n"):
                    raise Undecodable(path, f"invalid UTF-8 on line {number}",
                                      hint="convert the file to UTF-8 (e.g. iconv -f <charset> -t utf-8)") from None
                line = raw[:error.start].decode("utf-8")
            yield line.rstrip("\r\n")


def cut_bytes(path: Path) -> int:
    """How many bytes at the end of a UTF-8 file are the start of a character that never ends (the file was cut
    in the middle of it), 0 when none.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write("天气很好".encode()[:-1])
    >>> cut_bytes(Path(f.name)); os.unlink(f.name)
    2
    """
    with open(path, "rb") as f:
        f.seek(max(0, f.seek(0, 2) - 4))
        tail = f.read()
    for back in range(1, min(4, len(tail)) + 1):
        byte = tail[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back
            continue
        needed = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4 if byte & 0xF8 == 0xF0 else 1
        return back if needed > back else 0
    return 0


def _blank_separated(sample: list[str]) -> bool:
    """Whether paragraphs are separated by blank lines (hard-wrapped or spaced text), or are one line each
    (most e-text in Chinese and Japanese: no blank lines, an indent per paragraph)."""
    blank = sum(1 for line in sample if not line.strip())
    return blank >= max(1, (len(sample) - blank) // 20)


def _group(lines: Iterable[str], blank_separated: bool, joiner: str | None) -> Iterator[Paragraph]:
    """Paragraphs from lines: blank-line separated blocks (wrapped lines joined; ``joiner`` ``"\\n"`` keeps them,
    for Markdown), or one paragraph per non-empty line."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not blank_separated:
            if text:
                yield Paragraph(f"line {number}", text, is_heading(text))
            continue
        if text:
            if not block:
                start = number
            block.append(text)
        elif block:
            yield _paragraph(f"line {start}", _join(block, joiner))
            block = []
    if block:
        yield _paragraph(f"line {start}", _join(block, joiner))


def _paragraph(place: str, text: str) -> Paragraph:
    return Paragraph(place, text, is_heading(text))


def _join(lines: list[str], joiner: str | None) -> str:
    if joiner is not None:
        return joiner.join(lines)
    text = lines[0]
    for line in lines[1:]:
        text = join_wrapped(text, line)
    return text


# --- HTML and EPUB -------------------------------------------------------------------------------------------

def html_paragraphs(html: bytes | str, place: str) -> Iterator[Paragraph]:
    """The text of each innermost block element (p, h1-h6, li, blockquote, div...), ``<br>`` as a line break.

    >>> [p.text for p in html_paragraphs("<p>One<br/>two</p><div><p>Three</p></div>", "x.html")]
    ['One\\ntwo', 'Three']
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "nav"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    body = soup.body or soup
    blocks = [el for el in body.find_all(_BLOCK_TAGS) if not el.find(_BLOCK_TAGS)]
    if not blocks:  # bare text without block elements
        blocks = [body]
    for number, element in enumerate(blocks, 1):
        text = "\n".join(line.strip() for line in element.get_text().splitlines()).strip()
        if text:
            yield Paragraph(f"{place} ¶{number}", text, element.name in _HEADING_TAGS or is_heading(text))


def _html_file(path: Path) -> Iterator[Paragraph]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read it ({error.strerror})") from None
    yield from html_paragraphs(decode_bytes(data, path).text, path.name)


def epub_items(path: Path) -> Iterator[tuple[str, bytes]]:
    """(item name, XHTML bytes) of an EPUB's documents in reading (spine) order, with ebooklib."""
    import ebooklib
    from ebooklib import epub

    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as error:  # noqa: BLE001 - ebooklib raises zipfile, KeyError, lxml errors for broken books
        raise InputError(path, f"not a readable EPUB ({type(error).__name__}: {error})",
                         hint="check that the file is a complete, DRM-free .epub") from None
    for entry in book.spine:
        item = book.get_item_with_id(entry[0] if isinstance(entry, tuple) else entry)
        if item is not None and item.get_type() == ebooklib.ITEM_DOCUMENT:
            yield item.get_name(), item.get_content()


def epub_paragraphs(path: Path) -> Iterator[Paragraph]:
    for name, content in epub_items(path):
        yield from html_paragraphs(content, name)
