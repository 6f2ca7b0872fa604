"""``ftcook eval blind``: a blind test for a person. For each held-out prompt, the real reply and the tuned
model's in an order a seed fixes; the person says which one is theirs. The bookkeeping is here, pure; the
command asks at the terminal."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Trial:
    prompt: str
    replies: tuple[str, str]  # in the order shown
    generated_at: int  # 0 or 1: where the model's reply is
    answer: int | None = None  # the one the person called theirs; None: skipped


@dataclass
class BlindTest:
    trials: list[Trial] = field(default_factory=list)

    @classmethod
    def make(cls, rows: list[tuple[str, str, str]], seed: int = 0) -> BlindTest:
        """From (prompt, real, generated) rows, each pair shuffled by ``seed``."""
        rng = random.Random(seed)
        trials = []
        for prompt, real, generated in rows:
            at = rng.randrange(2)
            trials.append(Trial(prompt, (generated, real) if at == 0 else (real, generated), at))
        return cls(trials)

    def summary(self) -> dict:
        """How often the person picked the generated reply as theirs (mistaken): 50 % means they could not tell."""
        answered = [t for t in self.trials if t.answer is not None]
        mistaken = sum(t.answer == t.generated_at for t in answered)
        return {"trials": len(self.trials), "answered": len(answered), "skipped": len(self.trials) - len(answered),
                "picked_generated": mistaken, "picked_real": len(answered) - mistaken,
                "mistaken_share": round(mistaken / len(answered), 3) if answered else None}


def blind_rows(name: str, dataset=None, n: int = 10, max_tokens: int = 200) -> list[tuple[str, str, str]]:
    """(prompt, real reply, the tuned model's reply) for the first ``n`` held-out prompts."""
    from ..runner import get_backend, load_dataset, tuned_model
    from .variants import prompt_text, text, training_dataset

    model = tuned_model(name)
    backend = get_backend(model.backend)
    data = load_dataset(dataset or training_dataset(name))
    held = (data.valid or data.train)[:n]
    return [(prompt_text(e["prompt"]), text(e["completion"]),
             backend.generate(model, e["prompt"], max_tokens=max_tokens)) for e in held]
