"""ftcook build: the pipeline's stages, the ledger, determinism, atomic output, and the CLI's errors."""

import json
import shutil
from pathlib import Path

import pytest
from texts import EN, RU, ZH

from conftest import invoke, write_jsonl
from ftcook.errors import FtcookError
from ftcook.example import Example
from ftcook.pipeline import BuildSettings, build
from ftcook.pipeline.budget import Budget
from ftcook.pipeline.dedupe import Deduper
from ftcook.plugins import get_recipes, manager
from ftcook.recipes import Recipe, hookimpl
from ftcook.samples import SAMPLES
from ftcook.tokens import get_counter

SAMPLE_MBOX = SAMPLES["email"].path


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def qa_csv(tmp_path) -> Path:
    path = tmp_path / "qa.csv"
    path.write_text("question,answer\n"
                    "What is the capital of France?,Paris.\n"
                    "  What is the capital of France?  ,Paris.\n"  # the same after normalising
                    "Who wrote it?,\n"  # nothing to learn from
                    "Name a colour.,Blue\u0301 \x07\n", encoding="utf-8")
    return path


def test_table_recipe_exact_records_and_ledger(tmp_path, qa_csv):
    out = tmp_path / "ds"
    result = build(BuildSettings(recipe="table", sources=[qa_csv], out=out, options={"prompt": "Q: {{ question }}", "completion": "{{ answer }}"},
                                 model="gpt-4o-mini-2024-07-18", valid_fraction=0.0))
    assert rows(out / "train.jsonl") == [
        {"messages": [{"role": "user", "content": "Q: What is the capital of France?"},
                      {"role": "assistant", "content": "Paris."}]},
        {"messages": [{"role": "user", "content": "Q: Name a colour."},
                      {"role": "assistant", "content": "Blué"}]},  # NFC, control character removed
    ]
    assert rows(out / "skipped.jsonl") == [
        {"id": f"{qa_csv.as_posix()}:3", "reason": "duplicate", "detail": f"same as {qa_csv.as_posix()}:2",
         "excerpt": "Paris."},
        {"id": f"{qa_csv.as_posix()}:4", "reason": "empty", "detail": "the completion is empty",
         "excerpt": "Q: Who wrote it?"},
    ]
    ledger = result.manifest["ledger"]
    assert ledger == {"records": 4, "split_parts": 0, "in": 4, "kept": 2, "skipped": 2,
                      "skipped_by_reason": {"empty": 1, "duplicate": 1}}
    assert result.report.ok and result.manifest["check"]["ok"]


def test_completion_format_and_system_template(tmp_path, qa_csv):
    out = tmp_path / "ds"
    build(BuildSettings(recipe="table", sources=[qa_csv], out=out, options={"prompt": "{{ question }}", "completion": "{{ answer }}",
                                                 "system": "You answer quizzes."},
                        format="completion", valid_fraction=0.0))
    assert rows(out / "train.jsonl")[0] == {"prompt": "What is the capital of France?", "completion": "Paris.",
                                            "system": "You answer quizzes."}


def test_same_inputs_options_and_seed_give_byte_identical_files(tmp_path):
    source = tmp_path / "text.md"
    source.write_text("\n\n".join(ZH + RU + EN) * 3, encoding="utf-8")
    outputs = []
    for name in ("a", "b"):
        build(BuildSettings(recipe="language", sources=[source], out=tmp_path / name, options={"max_tokens": "60"}, valid_fraction=0.3))
        outputs.append({f: (tmp_path / name / f).read_bytes() for f in ("train.jsonl", "valid.jsonl",
                                                                         "skipped.jsonl", "manifest.json")})
    assert outputs[0] == outputs[1]
    assert outputs[0]["valid.jsonl"] and outputs[0]["skipped.jsonl"]  # both sides and skips are exercised


def test_the_split_is_stable_when_items_are_added(tmp_path):
    table = [{"prompt": f"Question {i}?", "completion": f"Answer number {i}."} for i in range(60)]
    first = write_jsonl(tmp_path / "a.jsonl", table[:40])
    more = write_jsonl(tmp_path / "b.jsonl", table)
    build(BuildSettings(recipe="table", sources=[first], out=tmp_path / "one", valid_fraction=0.25))
    build(BuildSettings(recipe="table", sources=[more], out=tmp_path / "two", valid_fraction=0.25))
    valid_before = {json.dumps(r) for r in rows(tmp_path / "one" / "valid.jsonl")}
    valid_after = {json.dumps(r) for r in rows(tmp_path / "two" / "valid.jsonl")}
    assert valid_before and valid_before <= valid_after
    assert len(valid_after) < 60 / 2


@pytest.mark.parametrize("recipe, make, options", [
    ("language", lambda d: (d / "t.txt").write_text("\n\n".join(ZH + ZH + EN), encoding="utf-8"),
     {"max_tokens": "60"}),
    ("table", lambda d: write_jsonl(d / "t.jsonl", [{"prompt": "p", "completion": c} for c in ["a", "a", "", "b"]]
                                    + ["{broken"]), {}),
    ("email", lambda d: shutil.copy(SAMPLE_MBOX, d / "sample.mbox"), {"me": "alice@example.org"}),
    ("author", lambda d: shutil.copy(SAMPLES["author"].path, d / "book.epub"), {"passage_tokens": "96"}),
    ("chat", lambda d: shutil.copy(SAMPLES["chat"].path / "WhatsApp Chat with Sam Lee.txt", d / "chat.txt"),
     {"me": "Ada Byron"}),
])
def test_ledger_reconciles_for_every_recipe(tmp_path, recipe, make, options):
    assert set(get_recipes()) == {"author", "chat", "email", "language", "table"}  # a new built-in recipe needs a case here
    make(tmp_path)
    source = next(p for p in tmp_path.iterdir() if p.is_file())
    result = build(BuildSettings(recipe=recipe, sources=[source], out=tmp_path / "ds", options=options))
    ledger = result.manifest["ledger"]
    assert ledger["in"] == ledger["kept"] + ledger["skipped"] and ledger["skipped"] > 0
    counts = result.manifest["counts"]
    assert counts["train"] + counts["valid"] == ledger["kept"] and counts["skipped"] == ledger["skipped"]
    assert len(rows(tmp_path / "ds" / "skipped.jsonl")) == ledger["skipped"]


def test_near_duplicates_are_skipped_and_named(tmp_path):
    base = EN[0] + " " + EN[1]
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "", "completion": base},
                                       {"prompt": "", "completion": base.replace("gently", "softly")},
                                       {"prompt": "", "completion": EN[2]}])
    build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds"))
    skipped = rows(tmp_path / "ds" / "skipped.jsonl")
    assert [s["reason"] for s in skipped] == ["near_duplicate"]
    assert skipped[0]["detail"].endswith(f"like {(tmp_path / 't.jsonl').as_posix()}:1")
    exact = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds2", near_duplicates=None))
    assert exact.ledger.kept == 3


def test_deduper_keeps_the_first_and_compares_all_scripts():
    with Deduper(0.85) as deduper:
        first = Example("", "".join(ZH), meta={"id": "a"})
        assert deduper.check(first) is None
        assert deduper.check(first.replace(meta={"id": "b"})) == ("duplicate", "same as a")
        reason, detail = deduper.check(Example("", "".join(ZH).replace("老人", "老人家"), meta={"id": "c"}))  # 98 % alike
        assert reason == "near_duplicate" and detail.endswith("like a")
        assert deduper.check(Example("", "".join(RU), meta={"id": "d"})) is None
    assert deduper.seen.path is None  # four examples stay in memory: no index file


def test_budget_splits_long_completions_between_paragraphs():
    counter = get_counter("cl100k_base")
    budget = Budget(counter, 80, "chat", "tiny")
    example = Example("Tell me.", "\n\n".join(EN), meta={"id": "x"})
    parts = budget.fit(example)
    assert len(parts) > 1 and [p.id for p in parts] == [f"x#{n}" for n in range(1, len(parts) + 1)]
    assert all(isinstance(p, Example) and budget.tokens(p) <= 80 for p in parts)
    assert "\n\n".join(p.completion for p in parts) == example.completion
    too_long_prompt = budget.fit(Example(" ".join(EN), "ok", meta={"id": "y"}))
    assert [(s.id, s.reason) for s in too_long_prompt] == [("y", "too_long")]
    assert budget.fit(Example("Hi", "Short.", meta={"id": "z"}))[0].id == "z"


def test_split_parts_are_counted_in_the_ledger(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "Story?", "completion": "\n\n".join(EN * 300)}])
    result = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds", model="local:default"))
    ledger = result.manifest["ledger"]
    assert ledger["records"] == 1 and ledger["split_parts"] > 0
    assert ledger["in"] == ledger["kept"] + ledger["skipped"]


class Exploding(Recipe):
    """Fails part-way through, like a killed build."""

    name = "exploding"

    def inline_templates(self):
        return {"prompt": "{{ prompt }}", "completion": "{{ completion }}"}

    def records(self, sources):
        yield {"id": "1", "prompt": "a", "completion": "b"}
        raise RuntimeError("boom")


class ExplodingPlugin:
    @hookimpl
    def register_recipes(self, register):
        register(Exploding)


@pytest.fixture
def exploding():
    plugin = ExplodingPlugin()
    manager().register(plugin)
    try:
        yield
    finally:
        manager().unregister(plugin)


def test_a_failed_build_leaves_the_previous_dataset(tmp_path, qa_csv, exploding):
    out = tmp_path / "ds"
    build(BuildSettings(recipe="table", sources=[qa_csv], out=out, options={"prompt": "{{ question }}", "completion": "{{ answer }}"}))
    before = (out / "train.jsonl").read_bytes()
    with pytest.raises(RuntimeError):
        build(BuildSettings(recipe="exploding", sources=[qa_csv], out=out))
    assert (out / "train.jsonl").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


def test_nothing_kept_is_an_error_that_points_at_skipped(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "p", "completion": ""}])
    with pytest.raises(FtcookError, match=r"No examples kept from 1 items \(1 empty\) - see .*skipped.jsonl"):
        build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds"))


def test_cli_build_prints_ledger_and_check(tmp_path, qa_csv):
    result = invoke("build", "table", qa_csv, "--out", tmp_path / "ds", "-o", "prompt={{ question }}",
                    "-o", "completion={{ answer }}")
    assert result.exit_code == 0, result.output
    assert "items in              4" in result.output and "duplicate" in result.output
    assert "Ready to train local:default." in result.output
    data = json.loads(invoke("build", "table", qa_csv, "--out", tmp_path / "ds", "-o", "prompt={{ question }}",
                             "-o", "completion={{ answer }}", "--json").output)
    assert data["ledger"]["kept"] == 2


@pytest.mark.parametrize("args, message", [
    (["build", "nope", "x.csv", "--out", "ds"],
     "Error: No recipe named 'nope' - 'ftcook recipes' lists them: author, chat, email, language, table\n"),
    (["build", "tabel", "x.csv", "--out", "ds"],
     "Error: No recipe named 'tabel' - did you mean 'table'? 'ftcook recipes' lists them: author, chat, email, language, table\n"),
    (["build", "table", "x.csv", "--out", "ds", "-o", "colour=red"],
     "Error: Recipe 'table' has no option 'colour' - its options: prompt, completion, system\n"),
    (["build", "language", "x.txt", "--out", "ds", "-o", "max_tokens=many"],
     "Error: Recipe 'language', option max_tokens: Input should be a valid integer, unable to parse string as an "
     "integer (got 'many')\n"),
    (["templates", "show", "table/nope.j2"], "Error: No template named 'table/nope.j2' - see 'ftcook templates list'\n"),
    (["recipes", "show", "nope"], "Error: No recipe named 'nope' - 'ftcook recipes' lists them: author, chat, email, language, table\n"),
])
def test_cli_errors_are_exact(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output == message


def test_a_missing_template_variable_names_template_variable_and_keys(tmp_path, qa_csv):
    result = invoke("build", "table", qa_csv, "--out", tmp_path / "ds")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: template table/prompt.j2: 'prompt' is undefined (record {qa_csv.as_posix()}:2 has keys: answer, "
        f"id, place, question, row, source) - use one of those keys, or '{{{{ name | default(\"\") }}}}'\n")


def test_missing_source_and_wrong_suffix(tmp_path):
    result = invoke("build", "table", tmp_path / "missing.csv", "--out", tmp_path / "ds")
    assert (result.exit_code, result.output) == (2, f"Error: {tmp_path / 'missing.csv'}: no such file or folder\n")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    result = invoke("build", "table", tmp_path / "a.pdf", "--out", tmp_path / "ds")
    assert result.output.startswith(f"Error: {tmp_path / 'a.pdf'}: the table recipe reads .jsonl")


def test_out_must_be_a_dataset_or_empty(tmp_path, qa_csv):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "mine.txt").write_text("precious")
    result = invoke("build", "table", qa_csv, "--out", tmp_path / "ds")
    assert result.exit_code == 2 and "is not an ftcook dataset (no manifest.json)" in result.output


def test_limit_reads_only_the_first_items(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": f"q{i}", "completion": f"answer {i}"} for i in range(10)])
    result = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds", limit=4))
    assert result.manifest["ledger"]["records"] == 4 and result.manifest["limit"] == 4


def test_special_tokens_are_skipped_before_the_check_would_refuse_them(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "q", "completion": "ends here <|endoftext|> really"},
                                       {"prompt": "q2", "completion": "fine"}])
    result = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds"))
    assert rows(tmp_path / "ds" / "skipped.jsonl")[0]["reason"] == "special_token"
    assert result.report.ok


def test_the_build_checks_valid_jsonl_too(tmp_path, qa_csv):
    result = build(BuildSettings(recipe="table", sources=[qa_csv], out=tmp_path / "ds", valid_fraction=0.5,
                                 options={"prompt": "{{ question }}", "completion": "{{ answer }}"}))
    assert result.valid_report is not None and result.valid_report.path.endswith("valid.jsonl")
    check = result.manifest["check"]
    assert check["valid"]["ok"] and check["valid"]["tokens"]["min"] > 0 and result.manifest["counts"]["valid"] > 0
    assert "few_examples" not in check["valid"]["findings"]  # advice on the training set's size only
    shown = invoke("build", "table", qa_csv, "-d", tmp_path / "cli", "--valid-fraction", "0.5", "-q", "-o",
                   "prompt={{ question }}", "-o", "completion={{ answer }}").output
    assert f"ftcook check {tmp_path / 'cli' / 'valid.jsonl'}" in shown.replace("\n", "")


def test_training_refuses_a_dataset_whose_valid_jsonl_has_errors(tmp_path):
    from ftcook.errors import CheckFailed
    from ftcook.runner import check_dataset

    folder = tmp_path / "ds"
    folder.mkdir()
    good = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
            for i in range(12)]
    write_jsonl(folder / "train.jsonl", good)
    write_jsonl(folder / "valid.jsonl", [good[0], {"messages": [{"role": "user", "content": "q"}]}])
    with pytest.raises(CheckFailed, match=r"valid.jsonl: 'ftcook check' found errors") as failed:
        check_dataset(folder, "local:default")
    assert {f.code for f in failed.value.report.findings} >= {"missing_assistant"}
    result = invoke("train", folder, "-q")
    assert result.exit_code == 1 and "valid.jsonl: 'ftcook check' found errors - training refused" in result.output


def test_near_duplicates_of_one_means_exact_only(tmp_path):
    """--near-duplicates 1 was a datasketch traceback (LSH needs a threshold below 1): it is exact-only."""
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "", "completion": text} for text in (EN[0], EN[0] + " ", EN[1])])
    result = invoke("build", "table", tmp_path / "t.jsonl", "-d", tmp_path / "ds", "--near-duplicates", "1",
                    "--valid-fraction", "0")
    assert result.exit_code == 0, result.output
    assert [r["reason"] for r in rows(tmp_path / "ds" / "skipped.jsonl")] == ["duplicate"]


def test_a_split_that_holds_out_everything_gives_it_back_to_train(tmp_path):
    """One or two examples can all hash to the valid side (a one-reply chat export did): there would be nothing to
    train on, so they go to train.jsonl (said in the report and the manifest), and the check runs."""
    for seed in range(200):  # a one-example file whose hash split puts the example in valid.jsonl (1 in 10)
        data = write_jsonl(tmp_path / f"t{seed}.jsonl", [{"prompt": "Hi?", "completion": f"Hello number {seed}."}])
        result = invoke("build", "table", data, "-d", tmp_path / f"ds{seed}")
        if "moved to train" in result.output:
            break
    assert result.exit_code == 0, result.output
    assert "train 1, valid 0" in result.output and "nothing is held out" in result.output
    manifest = json.loads((tmp_path / f"ds{seed}" / "manifest.json").read_text())
    assert manifest["split"] == {"valid_moved_to_train": 1}
    assert (manifest["counts"]["train"], manifest["counts"]["valid"]) == (1, 0)
    assert len(rows(tmp_path / f"ds{seed}" / "train.jsonl")) == 1
    assert (tmp_path / f"ds{seed}" / "valid.jsonl").read_bytes() == b""
    assert manifest["check"]["ok"]


def test_a_small_dataset_keeps_one_example_held_out(tmp_path):
    """When the hash split leaves valid.jsonl empty and there are enough examples to spare, the one closest to the
    valid side is held out (said in the manifest); with too few, the report says nothing is held out."""
    import random

    rng = random.Random(1)
    words = "lamp harbour ladder oil street chapel boat sea wind stone gull roof door night evening light".split()
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": " ".join(rng.choice(words) for _ in range(6)) + "?",
                                        "completion": " ".join(rng.choice(words) for _ in range(14)) + "."}
                                       for _ in range(12)])
    results = (invoke("build", "table", tmp_path / "t.jsonl", "-d", tmp_path / "ds", "--seed", seed)
               for seed in range(1, 40))  # a seed whose hash split puts none of the 12 in valid.jsonl
    result = next(r for r in results if "moved to valid" in r.output)
    assert result.exit_code == 0 and "train 11, valid 1" in result.output
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["split"] == {"held_out_to_keep_one": 1} and manifest["counts"]["valid"] == 1
    assert len(rows(tmp_path / "ds" / "train.jsonl")) == 11 and len(rows(tmp_path / "ds" / "valid.jsonl")) == 1
    none = invoke("build", "table", tmp_path / "t.jsonl", "-d", tmp_path / "none", "--valid-fraction", "0")
    assert "train 12, valid 0" in none.output and "nothing is held out" in none.output


def test_context_turns_are_rendered_with_every_value_their_template_reads():
    """Earlier turns recur in every reply after them, so their renderings are remembered - by the values the
    template reads, record-level ones included, so a remembered turn is never another record's."""
    from ftcook.render import Renderer

    renderer = Renderer("chat", {"prompt": "{{ id }}> {{ text }}", "completion": "{{ text }}", "system": ""})
    context = [{"role": "user", "text": "hi"}, {"role": "assistant", "text": "hey"}]
    first = renderer.render({"id": "a", "text": "and you?", "context": context})
    again = renderer.render({"id": "b", "text": "and you?", "context": context})
    assert first.context == (("user", "a> hi"), ("assistant", "hey"))
    assert again.context == (("user", "b> hi"), ("assistant", "hey"))
    assert renderer.render({"id": "a", "text": "?", "context": [{"role": "user", "text": "yo"}]}).context == (
        ("user", "a> yo"),)
    odd = renderer.render({"id": {"x"}, "text": "?", "context": [{"role": "user", "text": "yo"}]})  # a set: no key
    assert odd.context == (("user", "{'x'}> yo"),)


def test_parts_are_remembered_printed_as_they_are_or_rendered_each_time(monkeypatch):
    """A part whose template only prints a variable is that string (as jinja2 renders it); others are remembered
    by the values they read (the system prompt renders once for a recipe's records) unless the template draws
    random values; a long rendering is not remembered."""
    from ftcook import render as render_module
    from ftcook.render import Renderer

    renderer = Renderer("chat", {"system": "You are {{ me }}.", "prompt": "{{ other }}: {{ said }}",
                                 "completion": "{{ text }}"})
    rendered = []
    real = Renderer._render
    monkeypatch.setattr(Renderer, "_render", lambda self, part, t, r: rendered.append(part) or real(self, part, t, r))
    records = [{"me": "Ada", "other": "Sam", "said": f"hi {n}", "text": f" reply {n}\n"} for n in range(3)]
    examples = [renderer.render(r) for r in records]
    assert [(e.system, e.prompt, e.completion) for e in examples] == [
        ("You are Ada.", f"Sam: hi {n}", f" reply {n}\n") for n in range(3)]
    assert rendered == ["system", "prompt", "prompt", "prompt"]  # the system prompt once, the completion never
    assert renderer.render({"me": "Ada", "other": "Sam", "said": "x", "text": 5}).completion == "5"  # not a str
    with pytest.raises(FtcookError, match="text"):
        renderer.render({"me": "Ada", "other": "Sam", "said": "x"})
    dice = Renderer("chat", {"system": "{{ ['a', 'b', 'c', 'd', 'e', 'f'] | random }} {{ me }}", "prompt": "",
                             "completion": "{{ text }}"})
    assert len({dice.render({"me": "Ada", "text": "t"}).system for _ in range(40)}) > 1
    monkeypatch.setattr(render_module, "_REMEMBER_CHARS", 5)
    rendered.clear()
    long = Renderer("chat", {"system": "You are {{ me }}.", "prompt": "", "completion": "{{ text }}"})
    long.render({"me": "Ada", "text": "t"}), long.render({"me": "Ada", "text": "t"})
    assert rendered.count("system") == 2  # "You are Ada." is longer than 5 characters: rendered each time


def test_deduper_decides_the_same_when_what_it_has_seen_moves_to_its_file(monkeypatch):
    """Past ``MEMORY_ITEMS`` keys and signatures go to SQLite; answers must not change, whichever side holds them."""
    import ftcook.pipeline.seen as seen

    lines = [f"{word} " + " ".join(EN) for word in ("One", "Two", "Three", "Four", "Five", "Six")]
    examples = [Example("", text, meta={"id": f"e{n}"}) for n, text in enumerate(lines + lines[:2])]
    examples.append(Example("", "".join(ZH), meta={"id": "zh"}))

    def decisions(memory_items):
        monkeypatch.setattr(seen, "MEMORY_ITEMS", memory_items)
        with Deduper(0.85) as deduper:
            found = [deduper.check(example) for example in examples]
            return found, deduper.seen.spilled, deduper.seen.path

    in_memory, spilled, _ = decisions(1000)
    assert not spilled  # a small build never opens the file
    assert in_memory[:1] == [None] and in_memory[6:8] == [("duplicate", "same as e0"), ("duplicate", "same as e1")]
    assert {found[0] for found in in_memory[1:6]} == {"near_duplicate"} and in_memory[8] is None
    for memory_items in (0, 1, 2):
        found, spilled, path = decisions(memory_items)
        assert found == in_memory and spilled and not Path(path).exists()


def test_the_check_of_files_scanned_as_they_are_written_is_the_check_of_the_files(tmp_path, monkeypatch):
    """A large build's files are checked in a helper process while they are written (``check.live``): the reports
    are what checking the finished files gives, line numbers and findings included; a small build's files, and
    files changed after they were written, are read again."""
    import ftcook.check as check
    import ftcook.check.live as live
    import ftcook.pipeline as pipeline

    monkeypatch.setattr(live, "BLOCK_BYTES", 2048)  # many blocks, and a last one that is not full
    monkeypatch.setattr(pipeline, "LIVE_CHECK_FROM", 1000)
    read_again = []
    monkeypatch.setattr(check, "scan_file", lambda source, *a: read_again.append(source.path) or scan_file(source, *a))
    scan_file = check.scan.scan_file
    rng = __import__("random").Random(3)
    words = "lamp harbour ladder oil street chapel boat sea wind stone gull roof door night".split()
    items = [{"prompt": " ".join(rng.choice(words) for _ in range(8)) + "?",
              "completion": " ".join(rng.choice(words) for _ in range(30)) + "."} for _ in range(300)]
    items[7]["completion"] = "x" * 20_000  # over the budget: split into parts
    items += [items[3]] * 2  # duplicates
    write_jsonl(tmp_path / "t.jsonl", items)
    for fmt in ("chat", "completion"):
        result = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / fmt,
                                     format=fmt, valid_fraction=0.2))
        assert not read_again, "the build read its files again"
        for report, name in ((result.report, "train.jsonl"), (result.valid_report, "valid.jsonl")):
            again = check.run_check(tmp_path / fmt / name, "local:default", validation=name == "valid.jsonl")
            assert report.to_dict() == again.to_dict() and report.lengths == again.lengths
            assert report.n_examples > 20
        read_again.clear()
    small = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "small", limit=3))
    assert len(read_again) == 1 and small.report.n_examples >= 2  # nothing filled a block: read once written
    monkeypatch.setattr(pipeline, "LIVE_CHECK_FROM", 10**9)
    read_again.clear()
    build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "again"))
    assert len(read_again) == 2  # small sources: no helper, both files read once written


def test_a_check_helper_that_dies_leaves_the_check_to_the_finished_files(tmp_path, monkeypatch):
    """Killed (out of memory, by hand), the helper that checks a build's files as they are written takes nothing
    with it: the build checks the files once written, and the report is the same."""
    import os
    import signal

    import ftcook.check.live as live
    import ftcook.pipeline as pipeline

    monkeypatch.setattr(live, "BLOCK_BYTES", 2048)
    monkeypatch.setattr(pipeline, "LIVE_CHECK_FROM", 1000)
    sent = live.LiveScan._send

    def kill_then_send(self, file):
        if file.first_line > 1 and not killed:  # after the first block: the helper has work in flight
            killed.extend(self._pool._processes)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
        sent(self, file)

    killed = []

    monkeypatch.setattr(live.LiveScan, "_send", kill_then_send)
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": f"question {i}?", "completion": f"answer number {i} " * 20}
                                       for i in range(200)])
    result = build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds"))
    again = __import__("ftcook.check", fromlist=["run_check"]).run_check(tmp_path / "ds" / "train.jsonl",
                                                                         "local:default")
    assert killed and result.report.to_dict() == again.to_dict() and result.report.n_examples > 20


def test_the_manifest_names_every_input_with_its_size_and_sha256(tmp_path, qa_csv):
    """The inputs are hashed in a thread while the build runs; the manifest has what hashing them here gives."""
    import hashlib

    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "b.csv").write_text("question,answer\nWhat is red?,A colour.\n", encoding="utf-8")
    (folder / "a.bin").write_bytes(bytes(range(256)) * 10_000)  # 2.5 MB, read in blocks (the recipe skips it)
    result = build(BuildSettings(recipe="table", sources=[qa_csv, folder], out=tmp_path / "ds",
                                 options={"prompt": "{{ question }}", "completion": "{{ answer }}"}))
    files = [qa_csv, folder / "a.bin", folder / "b.csv"]
    assert result.manifest["inputs"] == [{"path": p.as_posix(), "bytes": p.stat().st_size,
                                          "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files]
