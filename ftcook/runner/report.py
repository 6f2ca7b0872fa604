"""What ``train``, ``jobs`` and ``models`` print: a progress bar fed by training events, job and model tables."""

from __future__ import annotations

import time
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..state import Event, JobRow, JobStatus, ModelRow


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
        return (f"{head} step {event.step}/{event.total_steps} epoch {event.epoch:.2f} loss "
                f"{event.train_loss:.4f}{speed}")
    if event.kind == "eval":
        return f"{head} step {event.step} epoch {event.epoch:.2f} valid loss {event.valid_loss:.4f}"
    if event.kind == "checkpoint":
        return f"{head} checkpoint at step {event.step}"
    return f"{head} {event.message}"


def jobs_table(jobs: list[JobRow]) -> Table:
    """The jobs, a row each, with every cell whole."""
    table = Table(box=None, padding=(0, 1))
    for column in ("job", "status", "backend", "base model", "model", "started"):
        table.add_column(column, no_wrap=True)
    for job in jobs:
        table.add_row(job.id, job.status, job.backend, job.base_model, job.params.get("name", ""), _time(job.created))
    return table


def render_jobs(out: Console, jobs: list[JobRow]) -> None:
    """The jobs as a table where it fits the terminal, else a block each: ids and names are never cut."""
    _table_or_blocks(out, jobs_table(jobs), [
        (job.id, f"{job.status}, {job.backend}, base {job.base_model}, model {job.params.get('name', '-')}, "
                 f"started {_time(job.created)}") for job in jobs])


def models_table(models: list[ModelRow]) -> Table:
    """The tuned models, a row each, with every cell whole."""
    table = Table(box=None, padding=(0, 1))
    for column in ("tuned model", "backend", "base model", "examples", "train loss", "valid loss", "created"):
        table.add_column(column, no_wrap=True)
    for m in models:
        table.add_row(m.name, m.backend, m.base_model, str(m.metrics.get("examples", "")),
                      _num(m.metrics.get("train_loss")), _num(m.metrics.get("valid_loss")),
                      _time(m.created))
    return table


def render_tuned(out: Console, models: list[ModelRow]) -> None:
    """The tuned models as a table where it fits the terminal, else a block each: names are never cut."""
    blocks = []
    for m in models:
        losses = f", train loss {_num(m.metrics.get('train_loss'))}" if m.metrics.get("train_loss") is not None else ""
        if m.metrics.get("valid_loss") is not None:
            losses += f", valid loss {_num(m.metrics['valid_loss'])}"
        blocks.append((m.name, f"{m.backend}, base {m.base_model}, {m.metrics.get('examples', '?')} "
                               f"examples{losses}, {_time(m.created)}"))
    _table_or_blocks(out, models_table(models), blocks)


def _table_or_blocks(out: Console, table: Table, blocks: list[tuple[str, str]]) -> None:
    """``table`` when it fits the terminal; else each row as its name in bold and a wrapped line of the rest."""
    if out.measure(table, options=out.options.update_width(10_000)).maximum <= out.width:
        out.print(table)
        return
    for name, rest in blocks:
        out.print(f"[bold]{name}[/bold]")
        out.print(f"  {rest}", markup=False, soft_wrap=False)


def _time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


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
        if status.final or status == JobStatus.INTERRUPTED or (timeout is not None and time.time() - start > timeout):
            return status
        time.sleep(poll)


def render_job(out: Console, row: JobRow, events: list[Event]) -> None:
    """``ftcook jobs show``: settings, status, output, error and the last 20 events."""
    out.print(f"[bold]{row.id}[/bold]  {row.status}  ({row.backend}, base {row.base_model})")
    out.print(f"model   {row.params.get('name')}  ->  {row.output or '-'}", markup=False)
    settings = {k: v for k, v in row.params.items() if k not in ("name", "options")}
    settings.update(row.params.get("options") or {})
    out.print("params  " + ", ".join(f"{k}={v}" for k, v in settings.items() if v not in (None, {}, False)),
              markup=False)
    if row.error:
        out.print(f"error   {row.error}", markup=False)
    for event in events[-20:]:
        out.print(render_event(event), markup=False)


def render_trained(out: Console, tuned) -> None:
    """What ``ftcook train`` prints at the end: the tuned model, its numbers and how to use it."""
    m = tuned.metrics
    if tuned.remote:
        out.print(f"\nTuned model [bold]{tuned.name}[/bold]: {tuned.remote} ({m.get('trained_tokens') or '?'} "
                  f"trained tokens)")
        out.print(f"Use it: ftcook ask {tuned.name} \"...\"   (or ftcook ask {tuned.remote} \"...\")", markup=False)
        return
    losses = f"loss {m.get('first_loss')} at the first step, {m.get('last_loss')} at the last"
    if m.get("valid_loss") is not None:
        losses += f", valid loss {m['valid_loss']}"
    steps = m.get("steps")
    out.print(f"\nTuned model [bold]{tuned.name}[/bold] ({steps} step{'' if steps == 1 else 's'} in "
              f"{m.get('seconds')} s on {m.get('device')}; {losses})")
    out.print(f"adapter: {tuned.path}", markup=False)
    out.print(f"Use it: ftcook ask {tuned.name} \"...\"   Compare: ftcook compare {tuned.name}", markup=False)
    out.print(f"Charts: ftcook report {tuned.name}", markup=False, highlight=False)


def models_json(catalog: list, tuned: list[ModelRow]) -> dict:
    """``ftcook models --json``: the catalog's target models and the tuned ones, each under its own key."""
    from dataclasses import asdict

    return {"catalog": [asdict(m) for m in catalog],
            "tuned": [{**asdict(m), "created": datetime.fromtimestamp(m.created).isoformat(timespec="seconds")}
                      for m in tuned]}


def catalog_table(catalog: list) -> Table:
    from ..check.report import money

    table = Table(box=None, padding=(0, 1))
    for column in ("model", "format", "tokens", "$/1M", "jobs until", "shutdown"):
        table.add_column(column, no_wrap=True)
    for m in catalog:
        price = "unknown" if m.training_price is None else money(m.training_price)
        table.add_row(m.id, m.format, f"{m.max_tokens:,}", price, m.jobs_end or "-",
                      m.shutdown or ("-" if m.status == "available" else "?"))
    return table


def render_models(out: Console, catalog: list, tuned: list[ModelRow]) -> None:
    """``ftcook models``: the catalog, what its columns mean, then the tuned models."""
    out.print(catalog_table(catalog))
    out.print("\ntokens: most per training example; $/1M: training price; ?: not announced.", style="dim")
    out.print("Unknown prices are not guessed: pass --price USD (per 1M training tokens) to 'ftcook check'. "
              "'ftcook models --json' shows every field with its source.", style="dim")
    if tuned:
        out.print()
        render_tuned(out, tuned)
        out.print("Use one with 'ftcook ask MODEL PROMPT' or 'ftcook compare MODEL'.", style="dim")


def render_quickstart(out: Console, result) -> None:
    """The quickstart's before/after answers, its times and the next steps."""
    for prompt, before, after in zip(result.prompts, result.before, result.after):
        out.rule()
        out.print(prompt, markup=False)
        out.print("\n[bold]before[/bold] (base model)")
        out.print(before, markup=False)
        out.print("\n[bold]after[/bold] (tuned on Ada's replies)")
        out.print(after, markup=False)
    out.rule()
    s = result.seconds
    out.print(f"Done in {s['total']:.0f} s (build {s['build']:.0f} s, train {s['train']:.0f} s, answers "
              f"{s['before'] + s['after']:.0f} s). Tuned model: {result.model}")
    out.print(f"Next: ftcook ask {result.model} \"Reply to this email from Kim: can you join the demo?\"\n"
              f"      ftcook compare {result.model}\n"
              f"      your own data: docs/recipes/email.md, docs/train-local.md")


def render_memorization(out: Console, result: dict, threshold: float) -> None:
    """``ftcook eval memorization``: each output's copied share, then the verdict."""
    for row in result["examples"]:
        out.print(f"{row['copied_share']:6.1%}  longest {row['longest_copied_words']:3d} words  "
                  f"{row['output'][:90]!r}", markup=False)
    out.print(f"\n{result['samples']} outputs from held-out prompts of {result['prompts_from']}: "
              f"{result['copied_share']:.1%} of generated {result['ngram']}-grams are in the sources "
              f"({result['source_ngrams']:,} distinct); longest copied run {result['longest_copied_words']} words.")
    if result["warning"]:
        out.print(f"[bold yellow]Warning[/bold yellow]: above the threshold ({threshold:.0%} copied or a run "
                  f"of {result['longest_warning']}+ words). The model recites its sources: train fewer epochs, "
                  f"lower the learning rate, or add more varied text.")
    else:
        out.print("Below the threshold: the model writes new text rather than reciting the sources.")
