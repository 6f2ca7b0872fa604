"""The shape of the code: small functions (ruff holds complexity; this holds length) and thin commands."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "ftcook"
MAX_LINES = 60


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_no_function_in_the_package_is_over_60_lines():
    long = [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in sorted(PACKAGE.rglob("*.py")) for node in _functions(path)
            if node.end_lineno - node.lineno + 1 > MAX_LINES]
    assert long == [], "split these functions:\n" + "\n".join(long)


def test_commands_live_in_the_commands_package():
    """cli.py is the root: the group, error handling and plugin commands; every command is in ftcook/commands."""
    from ftcook.cli import cli

    for name, command in cli.all_commands().items():
        if name == "example-count":  # the tests' example plugin, when a test registered it
            continue
        assert command.callback.__module__.startswith("ftcook.commands."), name


def test_commands_are_thin():
    """A command parses, calls the library and prints: none is over 30 lines."""
    long = [f"{path.name}:{node.lineno} {node.name}" for path in sorted((PACKAGE / "commands").glob("*.py"))
            for node in _functions(path) if node.end_lineno - node.lineno + 1 > 30]
    assert long == []
