"""``ftcook eval memorization``: does a tuned model write like its sources, or recite them? It generates from
held-out prompts and measures how much of each output is copied word for word from the sources (all texts of
the dataset's train.jsonl and valid.jsonl): the share of generated 8-grams found verbatim there, and the longest
copied run. Works with any backend's tuned model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import get_backend, load_dataset, tuned_model
from ..eval import variants

NGRAM = 8
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Words (lowercase), and single characters for Chinese, Japanese and Korean.

    >>> tokens("The Boat, the SEA.") , tokens("海は広い")
    (['the', 'boat', 'the', 'sea'], ['海', 'は', '広', 'い'])
    """
    return [t.lower() for t in _TOKEN.findall(text)]


def grams(words: list[str], n: int = NGRAM) -> list[int]:
    return [hash(tuple(words[i:i + n])) for i in range(len(words) - n + 1)]


def copied(text: str, seen: set[int], n: int = NGRAM) -> tuple[float, int]:
    """(share of the text's n-grams found in ``seen``, the longest copied run in words)."""
    found = [g in seen for g in grams(tokens(text), n)]
    if not found:
        return 0.0, 0
    longest = run = 0
    for hit in found:
        run = run + 1 if hit else 0
        longest = max(longest, run)
    return sum(found) / len(found), (longest + n - 1 if longest else 0)


@dataclass(kw_only=True)
class MemorizationSettings:
    """What ``ftcook eval memorization`` measures; each default and help once (the CLI takes them from here)."""

    n: int = field(default=20, metadata={"help": "Held-out prompts."})
    max_tokens: int = field(default=200, metadata={"help": "Most tokens of each generated text."})
    threshold: float = field(default=0.1, metadata={"help": "Warn when this share of generated 8-grams is copied "
                                                            "from the sources."})
    longest_warning: int = field(default=50, metadata={"help": "Warn when a copied run is this many words long."})


def memorization(name: str, dataset: Path | None = None, settings: MemorizationSettings | None = None) -> dict:
    s = settings or MemorizationSettings()
    n, max_tokens, threshold, longest_warning = s.n, s.max_tokens, s.threshold, s.longest_warning
    model = tuned_model(name)
    backend = get_backend(model.backend)
    data = load_dataset(dataset or variants.training_dataset(name))
    seen: set[int] = set()
    for example in data.train + data.valid:
        for part in (example["prompt"], example["completion"]):
            seen.update(grams(tokens(variants.prompt_text(part))))
    held, source = variants.held_out(data, n)
    rows = []
    for example in held:
        output = backend.generate(model, example["prompt"], max_tokens=max_tokens)
        share, longest = copied(output, seen)
        rows.append({"prompt": variants.prompt_text(example["prompt"])[:200],
                     "output": output, "copied_share": round(share, 3), "longest_copied_words": longest})
    mean = round(sum(r["copied_share"] for r in rows) / len(rows), 3) if rows else 0.0
    longest = max((r["longest_copied_words"] for r in rows), default=0)
    warn = mean >= threshold or longest >= longest_warning
    result = {"model": name, "prompts_from": source, "samples": len(rows), "ngram": NGRAM,
              "source_ngrams": len(seen), "copied_share": mean, "longest_copied_words": longest,
              "threshold": threshold, "longest_warning": longest_warning, "warning": warn, "examples": rows}
    variants.record(name, "memorization", result)
    return result
