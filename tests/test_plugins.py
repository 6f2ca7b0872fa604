"""Plugins (built-in, user-dir files, registered objects), templates and the new-recipe scaffold."""

import json
import os
import subprocess
import sys
import tomllib

import pytest

from conftest import invoke
from ftcook.errors import FtcookError
from ftcook.home import user_recipes_dir, user_templates_dir
from ftcook.pipeline import BuildSettings, build
from ftcook.plugins import get_recipe, get_recipes, manager
from ftcook.recipes import Recipe, hookimpl
from ftcook.recipes.table import Table


def test_builtin_recipes_are_listed_with_their_inputs():
    result = invoke("recipes")
    assert result.exit_code == 0
    assert "language" in result.output and ".epub" in result.output and "table" in result.output


def test_recipes_show_lists_options_and_templates():
    result = invoke("recipes", "show", "language")
    assert "  max_tokens (int, default 1024)\n      most tokens per chunk" in result.output
    assert "language/completion.j2  (built-in:" in result.output


def test_two_recipes_with_one_name_is_an_error():
    class Impostor(Recipe):
        name = "table"

    class Plugin:
        @hookimpl
        def register_recipes(self, register):
            register(Impostor)

    plugin = Plugin()
    manager().register(plugin)
    try:
        with pytest.raises(FtcookError, match=r"Two recipes are named 'table': .*(Impostor and .*Table|Table and .*Impostor) - rename one"):
            get_recipes()
    finally:
        manager().unregister(plugin)
    assert get_recipes()["table"] is Table


def test_a_plugin_recipe_with_a_builtin_name_is_an_error_when_that_recipe_is_asked_for():
    class Impostor(Recipe):
        name = "table"

    class Plugin:
        @hookimpl
        def register_recipes(self, register):
            register(Impostor)

    plugin = Plugin()
    manager().register(plugin)
    try:
        with pytest.raises(FtcookError, match=r"Two recipes are named 'table'"):
            get_recipe("table")
    finally:
        manager().unregister(plugin)
    assert get_recipe("table") is Table


def test_a_builtin_recipe_imports_its_own_module_only():
    """A build of one recipe does not import the others (nor the backends): ~0.04 s of every build."""
    code = ("import sys\nfrom ftcook.plugins import get_recipe, plugin_template_dirs\n"
            "assert get_recipe('table').name == 'table' and plugin_template_dirs() == ()\n"
            "print(sorted(m for m in sys.modules if m.startswith(('ftcook.recipes.', 'ftcook.runner'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['ftcook.recipes.base', 'ftcook.recipes.table']"


def test_a_recipe_file_in_the_user_dir_is_loaded():
    folder = user_recipes_dir()
    folder.mkdir(parents=True)
    (folder / "shout.py").write_text(
        "from ftcook.recipes import hookimpl\nfrom ftcook.recipes.table import Table\n\n"
        "class Shout(Table):\n    '''Rows, shouted.'''\n    name = 'shout'\n\n"
        "@hookimpl\ndef register_recipes(register):\n    register(Shout)\n")
    assert "shout" in get_recipes()


def test_a_broken_recipe_file_names_the_file_and_line():
    folder = user_recipes_dir()
    folder.mkdir(parents=True)
    (folder / "broken.py").write_text("x = 1\nraise ValueError('oops')\n")
    result = invoke("recipes")
    assert result.exit_code == 2
    assert result.output == (f"Error: {folder / 'broken.py'}, line 2: the recipe file failed to load (ValueError: "
                             f"oops) - fix it, or move it out of {folder}\n")


def test_templates_list_show_and_copy_override(tmp_path):
    listing = invoke("templates", "list").output
    assert "language/completion.j2" in listing and "new_recipe" not in listing
    shown = invoke("templates", "show", "table/prompt.j2")
    assert shown.output.endswith("{{ prompt }}\n")
    copied = invoke("templates", "copy", "table/completion.j2")
    target = user_templates_dir() / "table" / "completion.j2"
    assert copied.exit_code == 0 and target.is_file()
    again = invoke("templates", "copy", "table/completion.j2")
    assert again.exit_code == 2 and "exists already" in again.output
    target.write_text("ANSWER: {{ completion | upper }}\n")
    (tmp_path / "t.jsonl").write_text('{"prompt": "q", "completion": "yes"}\n')
    build(BuildSettings(recipe="table", sources=[tmp_path / "t.jsonl"], out=tmp_path / "ds", valid_fraction=0.0))
    row = json.loads((tmp_path / "ds" / "train.jsonl").read_text())
    assert row["messages"][-1]["content"] == "ANSWER: YES"
    assert "user" in invoke("templates", "list").output


def test_a_template_syntax_error_names_the_template(tmp_path):
    (tmp_path / "t.jsonl").write_text('{"prompt": "q", "completion": "yes"}\n')
    result = invoke("build", "table", tmp_path / "t.jsonl", "--out", tmp_path / "ds", "-o", "prompt={{ prompt ")
    assert result.exit_code == 2
    assert result.output.startswith("Error: inline prompt template, line 1: unexpected end of template")


def test_new_recipe_in_the_user_dir_builds_with_no_edits(tmp_path):
    made = invoke("new-recipe", "diary")
    assert made.exit_code == 0, made.output
    folder = user_recipes_dir()
    assert (folder / "diary.py").is_file() and (folder / "templates" / "diary" / "prompt.j2").is_file()
    assert "diary" in invoke("recipes").output
    result = invoke("build", "diary", folder / "tests" / "fixtures" / "sample.txt", "--out", tmp_path / "ds")
    assert result.exit_code == 0, result.output
    assert "too_few_words" in result.output
    # the generated test passes as it is
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "tests")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_new_recipe_never_overwrites_and_validates_the_name():
    assert invoke("new-recipe", "diary").exit_code == 0
    again = invoke("new-recipe", "diary")
    assert again.exit_code == 2 and "A recipe named 'diary' exists already" in again.output
    bad = invoke("new-recipe", "My-Recipe")
    assert bad.output.startswith("Error: 'My-Recipe' is not a usable recipe name")
    assert invoke("new-recipe", "table").output.startswith("Error: A recipe named 'table' exists already")


@pytest.mark.parametrize("base", [None, "language"])
def test_new_recipe_package_works_with_no_edits(tmp_path, monkeypatch, base):
    args = ["new-recipe", "harbour", "--package", "--dir", tmp_path] + (["--from", base] if base else [])
    made = invoke(*args)
    assert made.exit_code == 0, made.output
    root = tmp_path / "ftcook-harbour"
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["ftcook"] == {"harbour": "ftcook_harbour"}
    assert "pip install -e '.[test]'" in made.output
    # load it as pip would (importable package), and run its own test unchanged
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         capture_output=True, text=True, cwd=root,
                         env={**__import__("os").environ, "PYTHONPATH": str(root)})
    assert run.returncode == 0, run.stdout + run.stderr
    if base:
        code = (root / "ftcook_harbour" / "__init__.py").read_text()
        assert 'name = "harbour"' in code and "class Harbour(Recipe)" in code
        assert (root / "ftcook_harbour" / "templates" / "harbour" / "completion.j2").read_text() == "{{ text }}\n"


@pytest.fixture
def example_plugin():
    """The example plugin registered, its command added to the CLI; both undone afterwards."""
    import example_plugin as plugin

    from ftcook.cli import cli
    from ftcook.plugins import register_commands

    manager().register(plugin)
    try:
        register_commands(cli)
        yield plugin
    finally:
        manager().unregister(plugin)
        cli.commands.pop("example-count", None)


def test_a_plugin_command_runs_under_the_cli(example_plugin, tmp_path):
    dataset = tmp_path / "ds"
    dataset.mkdir()
    (dataset / "train.jsonl").write_text('{"prompt": "a", "completion": "b"}\n' * 3)
    result = invoke("example-count", dataset)
    assert result.exit_code == 0
    assert result.output.splitlines() == ["train.jsonl          3", "valid.jsonl          0",
                                          "skipped.jsonl        0"]
    assert "example-count" in invoke("--help").output


def test_plugin_commands_are_registered_when_the_cli_is_imported(tmp_path, monkeypatch):
    """A plugin file in the user dir that adds a command: a fresh interpreter importing ftcook.cli has it."""

    recipes = tmp_path / "home" / "recipes"
    recipes.mkdir(parents=True)
    (recipes / "hello.py").write_text(
        "import click\nfrom ftcook.plugins import hookimpl\n\n@click.command()\ndef hello():\n"
        "    click.echo('hello from a plugin')\n\n@hookimpl\ndef register_commands(cli):\n"
        "    cli.add_command(hello)\n")
    code = ("from click.testing import CliRunner\nfrom ftcook.cli import cli\n"
            "print(CliRunner().invoke(cli, ['hello']).output, end='')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "hello from a plugin\n", result.stderr


def test_a_plugin_command_cannot_take_a_built_in_name(tmp_path):
    """Built-in commands load when used and plugins when needed; either way a plugin's ``check`` does not replace
    ftcook's, and its other commands are there."""
    recipes = tmp_path / "home" / "recipes"
    recipes.mkdir(parents=True)
    (recipes / "clash.py").write_text(
        "import click\nfrom ftcook.plugins import hookimpl\n\n@click.command('check')\ndef fake():\n"
        "    click.echo('the plugin check')\n\n@click.command()\ndef hello():\n    click.echo('hello')\n\n"
        "@hookimpl\ndef register_commands(cli):\n    cli.add_command(fake)\n    cli.add_command(hello)\n")
    code = ("from click.testing import CliRunner\nfrom ftcook.cli import cli\nr = CliRunner()\n"
            "print(r.invoke(cli, ['hello']).output, end='')\n"
            "print('plugin' in r.invoke(cli, ['check', '--help']).output, 'Check a training FILE' in "
            "r.invoke(cli, ['check', '--help']).output)")
    env = {**os.environ, "FTCOOK_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.split("\n") == ["hello", "False True", ""], result.stderr
