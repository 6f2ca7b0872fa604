"""Readers: every supported kind, and every bad input gets a one-line error with file and place (exit 2)."""

import csv
import json

import pytest
from openpyxl import Workbook

from conftest import chat_example, invoke, write_jsonl
from ftcook.check import run_check
from ftcook.errors import InputError
from ftcook.readers import open_source

PAIRS = [{"prompt": f"Q{i} ->", "completion": f" A{i}.\n"} for i in range(12)]


def rows(path):
    return [(line, value) for line, value in open_source(path).items()]


def test_jsonl_lines_are_numbered_with_blank_lines(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [PAIRS[0], "", PAIRS[1]])
    assert [line for line, _ in rows(path)] == [1, 3]
    assert "blank_lines" in {f.code for f in run_check(path, "babbage-002").findings}


def test_json_array_streams_items_with_lines(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(PAIRS[:3], indent=1))
    assert [(line, v["prompt"]) for line, v in rows(path)] == [(2, "Q0 ->"), (6, "Q1 ->"), (10, "Q2 ->")]


def test_json_file_holding_json_lines(tmp_path):
    path = write_jsonl(tmp_path / "d.json", PAIRS[:2])
    assert len(rows(path)) == 2


def test_csv_and_tsv_columns_case_insensitive(tmp_path):
    for name, delimiter in (("d.csv", ","), ("d.tsv", "\t")):
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter=delimiter)
            w.writerow(["Prompt", "COMPLETION"])
            w.writerow(["multi\nline", " yes"])
            w.writerow(["b", " no"])
        assert rows(path) == [(2, {"prompt": "multi\nline", "completion": " yes"}), (4, {"prompt": "b", "completion": " no"})]
        report = run_check(path, "babbage-002")
        assert any("read as prompt, completion" in f.message for f in report.findings)


def test_xlsx_first_sheet(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["prompt", "completion"])
    sheet.append(["What is 2+2?", 4])
    book.create_sheet("other")
    book.save(tmp_path / "d.xlsx")
    assert rows(tmp_path / "d.xlsx") == [(2, {"prompt": "What is 2+2?", "completion": "4"})]
    report = run_check(tmp_path / "d.xlsx", "babbage-002")
    assert any("first sheet" in f.message for f in report.findings)


def test_txt_lines_are_completions_with_empty_prompts(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("Erste Zeile.\n\nZweite Zeile.\n", encoding="utf-8")
    assert rows(path) == [(1, {"prompt": "", "completion": "Erste Zeile."}),
                          (3, {"prompt": "", "completion": "Zweite Zeile."})]
    assert run_check(path, "babbage-002").task == "open-ended generation"


def test_format_detection(tmp_path):
    chat = write_jsonl(tmp_path / "c.jsonl", [chat_example(i) for i in range(3)])
    dpo = write_jsonl(tmp_path / "p.jsonl", [{"input": {"messages": [{"role": "user", "content": "Hi"}]},
                                              "preferred_output": [{"role": "assistant", "content": "Hello!"}],
                                              "non_preferred_output": [{"role": "assistant", "content": "What"}]}])
    assert run_check(chat).source_format == "chat"
    assert run_check(dpo, "gpt-4o-mini").source_format == "dpo"
    assert run_check(write_jsonl(tmp_path / "q.jsonl", PAIRS)).source_format == "completion"


# --- bad input: exit 2, one line naming the file and the place ---------------------------------------------

def bad(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def error_line(path, *extra):
    result = invoke("check", path, *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_invalid_json_names_the_line(tmp_path):
    good = json.dumps(chat_example(1)).encode()
    path = bad(tmp_path, "d.jsonl", good + b"\n" + good + b"\n{\"messages\": [}\n" + good + b"\n{oops\n")
    assert error_line(path) == (f"Error: {path}, line 3: invalid JSON: Expecting value at column 15; 1 more bad "
                                "line (5) - fix or remove the line and run again")


def test_wrong_encoding(tmp_path):
    path = bad(tmp_path, "d.jsonl", json.dumps(PAIRS[0]).encode() + b"\n" + '{"prompt": "caf\xe9"}'.encode("latin-1"))
    assert error_line(path) == (f"Error: {path}, line 2: not valid UTF-8: byte 0xe9 at column 16 is not UTF-8 - "
                                "re-save the file as UTF-8 and run again")
    csv_path = bad(tmp_path, "d.csv", "prompt,completion\na,b\nc,d\ncaf\xe9,x\n".encode("latin-1"))
    assert error_line(csv_path).startswith(f"Error: {csv_path}, line 4: is not valid UTF-8")


def test_empty_file(tmp_path):
    assert error_line(bad(tmp_path, "d.jsonl", b"")) == (
        f"Error: {tmp_path / 'd.jsonl'}: the file is empty - it needs one training example per line or row")
    assert "empty" in error_line(bad(tmp_path, "e.csv", b"\n  \n"))


def test_binary_file(tmp_path):
    path = bad(tmp_path, "d.jsonl", b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50)
    assert "is a binary file" in error_line(path)


def test_50mb_single_line(tmp_path):
    path = bad(tmp_path, "d.jsonl", b'{"prompt": "' + b"x" * (50 * 2**20) + b'", "completion": "y"}')
    assert error_line(path) == (f"Error: {path}, line 1: line is longer than 32 MB - no training example is that "
                                "long: the file probably lacks line breaks (an array saved as .jsonl?) - write one "
                                "example per line")


def test_missing_columns(tmp_path):
    path = bad(tmp_path, "d.csv", b"question,answer\na,b\n")
    assert error_line(path) == (f"Error: {path}, line 1: no 'prompt' and no 'completion' column (columns: "
                                "'question', 'answer') - name the columns 'prompt' and 'completion' in the first row")
    keys = write_jsonl(tmp_path / "k.jsonl", [{"question": "a", "answer": "b"}])
    assert error_line(keys).startswith(f"Error: {keys}, line 1: not a training example: keys question, answer")


def test_xlsx_with_no_rows(tmp_path):
    Workbook().save(tmp_path / "d.xlsx")
    assert error_line(tmp_path / "d.xlsx") == (
        f"Error: {tmp_path / 'd.xlsx'}: sheet 'Sheet' has no rows - put 'prompt' and 'completion' in the first row "
        "and one example per row below")
    book = Workbook()
    book.active.append(["prompt", "completion"])
    book.save(tmp_path / "h.xlsx")
    assert "has a header row but no examples" in error_line(tmp_path / "h.xlsx")


def test_not_really_xlsx(tmp_path):
    assert "is not an Excel workbook" in error_line(bad(tmp_path, "d.xlsx", b"prompt,completion\n"))


def test_directory_given_as_file(tmp_path):
    assert error_line(tmp_path) == f"Error: {tmp_path}: is a directory, not a file - give the path of a training file inside it"


def test_missing_file(tmp_path):
    assert "no such file" in error_line(tmp_path / "nope.jsonl")


def test_content_must_match_extension(tmp_path):
    assert "looks like JSON, not CSV" in error_line(write_jsonl(tmp_path / "d.csv", PAIRS[:1]))
    assert "does not look like JSON Lines" in error_line(bad(tmp_path, "e.jsonl", b"prompt,completion\na,b\n"))
    assert "zip or Excel" in error_line(bad(tmp_path, "f.csv", b"PK\x03\x04rest"))


def test_truncated_json_array(tmp_path):
    path = bad(tmp_path, "d.json", b'[{"prompt": "a", "completion": "b"},\n {"prompt": "c", ')
    assert error_line(path).startswith(f"Error: {path}, line 2: invalid JSON")


def test_unknown_model(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", PAIRS)
    assert error_line(path, "--model", "gpt-4o-mni") == (
        "Error: Unknown model 'gpt-4o-mni'. Did you mean gpt-4o-mini, gpt-4.1-mini, gpt-4o? Run 'ftcook models' "
        "to list the models ftcook knows.")


def test_input_error_carries_the_place(tmp_path):
    with pytest.raises(InputError) as info:
        run_check(bad(tmp_path, "d.jsonl", b'{"prompt": 1,}\n'))
    assert (info.value.line, info.value.path) == (1, str(tmp_path / "d.jsonl"))


def test_completion_lines_with_missing_or_non_text_fields(tmp_path):
    from conftest import codes, finding

    path = write_jsonl(tmp_path / "d.jsonl", PAIRS + [{"prompt": "only a prompt ->"}, {"prompt": "q ->", "completion": 7}])
    report = run_check(path, "babbage-002")
    assert finding(report, "missing_field").lines == [13]
    assert finding(report, "invalid_field_type").lines == [14]
    assert not {"missing_field", "invalid_field_type"} & codes(run_check(write_jsonl(tmp_path / "ok.jsonl", PAIRS), "babbage-002"))


def test_json_the_api_rejects(tmp_path):
    path = bad(tmp_path, "d.jsonl", json.dumps(PAIRS[0]).encode() + b'\n{"prompt": "a", "completion": NaN}\n')
    assert error_line(path) == (f"Error: {path}, line 2: JSON the API rejects: holds NaN/Infinity or a lone surrogate "
                                "escape such as \\ud800, which the API rejects - fix or remove the line and run again")


def test_byte_order_mark_is_ignored(tmp_path):
    path = bad(tmp_path, "d.jsonl", b"\xef\xbb\xbf" + json.dumps(PAIRS[0]).encode() + b"\n")
    assert rows(path) == [(1, PAIRS[0])]


def test_quiet_prints_only_errors_and_summary(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [chat_example(i) for i in range(12)] + [{"messages": []}])
    result = invoke("check", path, "--quiet")
    assert result.exit_code == 1
    assert "missing_messages" in result.output and "few_examples" not in result.output
    assert "billing tokens" not in result.output
    assert result.output.strip().endswith("Not ready to train: fix the errors (ftcook check "
                                          f"{path} --model local:default --fix).")


def test_zip_files_that_are_not_workbooks_say_what_they_are(tmp_path):
    import zipfile

    book = tmp_path / "book.epub"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", "<container/>")
    word = tmp_path / "notes.docx"
    with zipfile.ZipFile(word, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    other = tmp_path / "data.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("data.jsonl", "{}")
    for path, words in ((book, f"is an EPUB e-book, not a training file - 'ftcook build author {book} -d DATASET'"),
                        (word, "is a Word document, not a training file"),
                        (other, "is a zip archive, not a training file - unzip it")):
        for command in ("check", "train"):
            result = invoke(command, path)
            assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output, command


def test_a_mailbox_says_which_command_reads_it(tmp_path):
    box = tmp_path / "sample.mbox"
    box.write_text("From alice@example.org Mon Mar  3 09:00:00 2025\nFrom: Alice <alice@example.org>\n"
                   "Subject: Hi\n\nHello\n")
    message = tmp_path / "note"
    message.write_text("From: Alice <alice@example.org>\nSubject: Hi\n\nHello\n")
    for path in (box, message):
        result = invoke("train", path)
        assert result.exit_code == 2 and "looks like mail" in result.output and "ftcook build email" in result.output
