"""The per-item stages in helper processes (pipeline/prepare.py): the same files as one process, errors as clear."""

import pickle
import shutil

import pytest
from texts import EN

from conftest import write_jsonl
from ftcook import parallel
from ftcook.render import TemplateError
from ftcook.pipeline import BuildSettings, build, prepare
from ftcook.pipeline.ledger import Skip
from ftcook.pipeline.prepare import Preparer, prepare_all
from ftcook.samples import SAMPLES
from ftcook.tokens import get_counter

FILES = ("train.jsonl", "valid.jsonl", "skipped.jsonl", "manifest.json")


@pytest.fixture
def helpers_early(monkeypatch):
    """Helpers from the fourth item on, two items a batch; counts the batches (a helper's, or this process's when
    the helpers are behind)."""
    monkeypatch.setattr(prepare, "PARALLEL_FROM", 3)
    monkeypatch.setattr(prepare, "BATCH_ITEMS", 2)
    batches = []
    real = prepare.ordered_map

    def counting(fn, items, workers, setup=(), share=False):
        for result in real(fn, items, workers, setup, share):
            batches.append(len(result))
            yield result

    monkeypatch.setattr(prepare, "ordered_map", counting)
    return batches


def _table(tmp_path):
    base = EN[0] + " " + EN[1]
    records = [{"prompt": f"Q{i}", "completion": f"Answer {i}: {EN[i % len(EN)]}"} for i in range(12)]
    records[5] = {"prompt": "Q1", "completion": records[1]["completion"]}  # an exact duplicate, in a helper
    records[7] = {"prompt": "", "completion": ""}  # refused by the filter
    records += [{"prompt": "", "completion": base}, {"prompt": "", "completion": base.replace("gently", "softly")}]
    write_jsonl(tmp_path / "t.jsonl", records + ["{broken"])
    return tmp_path / "t.jsonl", {}


def _email(tmp_path):
    return shutil.copy(SAMPLES["email"].path, tmp_path / "sample.mbox"), {"me": "alice@example.org"}


def _chat(tmp_path):
    return shutil.copy(SAMPLES["chat"].path / "WhatsApp Chat with Sam Lee.txt", tmp_path / "chat.txt"), {
        "me": "Ada Byron"}


@pytest.mark.parametrize("make", [_table, _email, _chat])
def test_helpers_write_the_same_files_as_one_process(tmp_path, helpers_early, make):
    source, options = make(tmp_path)
    one = build(BuildSettings(recipe=make.__name__[1:], sources=[source], out=tmp_path / "one", options=options,
                              valid_fraction=0.2, jobs=1))
    assert not helpers_early
    build(BuildSettings(recipe=make.__name__[1:], sources=[source], out=tmp_path / "two", options=options,
                        valid_fraction=0.2, jobs=2))
    # all in a helper, from the fourth item on, or from the second when the recipe says how many items come
    first = 1 if make is _email else 3
    assert sum(helpers_early) == _records_past(first, make.__name__[1:], source, options)
    for name in FILES:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    if make is _table:  # skips of every kind, in order: the recipe's (kept here), the filter's, the duplicate search's
        assert set(one.ledger.skipped) == {"unreadable", "empty", "duplicate", "near_duplicate"}


def _records_past(first: int, recipe: str, source, options: dict) -> int:
    """The records (not the skips, which stay in this process) that a recipe yields after its ``first`` items."""
    from ftcook.catalog import get_model
    from ftcook.plugins import get_recipe

    model = get_model("local:default")
    counter = get_counter(model.encoding, tuple(model.extra_special_tokens))
    items = list(get_recipe(recipe)(options, counter=counter, model=model).records([source]))
    return sum(1 for item in items[first:] if not isinstance(item, Skip))


def test_limit_stops_reading_with_helpers(tmp_path, helpers_early):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": f"q{i}", "completion": f"answer {i}"} for i in range(20)])
    result = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds", limit=7,
                                 jobs=2))
    assert result.manifest["ledger"]["records"] == 7 and sum(helpers_early) == 4


def test_a_template_error_in_a_helper_is_the_same_clear_error(tmp_path, helpers_early):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": f"q{i}", "completion": f"answer {i}"} for i in range(5)]
                + [{"question": "q?", "completion": "a"}])
    with pytest.raises(TemplateError) as error:
        build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds", jobs=2))
    assert str(error.value).startswith("template table/prompt.j2: 'prompt' is undefined (record ")
    assert helpers_early == [2]  # the first helper batch came back; the second raised
    assert not (tmp_path / "ds").exists()


def test_the_preparer_travels_without_its_renderer_and_prepares_the_same():
    counter = get_counter("o200k_base")
    preparer = Preparer("table", {"prompt": "Q: {{ q }}", "completion": "{{ a }}"}, 1, counter.special_tokens_in,
                        0.85)
    record = {"id": "t:1", "q": "Why?", "a": EN[0] + "  \n"}
    here = preparer(record)
    copy = pickle.loads(pickle.dumps(preparer))
    assert copy._renderer is None and copy(record) == here
    assert here.example.completion == EN[0] and here.problem is None and len(here.fingerprint.signature) == 64 * 4
    assert list(prepare_all(copy, [Skip("t:0", "bad_record"), record], jobs=1)) == [Skip("t:0", "bad_record"), here]


def test_a_build_no_larger_than_the_threshold_starts_no_helpers(tmp_path, helpers_early, monkeypatch):
    monkeypatch.setattr(prepare, "ordered_map", lambda *args, **kwargs: pytest.fail("helpers started"))
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": f"q{i}", "completion": f"answer {i}"} for i in range(3)])
    result = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds", jobs=2))
    assert result.manifest["ledger"]["records"] == 3


def test_by_default_the_stages_share_the_cores_with_the_recipes_helpers(monkeypatch, helpers_early):
    """While a recipe's own helpers run (``ordered_map`` inside its records), the default starts only the
    helpers that leave the cores free; outside such a pool it starts one per other core."""
    monkeypatch.setattr(parallel, "helper_processes", lambda: 1)
    counter = get_counter("o200k_base")
    preparer = Preparer("table", {"prompt": "{{ q }}", "completion": "{{ a }}"}, 1, counter.special_tokens_in, 0.85)
    records = [{"id": f"t:{n}", "q": f"q{n}", "a": f"answer {n}"} for n in range(9)]

    def from_a_recipes_pool():  # records made by the recipe's helper, as the author recipe's chapters are
        for chunk in parallel.ordered_map(_identity, [records[:5], records[5:]], 1):
            assert parallel.free_helpers() == 0
            yield from chunk

    inside = list(prepare_all(preparer, from_a_recipes_pool()))
    assert not helpers_early and parallel.free_helpers() == 1  # all in this process; the recipe's pool is closed
    outside = list(prepare_all(preparer, records))
    assert sum(helpers_early) == 6 and outside == inside  # past the first three, in a helper


def _identity(chunk):
    return chunk


def test_helper_batches_are_bounded_by_items_and_by_characters(monkeypatch):
    monkeypatch.setattr(prepare, "BATCH_ITEMS", 3)
    monkeypatch.setattr(prepare, "BATCH_CHARS", 1000)
    small = [{"id": f"s{n}", "text": "x" * 10} for n in range(7)]
    assert [len(b) for b in prepare._batches(iter(small))] == [3, 3, 1]  # by count
    large = [{"id": "a", "text": "x" * 600}, {"id": "b", "context": [{"text": "y" * 500}]}, Skip("c", "empty"),
             {"id": "d", "text": "z"}]
    assert [[i.id if isinstance(i, Skip) else i["id"] for i in b] for b in prepare._batches(iter(large))] == \
        [["a", "b"], ["c", "d"]]  # by characters, texts inside a chat's context included


def test_the_privacy_gate_finds_in_the_preparer_and_numbers_in_this_process(monkeypatch):
    """What to redact is found where the item is prepared (a helper gets the redactor pickled, without what it
    remembered); this process only numbers the placeholders, in order, and does not search again."""
    from ftcook.example import Example
    from ftcook.pipeline.redact import Redactor

    here = Redactor(keep=["me@example.org"])
    here.find("an earlier text to remember, bob@example.com")
    helper = pickle.loads(pickle.dumps(here))
    assert helper._found == {} and helper.keep == here.keep
    example = Example("From bob@example.com: call +1 415-555-0132", "Write to me@example.org or bob@example.com",
                      meta={"id": "x", "addresses": {"prompt": ["bob@example.com"]}},
                      context=(("user", "ann@example.net wrote first"),))
    found = helper.find_all(example)
    assert [len(spans) for spans in found] == [0, 2, 1, 1]  # system, prompt, completion, the context turn
    searched = []
    monkeypatch.setattr(Redactor, "_find", lambda self, *args: searched.append(args) or iter(()))
    redacted = here.redact(example, found)
    assert not searched
    assert redacted.prompt == "From <EMAIL_1>: call <PHONE_1>" and redacted.completion == "Write to me@example.org or <EMAIL_1>"
    assert redacted.context == (("user", "<EMAIL_2> wrote first"),)


def test_a_limit_keeps_a_small_build_in_this_process_whatever_the_recipe_says_is_coming(tmp_path, helpers_early):
    """The email recipe says how many items come (its messages), so a large build starts its helpers at once;
    ``--limit`` caps that: three items of a larger mailbox stay here."""
    source, options = _email(tmp_path)
    result = build(BuildSettings(recipe="email", sources=[source], out=tmp_path / "ds", options=options, jobs=2,
                                 limit=3))
    assert result.manifest["ledger"]["records"] == 3 and helpers_early == []
