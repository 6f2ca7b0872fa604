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

from datasketch.storage import OrderedStorage, UnorderedStorage

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
        lsh.hashtables = [Buckets(self.db, band) for band in range(lsh.b)]
        lsh.keys = Unkept()

    def close(self) -> None:
        self.db.close()
        os.unlink(self.path)


class Buckets(UnorderedStorage):
    """One band's buckets of ``MinHashLSH``: band hash -> item numbers."""

    def __init__(self, db: sqlite3.Connection, band: int):
        self.db, self.band = db, band

    def get(self, key):
        rows = self.db.execute("SELECT item FROM buckets WHERE band = ? AND hash = ?", (self.band, key)).fetchall()
        return {item for (item,) in rows}

    def insert(self, key, *vals, **kwargs):
        self.db.executemany("INSERT INTO buckets VALUES (?, ?, ?)", [(self.band, key, v) for v in vals])

    def keys(self):
        return [row[0] for row in self.db.execute("SELECT DISTINCT hash FROM buckets WHERE band = ?", (self.band,))]

    def remove(self, *keys, **kwargs):
        raise NotImplementedError("the build's index only grows")

    def remove_val(self, key, val, **kwargs):
        raise NotImplementedError("the build's index only grows")

    def size(self) -> int:
        return self.db.execute("SELECT COUNT(DISTINCT hash) FROM buckets WHERE band = ?", (self.band,)).fetchone()[0]

    def itemcounts(self, **kwargs) -> dict:
        rows = self.db.execute("SELECT hash, COUNT(*) FROM buckets WHERE band = ? GROUP BY hash", (self.band,))
        return dict(rows.fetchall())

    def has_key(self, key) -> bool:
        return bool(self.get(key))


class Unkept(OrderedStorage):
    """``MinHashLSH`` keeps each key's band hashes for removal; the build never removes, so they are not kept."""

    def keys(self):
        return []

    def get(self, key):
        return []

    def insert(self, key, *vals, **kwargs):
        pass

    def remove(self, *keys, **kwargs):
        raise NotImplementedError("the build's index only grows")

    def remove_val(self, key, val, **kwargs):
        raise NotImplementedError("the build's index only grows")

    def size(self) -> int:
        return 0

    def itemcounts(self, **kwargs) -> dict:
        return {}

    def has_key(self, key) -> bool:
        return False
