"""The models ``ftcook serve`` answers for: tuned local models (LoRA adapters) and their base models. Adapters on
one base share one copy of it in memory; a request's ``model`` picks the adapter (PEFT's ``adapter_names``, so no
global switch is flipped between requests), and the base model's name picks none."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..runner.base import TunedModel

BASE = "__base__"  # PEFT's name for "no adapter" in mixed-adapter generation


@dataclass
class Served:
    """One name a request can ask for."""

    name: str
    base: str  # the base model's name
    adapter: str  # the adapter's name inside the shared model, or BASE
    system: str | None  # the system prompt it was trained with (applied when a request has none)
    created: int = 0
    owner: str = "ftcook"


@dataclass
class Group:
    """A base model in memory with every adapter trained on it."""

    base: str
    model: object = None
    tokenizer: object = None
    context: int = 0  # most tokens of prompt plus reply
    adapters: dict[str, Path] = field(default_factory=dict)


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
            self.served[model.name] = Served(model.name, model.base_model, adapter, model.system, created)
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
