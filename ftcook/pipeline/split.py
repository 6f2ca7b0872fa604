"""The train/valid split: by a hash of the example (and the seed), so it is the same on every run and an example
stays on its side when items are added or removed."""

from __future__ import annotations

import hashlib

from ..example import Example

TRAIN, VALID = "train", "valid"


def point(example: Example, seed: int) -> float:
    """Where the example falls in [0, 1): by its group (a chapter, a conversation) where it has one, else by its
    content and the seed."""
    group = example.meta.get("group")
    if group:  # whole groups go to one side: the author recipe keeps whole chapters out of training
        key = f"{seed}\x1fgroup\x1f{group}".encode()
    else:
        key = f"{seed}\x1f{example.key()}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64


class Spare:
    """The training examples closest to the valid side, so that a small dataset whose hash split left valid.jsonl
    empty can still hold one out (the group of the lowest point: a whole chapter or conversation)."""

    def __init__(self):
        self.lowest: tuple[float, object] | None = None  # (point, group or line)
        self.lines: dict[object, list[int]] = {}

    def saw(self, example: Example, seed: int, line: int) -> None:
        where = point(example, seed)
        key = example.meta.get("group") or line
        self.lines.setdefault(key, []).append(line)
        if self.lowest is None or where < self.lowest[0]:
            self.lowest = (where, key)

    def chosen(self) -> list[int]:
        """The train.jsonl lines to move (0-based)."""
        return self.lines.get(self.lowest[1], []) if self.lowest is not None else []


def side(example: Example, valid_fraction: float, seed: int) -> str:
    """``valid`` for about ``valid_fraction`` of examples, chosen by content (or by ``meta["group"]``, so a group
    such as a chapter stays together), else ``train``.

    >>> side(Example("Q", "A"), 0.0, 42), side(Example("Q", "A"), 1.0, 42)
    ('train', 'valid')
    """
    return VALID if point(example, seed) < valid_fraction else TRAIN
