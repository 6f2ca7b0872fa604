"""--fix: output files byte for byte, naming, never overwriting, declining a fix."""

import json
import shutil

from conftest import FIXTURES, invoke, write_jsonl


def copy(tmp_path, name):
    return shutil.copy(FIXTURES / name, tmp_path / name)


def test_csv_fix_byte_for_byte(tmp_path):
    src = copy(tmp_path, "translate.csv")
    before = (tmp_path / "translate.csv").read_bytes()
    result = invoke("check", src, "--model", "babbage-002", "--fix")
    assert result.exit_code == 0, result.output
    out = tmp_path / "translate_prepared.jsonl"
    assert out.read_bytes() == (FIXTURES / "translate_prepared.jsonl").read_bytes()
    assert (tmp_path / "translate.csv").read_bytes() == before  # the input is never touched
    assert f"wrote {out}" in result.output
    assert f"Next: ftcook check {out} --model babbage-002" in result.output


def test_chat_jsonl_fix_byte_for_byte(tmp_path):
    src = copy(tmp_path, "translate_chat.jsonl")
    result = invoke("check", src, "--model", "gpt-4o-mini-2024-07-18", "--fix")
    assert result.exit_code == 0, result.output  # errors before, none in the prepared file
    assert "3 errors" in result.output
    assert (tmp_path / "translate_chat_prepared.jsonl").read_bytes() == (
        FIXTURES / "translate_chat_prepared.jsonl").read_bytes()


def test_chat_to_completion_conversion_byte_for_byte(tmp_path):
    src = copy(tmp_path, "translate_chat.jsonl")
    invoke("check", src, "--model", "babbage-002", "--fix", "-o", tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == (FIXTURES / "translate_chat_babbage.jsonl").read_bytes()


def test_names_never_overwrite(tmp_path):
    src = copy(tmp_path, "translate.csv")
    invoke("check", src, "--model", "babbage-002", "--fix")
    invoke("check", src, "--model", "babbage-002", "--fix")
    assert (tmp_path / "translate_prepared (1).jsonl").exists()
    result = invoke("check", src, "--model", "babbage-002", "--fix", "-o", src)
    assert result.exit_code == 2 and "never overwrites its input" in result.output


def test_decline_a_fix(tmp_path):
    src = copy(tmp_path, "translate.csv")
    result = invoke("check", src, "--model", "babbage-002", "--fix", "--decline", "duplicate_rows",
                    "--decline", "completion_leading_space", "--json")
    lines = (tmp_path / "translate_prepared.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 11  # the duplicate stays
    assert lines[0] == '{"prompt":"I love cheese ->","completion":"J\'aime le fromage\\n"}'
    assert '"declined": true' in result.output
    bad = invoke("check", src, "--fix", "--decline", "nonsense")
    assert bad.exit_code == 2 and "unknown finding code nonsense" in bad.output


def test_nothing_to_change_writes_nothing(tmp_path):
    words = "one two three four five six seven eight nine ten eleven twelve".split()
    rows = [{"prompt": f"question {i} ->", "completion": f" {word}\n"} for i, word in enumerate(words)]
    src = write_jsonl(tmp_path / "ok.jsonl", rows)
    result = invoke("check", src, "--model", "babbage-002", "--fix")
    assert "nothing to change" in result.output
    assert list(tmp_path.iterdir()) == [src]


def test_classification_split(tmp_path):
    rows = [{"prompt": f"Review {i}: {'great' if i % 2 else 'awful'} ->", "completion": " positive" if i % 2 else " negative"}
            for i in range(20)]
    src = write_jsonl(tmp_path / "cls.jsonl", rows)
    result = invoke("check", src, "--model", "babbage-002", "--fix")
    assert "classification" in result.output
    train = (tmp_path / "cls_prepared_train.jsonl").read_text().splitlines()
    valid = (tmp_path / "cls_prepared_valid.jsonl").read_text().splitlines()
    assert (len(train), len(valid)) == (16, 4)  # max(n - 1000, 0.8 n)
    assert sorted(map(json.loads, train + valid), key=str) == sorted(rows, key=str)


def test_output_requires_fix(tmp_path):
    src = copy(tmp_path, "translate.csv")
    assert invoke("check", src, "-o", tmp_path / "x.jsonl").exit_code == 2
