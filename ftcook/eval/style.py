"""``ftcook eval style``: how much each way of asking reads like the writer, on held-out examples.

For each held-out prompt (valid.jsonl: whole threads or chapters the model never saw), three variants answer:
the base model zero-shot, the base model with k training examples in its prompt (few-shot), and the tuned model.
Next to the real completions they are measured by attribution (the share a classifier of the writer gives to the
writer; the real completions are the ceiling), held-out loss (base and tuned, with perplexity) and the
stylometric profile (with each variant's distance to the real text's).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from . import attribution, profile, variants

VARIANTS = ("real", "base", "few-shot", "tuned")


@dataclass(kw_only=True)
class StyleSettings:
    """What ``ftcook eval style`` measures; each default and help once (the CLI takes them from here)."""

    n: int = field(default=20, metadata={"help": "Held-out prompts to answer (valid.jsonl; train.jsonl if none)."})
    shots: int = field(default=3, metadata={"help": "Training examples in the base model's few-shot prompt."})
    max_tokens: int = field(default=200, metadata={"help": "Most tokens of each generated reply."})
    samples: int = field(default=4, metadata={
        "help": "Replies each variant writes to each held-out prompt, sampled at --temperature with seeds "
                "0, 1, ...: with few held-out examples one greedy reply each makes a share jump by whole "
                "examples (docs/evaluate.md)."})
    temperature: float = field(default=0.8, metadata={
        "help": "Sampling temperature of the replies (0: one greedy reply per prompt; --samples is then 1)."})
    background: Path | None = field(default=None, metadata={
        "help": "A file or folder of other people's writing (.txt, paragraphs split at blank lines) for the "
                "classifier's background, instead of the one ftcook ships (500 public-domain and CC0 emails and "
                "prose passages); the other side of the dataset (e.g. the emails you answered) is always in it."})
    seed: int = field(default=0, metadata={"help": "Seed of the classifier's folds."})


def evaluate_style(name: str, dataset: Path | None = None, settings: StyleSettings | None = None,
                   on_step=None) -> dict:
    from ..runner import get_backend, load_dataset, tuned_model

    s = settings or StyleSettings()
    model = tuned_model(name)
    backend = get_backend(model.backend)
    data = load_dataset(dataset or variants.training_dataset(name))
    held, source = variants.held_out(data, s.n)
    shots = [e for e in data.train if e not in held][:s.shots]
    classifier = attribution.train([variants.text(e["completion"]) for e in data.train],
                                   _background(data, s.background), seed=s.seed)
    base = variants.base_of(model)
    seeds = list(range(s.samples)) if s.temperature > 0 else [None]
    real, replies = [], {v: [] for v in VARIANTS[1:]}  # replies[variant][prompt] = its replies, one a seed
    for number, example in enumerate(held, 1):
        prompt = example["prompt"]
        real.append(variants.text(example["completion"]))
        asked = {"base": (base, prompt), "few-shot": (base, variants.few_shot(prompt, shots)), "tuned": (model, prompt)}
        for variant, (who, messages) in asked.items():
            replies[variant].append([backend.generate(who, messages, max_tokens=s.max_tokens,
                                                      temperature=s.temperature, seed=seed) for seed in seeds])
        if on_step is not None:
            on_step(number, len(held))
    result = _report(name, model, backend, base, data, held, source, len(shots), classifier, real, replies)
    result["sampling"] = {"samples": len(seeds), "temperature": s.temperature, "seeds": seeds}
    variants.record(name, "style", result)
    return result


def _background(data, folder: Path | None) -> list[str]:
    """Other people's writing: the user turns of the dataset (the emails answered, the messages replied to) when
    they are someone else's, and ``folder``'s text files or else the shipped background
    (``background/*.jsonl``, see scripts/make_background.py)."""
    texts = others_side(data)
    if folder is None:
        return texts + shipped_background()
    files = sorted(Path(folder).rglob("*.txt")) if Path(folder).is_dir() else [Path(folder)]
    if not files or not all(f.is_file() for f in files):
        raise UsageError(f"{folder}: no .txt files of other people's writing there - point --background at a "
                         f".txt file or a folder of them")
    for path in files:
        texts += [p.strip() for p in path.read_text(encoding="utf-8", errors="replace").split("\n\n")
                  if len(p.strip()) > 40]
    return texts


#: recipes whose prompts are the writer's own text (the passage before, a line of the same book): no background
WRITERS_OWN_PROMPTS = ("author", "language")


def others_side(data) -> list[str]:
    """The dataset's user turns that someone else wrote. Not those of a recipe whose prompts are the writer's own
    text (its manifest says which recipe built it), nor any that ends like one of the writer's completions (a
    prompt cut from the text before)."""
    manifest = Path(data.path) / "manifest.json"
    if manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")).get("recipe") in WRITERS_OWN_PROMPTS:
        return []
    endings = {variants.text(e["completion"])[-24:] for e in data.train + data.valid}
    texts = [_without_lead_in(m["content"]) for e in data.train + data.valid for m in e["prompt"]
             if m["role"] == "user"]
    return [t for t in texts if t[-24:] not in endings]


def shipped_background() -> list[str]:
    """The public-domain and CC0 emails and prose passages ftcook ships for attribution (500 texts, about 260k
    characters, by several hundred writers)."""
    folder = Path(__file__).with_name("background")
    return [json.loads(line)["text"] for path in sorted(folder.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _without_lead_in(text: str) -> str:
    """A prompt without its template's lead-in ("Reply to this email from Kim:"), which is not the other person's
    writing and which no reply contains.

    >>> _without_lead_in("Reply to this email from Kim:\\n\\nCan you join the demo?")
    'Can you join the demo?'
    """
    first, sep, rest = text.partition("\n\n")
    return rest if sep and first.rstrip().endswith(":") and len(first) < 200 else text


def _report(name, model, backend, base, data, held, source, shots, classifier, real, replies) -> dict:
    texts = {"real": real, **{v: [r for per_prompt in rs for r in per_prompt] for v, rs in replies.items()}}
    real_profile = profile.mean_profile(real)
    probabilities = {v: classifier.writer_probability(texts[v]) for v in VARIANTS}
    measured = {}
    for variant in VARIANTS:
        mean_profile = profile.mean_profile(texts[variant])
        measured[variant] = {"attributed_to_writer": classifier.share(texts[variant]), "outputs": len(texts[variant]),
                             "writer_probability": _mean(probabilities[variant]),
                             "profile": mean_profile, "profile_distance": profile.distance(mean_profile, real_profile)}
    scored = held[:50]
    losses = {"base": backend.loss(base, scored), "tuned": backend.loss(model, scored)}
    per = len(next(iter(replies.values()))[0]) if held else 1
    return {"model": name, "base_model": model.base_model, "held_out_from": source, "examples": len(held),
            "shots": shots, "classifier": {"cv_accuracy": classifier.cv_accuracy,
                                           "writer_texts": classifier.writer_texts,
                                           "background_texts": classifier.background_texts},
            "variants": measured,
            "loss": {k: {"loss": v, "perplexity": round(math.exp(v), 2) if v is not None else None}
                     for k, v in losses.items()},
            "outputs": [{"prompt": variants.prompt_text(held[i]["prompt"]), "real": real[i],
                         **{v: replies[v][i][0] for v in replies},
                         "more_samples": {v: replies[v][i][1:] for v in replies},
                         "writer_probability": {"real": probabilities["real"][i],
                                                **{v: _mean(probabilities[v][i * per:(i + 1) * per])
                                                   for v in replies}}}
                        for i in range(len(held))]}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None
