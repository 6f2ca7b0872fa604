"""The thread index: every parsed message, found by position, Message-ID or thread subject. In memory while its
messages are small in all; past ``MEMORY_BYTES`` in a temporary SQLite file (deleted when closed), so a multi-GB
mailbox is threaded with flat memory. Both give the same answers, in the same order."""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from contextlib import contextmanager
from itertools import islice
from typing import Iterator, NamedTuple

import orjson

from .message import Mail

_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd|wg|tr|sv|vs|antw|rv|r|ref|rif|odp|回复|回覆|答复|转发|轉寄|返信|転送)"
                     r"\s*(\[\d+\])?\s*[:：]\s*|\[[^\]]{1,40}\]\s*)+", re.IGNORECASE)
_REPLY = re.compile(r"^\s*(re|aw|sv|vs|antw|rv|r|odp|回复|回覆|答复|返信)\s*(\[\d+\])?\s*[:：]", re.IGNORECASE)


def topic(subject: str) -> str:
    """A subject without reply/forward prefixes and list tags, for matching a thread.

    >>> topic("RE: AW: [team] Fwd: Lunch  on Friday"), topic("回复：周五午饭")
    ('lunch on friday', '周五午饭')
    """
    return " ".join(_PREFIX.sub("", subject).split()).lower()


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY.match(subject))


class Stored(NamedTuple):
    """A message as the index keeps it, made where it was parsed (a helper process sends bytes, which cost next
    to nothing to pass, rather than ``Mail`` objects): what the index finds it by, who wrote it, its headers'
    ``Mail`` and, when it was read whole, that ``Mail``, serialised."""

    msgid: str | None
    topic: str
    sender: str
    sender_name: str
    data: bytes
    where: bytes  # [place, folder, locator]
    whole: bytes | None = None


def stored(mail: Mail, locator: tuple, whole: Mail | None = None) -> Stored:
    return Stored(mail.message_id, topic(mail.subject), mail.sender, mail.sender_name, serialised(mail),
                  orjson.dumps([mail.place, mail.folder, locator]), serialised(whole) if whole is not None else None)


def serialised(mail: Mail) -> bytes:
    return orjson.dumps(mail.to_dict())


#: what the index keeps in memory (the first pass's stored messages, about ``ROW_BYTES`` each besides their bytes)
#: before it moves into a file; the second pass's messages read whole can take it past that. A 30 MB mailbox of
#: short mail (9,020 messages) holds 13 MB, a 1 GB one of long mail (13,929) 14 MB: in memory no SQL statement is
#: run a message added or looked up (7.8 % of the short mailbox's build)
MEMORY_BYTES = 32 * 1024 * 1024
ROW_BYTES = 250


class MailIndex:
    """``add`` every message in order, ``finish``, then ask (the methods of ``_Memory`` and ``_File``, which answer
    alike). The messages are kept in memory until they hold ``memory_bytes``; then in a file."""

    def __init__(self, memory_bytes: int | None = None):
        self.memory_bytes = MEMORY_BYTES if memory_bytes is None else memory_bytes
        self._rows: _Memory | _File = _Memory()

    def add(self, pos: int, message: "Stored", mine: bool) -> None:
        """A message as its headers say; the message read whole, when it was, is kept aside: it replaces the
        headers' ``Mail`` only if the dataset needs it (``use_whole``), so what is used never depends on when it
        was read."""
        self._rows.add(pos, message, mine)
        if isinstance(self._rows, _Memory) and self._rows.bytes > self.memory_bytes:
            self._rows = _File.moved(self._rows)

    def __getattr__(self, name: str):
        return getattr(self.__dict__["_rows"], name)

    def __enter__(self) -> "MailIndex":
        return self

    def __exit__(self, *exc) -> None:
        self._rows.close()


class _Memory:
    """The index in dicts and lists: rows by position ([msgid, topic, mine, data, locator, whole]), first positions by
    Message-ID, and (after ``finish``) other people's positions by thread subject."""

    def __init__(self):
        self.rows: list[list] = []
        self.first: dict[str, int] = {}
        self.topics: dict[str, list[int]] = {}
        self.bytes = 0

    def close(self) -> None:
        self.rows, self.first, self.topics = [], {}, {}

    def add(self, pos: int, message: "Stored", mine: bool) -> None:
        if pos != len(self.rows):
            raise ValueError(f"messages are added in order: {pos} after {len(self.rows) - 1}")
        self.rows.append([message.msgid, message.topic, mine, message.data, message.where, message.whole])
        if message.msgid is not None:
            self.first.setdefault(message.msgid, pos)
        self.bytes += len(message.data) + len(message.where) + len(message.whole or b"") + ROW_BYTES

    def finish(self) -> None:
        for pos, row in enumerate(self.rows):
            if not row[2]:
                self.topics.setdefault(row[1], []).append(pos)

    def use_whole(self, positions: list[int]) -> list[tuple[int, list]]:
        located = []
        for pos in sorted(set(positions)):
            row = self.rows[pos]
            if row[5] is not None:
                row[3] = row[5]
            else:
                located.append((pos, orjson.loads(row[4])))
        return located

    def update(self, read: list[tuple[int, bytes]]) -> None:
        for pos, data in read:
            self.rows[pos][3] = data

    def at(self, pos: int) -> Mail:
        return _mail(self.rows[pos][3])

    def mine_positions(self) -> list[tuple[int, Mail]]:
        return [(pos, _mail(row[3])) for pos, row in enumerate(self.rows) if row[2]]

    def topic_positions(self, subject: str, exclude_pos: int, most: int) -> list[tuple[int, str]]:
        return [(pos, self.rows[pos][0]) for pos in islice(self._topic(subject, exclude_pos), most)]

    def _topic(self, subject: str, exclude_pos: int) -> Iterator[int]:
        return (pos for pos in self.topics.get(topic(subject), ()) if pos != exclude_pos)

    def all(self) -> Iterator[tuple[int, bool, Mail, int | None]]:
        for pos, (msgid, _, mine, data, _, _) in enumerate(self.rows):
            yield pos, bool(mine), _mail(data), self.first.get(msgid) if msgid is not None else None

    def count_mine(self) -> int:
        return sum(1 for row in self.rows if row[2])

    def mine(self) -> Iterator[Mail]:
        return (_mail(row[3]) for row in self.rows if row[2])

    def first_positions(self, message_ids: set[str]) -> dict[str, int]:
        return {i: self.first[i] for i in message_ids if i in self.first}

    def first_pos(self, message_id: str | None) -> int | None:
        return self.first.get(message_id) if message_id else None

    def by_id(self, message_id: str | None) -> Mail | None:
        pos = self.first_pos(message_id)
        return None if pos is None else _mail(self.rows[pos][3])

    def by_topic(self, subject: str, exclude_pos: int) -> list[Mail]:
        return [_mail(self.rows[pos][3]) for pos in islice(self._topic(subject, exclude_pos), TOPIC_MOST)]


#: messages of one thread subject that ``by_topic`` gives at most
TOPIC_MOST = 200
_INSERT = "INSERT INTO mail VALUES (?, ?, ?, ?, ?, ?, ?)"


class _File:
    """The index in a temporary SQLite file, one row a message."""

    def __init__(self):
        handle, self.path = tempfile.mkstemp(prefix="ftcook-mail-", suffix=".sqlite")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE mail(pos INTEGER PRIMARY KEY, msgid TEXT, topic TEXT, mine INTEGER, data BLOB,
                              locator BLOB, whole BLOB);
        """)

    @classmethod
    def moved(cls, memory: _Memory) -> "_File":
        """A file holding what ``memory`` held (added, not yet finished), which is emptied."""
        file = cls()
        try:
            file.db.executemany(_INSERT, ((pos, *row[:2], int(row[2]), *row[3:])
                                          for pos, row in enumerate(memory.rows)))
        except BaseException:  # a full disk, Ctrl-C: no file left behind
            file.close()
            raise
        memory.close()
        return file

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
            os.unlink(self.path)

    def add(self, pos: int, message: "Stored", mine: bool) -> None:
        self.db.execute(_INSERT, (pos, message.msgid, message.topic, int(mine), message.data, message.where,
                                  message.whole))

    def use_whole(self, positions: list[int]) -> list[tuple[int, list]]:
        """The messages at ``positions`` read whole already replace their headers' ``Mail``; the others, to be
        read whole now, in order: (position, [place, folder, locator])."""
        with self._keys("needed", "pos INTEGER", positions):
            self.db.execute("UPDATE mail SET data = whole WHERE whole IS NOT NULL AND pos IN (SELECT pos FROM needed)")
            return [(pos, orjson.loads(locator)) for pos, locator in self.db.execute(
                "SELECT pos, locator FROM needed JOIN mail USING (pos) WHERE whole IS NULL ORDER BY pos")]

    def update(self, read: list[tuple[int, bytes]]) -> None:
        """The messages read whole (``serialised``), by position, replace what their headers said."""
        self.db.executemany("UPDATE mail SET data = ? WHERE pos = ?", [(data, pos) for pos, data in read])

    def at(self, pos: int) -> Mail:
        return _mail(self.db.execute("SELECT data FROM mail WHERE pos = ?", (pos,)).fetchone()[0])

    def mine_positions(self) -> list[tuple[int, Mail]]:
        return [(pos, _mail(data)) for pos, data in
                self.db.execute("SELECT pos, data FROM mail WHERE mine = 1 ORDER BY pos").fetchall()]

    def topic_positions(self, subject: str, exclude_pos: int, most: int) -> list[tuple[int, str]]:
        return self.db.execute("SELECT pos, msgid FROM mail WHERE topic = ? AND mine = 0 AND pos != ? ORDER BY pos "
                               "LIMIT ?", (topic(subject), exclude_pos, most)).fetchall()

    def finish(self) -> None:
        """Index the columns once everything is in (faster than indexing while inserting)."""
        self.db.executescript("CREATE INDEX mail_msgid ON mail(msgid, pos); CREATE INDEX mail_topic ON mail(topic);")

    def all(self) -> Iterator[tuple[int, bool, Mail, int | None]]:
        """(position, yours?, Mail, where its Message-ID is first seen) of every message, in order."""
        rows = self.db.execute("SELECT pos, mine, data, first FROM mail LEFT JOIN (SELECT msgid, min(pos) AS first "
                               "FROM mail GROUP BY msgid) USING (msgid) ORDER BY pos")
        for pos, mine, data, first in rows:
            yield pos, bool(mine), _mail(data), first

    def count_mine(self) -> int:
        return self.db.execute("SELECT count(*) FROM mail WHERE mine = 1").fetchone()[0]

    def mine(self) -> Iterator[Mail]:
        for (data,) in self.db.execute("SELECT data FROM mail WHERE mine = 1 ORDER BY pos"):
            yield _mail(data)

    def first_positions(self, message_ids: set[str]) -> dict[str, int]:
        """Where each of ``message_ids`` that is in the index is first seen: one query for all of them."""
        with self._keys("ids", "msgid TEXT", message_ids):
            return dict(self.db.execute("SELECT ids.msgid, min(pos) FROM ids JOIN mail ON mail.msgid = ids.msgid "
                                        "GROUP BY ids.msgid"))

    @contextmanager
    def _keys(self, table: str, column: str, values) -> Iterator[None]:
        """A temporary table ``table`` of ``values`` (``column``: name and type, its key) while the block runs:
        one query joins it rather than one query a value."""
        self.db.execute(f"CREATE TEMP TABLE {table}({column} PRIMARY KEY)")
        try:
            self.db.executemany(f"INSERT INTO {table} VALUES (?)", ((value,) for value in values))
            yield
        finally:
            self.db.execute(f"DROP TABLE {table}")

    def first_pos(self, message_id: str | None) -> int | None:
        """Where a Message-ID is first seen (a later copy is a duplicate)."""
        if not message_id:
            return None
        row = self.db.execute("SELECT min(pos) FROM mail WHERE msgid = ?", (message_id,)).fetchone()
        return row[0]

    def by_id(self, message_id: str | None) -> Mail | None:
        if not message_id:
            return None
        row = self.db.execute("SELECT data FROM mail WHERE msgid = ? ORDER BY pos LIMIT 1", (message_id,)).fetchone()
        return _mail(row[0]) if row else None

    def by_topic(self, subject: str, exclude_pos: int) -> list[Mail]:
        """Messages of the same thread subject written by others."""
        rows = self.db.execute("SELECT data FROM mail WHERE topic = ? AND mine = 0 AND pos != ? ORDER BY pos LIMIT ?",
                               (topic(subject), exclude_pos, TOPIC_MOST))
        return [_mail(data) for (data,) in rows]


def _mail(data: bytes) -> Mail:
    """The ``Mail`` that ``serialised`` made ``data`` of: its fields set as ``to_dict`` gave them (the dataclass's
    ``__init__`` would only set them too; skipping it saves a third of the time, and every message is read back
    two or three times)."""
    fields = orjson.loads(data)
    if fields["to"]:
        fields["to"] = [tuple(x) for x in fields["to"]]
    if fields["cc"]:
        fields["cc"] = [tuple(x) for x in fields["cc"]]
    mail = object.__new__(Mail)
    mail.__dict__.update(fields)
    return mail
