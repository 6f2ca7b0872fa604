"""Writing EPUBs with ebooklib: ``write_book`` makes an EPUB 2 (with NCX) or EPUB 3 (with nav) book with
optional front and back matter. The sample book, the tests and the author benchmark are made with it."""

from __future__ import annotations

import html
from pathlib import Path


def chapter_xhtml(title: str, paragraphs: list[str], extra: str = "") -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"<h2>{html.escape(title)}</h2>{body}{extra}"


def write_book(path: Path, title: str, author: str, chapters: list[tuple[str, str]], *, language: str = "en",
               version: int = 3, front: bool = True, back: bool = True, rights: str = "") -> Path:
    """``chapters``: (title, XHTML body) pairs. With ``front``: cover page, title page, contents, copyright;
    with ``back``: an about-the-author page."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(f"ftcook-{abs(hash((title, author))) % 10**8}")
    book.set_title(title)
    book.set_language(language)
    book.add_author(author)
    if rights:
        book.add_metadata("DC", "rights", rights)
    spine, items = [], []

    def add(name: str, heading: str, content: str, epub_type: str = "") -> None:
        item = epub.EpubHtml(title=heading, file_name=name, lang=language)
        attribute = f' epub:type="{epub_type}"' if epub_type else ""
        item.content = f"<html><body><section{attribute}>{content}</section></body></html>"
        book.add_item(item)
        items.append(item)
        spine.append(item)

    if front:
        add("cover.xhtml", "Cover", f"<h1>{html.escape(title)}</h1>", "cover")
        add("titlepage.xhtml", "Title Page", f"<h1>{html.escape(title)}</h1><p>by {html.escape(author)}</p>",
            "titlepage")
        notice = rights or f"Copyright © {author}. All rights reserved."
        add("copyright.xhtml", "Copyright", f"<p>{html.escape(notice)}</p>", "copyright-page")
    for number, (heading, content) in enumerate(chapters, 1):
        add(f"chapter{number:03d}.xhtml", heading, content, "chapter")
    if back:
        add("about.xhtml", "About the Author", f"<h2>About the Author</h2><p>{html.escape(author)} wrote this "
                                               f"book.</p>", "backmatter")
    book.toc = [item for item in items if item.file_name.startswith("chapter")]
    book.add_item(epub.EpubNcx())
    if version >= 3:
        book.add_item(epub.EpubNav())
        book.spine = ["nav", *spine]
    else:
        book.spine = spine
    epub.write_epub(str(path), book, {"epub3_pages": version >= 3} if version >= 3 else {"epub3_pages": False})
    return Path(path)
