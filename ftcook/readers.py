"""Streaming readers for training files: .jsonl, .json, .csv, .tsv, .xlsx, .txt (docs/formats.md).

``open_source(path)`` checks that the file is usable (exists, is a file, not empty, not binary, the content
matches the extension) and returns a ``Source`` whose ``blocks()`` yield the file in bounded pieces: a JSON Lines
file as raw byte blocks cut at line ends (parsed by the checker's workers, ``parse_block``), every other kind as
lists of ``(line, dict)``. Nothing reads a whole file into memory.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import orjson

from .errors import InputError

BLOCK_BYTES = 1024 * 1024  # small blocks keep the parsed objects of one block small
ITEMS_PER_BLOCK = 2_000
MAX_LINE_BYTES = 32 * 1024 * 1024  # no example of any catalog model comes near; OpenAI images are ≤ 10 MB
KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
         ".xlsx": "xlsx", ".txt": "txt"}
SUPPORTED = ", ".join(sorted(KINDS))


@dataclass
class RawBlock:
    """Consecutive JSON Lines, undecoded; ``first_line`` is the file line number of the first."""

    first_line: int
    data: bytes


@dataclass
class ParseProblem:
    """A line that is not usable JSON (``invalid_json``/``invalid_utf8``) or JSON the API refuses."""

    code: str
    line: int
    detail: str


@dataclass
class Source:
    path: Path
    kind: str
    size: int
    notes: list[str] = field(default_factory=list)  # things the reader noticed (extra sheets, renamed columns)
    #: columns a table must have: a training file's; the table recipe reads any columns (``()``)
    required: tuple[str, ...] = ("prompt", "completion")

    def blocks(self) -> Iterator[RawBlock | list[tuple[int, dict]]]:
        reader = {"jsonl": _jsonl_blocks, "json": _json_blocks, "csv": _table_blocks, "tsv": _table_blocks,
                  "xlsx": _xlsx_blocks, "txt": _txt_blocks}[self.kind]
        yield from reader(self)

    def items(self) -> Iterator[tuple[int, dict | ParseProblem]]:
        """Every example in order, parsed: ``(line, dict)``; unusable lines as ``(line, ParseProblem)``."""
        for block in self.blocks():
            yield from parse_block(block)[0]


def open_source(path) -> Source:
    """Check that ``path`` is a readable training file and say what kind it is."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file", hint="check the path")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file", hint="give the path of a training file inside it")
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8192)
    if size == 0 or not head.strip():
        raise InputError(path, "the file is empty", hint="it needs one training example per line or row")
    is_zip = head.startswith(b"PK\x03\x04")
    kind = KINDS.get(path.suffix.lower()) or _sniff_kind(path, head, is_zip)
    _refuse_binary(path, kind, head, is_zip)
    return Source(path, kind if kind == "xlsx" else _text_kind(path, kind, head), size)


def _refuse_binary(path: Path, kind: str, head: bytes, is_zip: bool) -> None:
    """A workbook must be a zip; anything else must be text."""
    if kind == "xlsx":
        if not is_zip:
            raise InputError(path, "is not an Excel workbook (.xlsx is a zip file)",
                             hint="save it from your spreadsheet program as .xlsx, or use .csv")
        return
    if is_zip:
        raise InputError(path, "is a zip or Excel file, not text",
                         hint="rename it to .xlsx if it is a workbook, or export it as .csv or .jsonl")
    if b"\x00" in head:
        raise InputError(path, "is a binary file, not text (it contains NUL bytes)",
                         hint=f"give a training file of one of the kinds {SUPPORTED}")


def _text_kind(path: Path, kind: str, head: bytes) -> str:
    """json or jsonl by the first character; a file whose name and content disagree is refused."""
    first = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1]
    if kind == "json":
        kind = "json" if first == b"[" else "jsonl"
    if kind == "jsonl" and first != b"{":
        what = "an array" if first == b"[" else repr(head.strip().splitlines()[0][:30].decode("utf-8", "replace"))
        raise InputError(path, f"does not look like JSON Lines: it starts with {what}", line=1,
                         hint="JSON Lines has one JSON object per line; an array belongs in a .json file")
    if kind in ("csv", "tsv") and first in (b"{", b"["):
        raise InputError(path, f"looks like JSON, not {kind.upper()}", hint="rename it to .jsonl or .json")
    return kind


def _sniff_kind(path: Path, head: bytes, is_zip: bool) -> str:
    first = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1]
    if is_zip:
        return _zip_kind(path)
    if first == b"{":
        return "jsonl"
    if first == b"[":
        return "json"
    if path.suffix.lower() in (".mbox", ".eml") or re.match(rb"From |(?:[A-Za-z-]+: [^\n]*\r?\n){2}", head):
        raise InputError(path, "looks like mail (an mbox or a message), not a training file",
                         hint=f"'ftcook build email {path} -o me=YOUR@ADDRESS -d DATASET' makes a dataset of your "
                              f"replies from it (docs/recipes/email.md)")
    raise InputError(path, f"unknown kind of file '{path.suffix or path.name}'",
                     hint=f"ftcook reads {SUPPORTED}; rename the file to say which it is")


def _zip_kind(path: Path) -> str:
    """A zip file without a known suffix: an Excel workbook, or a clear word on what it is and what reads it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:64] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise InputError(path, f"is a damaged zip file ({error})", hint="give a training file") from None
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if mimetype.startswith(b"application/epub+zip"):
        raise InputError(path, "is an EPUB e-book, not a training file",
                         hint=f"'ftcook build author {path} -d DATASET' makes a dataset of the author's prose from "
                              f"it (docs/recipes/author.md)")
    if any(name.startswith("word/") for name in names):
        raise InputError(path, "is a Word document, not a training file",
                         hint="save it as plain text (.txt) and build a dataset from it with 'ftcook build language'")
    raise InputError(path, "is a zip archive, not a training file",
                     hint=f"unzip it and check the training file inside; ftcook check reads {SUPPORTED}")


# --- JSON Lines ---------------------------------------------------------------------------------------------

def _jsonl_blocks(source: Source) -> Iterator[RawBlock]:
    line = 1
    carry = b""
    with open(source.path, "rb") as f:
        while True:
            chunk = f.read(BLOCK_BYTES)
            if line == 1 and not carry and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8):]
            data = carry + chunk if carry else chunk
            if not chunk:
                if data:
                    yield RawBlock(line, data)
                return
            cut = data.rfind(b"\n")
            block, carry = (data[: cut + 1], data[cut + 1:]) if cut >= 0 else (b"", data)
            if len(carry) > MAX_LINE_BYTES:
                raise _long_line(source.path, line + block.count(b"\n"))
            if block:
                yield RawBlock(line, block)
                line += block.count(b"\n")


def _long_line(path, line: int) -> InputError:
    return InputError(path, f"line is longer than {MAX_LINE_BYTES // 2**20} MB", line=line,
                      hint="no training example is that long: the file probably lacks line breaks "
                           "(an array saved as .jsonl?) - write one example per line")


def parse_block(block) -> tuple[list[tuple[int, dict | ParseProblem]], int]:
    """Parse one block into ``(line, value)`` pairs; returns them and the number of blank lines skipped."""
    if not isinstance(block, RawBlock):
        return block, 0
    out = []
    blank = 0
    lines = block.data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the piece after the final line break
    for line, raw in enumerate(lines, block.first_line):
        text = raw.strip()
        if text:
            out.append((line, _parse_json_line(text, line)))
        else:
            blank += 1
    return out, blank


def _parse_json_line(raw: bytes, line: int):
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return ParseProblem("invalid_utf8", line,
                            f"byte 0x{raw[error.start]:02x} at column {error.start + 1} is not UTF-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return ParseProblem("invalid_json", line, f"{error.msg} at column {error.colno}")
    except RecursionError:
        return ParseProblem("invalid_json", line, "nested too deeply")
    return ParseProblem("invalid_json_value", line,
                        "holds NaN/Infinity or a lone surrogate escape such as \\ud800, which the API rejects")


# --- JSON array ---------------------------------------------------------------------------------------------

def _json_blocks(source: Source) -> Iterator[list[tuple[int, dict]]]:
    """The examples of a JSON array, in blocks of ``ITEMS_PER_BLOCK`` ``(line, value)`` pairs, read
    incrementally (a file far larger than memory is fine)."""
    block: list = []
    with open(source.path, "rb") as f:
        array = _JsonArray(source.path, f)
        for item in array.values():
            block.append(item)
            if len(block) >= ITEMS_PER_BLOCK:
                yield block
                block = []
    if block:
        yield block


class _JsonArray:
    """A JSON array read from a binary file a block at a time, its values decoded one by one with their line."""

    def __init__(self, path: Path, f):
        self.path, self.f = path, f
        self.decoder = json.JSONDecoder()
        self.utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf, self.pos, self.line, self.eof = "", 0, 1, False

    def more(self, n: int = BLOCK_BYTES) -> bool:
        """Read up to ``n`` more bytes into the buffer; False at the end of the file."""
        if self.eof:
            return False
        chunk = self.f.read(n)
        try:
            text = self.utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            raise InputError(self.path, "is not valid UTF-8", line=self.line + self.buf.count("\n", self.pos),
                             hint=f"byte 0x{chunk[error.start]:02x} - re-save the file as UTF-8") from None
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        self.eof = not chunk
        return True

    def skip(self, chars: str) -> str:
        """Move past ``chars`` (counting lines); the next character, or "" at the end of the file."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in chars:
                self.line += self.buf[self.pos] == "\n"
                self.pos += 1
            if self.pos < len(self.buf) or not self.more():
                return self.buf[self.pos:self.pos + 1]

    def values(self) -> Iterator[tuple[int, object]]:
        if self.skip(" \t\r\n") != "[":
            raise InputError(self.path, "a .json file must hold an array of examples or one example per line",
                             line=self.line)
        self.pos += 1
        while True:
            ch = self.skip(" \t\r\n,")
            if ch == "]":
                return
            if ch == "":
                raise InputError(self.path, "the JSON array is not closed (file truncated?)", line=self.line,
                                 hint="end it with ']'")
            value, end = self.decode()
            yield self.line, value
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end

    def decode(self) -> tuple[object, int]:
        """The value at the current position, reading more of the file until it is whole."""
        while True:
            try:
                return self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                if len(self.buf) - self.pos > MAX_LINE_BYTES:
                    raise _long_line(self.path, self.line) from None
                if not self.more(max(BLOCK_BYTES, len(self.buf))):
                    raise InputError(self.path, f"invalid JSON: {error.msg}",
                                     line=self.line + self.buf.count("\n", self.pos, error.pos)) from None


# --- CSV, TSV, TXT, XLSX: legacy prompt/completion tables ---------------------------------------------------

def _columns(source: Source, header: list, line: int = 1) -> dict[int, str]:
    """Column index -> key, with ``prompt``/``completion`` matched case-insensitively (as the legacy tool did)."""
    names = [str(h if h is not None else "").strip() for h in header]
    lower = [n.lower() for n in names]
    missing = [c for c in source.required if c not in lower]
    if missing:
        shown = ", ".join(repr(n) for n in names if n) or "none"
        raise InputError(source.path, f"no {' and no '.join(repr(m) for m in missing)} column (columns: {shown})",
                         line=line, hint="name the columns 'prompt' and 'completion' in the first row")
    renamed = [n for n in names if n.lower() in ("prompt", "completion") and n not in ("prompt", "completion")]
    if renamed:
        source.notes.append(f"columns {', '.join(renamed)} read as {', '.join(n.lower() for n in renamed)}")
    return {i: (n.lower() if n.lower() in ("prompt", "completion") else n) for i, n in enumerate(names) if n}


def _text_lines(source: Source, hint: str = "re-save the file as UTF-8") -> Iterator[str]:
    """The file's lines decoded one by one, so a bad byte is reported on its own line."""
    with open(source.path, "rb") as f:
        for line, raw in enumerate(f, 1):
            try:
                yield raw.decode("utf-8-sig" if line == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise InputError(source.path, "is not valid UTF-8", line=line,
                                 hint=f"byte 0x{raw[error.start]:02x} at column {error.start + 1}; {hint}") from None


def _table_blocks(source: Source) -> Iterator[list[tuple[int, dict]]]:
    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(_text_lines(source, "re-save it as UTF-8 (in Excel: Save As > CSV UTF-8)"),
                        delimiter="\t" if source.kind == "tsv" else ",")
    block: list = []
    start = 1
    columns = None
    try:
        for row in reader:
            if columns is None:
                columns = _columns(source, row)
            elif any(cell.strip() for cell in row):
                block.append((start, {key: (row[i] if i < len(row) else "") for i, key in columns.items()}))
                if len(block) >= ITEMS_PER_BLOCK:
                    yield block
                    block = []
            start = reader.line_num + 1
    except csv.Error as error:
        raise InputError(source.path, f"is not valid {source.kind.upper()}: {error}", line=reader.line_num,
                         hint="check the quoting on that line") from None
    if block:
        yield block


def _txt_blocks(source: Source) -> Iterator[list[tuple[int, dict]]]:
    block: list = []
    for line, text in enumerate(_text_lines(source), 1):
        text = text.rstrip("\r\n")
        if text.strip():  # each non-empty line is a completion with an empty prompt, as the legacy tool did
            block.append((line, {"prompt": "", "completion": text}))
            if len(block) >= ITEMS_PER_BLOCK:
                yield block
                block = []
    if block:
        yield block


def _xlsx_blocks(source: Source) -> Iterator[list[tuple[int, dict]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(source.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(source.path, f"cannot be opened as an Excel workbook ({error})",
                         hint="open and re-save it in your spreadsheet program, or export it as .csv") from None
    try:
        sheet = book.worksheets[0]
        if len(book.worksheets) > 1:
            source.notes.append(f"read the first sheet '{sheet.title}' only; the workbook has "
                                f"{len(book.worksheets)} sheets")
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(c is not None and str(c).strip() for c in header):
            raise InputError(source.path, f"sheet '{sheet.title}' has no rows",
                             hint="put 'prompt' and 'completion' in the first row and one example per row below")
        columns = _columns(source, list(header))
        block: list = []
        seen = 0
        for number, row in enumerate(rows, 2):
            cells = {key: _cell(row[i] if i < len(row) else None) for i, key in columns.items()}
            if not any(v.strip() for v in cells.values()):
                continue
            seen += 1
            block.append((number, cells))
            if len(block) >= ITEMS_PER_BLOCK:
                yield block
                block = []
        if block:
            yield block
        if not seen:
            raise InputError(source.path, f"sheet '{sheet.title}' has a header row but no examples", line=2,
                             hint="put one example per row below the header")
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

