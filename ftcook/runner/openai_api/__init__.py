"""The ``openai`` backend: fine-tuning on OpenAI's API (or Azure OpenAI, or any service speaking the same API),
with the official ``openai`` SDK only.

Nothing is sent before the user has seen the cost, the model's deadlines and the privacy summary and said yes.
Files are uploaded once (sha256 in the state database, confirmed with ``files.retrieve``); job creation is
idempotent (the job carries ``metadata.ftcook_job``; a retry after a timeout finds the job instead of making a
second one); following polls the job and its events (newest first, paged: merged and put in order) and survives
dropped connections. See docs/train-openai.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable

from pydantic import Field

from ...errors import Cancelled, Detached, FtcookError, JobFailed, UsageError
from ...options import PluginOptions
from ...plugins import hookimpl
from ...state import Event, State, open_state
from ..base import Backend, Dataset, OnEvent, TrainParams, TunedModel
from .client import KEYS, Connection, explain, make_client

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
MIN_EXAMPLES = 10
TRANSIENT_LIMIT = 20  # consecutive failed polls (after the SDK's own retries) before giving up


class OpenAIOptions(PluginOptions):
    """The openai backend's own settings (``ftcook train DATASET --backend openai -o suffix=ada``)."""

    suffix: str | None = Field(None, min_length=1, max_length=64, description="a suffix for the fine-tuned "
                                                                              "model's name (1-64 characters)")
    lr_multiplier: float | None = Field(None, gt=0, description="learning-rate multiplier (default: OpenAI's 'auto')")
    follow: bool = Field(True, description="false: create the job and return ('ftcook jobs follow JOB' watches it)")
    base_url: str | None = Field(None, description="a service speaking OpenAI's API (default: api.openai.com)")
    organization: str | None = Field(None, description="the OpenAI organization id")
    project: str | None = Field(None, description="the OpenAI project id")
    azure_endpoint: str | None = Field(None, description="Azure OpenAI: https://NAME.openai.azure.com (key: "
                                                         "AZURE_OPENAI_API_KEY or 'ftcook keys set azure')")
    api_version: str | None = Field(None, description="Azure OpenAI: the API version")


def poll_seconds() -> float:
    return float(os.environ.get("FTCOOK_POLL_SECONDS", "10"))


class OpenAIBackend(Backend):
    """OpenAI's fine-tuning API (also Azure OpenAI and compatible services)."""

    name = "openai"
    description = "fine-tuning jobs on OpenAI's API, Azure OpenAI or a compatible service (-o base_url=...)"
    Options = OpenAIOptions
    keys = KEYS

    def default_model(self) -> str:
        return DEFAULT_MODEL

    # --- before anything is sent ----------------------------------------------------------------------------

    def preflight(self, dataset: Dataset, base_model: str, params: TrainParams, report) -> list[str]:
        from ...catalog import get_model

        make_client(Connection.from_options(params.options))  # no key: say so before anything else
        if params.learning_rate is not None:
            raise UsageError("OpenAI takes a learning-rate multiplier, not a learning rate: -o lr_multiplier=0.5 "
                             "instead of --learning-rate")
        if len(dataset.train) < MIN_EXAMPLES:
            raise UsageError(f"{dataset.path}: {len(dataset.train)} training examples; OpenAI needs at least "
                             f"{MIN_EXAMPLES} - add examples (or train locally: --backend local)")
        model = get_model(base_model)
        cost = report.to_dict().get("cost") or {}
        lines = [f"Send {len(dataset.train):,} training and {len(dataset.valid):,} validation examples to "
                 f"{_service(params)} to fine-tune {model.id}."]
        charged = cost.get("charged_tokens")
        usd = cost.get("usd")
        lines.append(f"Tokens: {cost.get('billing_tokens', 0):,} per epoch, about {charged or 0:,} charged "
                     f"({cost.get('epochs', '?')} epochs); estimated cost: "
                     + (f"${usd:,.2f}" if usd is not None else "unknown (no verified price; see 'ftcook models')"))
        if model.jobs_end:
            lines.append(f"OpenAI stops new fine-tuning jobs on {model.jobs_end}.")
        if model.shutdown:
            lines.append(f"The base model {model.id} shuts down on {model.shutdown}; its fine-tuned models with it.")
        lines.append(_privacy(dataset.path))
        return lines

    # --- training -------------------------------------------------------------------------------------------

    def train(self, job_id: str, dataset: Dataset, base_model: str, params: TrainParams, output: Path,
              on_event: OnEvent, should_stop, resume: bool = False) -> TunedModel:
        connection = Connection.from_options(params.options)
        client = make_client(connection)
        with open_state() as state:
            try:
                job = state.job(job_id)
                remote = job.remote_id or self._find(client, job_id)
                if remote is None:
                    remote = self._create(client, state, job_id, dataset, base_model, params, connection, on_event)
                state.set_job(job_id, remote_id=remote)
                on_event(Event("message", message=f"OpenAI job {remote}"))
            except FtcookError:
                raise
            except Exception as error:  # noqa: BLE001 - an SDK error becomes one clear line
                raise JobFailed(f"OpenAI: {explain(error)}") from None
        if not params.options.follow:
            raise Detached(job_id)
        return self._follow(client, job_id, remote, base_model, connection, output.name, on_event, should_stop)

    def follow(self, job_id: str, on_event: OnEvent, should_stop) -> TunedModel | None:
        with open_state() as state:
            job = state.job(job_id)
        if not job.remote_id:
            raise UsageError(f"Job {job_id} has no OpenAI job yet - 'ftcook train --resume {job_id}' creates it")
        connection = Connection.from_stored(job.params)
        return self._follow(make_client(connection), job_id, job.remote_id, job.base_model, connection,
                            job.params["name"], on_event, should_stop)

    def _create(self, client, state: State, job_id: str, dataset: Dataset, base_model: str, params: TrainParams,
                connection: Connection, on_event: OnEvent) -> str:
        from ...catalog import get_model

        fmt = get_model(base_model).format
        folder = state.home / "jobs" / job_id
        folder.mkdir(parents=True, exist_ok=True)
        service = connection.azure_endpoint or connection.base_url or "api.openai.com"
        training = self._upload(client, state, service, _write(folder / "train.jsonl", dataset.train, fmt), on_event)
        validation = (self._upload(client, state, service, _write(folder / "valid.jsonl", dataset.valid, fmt),
                                   on_event) if dataset.valid else None)
        hyper = {k: v for k, v in {"n_epochs": params.epochs, "batch_size": params.batch_size,
                                   "learning_rate_multiplier": params.options.lr_multiplier}.items()
                 if v is not None}
        request = {"model": base_model, "training_file": training,
                   "method": {"type": "supervised", "supervised": {"hyperparameters": hyper}},
                   "metadata": {"ftcook_job": job_id, "dataset_sha256": dataset.sha256[:64]}, "seed": params.seed}
        if validation:
            request["validation_file"] = validation
        if params.options.suffix:
            request["suffix"] = params.options.suffix
        return _once(lambda: client.with_options(max_retries=0).fine_tuning.jobs.create(**request).id,
                     lambda: self._find(client, job_id), on_event, "creating the job")

    def _find(self, client, job_id: str) -> str | None:
        """The OpenAI job this ftcook job created, by its metadata."""
        for remote in client.fine_tuning.jobs.list(metadata={"ftcook_job": job_id}, limit=10).data:
            if (remote.metadata or {}).get("ftcook_job") == job_id:
                return remote.id
        return None

    def _upload(self, client, state: State, service: str, path: Path, on_event: OnEvent) -> str:
        """A file id for ``path``'s bytes: an earlier upload of the same bytes when the API still has it, else a
        new upload; copies left by a retried upload are deleted."""
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        name = f"ftcook-{digest[:16]}-{path.name}"
        known = state.upload(digest, service)
        if known:
            try:
                if client.files.retrieve(known).status != "error":
                    on_event(Event("message", message=f"{path.name}: already uploaded as {known}"))
                    return known
            except Exception:  # noqa: BLE001 - deleted or expired: upload again
                pass
            state.forget_upload(digest, service)
        same = [f for f in _files(client) if f.filename == name and f.bytes == len(data)]
        if same:  # uploaded before this state knew it (or a retried upload that did arrive)
            file_id = same[0].id
        else:
            on_event(Event("message", message=f"uploading {path.name} ({len(data):,} bytes)"))

            def arrived() -> str | None:
                copies = [f for f in _files(client) if f.filename == name]
                return copies[0].id if copies else None

            file_id = _once(lambda: client.with_options(max_retries=0).files.create(
                file=(name, data), purpose="fine-tune").id, arrived, on_event, f"uploading {path.name}")
            same = [f for f in _files(client) if f.filename == name]
        for extra in same:
            if extra.id != file_id:  # a retried request that arrived twice: keep one
                client.files.delete(extra.id)
        state.add_upload(digest, service, file_id, len(data))
        processed = client.files.wait_for_processing(file_id, poll_interval=poll_seconds(), max_wait_seconds=3600)
        if processed.status == "error":
            raise JobFailed(f"OpenAI could not process {path.name}: {processed.status_details or 'no details'}")
        return file_id

    def _follow(self, client, job_id: str, remote: str, base_model: str, connection: Connection, name: str,
                on_event: OnEvent, should_stop) -> TunedModel:
        seen: set[str] = set()
        failures = 0
        while True:
            try:
                job = client.fine_tuning.jobs.retrieve(remote)
                for event in _new_events(client, remote, seen):
                    on_event(event)
                failures = 0
            except Exception as error:  # noqa: BLE001 - after the SDK's retries: wait and poll again
                failures += 1
                if failures >= TRANSIENT_LIMIT:
                    raise JobFailed(f"OpenAI: {explain(error)} ({failures} polls in a row)") from None
                time.sleep(poll_seconds() * min(failures, 6))
                continue
            if job.status == "succeeded":
                metrics = {"trained_tokens": job.trained_tokens, "remote_job": remote,
                           "connection": connection.to_dict(), "fine_tuned_model": job.fine_tuned_model}
                return TunedModel(name, self.name, base_model, None, job.fine_tuned_model, metrics=metrics)
            if job.status == "failed":
                message = job.error.message if job.error else "no reason given"
                raise JobFailed(f"OpenAI job {remote} failed: {message}")
            if job.status == "cancelled":
                raise Cancelled(job_id)
            if should_stop():  # Ctrl-C while following: the remote job goes on
                raise Detached(job_id)
            time.sleep(poll_seconds())

    # --- jobs -----------------------------------------------------------------------------------------------

    def _client_for(self, job_id: str):
        with open_state() as state:
            job = state.job(job_id)
        return make_client(Connection.from_stored(job.params))

    def cancel(self, job_id: str, remote_id: str | None) -> None:
        if remote_id:
            self._client_for(job_id).fine_tuning.jobs.cancel(remote_id)

    def pause(self, job_id: str, remote_id: str | None) -> None:
        self._client_for(job_id).fine_tuning.jobs.pause(remote_id)

    def resume_job(self, job_id: str, remote_id: str | None) -> None:
        self._client_for(job_id).fine_tuning.jobs.resume(remote_id)

    # --- using a model --------------------------------------------------------------------------------------

    def generate(self, model: TunedModel | str, messages: list[dict], max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> str:
        from ...catalog import get_model

        if isinstance(model, TunedModel):
            model_id, base = model.remote or model.name, model.base_model
            connection = Connection.from_dict(model.metrics.get("connection"))
        else:
            model_id, base, connection = model, model, Connection()
        client = make_client(connection)
        try:
            known = get_model(base)
        except UsageError:
            known = None
        try:
            if known is not None and known.format == "completion":
                prompt = "\n\n".join(m["content"] for m in messages)
                reply = client.completions.create(model=model_id, prompt=prompt, max_tokens=max_tokens,
                                                  temperature=temperature, **_seed(seed))
                return reply.choices[0].text.strip()
            reply = client.chat.completions.create(model=model_id, messages=messages, max_tokens=max_tokens,
                                                   temperature=temperature, **_seed(seed))
            return (reply.choices[0].message.content or "").strip()
        except Exception as error:  # noqa: BLE001
            raise JobFailed(f"OpenAI: {explain(error)}") from None


def _seed(seed: int | None) -> dict:
    """The API's ``seed`` (best-effort repeatable sampling), only when one is asked for."""
    return {} if seed is None else {"seed": seed}


def _files(client) -> list:
    """The fine-tune files, newest first: the first page of up to 10,000 (the API's largest page)."""
    return list(client.files.list(purpose="fine-tune", limit=10000, order="desc").data)


def _once(call: Callable[[], str], arrived: Callable[[], str | None], on_event: OnEvent, what: str,
          attempts: int = 6) -> str:
    """Run a call that must not happen twice (create a job, upload a file), retrying transient failures - but
    first asking ``arrived()`` whether an earlier try reached the server after all (a timeout can hide a success).
    The SDK's own retries are off for these calls: they would repeat the request blindly."""
    import openai

    for attempt in range(1, attempts + 1):
        try:
            return call()
        except (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError,
                openai.InternalServerError) as error:
            found = arrived()
            if found is not None:
                on_event(Event("message", message=f"{what}: the answer was lost ({type(error).__name__}), but it "
                                                  f"arrived: {found}"))
                return found
            if attempt == attempts:
                raise
            on_event(Event("message", message=f"{what}: {explain(error)}; trying again ({attempt}/{attempts - 1})"))
            time.sleep(min(poll_seconds() * 2 ** (attempt - 1), 60))
    raise AssertionError("unreachable")


def _new_events(client, remote: str, seen: set[str]) -> list[Event]:
    """Events not seen yet, oldest first. The API lists newest first, in pages: read pages until a seen event."""
    fresh, after = [], None
    while True:
        page = client.fine_tuning.jobs.list_events(remote, limit=100, **({"after": after} if after else {}))
        items = list(page.data)
        stop = False
        for item in items:
            if item.id in seen:
                stop = True
                break
            fresh.append(item)
        if stop or not items or not page.has_more:
            break
        after = items[-1].id
    events = []
    for item in reversed(fresh):
        seen.add(item.id)
        data = item.data if isinstance(item.data, dict) else {}
        if item.type == "metrics" and data:
            events.append(Event("log", step=data.get("step"), total_steps=data.get("total_steps"),
                                train_loss=data.get("train_loss"), valid_loss=data.get("valid_loss"),
                                time=float(item.created_at)))
        else:
            events.append(Event("message", message=item.message, time=float(item.created_at)))
    return events


def _write(path: Path, examples: list[dict], fmt: str) -> Path:
    """The examples in the model's format: chat ``messages``, or ``prompt``/``completion`` text."""
    with open(path, "w", encoding="utf-8") as f:
        for example in examples:
            messages = example["prompt"] + example["completion"]
            if fmt == "completion":
                record = {"prompt": "\n\n".join(m["content"] for m in example["prompt"]),
                          "completion": "\n\n".join(m["content"] for m in example["completion"])}
            else:
                record = {"messages": messages}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _service(params: TrainParams) -> str:
    connection = Connection.from_options(params.options)
    return connection.azure_endpoint or connection.base_url or "OpenAI (api.openai.com)"


def _privacy(path: Path) -> str:
    manifest = (path if path.is_dir() else path.parent) / "manifest.json"
    try:
        redaction = json.loads(manifest.read_text()).get("redaction", {})
    except (OSError, ValueError):
        return "Privacy: no ftcook manifest beside the data - it was not redacted by ftcook; check it yourself."
    if not redaction.get("enabled"):
        return "Privacy: WARNING - this dataset was built without redaction (--no-redact or a recipe without it)."
    counts = ", ".join(f"{n:,} {kind}" for kind, n in redaction.get("placeholders", {}).items()) or "nothing found"
    return f"Privacy: redacted before building ({counts})."


@hookimpl
def register_backends(register):
    register(OpenAIBackend)
