"""ftcook start: every branch of the picker with scripted answers, cancelling at each question, and the printed
commands run as printed giving the same dataset."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke

from ftcook.commands.start import execute
from ftcook.samples import get_sample
from ftcook.start import CANCELLED, OTHER, SAMPLE, run
from ftcook.start.sources import Places, suggest


class Script:
    """Answers questions in order: (start of the question, answer); an answer None cancels (Ctrl-C)."""

    def __init__(self, answers: list[tuple[str, object]]):
        self.answers = list(answers)
        self.asked: list[tuple[str, list]] = []

    def _next(self, question, choices=()):
        self.asked.append((question, [c[0] for c in choices]))
        assert self.answers, f"unexpected question: {question}"
        start, answer = self.answers.pop(0)
        assert question.startswith(start), (question, start)
        if callable(answer):
            return answer(question, [c[0] for c in choices])
        return answer

    def select(self, question, choices):
        return self._next(question, choices)

    def checkbox(self, question, choices, checked):
        return self._next(question, choices)

    def text(self, question, default="", validate=None):
        answer = self._next(question)
        if answer == "":
            answer = default
        if validate and answer is not None:
            assert validate(answer) is None, validate(answer)
        return answer

    def confirm(self, question, default=True):
        return self._next(question)


def _picker(script: Script, here: Path, home: Path | None = None, execute_=None):
    said: list[str] = []
    ran: list[list[str]] = []

    def run_here(argv):
        ran.append(argv)
        return (execute_ or execute)(argv)

    import os

    before = Path.cwd()
    os.chdir(here)
    try:
        status = run(script, said.append, Places(here, home or here / "nohome"), run_here)
    finally:
        os.chdir(before)
    assert not script.answers, f"questions not asked: {script.answers}"
    return status, "\n".join(said), ran


EMAIL = [("What should the model learn?", "email"), ("Where is the source?", SAMPLE),
         ("Which of these are you?", ["alice@example.org"]), ("Change any?", ""),
         ("Folder to write the dataset to:", ""), ("Preview a few examples first", True),
         ("Build the dataset now?", True), ("Train a model on it now", False)]


def test_email_from_the_sample_and_the_printed_commands_give_the_same_dataset(tmp_path):
    here = tmp_path / "picker"
    here.mkdir()
    status, said, ran = _picker(Script(EMAIL), here)
    assert status == 0
    assert ran == [["samples", "copy", "email", "."],
                   ["build", "email", "sample.mbox", "--out", "email-data", "-o", "me=alice@example.org",
                    "--preview", "3"],
                   ["build", "email", "sample.mbox", "--out", "email-data", "-o", "me=alice@example.org"]]
    script = said.split("The same, as commands to copy and adapt:\n")[1].splitlines()
    assert script == [shlex.join(["ftcook", *argv]) for argv in ran]
    assert "Next: ftcook report email-data (charts), ftcook train email-data (a model)" in said
    again = tmp_path / "shell"
    again.mkdir()
    for line in script:  # as a person pastes them into a shell
        subprocess.run([sys.executable, "-m", "ftcook", *shlex.split(line)[1:]], cwd=again, check=True,
                       capture_output=True)
    for name in ("train.jsonl", "valid.jsonl", "skipped.jsonl"):
        assert (again / "email-data" / name).read_bytes() == (here / "email-data" / name).read_bytes()


@pytest.mark.parametrize("cancel_at", range(len(EMAIL)))
def test_cancel_at_any_question_leaves_nothing_half_written(tmp_path, cancel_at):
    answers = [*EMAIL[:cancel_at], (EMAIL[cancel_at][0], None)]
    status, said, _ = _picker(Script(answers), tmp_path)
    assert status == CANCELLED and "Cancelled; nothing half-written was left." in said
    assert not list(tmp_path.glob(".*tmp*"))  # no build's temporary folder
    built = (tmp_path / "email-data").exists()
    assert built == (cancel_at == len(EMAIL) - 1)  # only after the build finished
    if built:
        assert (tmp_path / "email-data" / "manifest.json").is_file()


def test_build_declined_after_the_preview(tmp_path):
    status, said, ran = _picker(Script([*EMAIL[:6], ("Build the dataset now?", False)]), tmp_path)
    assert status == 0 and ran[-1][-2:] == ["--preview", "3"] and not (tmp_path / "email-data").exists()


def test_chat_suggests_the_export_found_here_and_proposes_me(tmp_path):
    shutil.copytree(get_sample("chat").path, tmp_path / "chat")
    (tmp_path / "WhatsApp Chat with Ben.txt").write_bytes(
        next((tmp_path / "chat").rglob("WhatsApp*.txt")).read_bytes())
    seen = {}

    def where(question, choices):
        seen["choices"] = choices
        return choices[0]

    def who(question, choices):
        seen["me"] = choices
        return [choices[0]]

    answers = [("What should", "chat"), ("Where is the source?", where), ("Which of these are you?", who),
               ("Change any?", "session_hours=6"), ("Folder", "mine"), ("Preview", False), ("Train", False)]
    status, said, ran = _picker(Script(answers), tmp_path)
    assert status == 0
    assert seen["choices"][0] == str(tmp_path / "WhatsApp Chat with Ben.txt") and seen["choices"][-2:] == [SAMPLE, OTHER]
    assert ran == [["build", "chat", "WhatsApp Chat with Ben.txt", "--out", "mine", "-o", f"me={seen['me'][0]}",
                    "-o", "session_hours=6"]]
    assert (tmp_path / "mine" / "train.jsonl").is_file()


def test_table_asks_for_the_columns(tmp_path):
    shutil.copy(get_sample("table").path, tmp_path / "faq.csv")
    answers = [("What should", "table"), ("Where is the source?", lambda q, c: c[0]),
               ("Which column is the prompt", "question"), ("Which column is the completion", "answer"),
               ("Change any?", ""), ("Folder", ""), ("Preview", False), ("Train", False)]
    status, said, ran = _picker(Script(answers), tmp_path)
    assert status == 0
    assert ran == [["build", "table", "faq.csv", "--out", "table-data", "-o", "prompt={{ question }}",
                    "-o", "completion={{ answer }}"]]


def test_another_path_typed_and_training_asked(tmp_path):
    book = tmp_path / "books" / "novella.epub"
    book.parent.mkdir()
    shutil.copy(get_sample("author").path, book)
    ran_train = []

    def fake(argv):  # training itself is tested elsewhere; here: which command the picker runs
        if argv[0] == "train":
            ran_train.append(argv)
            return 0
        return execute(argv)

    answers = [("What should", "author"), ("Where is the source?", OTHER), ("Path", "books/novella.epub"),
               ("Change any?", "passage_tokens=48"), ("Folder", "lamp"), ("Preview", False), ("Train", True)]
    status, said, ran = _picker(Script(answers), tmp_path, execute_=fake)
    assert status == 0 and ran_train == [["train", "lamp"]]
    assert "ftcook train lamp" in said.split("copy and adapt:")[1]


def test_a_failed_build_says_so_and_stops(tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    answers = [("What should", "language"), ("Where is the source?", lambda q, c: c[0]), ("Change any?", ""),
               ("Folder", ""), ("Preview", False)]
    status, said, _ = _picker(Script(answers), tmp_path)
    assert status != 0 and "The build stopped" in said


def test_a_recipe_of_your_own_is_offered(tmp_path):
    from ftcook.home import user_recipes_dir

    assert invoke("new-recipe", "cooking_notes").exit_code == 0
    offered = {}

    def learn(question, choices):
        offered["goals"] = choices
        return "cooking_notes"

    answers = [("What should", learn), ("Where is the source?", OTHER),
               ("Path", str(user_recipes_dir() / "tests" / "fixtures" / "sample.txt")), ("Change any?", ""),
               ("Folder", "notes"), ("Preview", False), ("Train", False)]
    status, said, ran = _picker(Script(answers), tmp_path)
    assert offered["goals"][-2:] == ["cooking_notes", "new-recipe"]
    assert status == 0 and ran[0][:2] == ["build", "cooking_notes"] and (tmp_path / "notes" / "train.jsonl").is_file()


def test_new_recipe(tmp_path):
    status, said, ran = _picker(Script([("What should", "new-recipe"), ("A name", "cooking_notes")]), tmp_path)
    assert status == 0 and ran == [["new-recipe", "cooking_notes"]]
    from ftcook.home import user_recipes_dir

    assert (user_recipes_dir() / "cooking_notes.py").is_file()


def test_suggestions_look_in_the_usual_places(tmp_path):
    here, home = tmp_path / "here", tmp_path / "home"
    (home / "Downloads" / "Takeout" / "Mail").mkdir(parents=True)
    (home / "Downloads" / "Takeout" / "Mail" / "All mail.mbox").write_text("", encoding="utf-8")
    (home / ".thunderbird" / "abc.default" / "Mail" / "Local Folders").mkdir(parents=True)
    here.mkdir()
    (here / "old.mbox").write_text("", encoding="utf-8")
    found = suggest("email", Places(here, home))
    assert [Places(here, home).shown(p) for p in found] == [
        "old.mbox", str(home / "Downloads/Takeout/Mail/All mail.mbox"),
        str(home / ".thunderbird/abc.default/Mail/Local Folders")]
    assert suggest("author", Places(here, home)) == []


def test_without_a_terminal_it_says_what_to_run():
    result = invoke("start")
    assert result.exit_code == 2 and "ftcook build RECIPE SOURCE... --out DIR" in result.output
    bare = invoke()
    assert bare.exit_code == 2 and "ftcook start" in bare.output  # the help


def test_the_terminal_asker_answers_from_keys():
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from ftcook.start.ask import TerminalAsker

    with create_pipe_input() as keys:
        asker = TerminalAsker(input=keys, output=DummyOutput())
        keys.send_text("\x1b[B\r")  # down, enter
        assert asker.select("What?", [("a", "first"), ("b", "second")]) == "b"
        keys.send_text("y")
        assert asker.confirm("Sure?", False) is True
        keys.send_text("mine\r")
        assert asker.text("Folder?") == "mine"
