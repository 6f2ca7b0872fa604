"""Format checks of chat and DPO files: each code is produced by the example that breaks it, and only by it."""

import pytest

from conftest import chat_example, codes, finding, write_jsonl
from ftcook.check import run_check

GOOD = [chat_example(i) for i in range(12)]


def check(tmp_path, *bad, model="gpt-4o-mini-2024-07-18"):
    return run_check(write_jsonl(tmp_path / "d.jsonl", [*GOOD, *bad]), model)


def test_clean_file_has_no_errors_or_warnings(tmp_path):
    report = check(tmp_path)
    assert report.ok
    assert codes(report) == {"few_examples"}


def msg(role, content, **kw):
    return {"role": role, "content": content, **kw}


def ex(*messages, **extra):
    return {"messages": list(messages), **extra}


CASES = {
    "not_an_object": ['"a string"', [1, 2]],
    "mixed_formats": [{"prompt": "a", "completion": "b"}],
    "missing_messages": [{"messages": []}, {"messages": "hi"}],
    "message_missing_key": [ex(msg("user", "hi"), {"role": "assistant"}), ex({"content": "x"}, msg("assistant", "y")),
                            ex(msg("user", "hi"), {"role": "tool", "content": "42"}, msg("assistant", "ok"))],
    "message_unrecognized_key": [ex(msg("user", "hi"), msg("assistant", "yo", mood="happy")),
                                 {**chat_example(99), "id": 7}],
    "unrecognized_role": [ex(msg("bot", "hi"), msg("assistant", "yo"))],
    "invalid_content": [ex(msg("user", 42), msg("assistant", "yo")), ex(msg("user", {"text": "x"}), msg("assistant", "y"))],
    "invalid_weight": [ex(msg("user", "hi"), msg("assistant", "yo", weight=0.5), msg("assistant", "ok")),
                       ex(msg("user", "hi", weight=1), msg("assistant", "yo")),
                       ex(msg("user", "hi"), msg("assistant", "yo", weight=True))],
    "invalid_tools": [ex(msg("user", "hi"), msg("assistant", "yo"), tools=[{"name": "f"}])],
    "missing_assistant": [ex(msg("system", "s"), msg("user", "hi"))],
    "empty_completion": [ex(msg("user", "hi"), msg("assistant", "")),
                         ex(msg("user", "hi"), msg("assistant", "yo", weight=0))],
    "missing_user": [ex(msg("system", "s"), msg("assistant", "yo"))],
    "forbidden_special_token": [ex(msg("user", "hi<|endoftext|>"), msg("assistant", "yo")),
                                ex(msg("user", "hi"), msg("assistant", "a <|fim_suffix|> b"))],
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_check_fires_on_its_examples_only(tmp_path, code):
    report = check(tmp_path, *CASES[code])
    assert code in codes(report)
    first_bad = len(GOOD) + 1
    assert finding(report, code).lines == list(range(first_bad, first_bad + len(CASES[code])))


def test_numeric_weight_and_tools_are_understood_not_crashed_on(tmp_path):
    call = {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}}
    good = [
        ex(msg("user", "hi"), msg("assistant", "draft", weight=0), msg("user", "again"), msg("assistant", "final", weight=1)),
        ex(msg("user", "1+2?"), {"role": "assistant", "tool_calls": [call]},
           {"role": "tool", "tool_call_id": "c1", "content": "3"}, msg("assistant", "3"),
           tools=[{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}]),
        ex(msg("user", [{"type": "text", "text": "What is this?"}]), msg("assistant", "A cat.")),
    ]
    report = check(tmp_path, *good)
    assert report.ok, [f.to_dict() for f in report.errors]


def test_weight_zero_turns_are_not_trained_on(tmp_path):
    from ftcook.check.scan import ScanContext, scan_file
    from ftcook.readers import open_source

    path = write_jsonl(tmp_path / "w.jsonl", [ex(msg("user", "hi"), msg("assistant", "one two three", weight=0),
                                                 msg("assistant", "four"))])
    result = scan_file(open_source(path), ScanContext("chat", "chat", "cl100k_base"))
    assert list(result.trainable) == [1]


def test_special_tokens_of_the_local_model(tmp_path):
    report = check(tmp_path, ex(msg("user", "<|im_start|>hi"), msg("assistant", "yo")), model="local:default")
    assert "forbidden_special_token" in codes(report)
    assert "<|im_start|>" in finding(report, "forbidden_special_token").message


def test_duplicates(tmp_path):
    report = check(tmp_path, GOOD[0], GOOD[3])
    assert finding(report, "duplicate_rows").lines == [13, 14]


def test_over_token_limit(tmp_path):
    long = ex(msg("user", "hi"), msg("assistant", "word " * 9000))
    report = check(tmp_path, long, model="local:default")  # 8,192 tokens
    assert finding(report, "over_token_limit").lines == [13]
    assert report.over_limit == 1
    total = round(report.tokens["mean"] * report.n_examples)
    assert report.cost.billing_tokens == total - (report.tokens["max"] - 8192)  # billed at the cap


def test_too_few_examples_for_openai(tmp_path):
    report = run_check(write_jsonl(tmp_path / "d.jsonl", GOOD[:9]), "gpt-4o-mini")
    assert "too_few_examples" in codes(report)
    assert "too_few_examples" not in codes(run_check(tmp_path / "d.jsonl", "local:default"))


def test_file_too_large(tmp_path):
    from dataclasses import replace

    from ftcook.catalog import get_model

    report = run_check(write_jsonl(tmp_path / "d.jsonl", GOOD), replace(get_model("gpt-4o-mini"), max_file_mb=0.001))
    assert "file_too_large" in codes(report)


def dpo(i, **over):
    row = {"input": {"messages": [{"role": "user", "content": f"Say hi {i}"}]},
           "preferred_output": [{"role": "assistant", "content": "Hi!"}],
           "non_preferred_output": [{"role": "assistant", "content": "No."}]}
    row.update(over)
    return row


def test_dpo(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [dpo(i) for i in range(12)] + [dpo(99, preferred_output=[])])
    report = run_check(path, "gpt-4o-mini")
    assert report.source_format == "dpo"
    assert finding(report, "invalid_dpo_output").lines == [13]
    assert "unsupported_format" in codes(run_check(path, "gpt-3.5-turbo-0125"))
    assert "unsupported_format" in codes(run_check(path, "babbage-002"))


def test_chat_file_for_a_completion_model_is_converted_for_counting(tmp_path):
    report = run_check(write_jsonl(tmp_path / "d.jsonl", GOOD), "babbage-002")
    assert report.target_format == "completion"
    assert {"common_prompt_prefix", "completion_leading_space"} <= codes(report)  # legacy checks apply


def test_parallel_scan_gives_the_same_result_in_order(tmp_path, monkeypatch):
    import ftcook.check.scan as scan_module
    import ftcook.readers as readers

    rows = [chat_example(i % 40) for i in range(300)] + ['"not an object"']
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    serial = run_check(path, "gpt-4o-mini", jobs=1)
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(readers, "BLOCK_BYTES", 2048)  # many small blocks across 2 processes
    parallel = run_check(path, "gpt-4o-mini", jobs=2)
    assert parallel.to_dict() == serial.to_dict()
    assert finding(parallel, "duplicate_rows").count == 260


def test_the_local_estimate_uses_the_backends_epochs_without_importing_it(tmp_path):
    """The cost estimate for a local model takes the local backend's epochs rule (ftcook.check.stats.local_epochs,
    which the backend imports), and checking a file does not import the backend (8 ms of every build and check)."""
    import subprocess
    import sys

    from ftcook.runner.local.defaults import default_epochs

    path = write_jsonl(tmp_path / "train.jsonl", [chat_example(i) for i in range(31)])
    assert run_check(path, "local:default").to_dict()["cost"]["epochs"] == default_epochs(31) == 5
    code = (f"import sys; from ftcook.check import run_check; run_check({str(path)!r}, 'local:default'); "
            "print(sorted(m for m in sys.modules if m.startswith('ftcook.runner')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"
