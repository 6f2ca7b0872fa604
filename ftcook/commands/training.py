"""Training commands: ``train``, ``backends``, ``jobs``, ``models``, ``quickstart``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..runner.base import TrainParams
from .common import console, plugin_options, setting


#: flags of earlier versions that are backend options now: a script that still passes one is told the new form
MOVED = {"--rank": "rank=R", "--max-length": "max_length=T", "--max-steps": "max_steps=S", "--merge": "merge=true",
         "--suffix": "suffix=S", "--lr-multiplier": "lr_multiplier=X", "--base-url": "base_url=URL",
         "--organization": "organization=ID", "--project": "project=ID", "--azure-endpoint": "azure_endpoint=URL",
         "--api-version": "api_version=V", "--no-follow": "follow=false"}


def _plan(out, dataset, backend: str, model: str, params: TrainParams):
    """``train --plan``: print the plan and exit, 1 when the run would not fit."""
    from ..runner import plan

    lines, fits = plan(dataset, backend, model, params)
    out.print("\n".join(lines), markup=False, highlight=False)
    sys.exit(0 if fits else 1)


def moved_options(command):
    """Hidden options for the ``MOVED`` flags, each a usage error naming its ``-o`` form."""

    def refuse(ctx, param, value):
        if value:
            raise click.UsageError(f"{param.opts[0]} is a backend option now: -o {MOVED[param.opts[0]]} "
                                   f"('ftcook backends' lists every backend's options)", ctx)

    for flag in MOVED:
        is_flag = flag in ("--merge", "--no-follow")
        command = click.option(flag, hidden=True, expose_value=False, is_flag=is_flag, callback=refuse)(command)
    return command


@click.command()
@click.argument("dataset", type=click.Path(path_type=Path), required=False)
@moved_options
@click.option("--backend", default="local", show_default=True,
              help="Where to train: local (this machine) or openai (OpenAI's API, Azure OpenAI or a compatible "
                   "service); 'ftcook backends' lists them and their options.")
@click.option("--model", "-m", default="default", show_default=True,
              help="Base model. local: 'default' (SmolLM2-135M-Instruct), a local folder, or a Hugging Face id "
                   "in the local cache; openai: e.g. gpt-4o-mini-2024-07-18 (default).")
@click.option("--name", default=None, help="Name of the tuned model (default: dataset name and time).")
@setting(TrainParams, "epochs", type=click.IntRange(1))
@setting(TrainParams, "learning_rate", "--learning-rate", "--lr", type=click.FloatRange(0, min_open=True))
@setting(TrainParams, "batch_size", type=click.IntRange(1))
@setting(TrainParams, "seed", type=int)
@setting(TrainParams, "options", "-o", "--option", multiple=True, metavar="KEY=VALUE")
@click.option("--resume", "resume_job", metavar="JOB", default=None,
              help="Continue an interrupted job from its last checkpoint, on the dataset it recorded (a DATASET "
                   "given too must be that one).")
@click.option("--processes", type=click.IntRange(1), default=None,
              help="Local: train on N processes with DDP (one a GPU; gloo on CPU) - the same as -o processes=N.")
@click.option("--plan", "plan_only", is_flag=True,
              help="Say what the run needs and takes - parameters, memory against the device's, steps, time from "
                   "a short measured warm-up - and stop (exit 1 if it will not fit).")
@click.option("--yes", "-y", is_flag=True, help="Remote backends: send without asking (for scripts).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def train(dataset, backend, model, name, epochs, learning_rate, batch_size, seed, options, resume_job, processes,
          plan_only, yes, quiet):
    """Fine-tune a model on DATASET (a folder 'ftcook build' wrote, or a .jsonl file).

    Runs 'ftcook check' first and refuses on errors. Backend options go through -o: local '-o rank=16 -o
    max_steps=4 -o merge=true', openai '-o suffix=ada -o base_url=URL'. Ctrl-C stops at the next step and leaves
    a job that '--resume JOB' continues. Prints the tuned model's name and how to use it."""
    from ..runner.report import render_trained

    if dataset is None and not resume_job:
        raise click.UsageError("Missing argument 'DATASET' (a folder 'ftcook build' wrote, or a .jsonl file)")
    options = {**plugin_options(options), **({"processes": processes} if processes else {})}
    out, params = console(), TrainParams(epochs=epochs, learning_rate=learning_rate, batch_size=batch_size, seed=seed,
                                         options=options)
    if plan_only:
        _plan(out, dataset, backend, model, params)
    render_trained(out, _train(out, dataset, backend, model, params, name, resume_job, yes, quiet))


def _train(out, dataset, backend, model, params, name, resume_job, yes, quiet):
    """The run, or the resumed one, with a progress line; a failed check is shown before its error."""
    from ..check.report import render as render_check
    from ..errors import CheckFailed
    from ..runner import resume as resume_training
    from ..runner import train as run_training
    from ..runner.report import TrainProgress

    try:
        with TrainProgress(out, enabled=not quiet) as progress:
            if resume_job:
                tuned = resume_training(resume_job, on_event=progress, dataset=dataset)
            else:
                tuned = run_training(dataset, backend, model, params, name=name, on_event=progress,
                                     on_job=lambda job: out.print(f"job {job}", style="dim"),
                                     confirm=_confirm(out, yes, progress))
    except CheckFailed as failed:
        render_check(failed.report, out)
        raise
    return tuned


def _confirm(out, yes: bool, progress):
    """What a remote backend shows before sending; --yes skips the question, a script without it is refused."""

    def confirm(lines: list[str]) -> bool:
        from ..errors import UsageError

        for line in lines:
            out.print(line, markup=False)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError("Not sent: confirm at a terminal, or pass --yes to send without asking")
        return click.confirm("Send it?", default=False)

    return confirm


@click.command()
def backends():
    """List the training backends: what each does, its options (-o KEY=VALUE) and the keys it uses."""
    from ..runner import describe_backends

    console().print(describe_backends(), markup=False)


@click.group()
def jobs():
    """Training jobs: list, show, follow, pause, resume, cancel."""


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True)
def jobs_list(as_json):
    """The latest jobs, newest first."""
    from ..runner.report import render_jobs
    from ..state import open_state

    with open_state() as state:
        rows = state.jobs()
    if as_json:
        click.echo(json.dumps([vars(r) for r in rows], indent=2))
    elif rows:
        render_jobs(console(), rows)
    else:
        console().print("No jobs yet - 'ftcook train DATASET' starts one.")


@jobs.command("show")
@click.argument("job")
@click.option("--json", "as_json", is_flag=True)
def jobs_show(job, as_json):
    """One job: its settings, status, output and events."""
    from ..runner.report import render_job
    from ..state import open_state

    with open_state() as state:
        row = state.job(job)
        events = state.events(row.id)
    if as_json:
        click.echo(json.dumps({**vars(row), "events": [vars(e) for e in events]}, indent=2))
    else:
        render_job(console(), row, events)


@jobs.command("follow")
@click.argument("job")
def jobs_follow(job):
    """Print a job's events as they come, until it ends (Ctrl-C stops watching; the job goes on)."""
    from ..runner import follow_job
    from ..runner.report import follow, render_event
    from ..state import open_state

    out = console()
    with open_state() as state:
        row = state.job(job)
        if row.backend == "local" or row.status.final:
            click.echo(f"job {row.id}: {follow(state, row.id, out)}")
            return
        for event in state.events(row.id):
            out.print(render_event(event), markup=False)
    model = follow_job(row.id, on_event=lambda event: out.print(render_event(event), markup=False))
    click.echo(f"job {row.id}: succeeded - model {model.remote or model.name}")


@jobs.command("pause")
@click.argument("job")
def jobs_pause(job):
    """Pause a running remote job (OpenAI)."""
    from ..runner import pause_job

    pause_job(job)
    click.echo(f"job {job}: pause requested")


@jobs.command("resume")
@click.argument("job")
def jobs_resume(job):
    """Resume a paused remote job (OpenAI); a local interrupted job resumes with 'ftcook train --resume JOB'."""
    from ..runner import resume_remote_job

    resume_remote_job(job)
    click.echo(f"job {job}: resume requested")


@jobs.command("cancel")
@click.argument("job")
def jobs_cancel(job):
    """Stop a running job at its next step (its checkpoint stays; an interrupted job is marked cancelled)."""
    from ..runner import cancel_job
    from ..state import JobStatus

    status = cancel_job(job)
    click.echo(f"job {job}: {status}" + (" (it stops at its next step)" if status == JobStatus.CANCELLING else ""))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalog and the tuned models as JSON.")
def models(as_json):
    """List the target models ftcook knows (format, limits, prices, status) and the models you tuned."""
    from ..catalog import load_catalog
    from ..runner.report import models_json, render_models
    from ..state import open_state

    catalog = list(load_catalog().values())
    with open_state() as state:
        tuned = state.models()
    if as_json:
        click.echo(json.dumps(models_json(catalog, tuned), indent=2, ensure_ascii=False))
    else:
        render_models(console(), catalog, tuned)


@click.command()
@click.option("--fast", is_flag=True, help="Train 4 steps only (checks that everything works; no style yet).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def quickstart(fast, quiet):
    """Build a dataset from the bundled sample, train the default model on this machine, show before/after.

    Offline; about 2-4 minutes on 2 CPU cores the first time (the default model is converted once).
    """
    from ..quickstart import run_quickstart
    from ..runner.report import TrainProgress, render_quickstart

    out = console()
    with TrainProgress(out, enabled=not quiet) as progress:
        result = run_quickstart(fast=fast, on_event=progress, say=lambda text: progress.progress.console.print(
            f"[bold]{text}[/bold]"))
    render_quickstart(out, result)


COMMANDS = (train, backends, jobs, models, quickstart)
