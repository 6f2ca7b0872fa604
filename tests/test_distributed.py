"""Training on two processes (DDP with gloo on the CPU) gives the loss curve of one process with the same global
batch, and only rank 0 reports and writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_jsonl
from tiny import examples, tiny_model  # noqa: F401 - the fixture

from ftcook.errors import Interrupted
from ftcook.runner import TrainParams, resume, train
from ftcook.state import open_state


@pytest.fixture
def dataset(tmp_path) -> Path:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = examples(40)
    write_jsonl(folder / "train.jsonl", rows[:32])
    write_jsonl(folder / "valid.jsonl", rows[32:])
    return folder


def _curve(name: str) -> list[float]:
    with open_state() as state:
        job = state.model(name).job_id
        return [e.train_loss for e in state.events(job) if e.kind == "log"]


def test_two_processes_train_to_the_loss_curve_of_one(dataset, tiny_model):
    params = {"epochs": 2, "learning_rate": 1e-2, "batch_size": 4}
    one = train(dataset, "local", str(tiny_model), TrainParams(**params, options={"rank": 8}), name="one")
    two = train(dataset, "local", str(tiny_model), TrainParams(**params, options={"rank": 8, "processes": 2}),
                name="two")
    a, b = _curve("one"), _curve("two")
    assert len(a) == len(b) == 16  # 32 examples, global batch 4, 2 epochs: the same steps, each logged once
    # the same global batches in the same order: the curves agree to float rounding (all-reduced gradients)
    assert max(abs(x - y) for x, y in zip(a, b)) < 1e-3, (a, b)
    assert b[-1] < b[0] - 0.2  # and it learns
    assert abs(one.metrics["valid_loss"] - two.metrics["valid_loss"]) < 1e-3
    assert (two.path / "adapter_model.safetensors").is_file() and (two.path / "ftcook.json").is_file()
    with open_state() as state:
        assert [m.name for m in state.models()] == ["two", "one"]
        job = state.model("two").job_id
        evals = [e.step for e in state.events(job) if e.kind == "eval"]
        assert evals == [8, 16]  # rank 0 only: once per epoch
        assert state.job(job).status == "succeeded"


def test_two_processes_stop_together_and_resume(dataset, tiny_model, monkeypatch):
    """Ctrl-C (the runner's flag) reaches both workers as the stop file: they stop at the same step after a
    checkpoint, the job is interrupted, and --resume continues it on two processes."""
    from ftcook import runner

    flag = {"flag": False}
    monkeypatch.setattr(runner, "_interrupted", flag)

    def at_step_3(event):
        if event.kind == "log" and event.step == 3:
            flag["flag"] = True

    two = TrainParams(epochs=2, learning_rate=1e-2, batch_size=4, options={"rank": 8, "processes": 2})
    with pytest.raises(Interrupted):
        train(dataset, "local", str(tiny_model), two, name="two", on_event=at_step_3)
    flag["flag"] = False
    with open_state() as state:
        job = state.jobs()[0]
        assert job.status == "interrupted"
        assert list((state.home / "jobs" / job.id).glob("checkpoint-*"))
    events = []
    model = resume(job.id, on_event=events.append)
    logged = [e.step for e in events if e.kind == "log"]
    assert logged[0] > 3 and logged[-1] == 16 and model.metrics["steps"] == 16
    assert (model.path / "adapter_model.safetensors").is_file()


def test_accelerate_launch_with_a_config_file(dataset, tiny_model):
    """-o accelerate_config=FILE starts the workers with accelerate launch (here the shipped multi-CPU file; the
    FSDP and DeepSpeed files load as accelerate configs)."""
    from accelerate.commands.config.config_args import load_config_from_file

    configs = Path(__file__).parent.parent / "docs" / "accelerate"
    for name in ("fsdp.yaml", "deepspeed-zero2.yaml", "multi-cpu.yaml"):
        assert load_config_from_file(str(configs / name)).num_processes in (2, 4)
    options = {"rank": 8, "max_steps": 2, "processes": 2, "accelerate_config": str(configs / "multi-cpu.yaml")}
    model = train(dataset, "local", str(tiny_model), TrainParams(batch_size=4, learning_rate=1e-2, options=options),
                  name="acc")
    assert model.metrics["steps"] == 2 and (model.path / "adapter_model.safetensors").is_file()


def test_a_second_ctrl_c_ends_the_workers_too(dataset, tiny_model):
    """KeyboardInterrupt in this process (a second Ctrl-C) stops it at once: the workers, in their own session,
    are ended with it, and the job can resume."""
    import subprocess

    def at_step_2(event):
        if event.kind == "log" and event.step == 2:
            raise KeyboardInterrupt

    two = TrainParams(epochs=2, learning_rate=1e-2, batch_size=4, options={"rank": 8, "processes": 2})
    with pytest.raises(Interrupted):
        train(dataset, "local", str(tiny_model), two, name="two", on_event=at_step_2)
    left = subprocess.run(["pgrep", "-f", "ftcook.runner.local.distributed"], capture_output=True, text=True)
    assert left.stdout.strip() == ""
    with open_state() as state:
        assert state.jobs()[0].status == "interrupted"
