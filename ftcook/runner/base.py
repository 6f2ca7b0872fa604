"""The runner interface: one ``Backend`` per way of training (local LoRA, OpenAI's API, ...), used the same way by
``ftcook train``, ``ask``, ``compare`` and ``jobs``. Backends register through the ``register_backends`` hook.

A backend trains a ``Dataset`` into a ``TunedModel`` and reports ``Event`` s (steps, losses, speed) as it goes;
the runner (``ftcook.runner``) keeps jobs, events and models in the state database.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, ClassVar

from ..errors import Stopped, UsageError
from ..options import PluginOptions, parse_options
from ..state import Event


@dataclass(kw_only=True)
class TrainParams:
    """Settings every backend takes; ``None`` means the backend's default for the dataset's size. What only one
    backend understands is in ``options``, that backend's ``Options`` (``-o key=value``)."""

    epochs: int | None = field(default=None, metadata={"help": "Passes over the data (default: by size)."})
    learning_rate: float | None = field(default=None, metadata={
        "help": "Peak learning rate (local default: 2e-4, 1e-4 from 1,000 examples; openai: use -o lr_multiplier)."})
    batch_size: int | None = field(default=None, metadata={"help": "Examples per step (default: 4 on CPU, 16 on "
                                                                   "GPU; openai: OpenAI's choice)."})
    seed: int = field(default=42, metadata={"help": "Seed of the data order and the adapter's start."})
    options: PluginOptions | dict = field(default_factory=dict, metadata={
        "help": "The backend's own option (repeatable), e.g. -o rank=16; 'ftcook backends' lists them."})

    def to_dict(self) -> dict:
        options = self.options if isinstance(self.options, dict) else self.options.model_dump(mode="json")
        return {"epochs": self.epochs, "learning_rate": self.learning_rate, "batch_size": self.batch_size,
                "seed": self.seed, "options": options}

    def for_backend(self, backend: type[Backend]) -> TrainParams:
        """These settings with ``options`` validated as ``backend``'s Options (a dict is parsed)."""
        if isinstance(self.options, backend.Options):
            return self
        raw = self.options if isinstance(self.options, dict) else self.options.model_dump(exclude_defaults=True)
        return replace(self, options=backend.parse_options(raw))

    @classmethod
    def from_dict(cls, values: dict, backend: type[Backend]) -> TrainParams:
        """Settings stored with a job; keys of an older ftcook that are now backend options move there."""
        common = {f.name for f in fields(cls)} - {"options"}
        options = dict(values.get("options") or {})
        options.update({k: v for k, v in values.items() if k not in common | {"options", "name"} and v is not None})
        known = {k: v for k, v in options.items() if k in backend.Options.model_fields}
        return cls(**{k: values[k] for k in common if k in values}, options=backend.parse_options(known))


@dataclass
class Dataset:
    """What a backend trains on: the examples of train.jsonl (and valid.jsonl) in TRL's conversational
    prompt/completion form, with where they came from."""

    path: Path  # the DatasetDir or file
    train: list[dict]
    valid: list[dict]
    sha256: str
    system: str | None = None  # the system prompt most examples use: ask/compare apply it too

    @property
    def name(self) -> str:
        return self.path.stem if self.path.is_file() else self.path.name


@dataclass
class TunedModel:
    name: str
    backend: str
    base_model: str
    path: Path | None  # the adapter folder (local) or None (a remote model id in ``remote``)
    remote: str | None = None
    system: str | None = None
    metrics: dict = field(default_factory=dict)


OnEvent = Callable[[Event], None]


#: what ``should_stop()`` returns when training must stop at the next step: the outcome the backend raises
StopWhy = type[Stopped]


class Backend(ABC):
    """Subclass it, set ``name``, declare ``Options`` and ``keys``; register it with the ``register_backends``
    hook. ``ftcook train --backend NAME -o key=value`` sets the options, ``ftcook keys set KEY`` the keys."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: this backend's own settings, set with ``-o key=value`` (validated; unknown keys are errors)
    Options: ClassVar[type[PluginOptions]] = PluginOptions
    #: API keys it uses: key name (``ftcook keys set NAME``) -> the environment variable that wins over it
    keys: ClassVar[dict[str, str]] = {}

    @classmethod
    def parse_options(cls, values: dict) -> PluginOptions:
        return parse_options(cls.Options, values, f"Backend '{cls.name}'")

    @abstractmethod
    def default_model(self) -> str:
        """The base model ``--model default`` means."""

    @abstractmethod
    def train(self, job_id: str, dataset: Dataset, base_model: str, params: TrainParams, output: Path,
              on_event: OnEvent, should_stop: Callable[[], StopWhy | None], resume: bool = False) -> TunedModel:
        """Train (or, with ``resume``, continue job ``job_id`` from its last checkpoint) and return the model.
        ``should_stop()`` returns an outcome (``Interrupted``, ``Cancelled``) when training must stop at the next
        step; the backend then saves a checkpoint and raises it: ``raise why(job_id)``."""

    @abstractmethod
    def generate(self, model: TunedModel | str, messages: list[dict], max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> str:
        """The reply of a tuned model (or of base model ``model``, a str) to chat ``messages``; ``seed`` makes a
        sampled reply (temperature above 0) repeatable where the backend can."""

    def preflight(self, dataset: Dataset, base_model: str, params: TrainParams, report) -> list[str]:
        """What the user must see and confirm before anything leaves the machine (a remote backend: cost,
        deadlines, privacy); empty for backends that send nothing."""
        return []

    def plan(self, dataset: Dataset, base_model: str, params: TrainParams) -> tuple[list[str], bool] | None:
        """``ftcook train --plan``: (what the run will need and take, whether it fits) without training; None for
        backends whose runs are planned elsewhere (a remote service)."""
        return None

    def follow(self, job_id: str, on_event: OnEvent, should_stop: Callable[[], StopWhy | None]) -> TunedModel | None:
        """Follow a job that runs elsewhere until it ends; None for backends whose jobs run in this process."""
        return None

    def pause(self, job_id: str, remote_id: str | None) -> None:
        raise UsageError(f"the {self.name} backend cannot pause jobs")

    def resume_job(self, job_id: str, remote_id: str | None) -> None:
        raise UsageError(f"the {self.name} backend cannot resume paused jobs")

    def loss(self, model: TunedModel | str, examples: list[dict]) -> float | None:
        """Mean loss on the completions of ``examples`` (TRL form), where the backend can compute it."""
        return None

    def cancel(self, job_id: str, remote_id: str | None) -> None:  # noqa: B027 - optional, nothing to do by default
        """Ask a running job to stop (a local job reads its status from the state database)."""
