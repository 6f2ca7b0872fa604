"""How long a local training run will take and how much memory it will need, said before it starts.

Time is the tokens the run will process over the training speed: the speed of the last run of the same base model
on this device where there is one (its ``tokens_per_s``), else a rule of thumb for the device. Memory is a fixed
part (Python, torch and the libraries, the base weights) plus a part per token in one forward pass (activations,
and logits over the whole vocabulary), measured with ``benchmarks/train_bench.py`` on SmolLM2-135M (2 cores,
float32, no LoRA dropout: 1.45 GB + 3.1 MB a token, 1.9 MB a token with gradient checkpointing) and scaled by
the model's shape.
Both are estimates, said as such; the run reports its real speed as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass

_REFERENCE = {"params": 134.5e6, "per_token": 30 * 576}  # SmolLM2-135M: parameters, layers x hidden size
_FIXED_BYTES = 0.9e9  # Python, torch, transformers, TRL and datasets loaded, before the weights
_TOKEN_BYTES = {False: 3.1e6, True: 1.9e6}  # activations per token of one pass (gradient checkpointing on/off)
_CPU_TOKENS_PER_S_PER_THREAD = 52.0  # SmolLM2-135M, float32, LoRA on all linear layers (benchmarks/train_bench.py)
_GPU_TOKENS_PER_S = {"cuda": 15_000.0, "mps": 900.0}  # SmolLM2-135M; rough


@dataclass(frozen=True)
class Shape:
    """What the estimate needs of the base model."""

    params: float
    layers: int
    hidden: int


@dataclass(frozen=True)
class Estimate:
    seconds: float
    peak_bytes: float
    tokens_per_s: float
    basis: str  # where the speed comes from

    def describe(self) -> str:
        """One line for the preflight.

        >>> Estimate(1500, 2.6e9, 104.5, "your last run").describe()
        'About 25 min (104.5 tokens/s, from your last run) and about 2.6 GB of memory at its peak.'
        """
        return (f"About {duration(self.seconds)} ({self.tokens_per_s:,.1f} tokens/s, from {self.basis}) and about "
                f"{self.peak_bytes / 1e9:.1f} GB of memory at its peak.")


def estimate(tokens: list[int], epochs: int, micro_batch: int, shape: Shape, where: str, threads: int,
             checkpointing: bool = False, measured: tuple[float, str] | None = None) -> Estimate:
    """The estimate for a run over examples of ``tokens`` tokens each (already cut at max_length).

    >>> e = estimate([500] * 100, 2, 1, Shape(134.5e6, 30, 576), "cpu", 2)
    >>> round(e.seconds), round(e.peak_bytes / 1e9, 2), e.basis
    (962, 2.99, 'a rule of thumb for 2 CPU threads')
    """
    scale = _REFERENCE["params"] / shape.params
    if measured is not None:
        speed, basis = measured
    elif where == "cpu":
        speed, basis = _CPU_TOKENS_PER_S_PER_THREAD * threads * scale, f"a rule of thumb for {threads} CPU threads"
    else:
        speed, basis = _GPU_TOKENS_PER_S.get(where, 900.0) * scale, f"a rough rule of thumb for {where}"
    if checkpointing and measured is None:
        speed *= 0.86  # 28.8 s against 24.8 s a step (benchmarks/train_bench.py)
    longest = sorted(tokens, reverse=True)[:micro_batch]
    per_token = _TOKEN_BYTES[checkpointing] * shape.layers * shape.hidden / _REFERENCE["per_token"]
    weights = shape.params * (2 if where == "cuda" else 4)
    peak = _FIXED_BYTES + weights + per_token * sum(longest)
    return Estimate(sum(tokens) * epochs / speed, peak, round(speed, 1), basis)


def duration(seconds: float) -> str:
    """
    >>> duration(40), duration(1500), duration(7_900)
    ('1 min', '25 min', '2 h 12 min')
    """
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
