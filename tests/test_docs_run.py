"""Every cookbook page runs as written: the ``$ ftcook ...`` lines of its ```console blocks, in order, in a fresh
folder, as a shell runs them. What a page shows under a command of a deterministic kind (build, check, samples,
templates, new-recipe) must be in the command's output (lines with ``...`` or ``/home/you/`` stand for what
differs on each machine); other commands (train, ask, eval, export) must succeed.
``# exit N`` at the end of a command line says the command is shown failing with that status.

The pages share one FTCOOK_HOME, in the order of ``PAGES`` (the quickstart first, as a reader would start): a page
that uses a model says which page made it. A page whose commands train or ask a model is ``slow`` (CI runs it).
Blocks of other kinds (```bash, plain ```) are synopses and set-up, not run; the set-up commands of README run in
CI itself (.ci/run).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
#: in the order a reader meets them; every page with a console block must be here (a test checks)
PAGES = ["train-local.md", "use.md", "check.md", "recipes/email.md", "recipes/author.md", "recipes/chat.md",
         "recipes/language.md", "recipes/table.md", "evaluate.md", "report.md", "writing-recipes.md"]  # last: it adds a recipe
CHECKED_OUTPUT = {"build", "check", "samples", "templates", "new-recipe", "recipes", "report"}
TRAINS = {"train", "ask", "eval", "compare", "export", "quickstart"}
ILLUSTRATIVE = ("...", "/home/you/")  # shown lines with these stand for what differs on each machine


@dataclass
class Step:
    line: int  # in the page
    command: str
    exit_code: int = 0
    shown: list[str] = field(default_factory=list)

    @property
    def verb(self) -> str:
        words = shlex.split(self.command)
        return words[1] if len(words) > 1 and words[0] == "ftcook" else words[0]


def steps(page: Path) -> list[Step]:
    """The commands of a page's console blocks, each with the output shown under it."""
    found: list[Step] = []
    block = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            block = line.strip() == "```console"
            continue
        if not block:
            continue
        if line.startswith("$ "):
            command, _, comment = line[2:].partition("  # ")
            code = re.search(r"\bexit (\d+)", comment)
            found.append(Step(number, command.strip(), int(code.group(1)) if code else 0))
        elif found:
            found[-1].shown.append(line)
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


def _run(step: Step, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(step.command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


def _params():
    for name in PAGES:
        page = DOCS / name
        slow = any(step.verb in TRAINS for step in steps(page))
        yield pytest.param(page, id=name, marks=[pytest.mark.slow] if slow else [])


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory):
    return tmp_path_factory.mktemp("docs-home")


@pytest.mark.parametrize("page", list(_params()))
def test_page_runs_as_written(page, shared_home, tmp_path):
    env = {**os.environ, "FTCOOK_HOME": str(shared_home), "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("FORCE_COLOR", None)
    for step in steps(page):
        result = _run(step, tmp_path, env)
        output = result.stdout + result.stderr
        where = f"{page.relative_to(ROOT)}:{step.line}: {step.command}"
        assert result.returncode == step.exit_code, f"{where} exited {result.returncode}\n{output}"
        if step.verb in CHECKED_OUTPUT:
            flat = _flat(output)
            for shown in step.shown:
                if shown.strip() and not any(m in shown for m in ILLUSTRATIVE) and _flat(shown) not in flat:
                    pytest.fail(f"{where}: the page shows\n  {shown}\nbut the command printed\n{output}")


def test_every_page_with_commands_is_run():
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if steps(p)}
    assert pages <= set(PAGES), f"pages with console blocks that no test runs: {sorted(pages - set(PAGES))}"


@pytest.mark.slow
def test_the_adapter_snippet_answers_as_ftcook_ask(shared_home, tmp_path):
    """train-local.md's transformers + PEFT snippet, on the quickstart's model (made by that page above), prints
    what ``ftcook ask`` prints for the same email."""
    page = (DOCS / "train-local.md").read_text(encoding="utf-8")
    snippet = re.search(r"With transformers and PEFT.*?```python\n(.*?)```", page, flags=re.S).group(1)
    email = re.search(r'"content": "(Reply to this email from Kim[^"]*)"', snippet).group(1)
    env = {**os.environ, "FTCOOK_HOME": str(shared_home)}
    if not (shared_home / "models" / "quickstart").is_dir():
        pytest.skip("the quickstart's model is made by test_page_runs_as_written[train-local.md]")
    (tmp_path / "snippet.py").write_text(snippet, encoding="utf-8")
    printed = subprocess.run([sys.executable, "snippet.py"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert printed.returncode == 0, printed.stderr
    asked = subprocess.run([str(Path(sys.executable).parent / "ftcook"), "ask", "quickstart", email], env=env,
                           capture_output=True, text=True)
    assert asked.returncode == 0, asked.stderr
    assert printed.stdout.strip() == asked.stdout.strip() and "SmolLM" not in printed.stdout
