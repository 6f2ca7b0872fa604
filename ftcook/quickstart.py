"""``ftcook quickstart``: the whole cookbook in one command, offline. Builds a dataset from the quickstart sample
(36 work emails answered by "Ada" in her own style, written for the project), shows how the base model answers
two emails it has not seen, trains the default local model on it, and shows the same two answers again."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .home import home
from .pipeline import BuildSettings, build
from .runner import TrainParams, get_backend, messages_for, train
from .samples import HERE as SAMPLES
from .state import open_state

SAMPLE = SAMPLES / "quickstart" / "replies.jsonl"
HELD_OUT = SAMPLES / "quickstart" / "held_out.jsonl"
SYSTEM = "You are Ada, answering emails from your colleagues."
PROMPT = "Reply to this email from {{ row.sender }}:\n\n{{ row.email }}"


@dataclass
class QuickstartResult:
    dataset: Path
    model: str
    prompts: list[str]
    before: list[str]
    after: list[str]
    seconds: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


def run_quickstart(fast: bool = False, on_event=None, say=print) -> QuickstartResult:
    seconds = {}
    start = time.perf_counter()
    folder = home() / "quickstart"
    dataset = folder / "dataset"
    say(f"1/4 Building a dataset from {SAMPLE.name} (ftcook build table ...) into {dataset}")
    options = {"prompt": PROMPT, "completion": "{{ row.reply }}", "system": SYSTEM}
    build(BuildSettings(recipe="table", sources=[SAMPLE], out=dataset, options=options, valid_fraction=0.1),
          check=True)
    seconds["build"] = time.perf_counter() - start
    backend = get_backend("local")
    base = backend.default_model()
    held = [json.loads(line) for line in HELD_OUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    prompts = [f"Reply to this email from {row['sender']}:\n\n{row['email']}" for row in held]
    say(f"2/4 Asking the base model ({base}) before training")
    mark = time.perf_counter()
    before = [backend.generate(base, messages_for(p, SYSTEM), max_tokens=80) for p in prompts]
    seconds["before"] = time.perf_counter() - mark
    say("3/4 Training a LoRA adapter on this machine")
    mark = time.perf_counter()
    params = TrainParams(epochs=5, learning_rate=1e-3, batch_size=4,
                         options={"max_length": 256, "max_steps": 4 if fast else None})
    with open_state() as state:
        name = state.free_name("quickstart")  # 'quickstart' the first time, then quickstart-2, ...
    model = train(dataset, "local", base, params, name=name, on_event=on_event)
    seconds["train"] = time.perf_counter() - mark
    say("4/4 Asking the tuned model the same two emails")
    mark = time.perf_counter()
    after = [backend.generate(model, messages_for(p, SYSTEM), max_tokens=80) for p in prompts]
    seconds["after"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - start
    return QuickstartResult(dataset, model.name, prompts, before, after, seconds, model.metrics)
