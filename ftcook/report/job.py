"""The job part of a report: its settings and outcome, and per step the train and valid loss (with the step the
saved adapter comes from), the learning rate, tokens/s and the process's peak memory."""

from __future__ import annotations

from ..state import Event, JobRow
from . import charts
from .page import Section, Table, duration, number


def job_section(row: JobRow, events: list[Event], metrics: dict | None = None) -> Section:
    logs = [e for e in events if e.kind == "log" and e.step is not None]
    evals = [e for e in events if e.kind == "eval" and e.step is not None]
    section = Section("job", f"Training job {row.id}")
    section.facts = _facts(row, events, logs, metrics or {})
    if logs or evals:
        series = {"train loss": ([e.step for e in logs], [e.train_loss for e in logs])}
        if evals:
            series["valid loss"] = ([e.step for e in evals], [e.valid_loss for e in evals])
        kept = _kept_step(row, logs, evals)
        section.charts.append(charts.lines("loss", "Loss per step", series, xlabel="step", ylabel="loss",
                                           mark=(kept, f"adapter saved (step {kept})") if kept else None))
    for chart_id, title, attribute, label in (("learning-rate", "Learning rate", "learning_rate", "learning rate"),
                                              ("throughput", "Tokens per second", "tokens_per_s", "tokens/s"),
                                              ("memory", "Peak memory", "memory_mb", "MB (peak resident memory)")):
        points = [(e.step, getattr(e, attribute)) for e in logs if getattr(e, attribute) is not None]
        if points:
            section.charts.append(charts.lines(chart_id, title, {label: ([p[0] for p in points],
                                                                         [p[1] for p in points])},
                                               xlabel="step", ylabel=label))
    if evals:
        section.tables.append(Table("Evaluations on valid.jsonl", ["step", "epoch", "valid loss"],
                                    [[e.step, number(e.epoch, 3), number(e.valid_loss)] for e in evals]))
    messages = [e.message for e in events if e.kind == "message" and e.message]
    section.notes = messages[-12:]
    if row.error:
        section.notes.append(f"error: {row.error}")
    return section


def _kept_step(row: JobRow, logs: list[Event], evals: list[Event]) -> int | None:
    """The step the saved adapter holds: the last step of a finished job (ftcook keeps the final weights)."""
    if str(row.status) != "succeeded":
        return None
    return max([e.step for e in logs + evals], default=None)


def _facts(row: JobRow, events: list[Event], logs: list[Event], metrics: dict) -> list[tuple[str, str]]:
    settings = {k: v for k, v in row.params.items() if k not in ("name", "options")}
    settings.update(row.params.get("options") or {})
    chosen = {k: metrics.get(k, v) for k, v in settings.items()}
    memory = [e.memory_mb for e in logs if e.memory_mb is not None]
    return [
        ("status", str(row.status)), ("backend", row.backend), ("base model", row.base_model),
        ("model", str(row.params.get("name") or "-")),
        ("time", duration(metrics.get("seconds") or (events[-1].time - events[0].time if events else None))),
        ("steps", number(metrics.get("steps") or (logs[-1].step if logs else None))),
        ("tokens/s", number(metrics.get("tokens_per_s"))),
        ("peak memory", f"{max(memory):,.0f} MB" if memory else "-"),
        ("settings", ", ".join(f"{k}={v}" for k, v in chosen.items() if v not in (None, {}, False)) or "-"),
    ]
