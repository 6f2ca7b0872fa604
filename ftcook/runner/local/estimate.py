"""The rules of thumb behind a local run's plan (``plan.py``): the training speed when nothing has been measured
yet, the memory of the runtime, and the memory of activations per token of one forward pass.

Measured with ``benchmarks/train_bench.py`` on SmolLM2-135M (2 cores, float32, LoRA rank 8 on all linear layers,
no dropout): 0.9 GB before the weights (Python, torch, transformers, TRL and datasets loaded, with the LoRA weights
and optimizer), 3.1 MB a token of a pass, 1.9 MB with gradient checkpointing; 52 tokens/s per CPU thread.
Scaled by the model's shape (layers x hidden size) and size. Estimates, said as such; the run reports its real
speed and memory as it goes (``ftcook report JOB``).
"""

from __future__ import annotations

from dataclasses import dataclass

_REFERENCE = {"params": 134.5e6, "per_token": 30 * 576}  # SmolLM2-135M: parameters, layers x hidden size
_RUNTIME_BYTES = {"cpu": 0.82e9, "mps": 0.82e9, "cuda": 0.5e9}  # besides weights, LoRA and optimizer (plan.py)
_TOKEN_BYTES = {False: 3.1e6, True: 1.9e6}  # activations per token of one pass (gradient checkpointing on/off)
_CPU_TOKENS_PER_S_PER_THREAD = 52.0  # SmolLM2-135M, float32, LoRA on all linear layers (benchmarks/train_bench.py)
_GPU_TOKENS_PER_S = {"cuda": 15_000.0, "mps": 900.0}  # SmolLM2-135M; rough
CHECKPOINTING_SLOWER = 0.86  # tokens/s with gradient checkpointing: 28.8 s against 24.8 s a step


@dataclass(frozen=True)
class Shape:
    """What the rules need of the base model."""

    params: float
    layers: int
    hidden: int


def rule_speed(shape: Shape, where: str, threads: int, checkpointing: bool) -> tuple[float, str]:
    """(tokens/s, basis) by rule of thumb, scaled by the model's size.

    >>> rule_speed(Shape(134.5e6, 30, 576), "cpu", 2, False)
    (104.0, 'a rule of thumb for 2 CPU threads')
    """
    scale = _REFERENCE["params"] / shape.params
    if where == "cpu":
        speed = _CPU_TOKENS_PER_S_PER_THREAD * threads * scale
        basis = f"a rule of thumb for {threads} CPU thread{'s' if threads != 1 else ''}"
    else:
        speed, basis = _GPU_TOKENS_PER_S.get(where, 900.0) * scale, f"a rough rule of thumb for {where}"
    return round(speed * (CHECKPOINTING_SLOWER if checkpointing else 1.0), 1), basis


def runtime_bytes(where: str) -> float:
    return _RUNTIME_BYTES.get(where, _RUNTIME_BYTES["cpu"])


def activation_bytes(shape: Shape, tokens: int, checkpointing: bool, element_bytes: int = 4) -> float:
    """Activations of one forward pass over ``tokens`` tokens (the micro-batch), kept for the backward pass;
    measured in float32, halved for a 2-byte dtype.

    >>> round(activation_bytes(Shape(134.5e6, 30, 576), 585, True) / 1e9, 2)
    1.11
    """
    per_token = _TOKEN_BYTES[checkpointing] * shape.layers * shape.hidden / _REFERENCE["per_token"]
    return per_token * tokens * element_bytes / 4


def duration(seconds: float) -> str:
    """
    >>> duration(40), duration(1500), duration(7_900)
    ('1 min', '25 min', '2 h 12 min')
    """
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
