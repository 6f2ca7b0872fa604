"""The messages a reply may quote, by chat and message id, in a temporary SQLite database: a reply can answer a
message read long before (a Telegram reply to last year, a Slack thread to its first message), and keeping every
message in memory would grow with the export."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from .message import ChatMessage

_BATCH = 5000


class MessageIndex:
    def __init__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="ftcook-chat-")
        self._db = sqlite3.connect(Path(self._folder.name) / "messages.db")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE messages (chat TEXT, id TEXT, sender TEXT, text TEXT, PRIMARY KEY (chat, id))"
                         " WITHOUT ROWID")
        self._pending: list[tuple[str, str, str, str]] = []

    def add(self, message: ChatMessage) -> None:
        if message.id is not None:
            self._pending.append((message.chat, message.id, message.sender, message.text))
            if len(self._pending) >= _BATCH:
                self._flush()

    def get(self, chat: str, ident: str) -> ChatMessage | None:
        self._flush()
        row = self._db.execute("SELECT sender, text FROM messages WHERE chat = ? AND id = ?", (chat, ident)).fetchone()
        return ChatMessage(chat, "", row[0], None, row[1], id=ident) if row else None

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?)", self._pending)
            self._pending.clear()

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()

    def __enter__(self) -> "MessageIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
