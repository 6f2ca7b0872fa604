"""The models ``ftcook serve`` answers for: tuned local models (LoRA adapters) and their base models. Adapters on
one base share one copy of it in memory; a request's ``model`` picks the adapter, and the base model's name picks
none. Switching is PEFT's ``set_adapter`` behind a gate: generations with the active adapter run together, a
request for another one waits until they end. (PEFT's per-request ``adapter_names`` needs no gate, but made
every token 35 % slower on CPU in benchmarks/serve_bench.py.)"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..runner.base import TunedModel

BASE = "__base__"  # the adapter name that means none: the base model alone


@dataclass
class Served:
    """One name a request can ask for."""

    name: str
    base: str  # the base model's name
    adapter: str  # the adapter's name inside the shared model, or BASE
    system: str | None  # the system prompt it was trained with (applied when a request has none)
    created: int = 0
    owner: str = "ftcook"
    plain: bool = False  # trained on plain text (the language recipe): a chat's user turns are text to continue


class Gate:
    """Lets generations with one adapter run together; switching to another waits until none runs."""

    def __init__(self, model, active: str):
        self.model, self.active = model, active
        self.running = 0
        self.changed = threading.Condition()

    @contextmanager
    def use(self, adapter: str):
        with self.changed:
            self.changed.wait_for(lambda: self.running == 0 or self.active == adapter)
            if self.active != adapter:
                self._switch(adapter)
            self.running += 1
        try:
            yield
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def _switch(self, adapter: str) -> None:
        if adapter == BASE:
            self.model.base_model.disable_adapter_layers()
        else:
            self.model.base_model.enable_adapter_layers()
            self.model.set_adapter(adapter)
        self.active = adapter


@dataclass
class Group:
    """A base model in memory with every adapter trained on it."""

    base: str
    model: object = None
    tokenizer: object = None
    context: int = 0  # most tokens of prompt plus reply
    adapters: dict[str, Path] = field(default_factory=dict)
    gate: Gate | None = None


class Registry:
    """Names → what serves them; ``load()`` puts each base model and its adapters in memory once."""

    def __init__(self, tuned: list[TunedModel]):
        self.served: dict[str, Served] = {}
        self.groups: dict[str, Group] = {}
        for number, model in enumerate(tuned):
            if model.path is None:
                raise UsageError(f"'{model.name}' runs on {model.backend}'s servers, not here - serve local models "
                                 f"('ftcook models' lists them), or call it with the openai SDK directly")
            group = self.groups.setdefault(model.base_model, Group(model.base_model))
            adapter = f"adapter{number}"  # PEFT adapter names must be identifiers; ftcook names may hold '.' '-'
            group.adapters[adapter] = model.path
            created = int(model.metrics.get("created", 0) or 0)
            self.served[model.name] = Served(model.name, model.base_model, adapter, model.system, created,
                                             plain=model.metrics.get("format") == "text")
        for base in self.groups:
            made = min(s.created for s in self.served.values() if s.base == base)
            self.served.setdefault(base, Served(base, base, BASE, None, made, owner="base model"))

    def get(self, name: str) -> Served | None:
        return self.served.get(name)

    def group(self, served: Served) -> Group:
        return self.groups[served.base]

    def load(self, on_loaded=None) -> None:
        """Load every base model and its adapters (the local extra's libraries)."""
        for group in self.groups.values():
            _load_group(group)
            if on_loaded is not None:
                on_loaded(group)


def _load_group(group: Group) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..runner.local import require_extra
    from ..runner.local.basemodel import resolve
    from ..runner.local.train import device

    from transformers.utils import logging as hf_logging

    require_extra()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    where, dtype = device()
    base_dir = resolve(group.base)
    first, *others = group.adapters.items()
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=getattr(torch, dtype))
    model = PeftModel.from_pretrained(model, first[1], adapter_name=first[0])
    for name, path in others:
        model.load_adapter(path, adapter_name=name)
    group.model = model.to(where).eval()
    group.gate = Gate(group.model, first[0])
    group.tokenizer = AutoTokenizer.from_pretrained(first[1])
    group.context = int(getattr(model.config, "max_position_embeddings", 0) or 0)


def tuned_models(names: tuple[str, ...]) -> list[TunedModel]:
    """The tuned models named, or every local one ``ftcook models`` lists."""
    from ..runner import tuned_model
    from ..state import open_state

    with open_state() as state:
        rows = {row.name: row for row in state.models()}
    names = names or tuple(name for name, row in rows.items() if row.backend == "local")
    if not names:
        raise UsageError("No local tuned model to serve - 'ftcook quickstart' or 'ftcook train DATASET' makes one")
    models = [tuned_model(name) for name in names]
    for model in models:  # GET /v1/models says when each was made
        model.metrics = {**model.metrics, "created": int(rows[model.name].created) if model.name in rows else 0}
    return models
