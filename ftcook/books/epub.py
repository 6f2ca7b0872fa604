"""EPUB files, read with ebooklib, treated as untrusted input.

Before ebooklib sees a book: it must be a zip; entries that decompress to more than ``MAX_ENTRY_BYTES`` (or
``MAX_TOTAL_BYTES`` together) refuse the book (zip bombs); ``META-INF/encryption.xml`` that encrypts content
documents means DRM (font obfuscation alone is fine). While ebooklib reads: only names inside the zip are read
(never the file system), names that climb out of the book (``../``) are ignored, a missing file is an empty item
with a problem recorded, a missing table of contents is a problem, not an error. ebooklib parses the OPF and the
NCX with entity resolution off; documents are parsed as HTML (``extract.py``), which never loads entities.
Every problem is reported by item name.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import InputError

MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # decompressed/compressed beyond this for a large entry: a bomb, not a book
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)
_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")


class DrmProtected(InputError):
    pass


@dataclass
class Document:
    """One spine item: its name in the zip, its XHTML, its ``linear`` flag and what the book says it is."""

    name: str
    content: bytes
    linear: bool = True
    types: set[str] = field(default_factory=set)  # landmarks/guide/epub:type: cover, toc, copyright-page...
    title: str = ""  # from the table of contents


@dataclass
class Book:
    path: Path
    title: str = ""
    author: str = ""
    language: str = ""
    rights: str = ""
    version: str = ""
    documents: list[Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "OEBPS/ch3.xhtml: listed but missing"

    def metadata(self) -> dict:
        return {"file": self.path.name, "title": self.title, "author": self.author, "language": self.language,
                "rights": self.rights, "epub": self.version, "documents": len(self.documents),
                "problems": self.problems}


def read_epub(path: Path) -> Book:
    """The book's metadata and spine documents; ``InputError`` when it cannot be read at all."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    if not zipfile.is_zipfile(path):
        raise InputError(path, "not an EPUB (not a zip file)", hint="pass a complete .epub file")
    book = Book(path)
    with zipfile.ZipFile(path) as zf:
        _check_sizes(path, zf)
        _check_drm(path, zf)
        names = zf.namelist()
        if names and names[0] != "mimetype":
            book.problems.append("mimetype: not the first entry of the zip (read anyway)")
    reader = _SafeReader(str(path), book)
    try:
        epub = reader.load()
    except _NoPackage as error:
        raise InputError(path, str(error), hint="the EPUB is incomplete; re-export or re-download it") from None
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever ebooklib meets in a broken book: one clear line
        raise InputError(path, f"not a readable EPUB ({type(error).__name__}: {error})",
                         hint="check that the file is a complete, DRM-free .epub") from None
    _metadata(book, epub)
    _documents(book, epub, reader)
    return book


def _check_sizes(path: Path, zf: zipfile.ZipFile) -> None:
    total = 0
    for info in zf.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_ENTRY_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise InputError(path, f"{info.filename}: decompresses to {info.file_size:,} bytes (ratio "
                                   f"{ratio:,.0f}:1) - refused as a zip bomb", hint="this is not a normal book")
    if total > MAX_TOTAL_BYTES:
        raise InputError(path, f"decompresses to {total:,} bytes in all - refused as a zip bomb")


def _check_drm(path: Path, zf: zipfile.ZipFile) -> None:
    if "META-INF/encryption.xml" not in zf.namelist():
        return
    tree = etree.fromstring(zf.read("META-INF/encryption.xml"), parser=_SAFE_XML)
    if tree is None:
        return
    encrypted = []
    for data in tree.iter("{*}EncryptedData"):
        method = data.find("{*}EncryptionMethod")
        algorithm = method.get("Algorithm", "") if method is not None else ""
        reference = data.find(".//{*}CipherReference")
        uri = reference.get("URI", "") if reference is not None else ""
        if algorithm not in _FONT_OBFUSCATION and not uri.lower().endswith((".otf", ".ttf", ".woff", ".woff2")):
            encrypted.append(uri)
    if encrypted:
        raise DrmProtected(path, f"this book is DRM-protected ({len(encrypted)} encrypted files, e.g. {encrypted[0]})",
                           hint="ftcook cannot read DRM-protected books; use a DRM-free edition")


class _NoPackage(Exception):
    pass


def _reader_base():
    from ebooklib import epub

    return epub.EpubReader


class _SafeReader(_reader_base()):
    """ebooklib's reader, reading only inside the zip and forgiving missing files."""

    def __init__(self, file_name: str, book: Book):
        super().__init__(file_name, options={"ignore_ncx": True})
        self.report = book
        self.missing: set[str] = set()

    def _load(self):
        import ebooklib.epub

        self.zf = zipfile.ZipFile(self.file_name, "r")  # never ebooklib's Directory reader
        try:
            self._load_container()
            if not self.opf_file:
                raise _NoPackage("no package document (OPF): META-INF/container.xml is missing or names none")
            try:
                self._load_opf_file()
            except ebooklib.epub.EpubException as error:
                raise _NoPackage(f"{self.opf_file}: {error.msg if hasattr(error, 'msg') else error}") from None
        finally:
            self.zf.close()

    def _load_container(self):
        if "META-INF/container.xml" not in self.zf.namelist():
            opfs = [n for n in self.zf.namelist() if n.lower().endswith(".opf")]
            if opfs:
                self.report.problems.append(f"META-INF/container.xml: missing; used {opfs[0]}")
                self.opf_file = opfs[0]
                self.opf_dir = posixpath.dirname(opfs[0])
            return
        super()._load_container()

    def read_file(self, name):
        normal = posixpath.normpath(name)
        if normal.startswith(("../", "/")) or normal == "..":
            self.report.problems.append(f"{name}: points outside the book - ignored")
            self.missing.add(normal)
            return b""
        try:
            return self.zf.read(normal)
        except KeyError:
            if normal == self.opf_file:
                raise
            self.report.problems.append(f"{normal}: listed in the book but missing from the zip")
            self.missing.add(normal)
            return b""

    def _load_spine(self):
        import ebooklib.epub

        try:
            super()._load_spine()
        except (ebooklib.epub.EpubException, AttributeError) as error:
            self.report.problems.append(f"{self.opf_file}: table of contents unreadable ({error})")

    def _load_opf_file(self):
        try:
            super()._load_opf_file()
        except (etree.XMLSyntaxError, AttributeError, TypeError) as error:
            raise _NoPackage(f"{self.opf_file}: the package document cannot be read ({error})") from None


def _metadata(book: Book, epub) -> None:
    def first(name: str) -> str:
        values = epub.get_metadata("DC", name)
        return " ".join(str(values[0][0]).split()) if values and values[0][0] else ""

    book.title, book.author, book.language, book.rights = first("title"), first("creator"), first("language"), \
        first("rights")
    book.version = epub.version or ""


def _documents(book: Book, epub, reader: _SafeReader) -> None:
    import ebooklib

    types = _landmarks(epub)
    titles = _toc_titles(epub.toc)
    for entry in epub.spine:
        idref, linear = (entry if isinstance(entry, tuple) else (entry, "yes"))
        item = epub.get_item_with_id(idref)
        if item is None:
            book.problems.append(f"spine item '{idref}': not in the manifest")
            continue
        if item.get_type() not in (ebooklib.ITEM_DOCUMENT, ebooklib.ITEM_NAVIGATION, ebooklib.ITEM_COVER):
            continue
        name = posixpath.normpath(posixpath.join(reader.opf_dir, item.get_name()))
        content = item.get_content() or b""
        if not content:
            continue  # missing from the zip: already a problem
        kinds = set(types.get(item.get_name(), ())) | set(getattr(item, "properties", []) or [])
        if item.get_type() == ebooklib.ITEM_NAVIGATION:
            kinds.add("toc")
        if item.get_type() == ebooklib.ITEM_COVER:
            kinds.add("cover")
        book.documents.append(Document(name, content, str(linear).lower() != "no", kinds,
                                       titles.get(item.get_name(), "")))


def _landmarks(epub) -> dict[str, set[str]]:
    """Item name -> types from the OPF guide (EPUB 2) and the nav's landmarks (EPUB 3)."""
    found: dict[str, set[str]] = {}
    for ref in getattr(epub, "guide", []) or []:
        href = (ref.get("href") or "").split("#")[0]
        if href and ref.get("type"):
            found.setdefault(href, set()).add(ref["type"].lower())
    for mark in getattr(epub, "landmarks", []) or []:
        href = (mark.get("href") or "").split("#")[0]
        if href and mark.get("type"):
            found.setdefault(href, set()).add(mark["type"].lower())
    return found


def _toc_titles(toc, found=None) -> dict[str, str]:
    found = {} if found is None else found
    for entry in toc or []:
        if isinstance(entry, tuple):
            section, children = entry
            _add_title(found, section)
            _toc_titles(children, found)
        else:
            _add_title(found, entry)
    return found


def _add_title(found: dict, entry) -> None:
    href = (getattr(entry, "href", "") or "").split("#")[0]
    title = getattr(entry, "title", "") or ""
    if href and title and href not in found:
        found[href] = title
