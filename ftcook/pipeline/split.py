"""The train/valid split: by a hash of the example (and the seed), so it is the same on every run and an example
stays on its side when items are added or removed."""

from __future__ import annotations

import hashlib

from ..example import Example

TRAIN, VALID = "train", "valid"


def side(example: Example, valid_fraction: float, seed: int) -> str:
    """``valid`` for about ``valid_fraction`` of examples, chosen by content (or by ``meta["group"]``, so a group
    such as a chapter stays together), else ``train``.

    >>> side(Example("Q", "A"), 0.0, 42), side(Example("Q", "A"), 1.0, 42)
    ('train', 'valid')
    """
    group = example.meta.get("group")
    if group:  # whole groups go to one side: the author recipe keeps whole chapters out of training
        key = f"{seed}\x1fgroup\x1f{group}".encode()
    else:
        key = f"{seed}\x1f{example.key()}".encode()
    point = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64
    return VALID if point < valid_fraction else TRAIN
