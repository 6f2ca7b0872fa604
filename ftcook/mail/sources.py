"""Mailboxes as streams of raw messages: mbox (plain or ``.gz``; Gmail Takeout, Thunderbird, Apple Mail's
``*.mbox`` folders), Maildir trees (stdlib ``mailbox.Maildir``; ``cur``/``new``, nested and Maildir++ folders),
folders of ``.eml`` files and single ``.eml`` files.

mbox files are split here rather than by ``mailbox.mbox``, which reads a whole table of contents first, cannot
read gzip, and raises on a ``From `` line with non-ASCII bytes. The rule is the usual one (a line starting with
``From `` after a blank line or at the start of the file) and ``>From `` lines are unescaped (mboxrd). Files are
read in blocks, so a mailbox of several GB is never in memory.
"""

from __future__ import annotations

import gzip
import zlib
import mailbox
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from ..pipeline.ledger import Skip

BLOCK = 4 * 1024 * 1024
HEAD_BYTES = 64 * 1024  # read first of a long message for its header block (``read_entries``)
#: folders/files whose names say they hold the mail "me" sent (lowercase; Gmail's label is "Sent")
SENT_NAMES = ("sent", "sent mail", "sent items", "sent messages", "gesendet", "gesendete elemente",
              "gesendete objekte", "envoyés", "éléments envoyés", "enviados", "elementos enviados", "inviata",
              "posta inviata", "已发送", "送信済み", "отправленные", "verzonden")
MBOX_SUFFIXES = (".mbox", ".mbx", ".mbs", "")
MAILDIR_PARTS = ("cur", "new")
_BOOKKEEPING = re.compile(r"^(table_of_contents|Info\.plist|maildirfolder|subscriptions|dovecot[.-].*|"
                          r"courierimap.*|\.?uidvalidity)$")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


@dataclass(frozen=True)
class MailSource:
    """One mailbox: ``kind`` is mbox, mbox.gz, maildir or eml; ``folder`` its name for Sent detection."""

    path: Path
    kind: str
    folder: str


@dataclass(frozen=True)
class RawMessage:
    """A message's bytes and where it is: ``place`` like ``"Sent.mbox:message 12 (byte 40960)"``; ``locator``
    finds it again (``read_again``): (start, end) byte offsets in an mbox, the key of a Maildir message."""

    place: str
    data: bytes
    folder: str
    locator: tuple = ()
    head_only: bool = False  # ``data`` is the header block alone (``messages`` with ``heads_above``)
    unread: bool = False  # ``data`` was not read (``messages`` without ``read``; ``read_entries`` reads it)


def is_sent_folder(name: str) -> bool:
    """Whether a folder name is a Sent folder, in the common clients and languages.

    >>> is_sent_folder("INBOX.Sent Items"), is_sent_folder("[Gmail]/Sent Mail"), is_sent_folder("Inbox")
    (True, True, False)
    """
    last = re.split(r"[./\\]", name.strip(". ").lower())[-1] if name else ""
    return last.removesuffix(".mbox") in SENT_NAMES or name.lower().removesuffix(".mbox") in SENT_NAMES


def discover(sources: list[Path]) -> Iterator[MailSource | Skip]:
    """The mailboxes in ``sources`` (files or folders, searched recursively); other files are skipped with
    ``unsupported_file``. Raises ``InputError`` for a source that does not exist."""
    from ..errors import InputError

    for source in map(Path, sources):
        if source.is_dir():
            yield from _walk(source, source)
        elif source.is_file():
            found = _file_kind(source)
            if found is None:
                raise InputError(source, "not a mailbox (no 'From ' line at the start and no mail headers)",
                                 hint="pass an mbox file, a Maildir folder, a folder of .eml files or an .eml file")
            yield MailSource(source, found, _folder_name(source))
        else:
            raise InputError(source, "no such file or folder")


def _walk(root: Path, folder: Path) -> Iterator[MailSource | Skip]:
    if _is_maildir(folder):
        yield MailSource(folder, "maildir", _folder_name(folder) if folder != root else folder.name)
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        yield Skip(str(folder), "unreadable", detail=f"cannot list the folder ({error.strerror or error})")
        return
    for path in entries:
        if path.name in MAILDIR_PARTS + ("tmp",) and _is_maildir(folder):
            continue
        if path.is_dir():
            yield from _walk(root, path)  # Maildir++ subfolders start with "." and are read too
        elif path.is_file():
            if path.name.startswith(".") or _BOOKKEEPING.match(path.name):
                continue  # mail clients' and servers' bookkeeping files, not mail
            kind = _file_kind(path)
            if kind is None:
                yield Skip(str(path), "unsupported_file", detail="not a mailbox or message (.msf, .dat, ...)")
            else:
                yield MailSource(path, kind, _folder_name(path))


def _is_maildir(folder: Path) -> bool:
    return all((folder / part).is_dir() for part in MAILDIR_PARTS)


def _folder_name(path: Path) -> str:
    """The mail folder a file or Maildir stands for: Apple Mail's ``Sent Messages.mbox/mbox`` → ``Sent
    Messages``; Maildir++ ``.Sent`` → ``Sent``; ``Sent.mbox.gz`` → ``Sent``."""
    name = path.name
    if name == "mbox" and path.parent.suffix == ".mbox":
        name = path.parent.name
    for suffix in (".gz", ".mbox", ".mbx", ".eml"):
        name = name.removesuffix(suffix)
    return name.lstrip(".")


def _file_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as f:
                head = f.read(5)
        except (OSError, EOFError, zlib.error):
            return None
        return "mbox.gz" if head == b"From " else None
    if name.endswith(".eml"):
        return "eml"
    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError:
        return None
    if head.startswith(b"From "):
        return "mbox"
    headers = re.match(rb"(?:[!-9;-~]+:[^\n]*\r?\n(?:[ \t][^\n]*\r?\n)*){2,}", head)
    if headers and path.suffix.lower() in ("", ".msg", ".txt", ".mail"):
        return "eml"  # a lone message without the .eml suffix (Maildir-style file copied out)
    return None


def messages(source: MailSource, heads_above: int | None = None, read: bool = True) -> Iterator[RawMessage]:
    """The raw messages of one mailbox, in file order; with ``heads_above`` (mbox files) only the header block
    of each message longer than that many bytes. With ``read`` false, a plain mbox's messages come unread
    (``RawMessage.unread``): where they are, for ``read_entries`` to read elsewhere (a helper process)."""
    if source.kind == "eml":
        yield RawMessage(source.path.name, source.path.read_bytes(), source.folder)
    elif source.kind == "maildir":
        yield from _maildir(source)
    else:
        opener = gzip.open if source.kind == "mbox.gz" else open
        unread = not read and source.kind == "mbox"
        number = 0
        with opener(source.path, "rb") as f:
            try:
                for number, (start, end, data) in enumerate(split_mbox(f, heads_above, cut=not unread), 1):
                    yield RawMessage(f"{source.path.name}:message {number} (byte {start})", data, source.folder,
                                     (start, end), _head_only(heads_above, end - start), unread)
            except (OSError, EOFError, zlib.error) as error:  # a damaged or cut gzip file: keep what was read
                yield RawMessage(f"{source.path.name}: unreadable after message {number} ({error})", b"",
                                 source.folder, ())


def read_again(source: MailSource, locators: list[tuple]) -> Iterator[bytes]:
    """The bytes of the messages at ``locators`` (from ``messages``, in file order) without reading the rest:
    seeks in a plain mbox, opens the files of a Maildir; a gzip mbox is decompressed again up to the last one."""
    if source.kind == "eml":
        for _ in locators:
            yield source.path.read_bytes()
    elif source.kind == "maildir":
        box = _open_maildir(source.path)
        for (key,) in locators:
            yield box.get_bytes(key)
    elif source.kind == "mbox":
        yield from read_entries(source, [tuple(locator) for locator in locators])
    else:
        wanted = iter(locators)
        target = next(wanted, None)
        with gzip.open(source.path, "rb") as f:
            for start, end, data in split_mbox(f):
                if target is None:
                    return
                if (start, end) == tuple(target):
                    yield data
                    target = next(wanted, None)


def read_entries(source: MailSource, locators: list[tuple[int, int]], heads_above: int | None = None
                 ) -> Iterator[bytes]:
    """What ``split_mbox(..., heads_above)`` gives for the entries of a plain mbox at ``locators`` ((start, end),
    in file order), without reading the rest of the file: a run of adjacent entries in one read, only the
    beginning of an entry longer than ``heads_above`` (as much as its header block needs)."""
    with open(source.path, "rb") as f:
        for run in _runs(locators, heads_above):
            start, end = run[0][0], run[-1][1]
            if len(run) == 1 and _head_only(heads_above, end - start):
                yield _read_head(f, start, end)
                continue
            f.seek(start)
            buffer = f.read(end - start)
            for first, last in run:
                yield _message(buffer, first - start, last - start)


def _runs(locators: list[tuple[int, int]], heads_above: int | None) -> Iterator[list[tuple[int, int]]]:
    """``locators`` in runs to read at once: each long entry alone, else up to ``BLOCK`` bytes of entries that
    follow one another."""
    run: list[tuple[int, int]] = []
    for start, end in locators:
        if run and (_head_only(heads_above, end - start) or start != run[-1][1] or end - run[0][0] > BLOCK):
            yield run
            run = []
        run.append((start, end))
        if _head_only(heads_above, end - start):
            yield run
            run = []
    if run:
        yield run


def _read_head(f, start: int, end: int) -> bytes:
    """The header block of the long mbox entry at [start, end) of the open file ``f`` (``_head``), reading only
    as much of it as shows where the block ends."""
    size = HEAD_BYTES
    while True:
        f.seek(start)
        chunk = f.read(min(size, end - start))
        head = _head(chunk, 0, len(chunk), whole=len(chunk) >= end - start)
        if head is not None:
            return head
        size *= 4


def _maildir(source: MailSource) -> Iterator[RawMessage]:
    box = _open_maildir(source.path)
    for key in sorted(box.iterkeys()):  # keys are unique file names, by delivery time: a stable order
        try:
            data = box.get_bytes(key)
        except (OSError, KeyError):
            continue  # removed while reading
        yield RawMessage(f"{source.path.name}/{key}", data, source.folder, (key,))


@lru_cache(maxsize=64)
def _open_maildir(path: Path) -> mailbox.Maildir:
    return mailbox.Maildir(path, factory=None, create=False)


def split_mbox(stream, heads_above: int | None = None, cut: bool = True) -> Iterator[tuple[int, int, bytes]]:
    """(start and end byte offsets, message bytes without the ``From `` line) for each message of an mbox;
    with ``heads_above`` just the header block of the messages longer than that many bytes (no copy of their
    bodies: the fast first pass); without ``cut`` the offsets alone (no bytes: ``b""``).

    >>> import io
    >>> [m for _, _, m in split_mbox(io.BytesIO(b"From a\\nX: 1\\n\\n>From here\\n\\nFrom b\\nX: 2\\n\\nhi\\n"))]
    [b'X: 1\\n\\nFrom here\\n', b'X: 2\\n\\nhi\\n']
    """
    read = getattr(stream, "read1", stream.read)  # gzip: what was decompressed is kept if the file is cut
    buffer = b""
    base = 0  # file offset of buffer[0]
    start = None  # offset in buffer of the current message's "From " line
    eof = False
    while not eof:
        block = read(BLOCK)
        eof = not block
        if start is None:
            buffer += block
            if not buffer.startswith(b"From "):
                first = buffer.find(b"\nFrom ")
                if first < 0:
                    if eof:
                        return
                    keep = max(0, len(buffer) - 6)
                    buffer, base = buffer[keep:], base + keep
                    continue
                buffer, base = buffer[first + 1:], base + first + 1
            start, search = 0, 1
        else:
            search = max(start + 1, len(buffer) - 8)  # what was searched already holds no separator
            buffer += block
        while True:
            at = _separator(buffer, search)
            if at < 0:
                break
            yield base + start, base + at, _entry(buffer, start, at, heads_above) if cut else b""
            start = search = at
        if eof:
            yield base + start, base + len(buffer), (_entry(buffer, start, len(buffer), heads_above)
                                                      if cut else b"")
        else:
            buffer, base, start = buffer[start:], base + start, 0


def _head_only(heads_above: int | None, size: int) -> bool:
    return heads_above is not None and size > heads_above


def _entry(buffer: bytes, start: int, end: int, heads_above: int | None = None) -> bytes:
    """What ``split_mbox`` gives for the mbox entry at buffer[start:end]: the message (``_message``), or, with
    ``heads_above`` and a longer entry, its header block (``_head``)."""
    return _head(buffer, start, end) if _head_only(heads_above, end - start) else _message(buffer, start, end)


def _head(buffer: bytes, start: int, end: int, whole: bool = True) -> bytes | None:
    """The header block of the mbox entry at buffer[start:end], without its ``From `` line. When that is only
    the beginning of the entry (not ``whole``), None if it may not show where the block ends."""
    line = buffer.find(b"\n", start, end)
    if line < 0:
        return b"" if whole else None
    blank = buffer.find(b"\n\n", line, end)
    crlf = buffer.find(b"\n\r\n", line, blank if blank >= 0 else end)
    # a blank line found here is the entry's first; a CRLF one too unless a blank line could start right after it
    if not whole and blank < 0 and (crlf < 0 or crlf + 4 > end):
        return None
    stop = crlf + 1 if crlf >= 0 else blank + 1 if blank >= 0 else end
    return buffer[line + 1:stop]


def _separator(buffer: bytes, search: int) -> int:
    """Where the next ``From `` line that follows a blank line (LF or CRLF) starts, or -1."""
    while True:
        at = buffer.find(b"\nFrom ", search)
        if at < 0:
            return -1
        if at >= 1 and (buffer[at - 1] == 10 or (buffer[at - 1] == 13 and at >= 2 and buffer[at - 2] == 10)):
            return at + 1
        search = at + 1


def _message(buffer: bytes, start: int, end: int) -> bytes:
    """The mbox entry at buffer[start:end] without its ``From `` line, with ``>From `` unescaped and the
    separator's blank line gone."""
    newline = buffer.find(b"\n", start, end)
    body = buffer[newline + 1:end] if newline >= 0 else b""
    if body.endswith(b"\r\n\r\n"):
        body = body[:-2]
    elif body.endswith(b"\n\n"):
        body = body[:-1]
    if b"\n>" in body and b"From " in body:
        body = _ESCAPED_FROM.sub(rb"\1", body)
    return body
