"""Token statistics and the cost estimate of a training file (the cookbook notebook's numbers, correctly labelled)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..catalog import Model

#: OpenAI's default epochs rule (cookbook notebook): aim at 3 epochs, at least 100 and at most 25,000 example-passes
TARGET_EPOCHS, MIN_TARGET_EXAMPLES, MAX_TARGET_EXAMPLES = 3, 100, 25_000
MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS = 1, 25
#: the local backend's rule (``local_epochs``): a run sees about this many examples in all, 1 to ``MAX_LOCAL_EPOCHS``
#: epochs (more overfit small sets: held-out loss rises after 2-5 epochs on 20-30 examples)
EXAMPLES_SEEN, MAX_LOCAL_EPOCHS = 160, 5


def quantile(values: list, q: float) -> float:
    """Linear-interpolation quantile of sorted ``values`` (numpy's default method).

    >>> quantile([1, 2, 3, 4], 0.5)
    2.5
    """
    pos = (len(values) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return values[low] + (values[high] - values[low]) * (pos - low)


def distribution(values) -> dict | None:
    """min/max, mean/median and p10/p90 of some counts (``None`` for no values)."""
    if not len(values):
        return None
    ordered = sorted(values)
    return {"min": ordered[0], "max": ordered[-1], "mean": sum(ordered) / len(ordered),
            "median": quantile(ordered, 0.5), "p10": quantile(ordered, 0.1), "p90": quantile(ordered, 0.9)}


def default_epochs(n_examples: int) -> int:
    """The number of epochs OpenAI picks when ``n_epochs`` is "auto".

    >>> default_epochs(5), default_epochs(100), default_epochs(20_000)
    (20, 3, 1)
    """
    if n_examples <= 0:
        return 0
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


@dataclass
class Cost:
    epochs: int
    epochs_source: str  # "default rule" or "--epochs"
    billing_tokens: int  # tokens of the file, each example capped at the model's limit
    charged_tokens: int  # billing tokens × epochs
    price: float | None  # USD per 1M training tokens; None = unknown
    price_source: str
    price_as_of: str | None
    usd: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def local_epochs(n: int) -> int:
    """The local backend's epochs for ``n`` training examples (here, so that the check's estimate does not import
    the backend).

    >>> local_epochs(31), local_epochs(568), local_epochs(5)
    (5, 1, 5)
    """
    return max(1, min(MAX_LOCAL_EPOCHS, round(EXAMPLES_SEEN / max(n, 1))))


def estimate_cost(model: Model, tokens, epochs: int | None = None) -> Cost:
    """What training on examples of these token counts charges (``usd`` is ``None`` when the price is unknown)."""
    billing = sum(min(model.max_tokens, t) for t in tokens)
    if epochs is not None:
        n_epochs = epochs
    elif model.provider == "local":  # the local backend's own rule, as 'ftcook train' will use it
        n_epochs = local_epochs(len(tokens)) if tokens else 0
    else:
        n_epochs = default_epochs(len(tokens))
    charged = billing * n_epochs
    usd = None if model.training_price is None else charged * model.training_price / 1_000_000
    return Cost(n_epochs, "--epochs" if epochs is not None else "default rule", billing, charged,
                model.training_price, model.price_source, model.price_as_of, usd)
