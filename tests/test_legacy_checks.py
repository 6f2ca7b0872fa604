"""The legacy prepare_data checks, each on data that triggers it and data that does not (FACTS.md)."""

import pytest

from ftcook.check.legacy import Plan, legacy_checks, task_type


def rows(pairs, extra=()):
    return [(i + 1, p, c, tuple(extra)) for i, (p, c) in enumerate(pairs)]


def found(pairs, completion_target=True, **kw):
    findings, plan = legacy_checks(rows(pairs, kw.pop("extra", ())), completion_target=completion_target, **kw)
    return {f.code: f for f in findings}, plan


GOOD = [(f"question {w} ->", f" {w} is the answer.\n") for w in "alpha beta gamma delta epsilon zeta".split()]


def test_good_data_only_gets_the_size_advice_and_notes():
    codes, plan = found(GOOD)
    assert set(codes) == {"few_examples", "prompt_separator", "stop_sequence"}
    assert plan == Plan()


def test_few_examples_threshold():
    assert "few_examples" in found(GOOD * 16)[0]  # 96, duplicates aside
    many = [(f"q {i} ->", f" a {i}\n") for i in range(100)]
    assert "few_examples" not in found(many)[0]


def test_extra_columns():
    codes, plan = found(GOOD, extra=("notes",))
    assert "notes" in codes["extra_columns"].message and plan.remove_extra


def test_task_types():
    assert task_type(["", ""], ["a", "b"]) == "open-ended generation"
    assert task_type(list("abcdefg"), list("xxxxxxy")) == "classification"  # 2 labels < 7 / 3
    assert task_type(["a", "b"], ["x", "y"]) == "conditional generation"


def test_classification_hint_and_no_stop_sequence_check():
    pairs = [(f"review {i} ->", " positive" if i % 2 else " negative") for i in range(12)]
    codes, plan = found(pairs)
    assert "classification_task" in codes and plan.split
    assert "missing_stop_sequence" not in codes and "stop_sequence" not in codes


def test_duplicates_removed_before_later_checks():
    codes, plan = found(GOOD + [GOOD[0]])
    assert codes["duplicate_rows"].lines == [7] and plan.drop == {7: "duplicate_rows"}


def test_long_examples_over_10000_characters():
    codes, plan = found(GOOD + [("question long ->", " " + "x" * 10_000)])
    assert codes["long_examples"].lines == [7] and plan.drop[7] == "long_examples"
    open_ended = [("", " " + "x" * 10_000), ("", " short.")]
    assert "long_examples" not in found(open_ended)[0]  # skipped for open-ended generation


def test_uppercase():
    codes, plan = found([(f"QUESTION {w} ->", f" {w} is the answer.\n") for w in "ab cd ef gh".split()])
    assert "uppercase_prompts" in codes and "uppercase_completions" not in codes and plan.lowercase_prompt


def test_identical_prompts_is_an_error():
    codes, _ = found([("same ->", " a\n"), ("same ->", " b\n")])
    assert codes["identical_prompts"].severity == "error"


def test_separator_found_long_and_repeated():
    codes, _ = found([("a ### b ###", " x\n"), ("c ###", " y\n")])
    assert "more than once" in codes["prompt_separator"].message


def test_separator_suggestion_skips_arrow_when_prompts_have_newlines():
    codes, plan = found([("line one\nline two", " x\n"), ("other", " y\n")])
    assert plan.add_separator == "\n\n###\n\n"
    codes, plan = found([("first", " x\n"), ("second", " y\n")])
    assert plan.add_separator == " ->"
    codes, plan = found([("a -> \n\n###\n\n \n\n===\n\n \n\n---\n\n \n\n===>\n\n \n\n--->\n\nb", " x\n"), ("c", " y\n")])
    assert plan.add_separator == "\n\n### =>\n\n"


def test_common_prompt_prefix_over_12_characters():
    codes, plan = found([(f"Classify this: {w} ->", f" {w}\n") for w in "ab cd ef".split()])
    assert plan.remove_prompt_prefix == "Classify this: "
    assert "common_prompt_prefix" not in found([(f"Classify: {w} ->", f" {w}\n") for w in "ab cd".split()])[0]


def test_common_completion_prefix_5_characters_keeps_the_space():
    codes, plan = found([(f"q {w} ->", f" Answer: {w}\n") for w in "ab cd ef".split()])
    assert plan.remove_completion_prefix == " Answer: " and plan.keep_space
    assert plan.apply("q ->", " Answer: ab\n") == ("q ->", " ab\n")


def test_identical_completions_is_an_error():
    codes, _ = found([("q1 ->", " same\n"), ("q2 ->", " same\n")])  # 1 label is not < 2 / 3: not classification
    assert codes["identical_completions"].severity == "error"


def test_stop_sequence_suggestions():
    _, plan = found([("q1 ->", " a b"), ("q2 ->", " c d"), ("q3 ->", " e f")])
    assert plan.add_stop == "\n"
    _, plan = found([("q1 ->", " a\nb"), ("q2 ->", " c d"), ("q3 ->", " e f")])
    assert plan.add_stop == "."


def test_leading_space():
    codes, plan = found([("q1 ->", "a\n"), ("q2 ->", "b\n"), ("q3 ->", "c\n")])
    assert plan.add_leading_space
    assert plan.apply("q", "a") == ("q", " a")


def test_declined_fix_is_not_applied_and_later_checks_see_the_data_without_it():
    codes, plan = found(GOOD + [GOOD[0]], declined=frozenset({"duplicate_rows"}))
    assert codes["duplicate_rows"].declined and plan.drop == {}


@pytest.mark.parametrize("code", ["missing_prompt_separator", "missing_stop_sequence", "completion_leading_space"])
def test_completion_formatting_is_only_a_note_for_chat_targets(code):
    codes, plan = found([("first", "a b"), ("second", "c d"), ("third", "e f")], completion_target=False)
    assert codes[code].severity == "info" and not codes[code].fix
    assert plan == Plan()
