"""The runner: ``ftcook train``'s steps around a backend - check the dataset, record the job, train, record the
tuned model - and ``ask`` with the result. Backends (``base.Backend``) register through the plugin hook
``register_backends``; the built-in ``local`` backend trains LoRA adapters on this machine.
"""

from __future__ import annotations

import hashlib
import secrets
import signal
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import orjson

from ..errors import (Cancelled, CheckFailed, Detached, FtcookError, InputError, Interrupted, PluginError, Stopped,
                      UsageError)
from ..formats import CHAT, detect_format, to_trl
from ..state import Event, JobRow, JobStatus, ModelRow, State, open_state
from .base import Backend, Dataset, OnEvent, StopWhy, TrainParams, TunedModel

__all__ = ["Backend", "Dataset", "TrainParams", "TunedModel", "get_backend", "get_backends", "load_dataset",
           "train", "resume", "ask", "tuned_model"]


# --- backends ---------------------------------------------------------------------------------------------

def get_backends() -> dict[str, type[Backend]]:
    from ..plugins import BUILTIN_BACKENDS, manager

    found: dict[str, type[Backend]] = {}

    def register(cls):
        if not (isinstance(cls, type) and issubclass(cls, Backend)) or not cls.name:
            raise PluginError(f"{cls!r} is not a Backend subclass with a name")
        if cls.name in found and found[cls.name] is not cls:
            raise PluginError(f"Two backends are named '{cls.name}' - rename one")
        found[cls.name] = cls

    manager(BUILTIN_BACKENDS).hook.register_backends(register=register)
    return dict(sorted(found.items()))


def get_backend(name: str) -> Backend:
    backends = get_backends()
    if name not in backends:
        raise UsageError(f"No backend named '{name}' - backends: {', '.join(backends)}")
    return backends[name]()


def describe_backends() -> str:
    """``ftcook backends``: each backend, its options and the keys it uses."""
    from ..options import describe_options

    lines = []
    for name, cls in get_backends().items():
        keys = ", ".join(f"{key} (${variable})" for key, variable in cls.keys.items()) or "none"
        lines += [f"{name}: {cls.description}", *("  " + line for line in describe_options(cls.Options)),
                  f"  keys ('ftcook keys set NAME'): {keys}", ""]
    lines.append("Pass options with 'ftcook train DATASET --backend NAME -o key=value'.")
    return "\n".join(lines)


# --- datasets ---------------------------------------------------------------------------------------------

def load_dataset(path: Path) -> Dataset:
    """A DatasetDir (train.jsonl, valid.jsonl) or one JSON Lines file of chat or prompt/completion examples."""
    path = Path(path)
    if path.is_dir():
        train_file, valid_file = path / "train.jsonl", path / "valid.jsonl"
        if not train_file.is_file():
            raise InputError(path, "no train.jsonl in this folder", hint="pass a folder 'ftcook build' wrote, or a "
                                                                          ".jsonl file")
    elif path.is_file():
        train_file, valid_file = path, None
    else:
        raise InputError(path, "no such file or folder")
    digest = hashlib.sha256()
    train = _examples(train_file, digest)
    valid = _examples(valid_file, digest) if valid_file is not None and valid_file.is_file() else []
    if not train:
        raise InputError(train_file, "holds no examples", hint="build a dataset first: 'ftcook build RECIPE ...'")
    systems = Counter(m["content"] for ex in train for m in ex["prompt"] if m.get("role") == "system")
    system = systems.most_common(1)[0][0] if systems else None
    return Dataset(path, train, valid, digest.hexdigest(), system)


def _examples(path: Path, digest) -> list[dict]:
    out = []
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            digest.update(line)
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise InputError(path, f"not valid JSON ({error})", line=number,
                                 hint=f"'ftcook check {path}' shows every problem") from None
            if detect_format(record) not in (CHAT, "completion"):
                raise InputError(path, "not a chat or prompt/completion example", line=number,
                                 hint="training takes chat ('messages') or prompt/completion examples")
            out.append(to_trl(record))
    return out


# --- training ---------------------------------------------------------------------------------------------

def check_dataset(path: Path, check_model: str):
    """``ftcook check`` on the training file (and valid.jsonl of a DatasetDir); ``CheckFailed`` when it finds
    errors in either. Returns the training file's report (its cost estimate is what training costs)."""
    from ..check import run_check

    train_file = path / "train.jsonl" if path.is_dir() else path
    report = run_check(train_file, check_model)
    valid_file = path / "valid.jsonl" if path.is_dir() else None
    if valid_file is not None and valid_file.is_file() and valid_file.stat().st_size:
        valid = run_check(valid_file, check_model, validation=True)
        if not valid.ok:
            raise CheckFailed(f"{valid_file}: 'ftcook check' found errors - training refused; fix them (or 'ftcook "
                              f"check {valid_file} --fix') and train again", valid)
    if not report.ok:
        raise CheckFailed(f"{train_file}: 'ftcook check' found errors - training refused; fix them (or 'ftcook "
                          f"check {train_file} --fix') and train again", report)
    return report


def new_job_id() -> str:
    return f"ft-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def train(dataset_path: Path, backend_name: str = "local", model: str = "default", params: TrainParams | None = None,
          name: str | None = None, on_event: OnEvent | None = None, check_model: str | None = None,
          on_job: Callable[[str], None] | None = None,
          confirm: Callable[[list[str]], bool] | None = None) -> TunedModel:
    """Check, show what a remote backend will send and get ``confirm``, record a job, train, record the tuned
    model. Raises ``CheckFailed`` before anything is trained or sent; a run that stops early raises its outcome
    (``Interrupted``, ``Cancelled``, ``Detached``)."""
    backend = get_backend(backend_name)
    params = (params or TrainParams()).for_backend(type(backend))
    base = backend.default_model() if model in ("default", f"{backend_name}:default") else model
    report = check_dataset(Path(dataset_path), check_model or _check_target(backend, base))
    dataset = load_dataset(Path(dataset_path))
    lines = backend.preflight(dataset, base, params, report)
    if lines and (confirm is None or not confirm(lines)):
        raise UsageError("Nothing was sent: training not confirmed")
    name = name or f"{dataset.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    _valid_name(name)
    with open_state() as state:
        dataset_id = state.add_dataset(dataset.path, dataset.sha256, len(dataset.train))
        job_id = new_job_id()
        state.add_job(JobRow(job_id, backend.name, base, dataset_id, {**params.to_dict(), "name": name},
                             JobStatus.QUEUED), name=name)
    if on_job is not None:
        on_job(job_id)
    return _run(backend, job_id, dataset, base, params, name, on_event, resume=False)


def plan(dataset_path: Path, backend_name: str = "local", model: str = "default",
         params: TrainParams | None = None) -> tuple[list[str], bool]:
    """``ftcook train --plan``: the run's plan (parameters, memory against the device's, steps, time from a
    measured warm-up) and whether it fits; nothing is recorded or trained."""
    backend = get_backend(backend_name)
    params = (params or TrainParams()).for_backend(type(backend))
    base = backend.default_model() if model in ("default", f"{backend_name}:default") else model
    planned = backend.plan(load_dataset(Path(dataset_path)), base, params)
    if planned is None:
        raise UsageError(f"The {backend_name} backend plans its runs itself: --plan is for local training")
    return planned


def _check_target(backend: Backend, base: str) -> str:
    """The catalog model a dataset is checked for: the remote model itself; locally, the base model with its own
    tokenizer (``local:BASE``), the default one as ``local:default``."""
    if backend.name != "local":
        return base
    return "local:default" if base == backend.default_model() else f"local:{base}"


def resume(job_id: str, on_event: OnEvent | None = None, dataset: Path | None = None) -> TunedModel:
    """Continue an interrupted job from its last checkpoint, on the dataset it recorded (``dataset``, when given,
    must be that one)."""
    with open_state() as state:
        job = state.job(job_id)
        if job.status.final:
            raise UsageError(f"Job {job.id} is {job.status}; only an interrupted job can be resumed")
        row = state.dataset(job.dataset_id)
    if dataset is not None and Path(dataset).resolve() != Path(row["path"]).resolve():
        raise UsageError(f"Job {job.id} trained on {row['path']}, not {dataset} - resume it with 'ftcook train "
                         f"--resume {job.id}', or train {dataset} as a new job")
    dataset = load_dataset(Path(row["path"]))
    if dataset.sha256 != row["sha256"]:
        raise UsageError(f"{row['path']} changed since job {job.id} started - train it as a new job")
    backend = get_backend(job.backend)
    params = TrainParams.from_dict(job.params, type(backend))
    return _run(backend, job.id, dataset, job.base_model, params, job.params["name"], on_event, resume=True)


def _recorder(state: State, job_id: str, on_event: OnEvent | None) -> OnEvent:
    def record(event: Event) -> None:
        state.add_event(job_id, event)
        if on_event is not None:
            on_event(event)

    return record


def _run(backend: Backend, job_id: str, dataset: Dataset, base: str, params: TrainParams, name: str,
         on_event: OnEvent | None, resume: bool) -> TunedModel:
    with open_state() as state:
        output = state.home / "models" / name
        record = _recorder(state, job_id, on_event)

        def should_stop() -> StopWhy | None:
            if _interrupted["flag"]:
                return Interrupted
            return Cancelled if state.job(job_id).status == JobStatus.CANCELLING else None

        state.set_job(job_id, status=JobStatus.RUNNING, output=state.relative(output))
        record(Event("status", message="resumed" if resume else "started"))
        try:
            with _first_ctrl_c_stops():
                model = backend.train(job_id, dataset, base, params, output, record, should_stop, resume=resume)
        except Stopped as stopped:
            _stopped(state, job_id, stopped, record)
            raise
        except KeyboardInterrupt:  # a second Ctrl-C stops at once: the job resumes from its last checkpoint
            stopped = Interrupted(job_id)
            _stopped(state, job_id, stopped, record)
            raise stopped from None
        except BaseException as error:
            state.set_job(job_id, status=JobStatus.FAILED, error=f"{type(error).__name__}: {error}")
            record(Event("status", message=f"failed: {type(error).__name__}: {error}"))
            raise
        model.system = dataset.system
        model.metrics.setdefault("examples", len(dataset.train))
        _finish(state, backend, job_id, base, dataset.sha256, model, record)
    return model


def _stopped(state: State, job_id: str, stopped: Stopped, record: OnEvent) -> None:
    """Record how a run stopped early: a detached remote job runs on; others are interrupted or cancelled."""
    if isinstance(stopped, Detached):
        record(Event("status", message=f"detached; the job runs on: 'ftcook jobs follow {job_id}', "
                                       f"'ftcook jobs cancel {job_id}'"))
        return
    state.set_job(job_id, status=stopped.status)
    record(Event("status", message=f"interrupted: resume with 'ftcook train --resume {job_id}'"
                 if isinstance(stopped, Interrupted) else stopped.status))


def _finish(state: State, backend: Backend, job_id: str, base: str, sha256: str | None, model: TunedModel,
            record: OnEvent) -> None:
    state.add_model(ModelRow(model.name, backend.name, base, job_id, sha256,
                             state.relative(model.path) if model.path else model.remote,
                             {**model.metrics, "system": model.system}, time.time()))
    state.set_job(job_id, status=JobStatus.SUCCEEDED)
    record(Event("status", message=f"succeeded: {model.remote or model.name}"))


def follow_job(job_id: str, on_event: OnEvent | None = None) -> TunedModel | None:
    """Follow a remote job (``ftcook jobs follow``) to its end and record its model; None for local jobs."""
    with open_state() as state:
        job = state.job(job_id)
        dataset = state.dataset(job.dataset_id) if job.dataset_id else None
    backend = get_backend(job.backend)
    with open_state() as state:
        record = _recorder(state, job.id, on_event)
        try:
            with _first_ctrl_c_stops():
                model = backend.follow(job.id, record, lambda: Interrupted if _interrupted["flag"] else None)
        except Cancelled:
            state.set_job(job.id, status=JobStatus.CANCELLED)
            raise
        except Stopped:
            raise
        except FtcookError as error:
            state.set_job(job.id, status=JobStatus.FAILED, error=str(error))
            raise
        if model is not None:
            model.system = _system_of(dataset)
            _finish(state, backend, job.id, job.base_model, dataset["sha256"] if dataset else None, model, record)
    return model


def _system_of(dataset: dict | None) -> str | None:
    if dataset is not None and Path(dataset["path"]).exists():
        return load_dataset(Path(dataset["path"])).system
    return None


def cancel_job(job_id: str) -> JobStatus:
    """Ask a job to stop: a running local job stops at its next step (``cancelling``); others are cancelled."""
    with open_state() as state:
        row = state.job(job_id)
        if row.status.final:
            raise UsageError(f"Job {row.id} is already {row.status}")
        remote = row.backend != "local"
        new = JobStatus.CANCELLING if row.status == JobStatus.RUNNING and not remote else JobStatus.CANCELLED
        get_backend(row.backend).cancel(row.id, row.remote_id)
        state.set_job(row.id, status=new)
    return new


def pause_job(job_id: str) -> None:
    """Pause a running remote job."""
    backend, row = _remote_job(job_id)
    backend.pause(row.id, row.remote_id)


def resume_remote_job(job_id: str) -> None:
    """Resume a paused remote job (a local interrupted job resumes with ``resume``)."""
    backend, row = _remote_job(job_id)
    backend.resume_job(row.id, row.remote_id)


def _remote_job(job_id: str) -> tuple[Backend, JobRow]:
    with open_state() as state:
        row = state.job(job_id)
    if row.backend == "local":
        raise UsageError(f"Job {row.id} is local: Ctrl-C interrupts it and 'ftcook train --resume {row.id}' "
                         f"continues it")
    return get_backend(row.backend), row


_interrupted = {"flag": False}


@contextmanager
def _first_ctrl_c_stops():
    """The first Ctrl-C asks training to stop at the next step and save a checkpoint; a second one stops at once."""

    def handler(signum, frame):
        if _interrupted["flag"]:
            raise KeyboardInterrupt
        _interrupted["flag"] = True

    _interrupted["flag"] = False
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: no handler
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _interrupted["flag"] = False


def _valid_name(name: str) -> None:
    if not name or any(ch in name for ch in "/\\:") or name.startswith("."):
        raise UsageError(f"'{name}' cannot name a model: use letters, digits, '-', '_' and '.'")


# --- using a tuned model ----------------------------------------------------------------------------------

def tuned_model(name: str) -> TunedModel:
    with open_state() as state:
        row = state.model(name) or next((m for m in state.models() if m.path == name), None)
        if row is None and name.startswith("ft:"):  # an OpenAI fine-tuned model ftcook did not train
            return TunedModel(name, "openai", name.split(":")[1], None, name)
        if row is None:
            names = ", ".join(m.name for m in state.models()[:8]) or "none yet - 'ftcook train' makes one"
            raise UsageError(f"No tuned model named '{name}' - tuned models: {names}")
        path = state.absolute(row.path) if row.path and row.backend == "local" else None
    return TunedModel(row.name, row.backend, row.base_model, path, None if path else row.path,
                      row.metrics.get("system"), row.metrics)


def messages_for(prompt: str, system: str | None, history: list[dict] = ()) -> list[dict]:
    """The chat messages a prompt is sent as: the system prompt used in training, earlier turns, the prompt."""
    return ([{"role": "system", "content": system}] if system else []) + list(history) + \
        [{"role": "user", "content": prompt}]


@dataclass(kw_only=True)
class AskSettings:
    """How ``ftcook ask`` generates; each default and help once (the CLI takes them from here)."""

    system: str | None = field(default=None, metadata={"help": "System prompt (default: the one used in "
                                                                "training)."})
    max_tokens: int = field(default=256, metadata={"help": "Most tokens of the answer."})
    temperature: float = field(default=0.0, metadata={"help": "0 picks the likeliest words (the same answer "
                                                              "every time)."})


def ask(name: str, prompt: str, settings: AskSettings | None = None) -> str:
    s = settings or AskSettings()
    model = tuned_model(name)
    backend = get_backend(model.backend)
    return backend.generate(model, messages_for(prompt, s.system if s.system is not None else model.system),
                            max_tokens=s.max_tokens, temperature=s.temperature)
