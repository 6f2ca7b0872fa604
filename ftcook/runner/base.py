"""The runner interface: one ``Backend`` per way of training (local LoRA, OpenAI's API, ...), used the same way by
``ftcook train``, ``ask``, ``compare`` and ``jobs``. Backends register through the ``register_backends`` hook.

A backend trains a ``Dataset`` into a ``TunedModel`` and reports ``Event`` s (steps, losses, speed) as it goes;
the runner (``ftcook.runner``) keeps jobs, events and models in the state database.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, ClassVar

from ..state import Event


@dataclass
class TrainParams:
    """Training settings; ``None`` means the backend's default for the dataset's size."""

    epochs: int | None = None
    learning_rate: float | None = None
    rank: int | None = None
    alpha: int | None = None
    batch_size: int | None = None
    max_length: int | None = None
    max_steps: int | None = None  # stop after this many steps (a quick try)
    seed: int = 42
    merge: bool = False  # also write a merged model (base + adapter)
    options: dict = field(default_factory=dict)  # backend-specific: suffix, lr_multiplier, connection, follow

    def to_dict(self) -> dict:
        return asdict(self)


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


class Stop(Exception):
    """Raised inside training when the job was cancelled or interrupted; the job is resumable."""


class Backend(ABC):
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    @abstractmethod
    def default_model(self) -> str:
        """The base model ``--model default`` means."""

    @abstractmethod
    def train(self, job_id: str, dataset: Dataset, base_model: str, params: TrainParams, output: Path,
              on_event: OnEvent, should_stop: Callable[[], str | None], resume: bool = False) -> TunedModel:
        """Train (or, with ``resume``, continue job ``job_id`` from its last checkpoint) and return the model.
        ``should_stop()`` returns a reason ("cancelled", "interrupted") when training must stop at the next
        step; the backend then saves a checkpoint and raises ``Stop``."""

    @abstractmethod
    def generate(self, model: TunedModel | str, messages: list[dict], max_tokens: int = 256,
                 temperature: float = 0.0) -> str:
        """The reply of a tuned model (or of base model ``model``, a str) to chat ``messages``."""

    def preflight(self, dataset: Dataset, base_model: str, params: TrainParams, report) -> list[str]:
        """What the user must see and confirm before anything leaves the machine (a remote backend: cost,
        deadlines, privacy); empty for backends that send nothing."""
        return []

    def follow(self, job_id: str, on_event: OnEvent, should_stop: Callable[[], str | None]) -> TunedModel | None:
        """Follow a job that runs elsewhere until it ends; None for backends whose jobs run in this process."""
        return None

    def pause(self, job_id: str, remote_id: str | None) -> None:
        raise NotImplementedError(f"the {self.name} backend cannot pause jobs")

    def resume_job(self, job_id: str, remote_id: str | None) -> None:
        raise NotImplementedError(f"the {self.name} backend cannot resume paused jobs")

    def loss(self, model: TunedModel | str, examples: list[dict]) -> float | None:
        """Mean loss on the completions of ``examples`` (TRL form), where the backend can compute it."""
        return None

    def cancel(self, job_id: str, remote_id: str | None) -> None:
        """Ask a running job to stop (a local job reads its status from the state database)."""
