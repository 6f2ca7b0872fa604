"""Duplicates: exact (same normalised system, prompt and completion) and near (MinHash/LSH from datasketch).

Near-duplicates compare completions, the text the model learns to write: prompts are often mostly template
wording ("Write the reply to this email. From: ..."), which would make short, different examples look alike.

Near-duplicates compare character 5-gram shingles, which work for every script (no word splitting, so Chinese
and Japanese are handled like English). Shingles are hashed with numpy in one pass per text, and one in four is
kept - chosen by its hash, so the same shingles are kept in every text and the Jaccard similarity of the kept
sets estimates that of the whole sets. They go to datasketch's ``MinHash.update_batch``; LSH finds candidates
and each candidate is confirmed with the MinHash estimate of Jaccard similarity before an example is skipped.
The first of two near-duplicates is kept.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..example import Example
from .seen import SeenIndex

SHINGLE = 5
NUM_PERM = 64
MIN_NEAR_CHARS = 50  # shorter completions are compared exactly only: a few shingles say little
SAMPLE_MASK = 3  # keep shingles whose hash is 0 modulo 4
_MULTIPLIER = np.uint64(1_000_003)


def shingle_hashes(text: str, k: int = SHINGLE) -> list[int]:
    """The distinct 32-bit hashes of the character k-grams of ``text`` (a polynomial hash of code points), the
    one in four whose hash is 0 modulo 4.

    >>> text = "abcdefghijklmnopqrstuvwxyz" * 4
    >>> hashes = shingle_hashes(text)
    >>> 0 < len(hashes) < 22 and all(h % 4 == 0 for h in hashes) and hashes == shingle_hashes(text)
    True
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(points) - k + 1
    if n <= 0:
        return []
    h = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        h = h * _MULTIPLIER + points[i:i + n]
    h >>= np.uint64(32)
    return np.unique(h[(h & np.uint64(SAMPLE_MASK)) == 0]).tolist()


class Fingerprint(NamedTuple):
    """What the duplicate search compares: the exact key's hash, and the MinHash signature of the completion
    (None when it is too short to compare or near-duplicates are not searched). Pure: computed anywhere, also in a
    helper process."""

    key: bytes
    signature: bytes | None


def fingerprint(example: Example, near: bool = True) -> Fingerprint:
    key = hashlib.blake2b(example.key().encode(), digest_size=16).digest()
    text = example.completion.strip()  # what the model learns to write; prompts share template wording
    if not near or len(text) < MIN_NEAR_CHARS:
        return Fingerprint(key, None)
    from datasketch import MinHash

    permutations, scheme, _ = _minhash_setup()
    minhash = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=permutations, scheme=scheme)
    minhash.update_batch(shingle_hashes(text))
    return Fingerprint(key, minhash.hashvalues.tobytes())


@lru_cache(maxsize=1)
def _minhash_setup():
    """datasketch's permutations, scheme and hash value type for ``NUM_PERM`` (seed 1): made once a process,
    not per text."""
    from datasketch import MinHash

    template = MinHash(num_perm=NUM_PERM, hashfunc=int)
    return template.permutations, template.scheme, template.hashvalues.dtype


class Deduper:
    """Remembers what it has seen (in a ``SeenIndex``: flat memory); ``check`` says whether an example repeats an
    earlier one, ``decide`` the same from a ``Fingerprint`` made earlier (the build makes them in helper
    processes). ``close`` deletes what it remembered."""

    def __init__(self, near_threshold: float | None = 0.85):
        # 1 asks for texts with the very same shingles: exact duplicates (MinHash LSH needs a threshold below 1)
        self.threshold = near_threshold if near_threshold is not None and near_threshold < 1 else None
        self.seen = SeenIndex()
        self._lsh = None  # made on the first text long enough to compare (datasketch imports scipy: slow)

    @property
    def near(self) -> bool:
        """Whether near-duplicates are searched (fingerprints need signatures)."""
        return self.threshold is not None

    def _near_index(self):
        if self._lsh is None:
            from datasketch import MinHashLSH

            # recall matters more than precision here: every candidate is confirmed below
            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM, weights=(0.3, 0.7))
            self.seen.install(self._lsh)
        return self._lsh

    def check(self, example: Example) -> tuple[str, str] | None:
        """(reason, detail) for a duplicate or near-duplicate of an earlier example; else remember it."""
        return self.decide(example.id, fingerprint(example, self.near))

    def decide(self, item_id: str, found: Fingerprint) -> tuple[str, str] | None:
        """``check`` of the example ``item_id`` whose fingerprint is ``found``."""
        first = self.seen.first_with(found.key, item_id)
        if first is not None:
            return "duplicate", f"same as {first}"
        if not self.near or found.signature is None:
            return None
        lsh = self._near_index()
        from datasketch import LeanMinHash

        _, scheme, dtype = _minhash_setup()
        signature = np.frombuffer(found.signature, dtype=dtype)
        minhash = LeanMinHash(seed=1, hashvalues=signature, scheme=scheme)
        candidates = lsh.query(minhash)
        if candidates:
            rows = self.seen.signatures(sorted(candidates))
            stored = np.frombuffer(b"".join(row[2] for row in rows), dtype=signature.dtype).reshape(len(rows), -1)
            similarity = np.mean(stored == signature, axis=1)
            close = np.flatnonzero(similarity >= self.threshold)
            if len(close):
                return "near_duplicate", f"{similarity[close[0]]:.0%} like {rows[close[0]][1]}"
        lsh.insert(self.seen.add_item(item_id, found.signature), minhash, check_duplication=False)
        return None

    def close(self) -> None:
        self.seen.close()

    def __enter__(self) -> "Deduper":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
