"""Duplicates: exact (same normalised system, prompt and completion) and near (MinHash signatures, LSH bands).

Near-duplicates compare completions, the text the model learns to write: prompts are often mostly template
wording ("Write the reply to this email. From: ..."), which would make short, different examples look alike.

Near-duplicates compare character 5-gram shingles, which work for every script (no word splitting, so Chinese
and Japanese are handled like English). Shingles are hashed with numpy in one pass per text, and one in four is
kept - chosen by its hash, so the same shingles are kept in every text and the Jaccard similarity of the kept
sets estimates that of the whole sets. A text's MinHash signature is, for each of ``NUM_PERM`` hash functions,
the least hash of its shingles; the functions are multiply-add-shift hashes, ``(a * x + b) mod 2**64 >> 32`` with
random 64-bit ``a`` and ``b`` - a universal family for 32-bit keys (Dietzfelbinger, 1996) that numpy computes for
all shingles and functions at once. The share of equal values in two signatures estimates the Jaccard
similarity of the two texts.

Candidates are found by LSH: the signature is cut into ``b`` bands of ``r`` values, and texts that agree on a
whole band are compared. ``b`` and ``r`` are chosen for the threshold as in Leskovec, Rajaraman and Ullman,
*Mining of Massive Datasets*, ch. 3.4, by weighing the chances of missing a pair above the threshold and of
comparing one below it; every candidate is confirmed with the signature estimate before an example is skipped.
The first of two near-duplicates is kept.

This is numpy rather than datasketch, whose package imports scipy.integrate on the way in: 0.5-0.6 s, more than
half of a small build's whole time, for an integral computed once.
"""

from __future__ import annotations

import hashlib
import math
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
#: the MinHash functions' a and b: random 64-bit numbers, the same in every process and run (SHAKE-128 of a fixed
#: seed; numpy.random would cost every build 15 ms to import)
_A, _B = np.frombuffer(hashlib.shake_128(b"ftcook minhash").digest(2 * NUM_PERM * 8), dtype="<u8").astype(
    np.uint64).reshape(2, NUM_PERM)
_CHUNK = 4096  # shingles hashed at once (a 4096 x NUM_PERM array: 2 MB)


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """The distinct 32-bit hashes of the character k-grams of ``text`` (a polynomial hash of code points), the
    one in four whose hash is 0 modulo 4.

    >>> text = "abcdefghijklmnopqrstuvwxyz" * 4
    >>> hashes = shingle_hashes(text)
    >>> bool(0 < len(hashes) < 22 and (hashes % 4 == 0).all() and (hashes == shingle_hashes(text)).all())
    True
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(points) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        h = h * _MULTIPLIER + points[i:i + n]
    h >>= np.uint64(32)
    h = np.sort(h[(h & np.uint64(SAMPLE_MASK)) == 0])
    return h[np.concatenate(([True], h[1:] != h[:-1]))] if len(h) else h  # np.unique imports numpy.ma: 10 ms


def minhash(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` 32-bit values) of a non-empty set of 32-bit shingle hashes.

    >>> one, two = np.arange(0, 400, 4, dtype=np.uint64), np.arange(40, 440, 4, dtype=np.uint64)  # Jaccard 0.82
    >>> round(float(np.mean(minhash(one) == minhash(two))), 1)
    0.8
    """
    least = None
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start:start + _CHUNK, None]
        values = ((chunk * _A + _B) >> np.uint64(32)).min(axis=0)
        least = values if least is None else np.minimum(least, values)
    return least.astype(np.uint32)


@lru_cache(maxsize=8)
def bands(threshold: float, false_positive_weight: float = 0.3) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each LSH band of a signature for ``threshold``: the ``b`` bands of ``r`` values
    (``b * r <= NUM_PERM``) that make the least weighted sum of the chance of comparing pairs below the threshold
    and of missing pairs above it. Recall matters more than precision here (every candidate is confirmed), so a
    miss weighs 0.7 and a needless comparison 0.3.

    >>> bands(0.85)
    ((0, 12), (12, 24), (24, 36), (36, 48), (48, 60))
    """
    similarity = np.linspace(0.0, 1.0, 2001)
    below, above = similarity <= threshold, similarity >= threshold
    best, best_cost = (1, NUM_PERM), float("inf")
    for b in range(1, NUM_PERM + 1):
        for r in range(1, NUM_PERM // b + 1):
            compared = 1 - (1 - similarity ** r) ** b  # the chance that two texts this alike share a band
            cost = (false_positive_weight * _area(compared[below], similarity[below])
                    + (1 - false_positive_weight) * _area(1 - compared[above], similarity[above]))
            if cost < best_cost:
                best, best_cost = (b, r), cost
    b, r = best
    return tuple((i * r, (i + 1) * r) for i in range(b))


def _area(y: np.ndarray, x: np.ndarray) -> float:
    """The area under ``y`` over ``x`` (trapezoids)."""
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)


class Fingerprint(NamedTuple):
    """What the duplicate search compares: the exact key's hash; the MinHash signature of the completion and its
    LSH band keys (None when it is too short to compare or near-duplicates are not searched). Pure: computed
    anywhere, also in a helper process."""

    key: bytes
    signature: bytes | None = None
    bands: tuple[bytes, ...] = ()


def fingerprint(example: Example, threshold: float | None = 0.85) -> Fingerprint:
    """The fingerprint of ``example`` for a near-duplicate ``threshold`` (None: exact duplicates only)."""
    key = hashlib.blake2b(example.key().encode(), digest_size=16).digest()
    text = example.completion.strip()  # what the model learns to write; prompts share template wording
    hashes = shingle_hashes(text) if threshold is not None and len(text) >= MIN_NEAR_CHARS else ()
    if not len(hashes):  # too short to compare, no near-duplicate search, or (rarely) no shingle sampled
        return Fingerprint(key)
    signature = minhash(hashes)
    keys = tuple(signature[start:end].tobytes() for start, end in bands(threshold))
    return Fingerprint(key, signature.tobytes(), keys)


class Deduper:
    """Remembers what it has seen (in a ``SeenIndex``: memory, then a file); ``check`` says whether an example
    repeats an earlier one, ``decide`` the same from a ``Fingerprint`` made earlier (the build makes them in
    helper processes). ``close`` deletes what it remembered."""

    def __init__(self, near_threshold: float | None = 0.85):
        # 1 asks for texts with the very same shingles: exact duplicates (MinHash LSH needs a threshold below 1)
        self.threshold = near_threshold if near_threshold is not None and near_threshold < 1 else None
        self._agree = math.ceil((self.threshold or 0) * NUM_PERM - 1e-9)  # signature values equal: near-duplicate
        self.seen = SeenIndex()

    def check(self, example: Example) -> tuple[str, str] | None:
        """(reason, detail) for a duplicate or near-duplicate of an earlier example; else remember it."""
        return self.decide(example.id, fingerprint(example, self.threshold))

    def decide(self, item_id: str, found: Fingerprint) -> tuple[str, str] | None:
        """``check`` of the example ``item_id`` whose fingerprint is ``found``: an exact match of its key, else a
        signature in one of its LSH buckets that agrees on at least ``threshold`` of its values."""
        first = self.seen.first_with(found.key, item_id)
        if first is not None:
            return "duplicate", f"same as {first}"
        if self.threshold is None or found.signature is None:
            return None
        signature = np.frombuffer(found.signature, dtype=np.uint32)
        candidates = self.seen.candidates(found.bands)
        if candidates:
            stored, numbers = self.seen.signatures(candidates)
            agree = (stored == signature).sum(axis=1)
            close = np.flatnonzero(agree >= self._agree).tolist()
            if close:
                first = min(close, key=numbers.__getitem__)  # the earliest of the close ones
                return "near_duplicate", f"{agree[first] / NUM_PERM:.0%} like {self.seen.item_id(numbers[first])}"
        self.seen.add_item(item_id, signature, found.bands)
        return None

    def close(self) -> None:
        self.seen.close()

    def __enter__(self) -> "Deduper":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
