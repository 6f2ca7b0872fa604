"""``ftcook eval style`` and ``ftcook eval blind``: the attribution classifier on a toy two-writer corpus, the
profile, the blind test's bookkeeping, and the whole evaluation with a tiny model."""

import json
import random

import pytest

from conftest import invoke, write_jsonl
from tiny import examples, tiny_model  # noqa: F401 - the fixture
from ftcook.eval.attribution import train as train_classifier
from ftcook.eval.blind import BlindTest
from ftcook.eval.profile import distance, mean_profile

NAMES = ["Sam", "Mia", "Leo", "Ana", "Kai", "Noor", "Ben", "Zoe", "Ivy", "Tom"]
THINGS = ["the demo", "lunch", "the report", "the slides", "Friday's call", "the budget", "the launch", "the review"]


def ada(rng: random.Random) -> str:
    """Terse, warm, exclamations, 'Cheers, Ada'."""
    return (f"Hey {rng.choice(NAMES)}!\n\n{rng.choice(['Sure', 'Yes', 'Sounds good', 'Works for me'])}, "
            f"{rng.choice(THINGS)} is fine{rng.choice(['!', ' :)', '!!'])}\n\nCheers,\nAda")


def bernard(rng: random.Random) -> str:
    """Formal, long sentences, semicolons, 'Kind regards, Bernard'."""
    return (f"Dear {rng.choice(NAMES)},\n\nThank you for your message regarding {rng.choice(THINGS)}; I have "
            f"considered it carefully and I would be grateful if we could discuss the matter further at a time "
            f"that suits you, as there are several points that require attention.\n\nKind regards,\nBernard")


def test_the_classifier_separates_two_writers():
    rng = random.Random(1)
    model = train_classifier([ada(rng) for _ in range(30)], [bernard(rng) for _ in range(30)])
    assert model.cv_accuracy >= 0.95 and model.writer_texts == 30 and model.background_texts == 30
    assert model.share([ada(rng) for _ in range(10)]) == 1.0
    assert model.share([bernard(rng) for _ in range(10)]) == 0.0


def test_too_little_text_is_a_clear_error():
    from ftcook.errors import UsageError

    with pytest.raises(UsageError, match="at least 8 texts by the writer and 8 by others; there are 3 and 20"):
        train_classifier(["a b c"] * 3, ["d e f"] * 20)


def test_profiles_tell_the_writers_apart():
    rng = random.Random(2)
    a, a2, b = (mean_profile([f(rng) for _ in range(20)]) for f in (ada, ada, bernard))
    assert a["greeting"] == 1.0 and a["sign_off_lines"] == 2.0 and a["exclamation_per_100_chars"] > 0
    assert b["words_per_sentence"] > 2 * a["words_per_sentence"]
    assert distance(a2, a) < 0.1 < distance(b, a)


def test_the_blind_test_keeps_count():
    rows = [(f"prompt {i}", f"real {i}", f"generated {i}") for i in range(6)]
    test = BlindTest.make(rows, seed=3)
    assert [t.replies for t in test.trials] == [t.replies for t in BlindTest.make(rows, seed=3).trials]
    assert all(t.replies[t.generated_at] == f"generated {i}" for i, t in enumerate(test.trials))
    for i, trial in enumerate(test.trials):  # fooled on the first two, right on the next three, one skipped
        trial.answer = trial.generated_at if i < 2 else (None if i == 5 else 1 - trial.generated_at)
    assert test.summary() == {"trials": 6, "answered": 5, "skipped": 1, "picked_generated": 2, "picked_real": 3,
                              "mistaken_share": 0.4}


def test_eval_style_reports_every_variant(tmp_path, tiny_model):
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = examples(40)
    write_jsonl(folder / "train.jsonl", rows[:32])
    write_jsonl(folder / "valid.jsonl", rows[32:])
    assert invoke("train", folder, "--model", tiny_model, "--name", "ada", "--lr", "1e-2", "-o", "max_steps=3",
                  "-q").exit_code == 0
    result = invoke("eval", "style", "ada", "-n", "3", "--max-tokens", "8", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data["variants"]) == ["real", "base", "few-shot", "tuned"] and data["examples"] == 3
    assert data["variants"]["real"]["profile_distance"] == 0.0 and data["loss"]["tuned"]["perplexity"] > 1
    assert 0 <= data["classifier"]["cv_accuracy"] <= 1 and data["classifier"]["writer_texts"] == 32
    assert data["sampling"] == {"samples": 4, "temperature": 0.8, "seeds": [0, 1, 2, 3]}
    assert [data["variants"][v]["outputs"] for v in data["variants"]] == [3, 12, 12, 12]  # 4 replies a prompt
    assert len({data["outputs"][0]["tuned"], *data["outputs"][0]["more_samples"]["tuned"]}) > 1  # sampled
    again = json.loads(invoke("eval", "style", "ada", "-n", "3", "--max-tokens", "8", "--json").output)
    assert again["variants"] == data["variants"]  # deterministic: one seed a sample
    greedy = json.loads(invoke("eval", "style", "ada", "-n", "3", "--max-tokens", "8", "--temperature", "0",
                               "--json").output)
    assert greedy["sampling"]["samples"] == 1 and greedy["variants"]["tuned"]["outputs"] == 3
    shown = invoke("eval", "style", "ada", "-n", "3", "--max-tokens", "8")
    assert "attributed to the writer" in shown.output and "held-out loss: base" in shown.output
    background = tmp_path / "others.txt"
    background.write_text("\n\n".join(bernard(random.Random(i)) for i in range(12)), encoding="utf-8")
    own = json.loads(invoke("eval", "style", "ada", "-n", "1", "--max-tokens", "8", "--background", background,
                            "--json").output)
    assert own["classifier"]["background_texts"] < data["classifier"]["background_texts"]
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = invoke("eval", "style", "ada", "-n", "1", "--background", empty)
    assert refused.exit_code == 2 and f"{empty}: no .txt files" in refused.output


def test_the_shipped_background_is_other_peoples_writing():
    """500 texts by several hundred writers (scripts/make_background.py), with no address or phone number left."""
    from ftcook.eval.style import shipped_background
    from ftcook.pipeline.redact import Redactor

    texts = shipped_background()
    assert len(texts) == 500 and len(set(texts)) == 500 and all(len(t) >= 80 for t in texts)
    finder = Redactor()
    assert not [t for t in texts if any(kind in ("email", "phone") for *_, kind in finder.find(t))]
    assert not [t for t in texts if "listinfo" in t or t.startswith("URL:")]  # no list footers, no RSS items
    model = train_classifier([ada(random.Random(i)) for i in range(30)], texts)
    assert model.cv_accuracy >= 0.95 and model.share([bernard(random.Random(i)) for i in range(10)]) == 0.0


def test_the_background_never_holds_the_writers_own_text(tmp_path):
    """An author's prompts are their own text (the passage before): not background. Nor is a prompt that ends
    like one of the writer's completions; the emails someone else wrote are."""
    from ftcook.eval.style import others_side
    from ftcook.runner import load_dataset

    turn = lambda role, text: [{"role": role, "content": text}]  # noqa: E731
    rows = [{"messages": turn("user", "Reply to this email from Kim:\n\nCan you join the demo?")
             + turn("assistant", "Sure, see you there. Cheers, Ada")},
            {"messages": turn("user", "see you there. Cheers, Ada") + turn("assistant", "Another reply of mine.")}]
    folder = tmp_path / "ds"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", rows)
    assert others_side(load_dataset(folder)) == ["Can you join the demo?"]
    (folder / "manifest.json").write_text(json.dumps({"recipe": "author"}), encoding="utf-8")
    assert others_side(load_dataset(folder)) == []
