"""The catalog of target models (``catalog.toml``): what each accepts and what it costs."""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

from .errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_MODEL = "local:default"


@dataclass(frozen=True)
class Model:
    """One catalog row. Prices are USD per 1M tokens; ``None`` means unknown, never guessed."""

    id: str
    provider: str
    format: str
    encoding: str
    max_tokens: int
    max_tokens_source: str = ""
    methods: tuple[str, ...] = ("supervised",)
    min_examples: int | None = None
    max_file_mb: int | None = None
    training_price: float | None = None
    input_price: float | None = None
    output_price: float | None = None
    price_source: str = ""
    price_as_of: str | None = None
    status: str = "available"
    status_note: str = ""
    jobs_end: str | None = None
    shutdown: str | None = None
    encoding_note: str = ""
    extra_special_tokens: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=(), compare=False)

    def with_price(self, usd_per_1m: float | None) -> "Model":
        """This model with a user-supplied training price (``--price``)."""
        if usd_per_1m is None:
            return self
        if usd_per_1m < 0:
            raise UsageError(f"--price must be zero or more USD per 1M tokens, not {usd_per_1m}")
        return replace(self, training_price=usd_per_1m, price_source="--price (given by you)", price_as_of=None)


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, Model]:
    """All models of the built-in catalog, by id."""
    text = resources.files("ftcook").joinpath("catalog.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    as_of = data.get("as_of")
    models = {}
    for model_id, row in data["models"].items():
        row = dict(row)
        for key in ("methods", "aliases", "extra_special_tokens"):
            if key in row:
                row[key] = tuple(row[key])
        if "training_price" in row:
            row.setdefault("price_as_of", as_of)
        models[model_id] = Model(id=model_id, **row)
    return models


@lru_cache(maxsize=16)
def local_model(model: str) -> Model:
    """The catalog row of a local base model other than the default (a folder, or a Hugging Face id in the local
    cache): counted with its own tokenizer and chat template, its context length from its config.json."""
    from . import model_tokens

    folder = model_tokens.folder_of(model)
    overhead = model_tokens.overhead(str(folder))
    note = "" if overhead.measured else "; its chat template could not be rendered here: 3 tokens a message assumed"
    return Model(id=f"local:{model}", provider="local", format="chat", encoding=model_tokens.PREFIX + str(folder),
                 max_tokens=model_tokens.context_length(folder),
                 max_tokens_source=f"max_position_embeddings in {folder / 'config.json'}",
                 encoding_note=f"the model's own tokenizer ({folder / 'tokenizer.json'}) and chat template{note}",
                 training_price=0.0, input_price=0.0, output_price=0.0,
                 price_source="runs on your own machine: no per-token charge")


def get_model(name: str | None) -> Model:
    """Resolve a model name, alias or ``ft:`` id to its catalog row.

    >>> get_model("gpt-4o-mini").id
    'gpt-4o-mini-2024-07-18'
    """
    name = (name or DEFAULT_MODEL).strip()
    models = load_catalog()
    if name in models:
        return models[name]
    if name.startswith("local:"):
        return local_model(name[len("local:"):])
    if name.startswith("ft:"):  # ft:gpt-4o-mini-2024-07-18:org::abc123 -> its base model
        return get_model(name.split(":")[1])
    for model in models.values():
        if name in model.aliases:
            return model
    names = list(models) + [alias for m in models.values() for alias in m.aliases]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"Unknown model '{name}'.{hint} Run 'ftcook models' to list the models ftcook knows.")
