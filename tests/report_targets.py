"""A dataset, a finished job and an evaluated tuned model for the report tests, without training: the dataset is
built from the bundled email sample; the job, its events, the model and its evaluations are written to the state
database as the runner and ``ftcook eval`` write them."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from conftest import invoke

from ftcook.samples import get_sample
from ftcook.state import Event, JobRow, ModelRow, open_state

JOB = "ft-20261201-101500-ab12"


def built_dataset(folder: Path) -> Path:
    shutil.copy(get_sample("email").path, folder / "sample.mbox")
    result = invoke("build", "email", folder / "sample.mbox", "--out", folder / "alice", "-o", "me=alice@example.org",
                    "-q")
    assert result.exit_code == 0, result.output
    return folder / "alice"


def finished_job(dataset: Path, name: str = "alice-style") -> str:
    with open_state() as state:
        dataset_id = state.add_dataset(dataset, "0" * 64, 9)
        state.add_job(JobRow(JOB, "local", "SmolLM2-135M-Instruct", dataset_id, {"name": name, "epochs": 2,
                                                                                  "options": {"rank": 8}},
                             "running"), name=name)
        start = time.time() - 100
        state.add_event(JOB, Event("message", message="cpu (float32), 8 examples, 2 epochs", time=start))
        for step in range(1, 9):
            state.add_event(JOB, Event("log", step=step, total_steps=8, epoch=step / 4, train_loss=3.0 - step / 5,
                                       tokens_per_s=90 + step, learning_rate=1e-3 * (1 - step / 9),
                                       memory_mb=1400 + 10 * step, time=start + 10 * step))
            if step % 4 == 0:
                state.add_event(JOB, Event("eval", step=step, total_steps=8, epoch=step / 4,
                                           valid_loss=2.9 - step / 10, time=start + 10 * step + 1))
        state.set_job(JOB, status="succeeded", output=f"models/{name}")
        state.add_model(ModelRow(name, "local", "SmolLM2-135M-Instruct", JOB, None, f"models/{name}",
                                 {"steps": 8, "seconds": 80.5, "tokens_per_s": 94.0, "valid_loss": 2.1,
                                  "examples": 8, "format": "chat"}, time.time()))
    return name


def evaluated(name: str) -> None:
    profile = {"words": 40.0, "words_per_sentence": 11.0, "comma_per_100_chars": 1.5}
    variants = {v: {"attributed_to_writer": share, "writer_probability": share, "profile": profile,
                    "profile_distance": 0.1} for v, share in (("real", 0.8), ("base", 0.0), ("few-shot", 0.2),
                                                              ("tuned", 0.6))}
    with open_state() as state:
        state.add_evaluation(name, "style", {
            "model": name, "examples": 5, "held_out_from": "valid.jsonl", "shots": 3, "variants": variants,
            "classifier": {"cv_accuracy": 0.9, "writer_texts": 8, "background_texts": 500},
            "loss": {"base": {"loss": 3.2, "perplexity": 24.5}, "tuned": {"loss": 1.6, "perplexity": 5.0}}})
        state.add_evaluation(name, "memorization", {
            "samples": 5, "copied_share": 0.02, "longest_copied_words": 9, "threshold": 0.25,
            "longest_warning": 40, "warning": False})
