"""``ftcook compare``: fine-tuning against prompting, on held-out prompts. For each prompt of valid.jsonl: the base
model zero-shot, the base model with k examples of train.jsonl before it (few-shot), and the tuned model, next to
the real completion; plus the held-out loss of base and tuned model and a style-similarity score."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..state import open_state
from . import TunedModel, get_backend, load_dataset, tuned_model

VARIANTS = ("base", "few-shot", "tuned")


@dataclass(kw_only=True)
class CompareSettings:
    """What ``ftcook compare`` generates; each default and help once (the CLI takes them from here)."""

    n: int = field(default=3, metadata={"help": "Held-out prompts."})
    shots: int = field(default=3, metadata={"help": "Training examples shown to the base model in the few-shot "
                                                    "variant."})
    max_tokens: int = field(default=160, metadata={"help": "Most tokens of each generated reply."})


def compare(name: str, dataset: Path | None = None, settings: CompareSettings | None = None) -> dict:
    s = settings or CompareSettings()
    n, shots, max_tokens = s.n, s.shots, s.max_tokens
    model = tuned_model(name)
    backend = get_backend(model.backend)
    base = _base(model)
    data = load_dataset(dataset or _training_dataset(name))
    held, source = (data.valid, "valid.jsonl") if data.valid else (data.train, "train.jsonl (no valid.jsonl)")
    held = held[:n]
    examples = [e for e in data.train if e not in held][:shots]
    rows = []
    for example in held:
        prompt = example["prompt"]
        real = _text(example["completion"])
        replies = {
            "base": backend.generate(base, prompt, max_tokens=max_tokens),
            "few-shot": backend.generate(base, _few_shot(prompt, examples), max_tokens=max_tokens),
            "tuned": backend.generate(model, prompt, max_tokens=max_tokens),
        }
        rows.append({"prompt": _text([m for m in prompt if m["role"] != "system"]), "real": real, **replies,
                     "similarity": {v: round(style_similarity(replies[v], real), 3) for v in VARIANTS}})
    scored = (data.valid or data.train)[:50]
    losses = {"base": backend.loss(base, scored), "tuned": backend.loss(model, scored)}
    mean = {v: round(sum(r["similarity"][v] for r in rows) / len(rows), 3) if rows else None for v in VARIANTS}
    return {"model": name, "base_model": model.base_model, "held_out_from": source, "shots": len(examples),
            "examples": rows, "loss": losses, "loss_examples": len(scored), "similarity": mean}


def _base(model: TunedModel) -> TunedModel | str:
    """The base model, reached the way the tuned one is: a remote model through the same connection."""
    if model.remote:
        return TunedModel(model.base_model, model.backend, model.base_model, None, model.base_model,
                          metrics={"connection": model.metrics.get("connection")})
    return model.base_model


def _training_dataset(name: str) -> Path:
    with open_state() as state:
        row = state.model(name)
        dataset = state.dataset(state.job(row.job_id).dataset_id) if row and row.job_id else None
    if dataset is None:
        raise UsageError(f"Which dataset was '{name}' trained on is not recorded - pass --dataset DIR")
    return Path(dataset["path"])


def _few_shot(prompt: list[dict], examples: list[dict]) -> list[dict]:
    """The system prompt, then each example as a user/assistant turn, then the prompt."""
    system = [m for m in prompt if m["role"] == "system"]
    turns = [m for e in examples for m in e["prompt"] + e["completion"] if m["role"] != "system"]
    return system + turns + [m for m in prompt if m["role"] != "system"]


def _text(messages: list[dict]) -> str:
    return "\n\n".join(m["content"] for m in messages)


def style_similarity(a: str, b: str) -> float:
    """Cosine similarity of character 3-gram counts: 1.0 for the same wording, near 0 for unrelated text. It
    rewards the same greetings, sign-offs, punctuation and length of phrases, which is what style means here.

    >>> style_similarity("Hey Sam!\\n\\nCheers,\\nAda", "Hey Mia!\\n\\nCheers,\\nAda") > 0.6
    True
    """
    x, y = _grams(a), _grams(b)
    dot = sum(x[g] * y[g] for g in x.keys() & y.keys())
    norm = math.sqrt(sum(v * v for v in x.values())) * math.sqrt(sum(v * v for v in y.values()))
    return dot / norm if norm else 0.0


def _grams(text: str) -> Counter:
    text = " ".join(text.lower().split())
    return Counter(text[i:i + 3] for i in range(len(text) - 2))
