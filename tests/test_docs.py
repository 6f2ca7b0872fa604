"""Docs stay in step with the code: every finding code and every command is documented."""

import re
import subprocess
import sys
from pathlib import Path

from ftcook.check.findings import CODES
from ftcook.cli import cli

DOCS = Path(__file__).parent.parent / "docs"


def test_every_finding_code_has_a_section():
    documented = re.findall(r"^### `(\w+)`$", (DOCS / "check.md").read_text(), flags=re.M)
    assert documented == list(CODES)  # same codes, in report order


def _commands(command, path=("ftcook",)):
    yield " ".join(path)
    subcommands = command.all_commands() if command is cli else getattr(command, "commands", {})
    for name, sub in list(subcommands.items()):
        yield from _commands(sub, (*path, name))


def test_every_command_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text()
    for name in _commands(cli):
        assert f"## {name}\n" in text


def test_every_recipe_has_a_cookbook_page():
    from ftcook.plugins import get_recipes

    for name in get_recipes():
        page = DOCS / "recipes" / f"{name}.md"
        assert page.is_file(), f"recipe {name} has no docs/recipes/{name}.md"
        assert f"ftcook build {name} " in page.read_text()


def test_cli_reference_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", str(DOCS / "cli.md")],
                            capture_output=True, text=True)
    assert result.returncode == 0, "docs/cli.md is stale: run 'cog -r docs/cli.md'\n" + result.stdout + result.stderr


def test_readme_opens_with_the_two_commands():
    readme = (DOCS.parent / "README.md").read_text()
    ci = (DOCS.parent / ".ci" / "run").read_text()
    blocks = re.findall(r"```(?:bash|console)?\n(.*?)```", readme, flags=re.S)
    assert "ftcook quickstart" in blocks[0]
    assert "pytest" in blocks[1] and blocks[1].strip().splitlines()[-1] in ci
