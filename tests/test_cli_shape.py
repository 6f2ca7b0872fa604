"""The command line's shape: settings, backend options through -o, keys of any backend, outcomes as exit codes,
missing extras, the models listing, and the state database read by column name."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from conftest import invoke, write_jsonl
from ftcook.commands.common import setting
from ftcook.errors import Cancelled, Detached, Interrupted, MissingExtra
from ftcook.pipeline import BuildSettings
from ftcook.runner.base import Backend, TrainParams
from ftcook.state import MIGRATIONS, Event, JobRow, JobStatus, ModelRow, open_state


def test_options_take_their_default_and_help_from_the_settings():
    option = setting(BuildSettings, "near_duplicates")(lambda **kw: None).__click_params__[0]
    assert option.default == 0.85 and option.help.startswith("Skip examples at least this similar")
    build_help = invoke("build", "--help").output
    assert "[default: 0.85; 0<x<=1]" in build_help and "[default: 42]" in build_help
    with pytest.raises(TypeError):
        BuildSettings("table", [], ".")  # built by keyword only


def test_the_root_help_starts_a_newcomer_at_quickstart():
    text = invoke("--help").output
    assert "ftcook quickstart" in text and "Start with 'ftcook check" not in text


def test_backends_list_their_options_and_keys():
    text = invoke("backends").output
    assert "local: LoRA adapters" in text and "rank (int | None, default None)" in text
    assert "openai: fine-tuning jobs" in text and "base_url" in text and "openai ($OPENAI_API_KEY)" in text


def test_an_unknown_backend_option_names_the_backend_and_its_options(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "a", "completion": "b"}] * 3)
    result = invoke("train", tmp_path / "t.jsonl", "-o", "suffix=ada")
    assert result.exit_code == 2
    assert "Backend 'local' has no option 'suffix' - its options: rank, alpha, max_length, max_steps, merge" \
        in result.output
    bad = invoke("train", tmp_path / "t.jsonl", "-o", "rank=zero")
    assert bad.exit_code == 2 and "Backend 'local', option rank: Input should be a valid integer" in bad.output
    assert "is not key=value" in invoke("train", tmp_path / "t.jsonl", "-o", "rank").output


def test_params_keep_common_settings_apart_from_backend_options():
    from ftcook.runner.local import LocalBackend

    params = TrainParams(epochs=2, options={"rank": "16"}).for_backend(LocalBackend)
    assert params.options.rank == 16 and params.to_dict()["options"]["rank"] == 16
    # a job stored by an older ftcook had backend settings at the top level
    old = TrainParams.from_dict({"epochs": 2, "rank": 8, "max_steps": 3, "seed": 1, "name": "x"}, LocalBackend)
    assert (old.epochs, old.seed, old.options.rank, old.options.max_steps) == (2, 1, 8, 3)


class KeyedBackend(Backend):
    """A plugin backend that declares a key of its own."""

    name = "keyed"
    description = "a test backend"
    keys = {"keyed": "KEYED_API_KEY"}

    def default_model(self):
        return "m"

    def train(self, *args, **kwargs):
        raise NotImplementedError

    def generate(self, *args, **kwargs):
        raise NotImplementedError


def test_keys_set_works_for_any_backend_that_declares_a_key(monkeypatch):
    from ftcook.plugins import hookimpl, manager

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            register(KeyedBackend)

    plugin = Plugin()
    manager().register(plugin)
    try:
        monkeypatch.delenv("KEYED_API_KEY", raising=False)
        assert invoke("keys", "set", "keyed", "--key", "k-1234").exit_code == 0
        assert "keyed    " in invoke("keys", "list").output and "…1234" in invoke("keys", "list").output
    finally:
        manager().unregister(plugin)
    unknown = invoke("keys", "set", "nosuch", "--key", "x")
    assert unknown.exit_code == 2 and "No backend uses a key named 'nosuch' - keys: openai, azure" in unknown.output


@pytest.mark.parametrize("outcome, code, words", [
    (Interrupted("ft-1"), 130, "Stopped (interrupted). Resume with 'ftcook train --resume ft-1'"),
    (Cancelled("ft-1"), 1, "Stopped (cancelled): job ft-1 was cancelled."),
    (Detached("ft-1"), 0, "job ft-1 runs on: 'ftcook jobs follow ft-1'"),
])
def test_each_outcome_is_one_line_and_its_exit_code(tmp_path, monkeypatch, outcome, code, words):
    import ftcook.runner as runner

    def stops(*args, **kwargs):
        raise outcome

    monkeypatch.setattr(runner, "train", stops)
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "a", "completion": "b"}])
    result = invoke("train", tmp_path / "t.jsonl", "-q")
    assert result.exit_code == code
    assert words in result.output.strip().splitlines()[-1] and "Traceback" not in result.output


def test_ctrl_c_outside_training_is_one_line_and_130(monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("ftcook.plugins.get_recipes", interrupt)
    result = invoke("recipes")
    assert result.exit_code == 130
    assert result.output == "Interrupted (Ctrl-C); nothing more was done. Run 'ftcook recipes' again to start over.\n"


def test_a_missing_extra_is_one_line_naming_the_install(tmp_path, monkeypatch):
    """As in a venv without the extra: importing the SDK fails."""
    monkeypatch.setitem(sys.modules, "openai", None)
    write_jsonl(tmp_path / "t.jsonl", [{"messages": [{"role": "user", "content": f"q{i}"},
                                                     {"role": "assistant", "content": f"a{i}"}]} for i in range(12)])
    result = invoke("train", tmp_path / "t.jsonl", "--backend", "openai", "--model", "gpt-4o-mini-2024-07-18", "-y")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "Error: The openai backend needs openai, which is not installed: pip install 'ftcook[openai]' - see "
        "docs/train-openai.md")
    monkeypatch.setitem(sys.modules, "peft", None)
    from ftcook.runner.local import require_extra

    with pytest.raises(MissingExtra, match=r"needs peft, which is not installed: pip install 'ftcook\[local\]'"):
        require_extra()


def _add_tuned(name="ada-email-writer-2026-11-30-long-name"):
    with open_state() as state:
        state.add_job(JobRow("ft-1", "local", "SmolLM2-135M-Instruct", None, {"name": name}, JobStatus.SUCCEEDED))
        state.add_model(ModelRow(name, "local", "SmolLM2-135M-Instruct", "ft-1", "abc", f"models/{name}",
                                 {"examples": 36, "train_loss": 1.2345, "valid_loss": 1.5}, 1764500000.0))
    return name


def test_models_json_lists_tuned_models_under_their_own_key():
    name = _add_tuned()
    data = json.loads(invoke("models", "--json").output)
    assert data["tuned"][0]["name"] == name and data["tuned"][0]["metrics"]["examples"] == 36
    assert any(m["id"] == "local:default" for m in data["catalog"])


def test_models_table_keeps_names_whole_in_80_columns(monkeypatch):
    name = _add_tuned()
    for columns in ("80", "160"):
        monkeypatch.setenv("COLUMNS", columns)
        text = invoke("models").output
        assert name in text and "SmolLM2-135M-Instruct" in text and "1.2345" in text and "…" not in text, text
        assert max(len(line) for line in text.splitlines() if name in line) <= int(columns)


def test_state_rows_are_read_by_column_name_after_a_migration_adds_columns(monkeypatch, tmp_path):
    """A later migration adds a column to every table (SQLite appends it): every read still names its columns."""
    extra = "\n".join(f"ALTER TABLE {table} ADD COLUMN note TEXT DEFAULT 'x';"
                      for table in ("datasets", "jobs", "events", "models", "uploads"))
    monkeypatch.setattr("ftcook.state.MIGRATIONS", (*MIGRATIONS, extra))
    name = _add_tuned("m")
    with open_state() as state:
        assert sqlite3.connect(state.path).execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 1
        dataset_id = state.add_dataset(tmp_path, "sha", 3)
        assert state.dataset(dataset_id)["examples"] == 3
        state.add_event("ft-1", Event("log", step=2, train_loss=0.5, message="hi"))
        state.add_upload("sha", "svc", "file-1", 10)
        job = state.job("ft-1")
        assert job.status is JobStatus.SUCCEEDED and job.params == {"name": "m"} and job.dataset_id is None
        model = state.model(name)
        assert model.metrics["examples"] == 36 and model.path == "models/m" and model.job_id == "ft-1"
        event = state.events("ft-1")[0]
        assert (event.step, event.train_loss, event.message) == (2, 0.5, "hi")
        assert state.upload("sha", "svc") == "file-1"


def test_flags_that_became_backend_options_say_their_new_form(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [{"prompt": "a", "completion": "b"}])
    result = invoke("train", tmp_path / "t.jsonl", "--max-steps", "4")
    assert result.exit_code == 2 and "--max-steps is a backend option now: -o max_steps=S" in result.output
    merged = invoke("train", tmp_path / "t.jsonl", "--merge")
    assert merged.exit_code == 2 and "-o merge=true" in merged.output
    assert "--base-url" not in invoke("train", "--help").output  # hidden


def test_serve_without_its_extra_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "starlette", None)
    result = invoke("serve")
    assert result.exit_code == 2 and result.output.strip().splitlines()[-1] == (
        "Error: ftcook serve needs starlette, which is not installed: pip install 'ftcook[serve]' - see docs/use.md")


def test_build_and_check_never_import_torch(tmp_path):
    """A build's check estimates a local run's epochs; importing the trainer for that cost 7 s and 300 MB."""
    import subprocess

    write_jsonl(tmp_path / "t.jsonl", [{"prompt": f"q{i}", "completion": f"a{i} text"} for i in range(5)])
    code = ("import sys; from click.testing import CliRunner; from ftcook.cli import cli; "
            f"r = CliRunner().invoke(cli, ['build', 'table', {str(tmp_path / 't.jsonl')!r}, '--out', "
            f"{str(tmp_path / 'ds')!r}, '-q']); assert r.exit_code == 0, r.output; "
            f"r = CliRunner().invoke(cli, ['check', {str(tmp_path / 't.jsonl')!r}]); "
            "print(sorted(m for m in ('torch', 'transformers', 'peft', 'trl') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "FTCOOK_HOME": str(tmp_path / "home")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_free_name_counts_up_past_taken_ones(tmp_path):
    with open_state() as state:
        dataset = state.add_dataset(tmp_path, "sha", 1)
        assert state.free_name("quickstart") == "quickstart"
        for number, name in enumerate(("quickstart", "quickstart-2", "quickstart-old"), 1):
            state.add_job(JobRow(f"j{number}", "local", "base", dataset, {}, JobStatus.QUEUED), name=name)
        assert state.free_name("quickstart") == "quickstart-3"


def test_a_command_loads_only_what_it_needs():
    """Commands are imported when used: checking a file does not load the build stack or the plugins (and their
    recipes), so it starts at once; every built-in command is where ``MODULES`` says."""
    import importlib

    from ftcook.commands import MODULES, load

    code = ("import sys; from click.testing import CliRunner; from ftcook.cli import cli; "
            "r = CliRunner().invoke(cli, ['check', '--help']); "
            "print(r.exit_code, *(m in sys.modules for m in ('ftcook.pipeline', 'ftcook.plugins', 'ftcook.runner')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "False", "False", "False"]
    for name, module in MODULES.items():
        assert load(name).name == name
        assert load(name) in importlib.import_module(f"ftcook.commands.{module}").COMMANDS
    defined = {c.name for m in set(MODULES.values()) for c in importlib.import_module(f"ftcook.commands.{m}").COMMANDS}
    assert defined == set(MODULES)
