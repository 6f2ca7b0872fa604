"""``ftcook eval style``: how much each way of asking reads like the writer, on held-out examples.

For each held-out prompt (valid.jsonl: whole threads or chapters the model never saw), three variants answer:
the base model zero-shot, the base model with k training examples in its prompt (few-shot), and the tuned model.
Next to the real completions they are measured by attribution (the share a classifier of the writer gives to the
writer; the real completions are the ceiling), held-out loss (base and tuned, with perplexity) and the
stylometric profile (with each variant's distance to the real text's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from . import attribution, profile

VARIANTS = ("real", "base", "few-shot", "tuned")


@dataclass(kw_only=True)
class StyleSettings:
    """What ``ftcook eval style`` measures; each default and help once (the CLI takes them from here)."""

    n: int = field(default=20, metadata={"help": "Held-out prompts to answer (valid.jsonl; train.jsonl if none)."})
    shots: int = field(default=3, metadata={"help": "Training examples in the base model's few-shot prompt."})
    max_tokens: int = field(default=200, metadata={"help": "Most tokens of each generated reply."})
    background: Path | None = field(default=None, metadata={
        "help": "A file or folder of other people's writing (.txt) for the classifier's background (default: the "
                "other people's side of the dataset, e.g. the emails you answered)."})
    seed: int = field(default=0, metadata={"help": "Seed of the classifier's folds."})


def evaluate_style(name: str, dataset: Path | None = None, settings: StyleSettings | None = None,
                   on_step=None) -> dict:
    from ..runner import get_backend, load_dataset, tuned_model
    from ..runner.compare import _base, _few_shot, _text, _training_dataset

    s = settings or StyleSettings()
    model = tuned_model(name)
    backend = get_backend(model.backend)
    data = load_dataset(dataset or _training_dataset(name))
    held, source = (data.valid, "valid.jsonl") if data.valid else (data.train, "train.jsonl (no valid.jsonl)")
    held = held[:s.n]
    shots = [e for e in data.train if e not in held][:s.shots]
    classifier = attribution.train([_text(e["completion"]) for e in data.train], _background(data, s.background),
                                   seed=s.seed)
    outputs = {v: [] for v in VARIANTS}
    base = _base(model)
    for number, example in enumerate(held, 1):
        prompt = example["prompt"]
        outputs["real"].append(_text(example["completion"]))
        outputs["base"].append(backend.generate(base, prompt, max_tokens=s.max_tokens))
        outputs["few-shot"].append(backend.generate(base, _few_shot(prompt, shots), max_tokens=s.max_tokens))
        outputs["tuned"].append(backend.generate(model, prompt, max_tokens=s.max_tokens))
        if on_step is not None:
            on_step(number, len(held))
    return _report(name, model, backend, base, data, held, source, len(shots), classifier, outputs)


def _background(data, folder: Path | None) -> list[str]:
    """Other people's writing: the user turns of the dataset (the emails answered, the messages replied to), and
    the paragraphs of ``folder``'s text files."""
    texts = [_without_lead_in(m["content"]) for e in data.train + data.valid for m in e["prompt"]
             if m["role"] == "user"]
    if folder is not None:
        files = sorted(Path(folder).rglob("*.txt")) if Path(folder).is_dir() else [Path(folder)]
        for path in files:
            texts += [p.strip() for p in path.read_text(encoding="utf-8", errors="replace").split("\n\n")
                      if len(p.strip()) > 40]
    return texts


def _without_lead_in(text: str) -> str:
    """A prompt without its template's lead-in ("Reply to this email from Kim:"), which is not the other person's
    writing and which no reply contains.

    >>> _without_lead_in("Reply to this email from Kim:\\n\\nCan you join the demo?")
    'Can you join the demo?'
    """
    first, sep, rest = text.partition("\n\n")
    return rest if sep and first.rstrip().endswith(":") and len(first) < 200 else text


def _report(name, model, backend, base, data, held, source, shots, classifier, outputs) -> dict:
    real_profile = profile.mean_profile(outputs["real"])
    variants = {}
    for variant in VARIANTS:
        texts = outputs[variant]
        mean_profile = profile.mean_profile(texts)
        variants[variant] = {"attributed_to_writer": classifier.share(texts),
                             "writer_probability": _mean(classifier.writer_probability(texts)),
                             "profile": mean_profile, "profile_distance": profile.distance(mean_profile, real_profile)}
    scored = held[:50]
    losses = {"base": backend.loss(base, scored), "tuned": backend.loss(model, scored)}
    return {"model": name, "base_model": model.base_model, "held_out_from": source, "examples": len(held),
            "shots": shots, "classifier": {"cv_accuracy": classifier.cv_accuracy,
                                           "writer_texts": classifier.writer_texts,
                                           "background_texts": classifier.background_texts},
            "variants": variants,
            "loss": {k: {"loss": v, "perplexity": round(math.exp(v), 2) if v is not None else None}
                     for k, v in losses.items()},
            "outputs": [{v: outputs[v][i] for v in VARIANTS} for i in range(len(held))]}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None
