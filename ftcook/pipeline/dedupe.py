"""Duplicates: exact (same normalised system, prompt and completion) and near (MinHash/LSH from datasketch).

Near-duplicates compare character 5-gram shingles, which work for every script (no word splitting, so Chinese
and Japanese are handled like English). Shingles are hashed with numpy in one pass per text and handed to
datasketch's ``MinHash.update_batch``; LSH finds candidates and each candidate is confirmed with the MinHash
estimate of Jaccard similarity before an example is skipped. The first of two near-duplicates is kept.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..example import Example

SHINGLE = 5
NUM_PERM = 64
MIN_NEAR_CHARS = 50  # shorter texts are compared exactly only: a few shingles say little
_MULTIPLIER = np.uint64(1_000_003)


def shingle_hashes(text: str, k: int = SHINGLE) -> list[int]:
    """The distinct 32-bit hashes of the character k-grams of ``text`` (a polynomial hash of code points).

    >>> len(shingle_hashes("abcdefg")), shingle_hashes("abcdefg") == shingle_hashes("abcdefg")
    (3, True)
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(points) - k + 1
    if n <= 0:
        return []
    h = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        h = h * _MULTIPLIER + points[i:i + n]
    return np.unique(h >> np.uint64(32)).tolist()


class Deduper:
    """Remembers what it has seen; ``check`` says whether an example repeats an earlier one."""

    def __init__(self, near_threshold: float | None = 0.85):
        self.exact: dict[bytes, str] = {}
        self.threshold = near_threshold
        self._signatures: list[np.ndarray] = []
        self._ids: list[str] = []
        self._lsh = None
        if near_threshold:
            from datasketch import MinHashLSH

            # recall matters more than precision here: every candidate is confirmed below
            self._lsh = MinHashLSH(threshold=near_threshold, num_perm=NUM_PERM, weights=(0.3, 0.7))
            from datasketch import MinHash

            template = MinHash(num_perm=NUM_PERM, hashfunc=int)
            self._permutations, self._scheme = template.permutations, template.scheme  # made once, not per text

    def check(self, example: Example) -> tuple[str, str] | None:
        """(reason, detail) for a duplicate or near-duplicate of an earlier example; else remember it."""
        key = hashlib.blake2b(f"{example.system or ''}\x1f{example.prompt}\x1f{example.completion}".encode(),
                              digest_size=16).digest()
        first = self.exact.get(key)
        if first is not None:
            return "duplicate", f"same as {first}"
        self.exact[key] = example.id
        text = f"{example.prompt}\n{example.completion}".strip()
        if self._lsh is None or len(text) < MIN_NEAR_CHARS:
            return None
        from datasketch import MinHash

        minhash = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=self._permutations,
                          scheme=self._scheme)
        minhash.update_batch(shingle_hashes(text))
        signature = minhash.hashvalues
        for candidate in sorted(self._lsh.query(minhash)):
            similarity = float(np.mean(self._signatures[candidate] == signature))
            if similarity >= self.threshold:
                return "near_duplicate", f"{similarity:.0%} like {self._ids[candidate]}"
        self._lsh.insert(len(self._signatures), minhash, check_duplication=False)
        self._signatures.append(signature)
        self._ids.append(example.id)
        return None
