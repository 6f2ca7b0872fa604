"""The local backend's default settings for a dataset: epochs, learning rate, rank, batch, length, checkpointing.
Light on purpose (no torch). The epochs rule is ``ftcook.check.stats.local_epochs``, which the check's estimate
uses too."""

from __future__ import annotations

from ...check.stats import local_epochs as default_epochs
from ..base import TrainParams

LONG_EXAMPLE = 512  # tokens: from here on CPU, activations dominate memory and checkpointing is on by default


def defaults(n: int, params: TrainParams, where: str, longest: int = 0) -> dict:
    """Settings for ``n`` training examples, each overridable. The run sees about 160 examples in all (5 epochs of
    the email sample, one of a book), and the learning rate falls as the steps grow: LoRA on a small model needs a
    high rate to learn a style in a few dozen steps, and a lower one over hundreds (docs/evaluate.md has the
    measurements behind these numbers)."""
    epochs = params.epochs or default_epochs(n)
    o = params.options
    rank = o.rank or (8 if n < 200 else 16 if n < 2000 else 32)
    batch = params.batch_size or (16 if where == "cuda" else 4)
    steps = epochs * -(-n // batch)
    return {
        "epochs": epochs,
        "learning_rate": params.learning_rate or (1e-3 if steps < 100 else 5e-4 if steps < 500 else 2e-4),
        "rank": rank,
        "alpha": o.alpha or 2 * rank,
        "batch_size": batch,
        # examples per forward pass; the rest of a batch is gradient accumulation (same steps, less memory)
        "micro_batch": min(o.micro_batch or (16 if where == "cuda" else 1), batch),
        "max_length": o.max_length or (2048 if where == "cuda" else 1024),
        # long examples on CPU: 3.2 -> 2.6 GB for 585-token examples at a sixth more time (benchmarks/train_bench.py)
        "gradient_checkpointing": o.gradient_checkpointing if o.gradient_checkpointing is not None else
        (where == "cpu" and longest >= LONG_EXAMPLE),
        "quantize": getattr(o, "quantize", None),
    }
