"""The local backend's default settings for a dataset: epochs, learning rate, rank, batch, length, checkpointing.
Light on purpose (no torch): ``ftcook check`` estimates a local run's epochs with the same rule."""

from __future__ import annotations

from ..base import TrainParams

LONG_EXAMPLE = 512  # tokens: from here on CPU, activations dominate memory and checkpointing is on by default
EXAMPLES_SEEN = 160  # examples a run sees in all, by default (epochs = this / examples, 1 to MAX_EPOCHS)
MAX_EPOCHS = 5  # more overfit small sets: held-out loss rises after 2-5 epochs on 20-30 examples


def default_epochs(n: int) -> int:
    """The local backend's epochs for ``n`` training examples (``ftcook check`` estimates with the same rule).

    >>> default_epochs(31), default_epochs(568), default_epochs(5)
    (5, 1, 5)
    """
    return max(1, min(MAX_EPOCHS, round(EXAMPLES_SEEN / max(n, 1))))


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
