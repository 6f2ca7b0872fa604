"""What ``train``, ``jobs`` and ``models`` print: a progress bar fed by training events, job and model tables."""

from __future__ import annotations

import time
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..state import Event, JobRow, ModelRow


class TrainProgress:
    """A rich bar: step/total, loss, tokens/s, ETA; messages and evaluations printed above it."""

    def __init__(self, console: Console, enabled: bool = True):
        self.console = console
        self.enabled = enabled
        self.progress = Progress(TextColumn("[bold]training[/bold]"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[info]}"), TimeRemainingColumn(), console=console,
                                 disable=not enabled)
        self.task = None

    def __enter__(self) -> "TrainProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, event: Event) -> None:
        if event.kind in ("message", "status") and event.message:
            self.progress.console.print(f"[dim]{_clock(event.time)}[/dim] {event.message}")
        elif event.kind == "eval" and event.valid_loss is not None:
            self.progress.console.print(f"[dim]{_clock(event.time)}[/dim] epoch {event.epoch:.2f}: valid loss "
                                        f"{event.valid_loss:.4f}")
        elif event.kind == "log" and event.step is not None:
            info = f"loss {event.train_loss:.4f}" if event.train_loss is not None else ""
            if event.tokens_per_s:
                info += f"  {event.tokens_per_s:,.0f} tokens/s"
            if self.task is None:
                self.task = self.progress.add_task("train", total=event.total_steps or None, info=info)
            self.progress.update(self.task, completed=event.step, total=event.total_steps or None, info=info)


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S")


def render_event(event: Event) -> str:
    """One event as one line (``ftcook jobs follow``)."""
    head = _clock(event.time)
    if event.kind == "log":
        speed = f", {event.tokens_per_s:,.0f} tokens/s" if event.tokens_per_s else ""
        return f"{head} step {event.step}/{event.total_steps} epoch {event.epoch:.2f} loss {event.train_loss:.4f}{speed}"
    if event.kind == "eval":
        return f"{head} step {event.step} epoch {event.epoch:.2f} valid loss {event.valid_loss:.4f}"
    if event.kind == "checkpoint":
        return f"{head} checkpoint at step {event.step}"
    return f"{head} {event.message}"


def jobs_table(jobs: list[JobRow]) -> Table:
    table = Table(box=None, padding=(0, 1))
    for column in ("job", "status", "backend", "base model", "model", "started"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        table.add_row(job.id, job.status, job.backend, job.base_model, job.params.get("name", ""),
                      datetime.fromtimestamp(job.created).strftime("%Y-%m-%d %H:%M"))
    return table


def models_table(models: list[ModelRow]) -> Table:
    table = Table(box=None, padding=(0, 1))
    for column in ("tuned model", "backend", "base model", "examples", "train loss", "valid loss", "created"):
        table.add_column(column, overflow="fold")
    for m in models:
        table.add_row(m.name, m.backend, m.base_model, str(m.metrics.get("examples", "")),
                      _num(m.metrics.get("train_loss")), _num(m.metrics.get("valid_loss")),
                      datetime.fromtimestamp(m.created).strftime("%Y-%m-%d %H:%M"))
    return table


def _num(value) -> str:
    return "" if value is None else f"{value:.4f}"


def follow(state, job_id: str, out: Console, poll: float = 1.0, timeout: float | None = None) -> str:
    """Print a job's events as they come, until it ends (or ``timeout`` seconds pass); its last status."""
    seen, start = 0.0, time.time()
    while True:
        for event in state.events(job_id, after=seen):
            out.print(render_event(event), markup=False)
            seen = event.time
        status = state.job(job_id).status
        if status not in ("queued", "running", "cancelling") or (timeout is not None and time.time() - start > timeout):
            return status
        time.sleep(poll)
