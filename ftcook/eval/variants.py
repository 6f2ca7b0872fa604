"""The ways of asking that ``eval style``, ``compare``, ``eval blind`` and ``eval memorization`` set side by side,
and where their held-out examples come from."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..runner.base import TunedModel
from ..state import open_state


def base_of(model: TunedModel) -> TunedModel | str:
    """The base model, reached the way the tuned one is: a remote model through the same connection."""
    if model.remote:
        return TunedModel(model.base_model, model.backend, model.base_model, None, model.base_model,
                          metrics={"connection": model.metrics.get("connection")})
    return model.base_model


def training_dataset(name: str) -> Path:
    """The dataset folder tuned model ``name`` was trained on, as recorded by its job."""
    with open_state() as state:
        row = state.model(name)
        dataset = state.dataset(state.job(row.job_id).dataset_id) if row and row.job_id else None
    if dataset is None:
        raise UsageError(f"Which dataset was '{name}' trained on is not recorded - pass --dataset DIR")
    return Path(dataset["path"])


def held_out(data, n: int) -> tuple[list[dict], str]:
    """The first ``n`` held-out examples (valid.jsonl; train.jsonl when there is none) and where they are from."""
    if data.valid:
        return data.valid[:n], "valid.jsonl"
    return data.train[:n], "train.jsonl (no valid.jsonl)"


def few_shot(prompt: list[dict], examples: list[dict]) -> list[dict]:
    """The system prompt, then each example as a user/assistant turn, then the prompt.

    >>> few_shot([{"role": "user", "content": "Q"}], [{"prompt": [{"role": "user", "content": "q1"}],
    ...                                               "completion": [{"role": "assistant", "content": "a1"}]}])
    [{'role': 'user', 'content': 'q1'}, {'role': 'assistant', 'content': 'a1'}, {'role': 'user', 'content': 'Q'}]
    """
    system = [m for m in prompt if m["role"] == "system"]
    turns = [m for e in examples for m in e["prompt"] + e["completion"] if m["role"] != "system"]
    return system + turns + [m for m in prompt if m["role"] != "system"]


def text(messages: list[dict]) -> str:
    """The contents of ``messages``, a blank line between them."""
    return "\n\n".join(m["content"] for m in messages)


def prompt_text(prompt: list[dict]) -> str:
    """What a prompt asks, without its system message."""
    return text([m for m in prompt if m["role"] != "system"])


def record(name: str, kind: str, result: dict) -> None:
    """Keep an evaluation of tuned model ``name`` in the state database, for ``ftcook report``."""
    with open_state() as state:
        state.add_evaluation(name, kind, result)
