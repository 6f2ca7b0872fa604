"""What the deduplicator has seen, in a temporary SQLite file, so a build's memory does not grow with its input.

- exact keys (a 16-byte hash of each example) with the item id they came from;
- near-duplicate signatures (MinHash hash values) by item number;
- the LSH buckets of datasketch's ``MinHashLSH``, through its storage interface: datasketch still chooses the
  bands and rows for the threshold, hashes the bands and answers queries; SQLite only holds the buckets.

SQLite's page cache is capped (``CACHE_KIB``); the file is deleted when the index is closed.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile

CACHE_KIB = 16 * 1024

_SCHEMA = """
CREATE TABLE exact (key BLOB PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE items (item INTEGER PRIMARY KEY, id TEXT NOT NULL, signature BLOB NOT NULL);
CREATE TABLE buckets (band INTEGER NOT NULL, hash BLOB NOT NULL, item INTEGER NOT NULL);
CREATE INDEX buckets_by_hash ON buckets (band, hash);
"""


class SeenIndex:
    def __init__(self):
        handle, self.path = tempfile.mkstemp(prefix="ftcook-seen-", suffix=".sqlite")
        os.close(handle)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}", "temp_store=FILE"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN")
        self.items = 0

    def first_with(self, key: bytes, item_id: str) -> str | None:
        """The id of the earlier item with exact key ``key``; else remember ``item_id`` under it."""
        row = self.db.execute("SELECT id FROM exact WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.db.execute("INSERT INTO exact VALUES (?, ?)", (key, item_id))
            return None
        return row[0]

    def add_item(self, item_id: str, signature: bytes) -> int:
        number = self.items
        self.db.execute("INSERT INTO items VALUES (?, ?, ?)", (number, item_id, signature))
        self.items += 1
        return number

    def signatures(self, numbers: list[int]) -> list[tuple[int, str, bytes]]:
        marks = ",".join("?" * len(numbers))
        return self.db.execute(f"SELECT item, id, signature FROM items WHERE item IN ({marks}) ORDER BY item",
                               numbers).fetchall()

    def install(self, lsh) -> None:
        """Make datasketch's ``MinHashLSH`` keep its buckets here instead of in dicts."""
        from .lsh_storage import Buckets, Unkept  # datasketch: imported only when near-duplicates are searched

        lsh.hashtables = [Buckets(self.db, band) for band in range(lsh.b)]
        lsh.keys = Unkept()

    def close(self) -> None:
        self.db.close()
        os.unlink(self.path)
