"""datasketch storage classes that keep ``MinHashLSH``'s buckets in the ``SeenIndex`` SQLite file (seen.py)."""

from __future__ import annotations

import sqlite3

from datasketch.storage import OrderedStorage, UnorderedStorage


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
