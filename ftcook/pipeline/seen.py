"""What the deduplicator has seen: the first items in memory (fast), later ones in a temporary SQLite file, so a
build's memory stops growing with its input.

- exact keys (a 16-byte hash of each example) with the item id they came from;
- near-duplicate signatures (MinHash hash values) by item number;
- the LSH buckets: for each band of a signature (its key, made with the signature: dedupe.py), the items whose
  signatures have the same band.

Up to ``MEMORY_ITEMS`` keys and signatures (about 20 MB with their buckets) stay in dicts and a numpy array; a
book, a mailbox or a chat of that size never opens the file. Past that, new ones go to SQLite, whose page cache
is capped (``CACHE_KIB``); lookups ask memory first, then the file. The file is deleted when the index is closed.
In memory a bucket is found by Python's hash of its band key: a rare collision only adds a candidate, and every
candidate is confirmed by its signature.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile

import numpy as np

MEMORY_ITEMS = 16_384
CACHE_KIB = 16 * 1024

_SCHEMA = """
CREATE TABLE exact (key BLOB PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE items (item INTEGER PRIMARY KEY, id TEXT NOT NULL, signature BLOB NOT NULL);
CREATE TABLE buckets (band INTEGER NOT NULL, hash BLOB NOT NULL, item INTEGER NOT NULL);
CREATE INDEX buckets_by_hash ON buckets (band, hash);
"""


class SeenIndex:
    def __init__(self, memory_items: int | None = None):
        self.memory_items = MEMORY_ITEMS if memory_items is None else memory_items
        self.path: str | None = None  # the SQLite file, once memory is full
        self._db: sqlite3.Connection | None = None
        self.keys: dict[bytes, str] = {}
        self.ids: list[str] = []  # of the items in memory, by number
        self._signatures: np.ndarray | None = None  # their signatures, one row each (grown by doubling)
        self.dtype = np.dtype(np.uint64)  # of the signatures, as added
        self.buckets: list[dict[int, int | list[int]]] = []  # per band: hash of a band key -> items in memory
        self.items = 0

    @property
    def db(self) -> sqlite3.Connection:
        """The SQLite file, made on first use."""
        if self._db is None:
            handle, self.path = tempfile.mkstemp(prefix="ftcook-seen-", suffix=".sqlite")
            os.close(handle)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}", "temp_store=FILE"):
                self._db.execute(f"PRAGMA {pragma}")
            self._db.executescript(_SCHEMA)
            self._db.execute("BEGIN")
        return self._db

    @property
    def spilled(self) -> bool:
        """Whether anything was written to the file."""
        return self._db is not None

    def first_with(self, key: bytes, item_id: str) -> str | None:
        """The id of the earlier item with exact key ``key``; else remember ``item_id`` under it."""
        first = self.keys.get(key)
        if first is not None:
            return first
        if self.spilled:
            row = self.db.execute("SELECT id FROM exact WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return row[0]
        if len(self.keys) < self.memory_items:
            self.keys[key] = item_id
        else:
            self.db.execute("INSERT INTO exact VALUES (?, ?)", (key, item_id))
        return None

    def add_item(self, item_id: str, signature: np.ndarray, bands: tuple[bytes, ...]) -> None:
        """Remember a signature and put it in the buckets of its ``bands``."""
        number = self.items
        self.items += 1
        self.dtype = signature.dtype
        if number >= self.memory_items:
            self.db.execute("INSERT INTO items VALUES (?, ?, ?)", (number, item_id, signature.tobytes()))
            self.db.executemany("INSERT INTO buckets VALUES (?, ?, ?)",
                                [(band, key, number) for band, key in enumerate(bands)])
            return
        if self._signatures is None:
            self._signatures = np.empty((min(1024, self.memory_items), len(signature)), dtype=signature.dtype)
        elif number == len(self._signatures):
            grown = np.empty((min(2 * number, self.memory_items), self._signatures.shape[1]), self._signatures.dtype)
            grown[:number] = self._signatures
            self._signatures = grown
        self._signatures[number] = signature
        self.ids.append(item_id)
        self.buckets += [{} for _ in range(len(bands) - len(self.buckets))]
        for buckets, key in zip(self.buckets, bands):
            slot = hash(key)
            found = buckets.get(slot)
            if found is None:
                buckets[slot] = number
            elif isinstance(found, int):
                buckets[slot] = [found, number]
            else:
                found.append(number)

    def candidates(self, bands: tuple[bytes, ...]) -> set[int]:
        """The items that share at least one of ``bands``."""
        found = set()
        for buckets, key in zip(self.buckets, bands):
            items = buckets.get(hash(key))
            if items is not None:
                found.update((items,) if isinstance(items, int) else items)
        if self.spilled and bands:
            query = " UNION ".join(["SELECT item FROM buckets WHERE band = ? AND hash = ?"] * len(bands))
            found.update(item for (item,) in self.db.execute(query, [v for pair in enumerate(bands) for v in pair]))
        return found

    def signatures(self, numbers: set[int]) -> tuple[np.ndarray, list[int]]:
        """The signatures (one row each) of items ``numbers``, and the numbers in the rows' order."""
        numbers = list(numbers)
        if max(numbers) < self.memory_items:
            return self._signatures[numbers], numbers
        kept = [n for n in numbers if n < self.memory_items]
        rest = [n for n in numbers if n >= self.memory_items]
        found = self.db.execute(f"SELECT item, signature FROM items WHERE item IN ({','.join('?' * len(rest))})",
                                rest).fetchall()
        stored = np.frombuffer(b"".join(row[1] for row in found), dtype=self.dtype).reshape(len(found), -1)
        rows = np.concatenate([self._signatures[kept], stored]) if kept else stored
        return rows, kept + [row[0] for row in found]

    def item_id(self, number: int) -> str:
        if number < self.memory_items:
            return self.ids[number]
        return self.db.execute("SELECT id FROM items WHERE item = ?", (number,)).fetchone()[0]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            os.unlink(self.path)
            self._db = None
