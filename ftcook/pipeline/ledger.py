"""The Ledger: every source item is kept or skipped with a reason code, so ``in == kept + skipped`` always holds.

Recipes yield ``Skip`` for items they cannot use (an undecodable file); the pipeline's stages skip the rest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

#: the pipeline's reason codes (recipes add their own through ``Recipe.reasons``), in report order
REASONS = {
    "unsupported_file": "a file in a source folder that the recipe does not read",
    "unreadable": "a file that could not be read or parsed",
    "undecodable": "a file that is not text in any charset ftcook recognises",
    "cut_at_end": "the last bytes of a text file, half a character (the file was cut there); the text before is "
                  "kept",
    "empty": "nothing left to learn from after normalising (empty completion)",
    "too_short": "a completion shorter than the recipe's minimum",
    "special_token": "contains special tokens of the target's tokenizer as text, which the API refuses (as "
                     "'ftcook check' finds: forbidden_special_token)",
    "off_language": "text in another language than -o lang asks for",
    "duplicate": "the same prompt and completion as an earlier item (after normalising)",
    "near_duplicate": "nearly the same text as an earlier item (MinHash estimate of Jaccard similarity)",
    "too_long": "longer than the target model's token limit, and cannot be split (the prompt alone is too long, "
                "or one sentence is)",
    "limit": "beyond --limit",
}
EXCERPT_CHARS = 120


@dataclass(frozen=True)
class Skip:
    """An item that is not used: its source id, the reason code, a detail and a short excerpt."""

    id: str
    reason: str
    detail: str = ""
    excerpt: str = ""

    def to_record(self) -> dict:
        record = {"id": self.id, "reason": self.reason}
        if self.detail:
            record["detail"] = self.detail
        if self.excerpt:
            record["excerpt"] = excerpt(self.excerpt)
        return record


def excerpt(text: str) -> str:
    """The start of ``text`` on one line, at most ``EXCERPT_CHARS`` characters.

    >>> excerpt("line one\\nline two")
    'line one ⏎ line two'
    """
    flat = " ⏎ ".join(part.strip() for part in text.strip().splitlines() if part.strip())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


class Ledger:
    """Counts of a build. ``entered`` counts items from the recipe plus the extra parts made by splitting long
    items, so ``entered == kept + sum(skipped.values())`` at the end of every build."""

    def __init__(self, on_skip=None):
        self.records = 0  # items the recipe yielded (records and skips)
        self.split_parts = 0  # extra items made by splitting long items
        self.kept = 0
        self.skipped: Counter[str] = Counter()
        self._on_skip = on_skip

    @property
    def entered(self) -> int:
        return self.records + self.split_parts

    def skip(self, skip: Skip) -> None:
        self.skipped[skip.reason] += 1
        if self._on_skip is not None:
            self._on_skip(skip)

    def reconciles(self) -> bool:
        return self.entered == self.kept + sum(self.skipped.values())

    def to_dict(self) -> dict:
        order = list(REASONS)
        skipped = dict(sorted(self.skipped.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                                   else len(order), kv[0])))
        return {"records": self.records, "split_parts": self.split_parts, "in": self.entered, "kept": self.kept,
                "skipped": sum(skipped.values()), "skipped_by_reason": skipped}
