"""The runner's commands: ``train``, ``ask``, ``compare``, ``quickstart`` and ``jobs``. Thin: each parses its
options, calls ``ftcook.runner`` and prints with ``ftcook.runner.report``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def add_commands(cli, console) -> None:
    @cli.command()
    @click.argument("dataset", type=click.Path(path_type=Path))
    @click.option("--backend", default="local", show_default=True,
                  help="Where to train: local (this machine) or openai (OpenAI's API, Azure OpenAI, --base-url).")
    @click.option("--model", "-m", default="default", show_default=True,
                  help="Base model. local: 'default' (SmolLM2-135M-Instruct), a local folder, or a Hugging Face id "
                       "in the local cache; openai: e.g. gpt-4o-mini-2024-07-18 (default).")
    @click.option("--name", default=None, help="Name of the tuned model (default: dataset name and time).")
    @click.option("--epochs", type=click.IntRange(1), default=None, help="Passes over the data (default: by size).")
    @click.option("--learning-rate", "--lr", "learning_rate", type=float, default=None,
                  help="Peak learning rate (default: 2e-4, 1e-4 from 1,000 examples).")
    @click.option("--rank", type=click.IntRange(1), default=None, help="LoRA rank (default: 8/16/32 by size).")
    @click.option("--batch-size", type=click.IntRange(1), default=None, help="Examples per step (4 CPU, 16 GPU).")
    @click.option("--max-length", type=click.IntRange(16), default=None, help="Longest example in tokens.")
    @click.option("--max-steps", type=click.IntRange(1), default=None, help="Stop after N steps (a quick try).")
    @click.option("--seed", type=int, default=42, show_default=True)
    @click.option("--merge", is_flag=True, help="Also write a merged model (base + adapter) for tools without LoRA.")
    @click.option("--resume", "resume_job", metavar="JOB", default=None,
                  help="Continue an interrupted job from its last checkpoint (DATASET is checked against it).")
    @click.option("--suffix", default=None, help="openai: a suffix for the fine-tuned model's name (1-64 chars).")
    @click.option("--lr-multiplier", type=click.FloatRange(0, min_open=True), default=None,
                  help="openai: learning-rate multiplier (default: OpenAI's 'auto').")
    @click.option("--base-url", default=None, help="openai: a service speaking OpenAI's API (default: api.openai.com).")
    @click.option("--organization", default=None, help="openai: the organization id.")
    @click.option("--project", default=None, help="openai: the project id.")
    @click.option("--azure-endpoint", default=None, help="Azure OpenAI: https://NAME.openai.azure.com (key: "
                                                         "AZURE_OPENAI_API_KEY or 'ftcook keys set azure').")
    @click.option("--api-version", default=None, help="Azure OpenAI: the API version.")
    @click.option("--no-follow", is_flag=True, help="openai: create the job and return ('ftcook jobs follow JOB').")
    @click.option("--yes", "-y", is_flag=True, help="openai: send without asking (for scripts).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
    def train(dataset, backend, model, name, epochs, learning_rate, rank, batch_size, max_length, max_steps, seed,
              merge, resume_job, suffix, lr_multiplier, base_url, organization, project, azure_endpoint, api_version,
              no_follow, yes, quiet):
        """Fine-tune a model on DATASET (a folder 'ftcook build' wrote, or a .jsonl file).

        Runs 'ftcook check' first and refuses on errors. Ctrl-C stops at the next step and leaves a job that
        '--resume JOB' continues. Prints the tuned model's name and how to use it.
        """
        from .check.report import render as render_check
        from .runner import CheckFailed, TrainParams
        from .runner import resume as resume_training
        from .runner import train as run_training
        from .runner.base import Stop
        from .runner.report import TrainProgress

        from .runner.openai_api.client import Connection

        out = console()
        connection = Connection(base_url, organization, project, azure_endpoint, api_version).to_dict()
        options = {k: v for k, v in {"suffix": suffix, "lr_multiplier": lr_multiplier, "connection": connection,
                                     "follow": not no_follow}.items() if v not in (None, {})}
        params = TrainParams(epochs, learning_rate, rank, None, batch_size, max_length, max_steps, seed, merge,
                             options)
        try:
            if resume_job:
                with TrainProgress(out, enabled=not quiet) as progress:
                    tuned = resume_training(resume_job, on_event=progress)
            else:
                confirm = _confirm(out, yes)
                with TrainProgress(out, enabled=not quiet) as progress:
                    tuned = run_training(dataset, backend, model, params, name=name, on_event=progress,
                                         on_job=lambda job: out.print(f"job {job}", style="dim"), confirm=confirm)
        except CheckFailed as failed:
            render_check(failed.report, out)
            raise
        except Stop as stop:
            if str(stop) == "detached":
                sys.exit(0)
            out.print(f"Stopped ({stop}). " + ("Resume with 'ftcook train DATASET --resume JOB' ('ftcook jobs list' "
                                               "shows the job)." if str(stop) == "interrupted" else ""))
            sys.exit(130 if str(stop) == "interrupted" else 1)
        _trained(out, tuned)

    @cli.command()
    @click.argument("model")
    @click.argument("prompt")
    @click.option("--system", default=None, help="System prompt (default: the one used in training).")
    @click.option("--max-tokens", type=click.IntRange(1), default=256, show_default=True)
    @click.option("--temperature", type=click.FloatRange(0), default=0.0, show_default=True,
                  help="0 picks the likeliest words (the same answer every time).")
    def ask(model, prompt, system, max_tokens, temperature):
        """Ask tuned MODEL; PROMPT '-' reads the prompt from standard input."""
        from .runner import ask as ask_model

        if prompt == "-":
            prompt = sys.stdin.read()
        click.echo(ask_model(model, prompt, system=system, max_tokens=max_tokens, temperature=temperature))

    @cli.command()
    @click.argument("model")
    @click.option("--dataset", type=click.Path(path_type=Path), default=None,
                  help="DatasetDir to take held-out prompts from (default: the one MODEL was trained on).")
    @click.option("-n", "count", type=click.IntRange(1), default=3, show_default=True, help="Held-out prompts.")
    @click.option("--shots", type=click.IntRange(0), default=3, show_default=True,
                  help="Training examples shown to the base model in the few-shot variant.")
    @click.option("--max-tokens", type=click.IntRange(1), default=160, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
    def compare(model, dataset, count, shots, max_tokens, as_json):
        """Fine-tuning against prompting: base model, base model with few-shot examples, and MODEL, on held-out
        prompts, next to the real completion; held-out loss and a style-similarity score."""
        from .runner.compare import compare as run_compare

        result = run_compare(model, dataset, n=count, shots=shots, max_tokens=max_tokens)
        if as_json:
            click.echo(json.dumps(result, indent=2, ensure_ascii=False))
            return
        _print_compare(console(), result)

    @cli.command()
    @click.option("--fast", is_flag=True, help="Train 4 steps only (checks that everything works; no style yet).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
    def quickstart(fast, quiet):
        """Build a dataset from the bundled sample, train the default model on this machine, show before/after.

        Offline; about 2-4 minutes on 2 CPU cores the first time (the default model is converted once).
        """
        from .quickstart import run_quickstart
        from .runner.report import TrainProgress

        out = console()
        with TrainProgress(out, enabled=not quiet) as progress:
            result = run_quickstart(fast=fast, on_event=progress, say=lambda text: progress.progress.console.print(
                f"[bold]{text}[/bold]"))
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

    @cli.group()
    def jobs():
        """Training jobs: list, show, follow, cancel."""

    @jobs.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def jobs_list(as_json):
        """The latest jobs, newest first."""
        from .runner.report import jobs_table
        from .state import open_state

        with open_state() as state:
            rows = state.jobs()
        if as_json:
            click.echo(json.dumps([vars(r) for r in rows], indent=2))
        elif rows:
            console().print(jobs_table(rows))
        else:
            console().print("No jobs yet - 'ftcook train DATASET' starts one.")

    @jobs.command("show")
    @click.argument("job")
    @click.option("--json", "as_json", is_flag=True)
    def jobs_show(job, as_json):
        """One job: its settings, status, output and events."""
        from .runner.report import render_event
        from .state import open_state

        with open_state() as state:
            row = state.job(job)
            events = state.events(row.id)
        if as_json:
            click.echo(json.dumps({**vars(row), "events": [vars(e) for e in events]}, indent=2))
            return
        out = console()
        out.print(f"[bold]{row.id}[/bold]  {row.status}  ({row.backend}, base {row.base_model})")
        out.print(f"model   {row.params.get('name')}  ->  {row.output or '-'}", markup=False)
        out.print("params  " + ", ".join(f"{k}={v}" for k, v in row.params.items() if v is not None and k != "name"),
                  markup=False)
        if row.error:
            out.print(f"error   {row.error}", markup=False)
        for event in events[-20:]:
            out.print(render_event(event), markup=False)

    @jobs.command("follow")
    @click.argument("job")
    def jobs_follow(job):
        """Print a job's events as they come, until it ends (Ctrl-C stops watching; the job goes on)."""
        from .runner import follow_job
        from .runner.base import Stop
        from .runner.report import follow, render_event
        from .state import open_state

        with open_state() as state:
            row = state.job(job)
            if row.backend == "local" or row.status in ("succeeded", "failed", "cancelled"):
                status = follow(state, row.id, console())
                click.echo(f"job {row.id}: {status}")
                return
            for event in state.events(row.id):
                console().print(render_event(event), markup=False)
        try:
            model = follow_job(row.id, on_event=lambda event: console().print(render_event(event), markup=False))
        except Stop as stop:
            click.echo(f"job {row.id}: {'cancelled' if str(stop) == 'cancelled' else 'still running (detached)'}")
            return
        click.echo(f"job {row.id}: succeeded - model {model.remote or model.name}")

    @jobs.command("pause")
    @click.argument("job")
    def jobs_pause(job):
        """Pause a running remote job (OpenAI)."""
        _remote_action(job, "pause")

    @jobs.command("resume")
    @click.argument("job")
    def jobs_resume(job):
        """Resume a paused remote job (OpenAI); a local interrupted job resumes with 'ftcook train --resume JOB'."""
        _remote_action(job, "resume_job")

    @cli.group()
    def keys():
        """API keys for remote backends, stored with mode 0600 in FTCOOK_HOME and never printed."""

    @keys.command("set")
    @click.argument("service", type=click.Choice(["openai", "azure"]))
    @click.option("--key", prompt=True, hide_input=True, help="The key (asked for, hidden, when not given).")
    def keys_set(service, key):
        """Store the API key for SERVICE."""
        from .keys import set_key

        path = set_key(service, key)
        click.echo(f"Stored the {service} key in {path} (mode 0600). An environment variable still wins.")

    @keys.command("list")
    def keys_list():
        """Which keys are set and where they come from (only their last 4 characters)."""
        from .keys import describe

        for service, where, tail in describe():
            click.echo(f"{service:<8} {where} {tail}".rstrip())

    @keys.command("remove")
    @click.argument("service", type=click.Choice(["openai", "azure"]))
    def keys_remove(service):
        """Forget the stored key for SERVICE."""
        from .keys import remove_key

        click.echo(f"Removed the {service} key." if remove_key(service) else f"No stored {service} key.")

    @jobs.command("cancel")
    @click.argument("job")
    def jobs_cancel(job):
        """Stop a running job at its next step (its checkpoint stays; an interrupted job is marked cancelled)."""
        from .errors import UsageError
        from .runner import get_backend
        from .state import FINAL, open_state

        with open_state() as state:
            row = state.job(job)
            if row.status in FINAL:
                raise UsageError(f"Job {row.id} is already {row.status}")
            remote = row.backend != "local"
            new = "cancelling" if row.status == "running" and not remote else "cancelled"
            get_backend(row.backend).cancel(row.id, row.remote_id)
            state.set_job(row.id, status=new)
        click.echo(f"job {row.id}: {new}" + (" (it stops at its next step)" if new == "cancelling" else ""))


def _confirm(out, yes: bool):
    """What a remote backend shows before sending; --yes skips the question, a script without it is refused."""

    def confirm(lines: list[str]) -> bool:
        from .errors import UsageError

        for line in lines:
            out.print(line, markup=False)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError("Not sent: confirm at a terminal, or pass --yes to send without asking")
        return click.confirm("Send it?", default=False)

    return confirm


def _remote_action(job: str, action: str) -> None:
    from .errors import UsageError
    from .runner import get_backend
    from .state import open_state

    with open_state() as state:
        row = state.job(job)
        if row.backend == "local":
            raise UsageError(f"Job {row.id} is local: Ctrl-C interrupts it and 'ftcook train --resume {row.id}' "
                             f"continues it")
        try:
            getattr(get_backend(row.backend), action)(row.id, row.remote_id)
        except NotImplementedError as error:
            raise UsageError(str(error)) from None
    click.echo(f"job {row.id}: {action.replace('_job', '')} requested")


def _trained(out, tuned) -> None:
    m = tuned.metrics
    if tuned.remote:
        out.print(f"\nTuned model [bold]{tuned.name}[/bold]: {tuned.remote} ({m.get('trained_tokens') or '?'} trained "
                  f"tokens)")
        out.print(f"Use it: ftcook ask {tuned.name} \"...\"   (or ftcook ask {tuned.remote} \"...\")", markup=False)
        return
    losses = f"loss {m.get('first_loss')} at the first step, {m.get('last_loss')} at the last"
    if m.get("valid_loss") is not None:
        losses += f", valid loss {m['valid_loss']}"
    out.print(f"\nTuned model [bold]{tuned.name}[/bold] ({m.get('steps')} steps in {m.get('seconds')} s on "
              f"{m.get('device')}; {losses})")
    out.print(f"adapter: {tuned.path}", markup=False)
    out.print(f"Use it: ftcook ask {tuned.name} \"...\"   Compare: ftcook compare {tuned.name}", markup=False)


def _print_compare(out, result: dict) -> None:
    for number, row in enumerate(result["examples"], 1):
        out.rule(f"{number}")
        out.print("[bold]prompt[/bold]")
        out.print(row["prompt"], markup=False)
        for label, key in (("real", "real"), ("base, zero-shot", "base"),
                           (f"base, {result['shots']}-shot", "few-shot"), ("tuned", "tuned")):
            score = "" if key == "real" else f"  (style similarity {row['similarity'][key]:.2f})"
            out.print(f"\n[bold]{label}[/bold]{score}")
            out.print(row[key], markup=False)
    out.rule()
    loss = result["loss"]
    if loss["base"] is None and loss["tuned"] is None:
        out.print("held-out loss: not available from this backend (OpenAI's API does not return it)")
    else:
        out.print(f"held-out loss on {result['loss_examples']} examples of {result['held_out_from']}: base "
                  f"{loss['base']}, tuned {loss['tuned']}")
    sim = result["similarity"]
    out.print(f"style similarity to the real completions (char 3-gram cosine, 1 = same wording): base "
              f"{sim['base']}, {result['shots']}-shot {sim['few-shot']}, tuned {sim['tuned']}")


def add_eval_commands(cli, console) -> None:
    @cli.group("eval")
    def evaluate():
        """Evaluate a tuned model."""

    @evaluate.command("memorization")
    @click.argument("model")
    @click.option("--dataset", type=click.Path(path_type=Path), default=None,
                  help="DatasetDir (default: the one MODEL was trained on); its texts are the sources.")
    @click.option("-n", "count", type=click.IntRange(1), default=20, show_default=True, help="Held-out prompts.")
    @click.option("--max-tokens", type=click.IntRange(8), default=200, show_default=True)
    @click.option("--threshold", type=click.FloatRange(0, 1), default=0.1, show_default=True,
                  help="Warn when this share of generated 8-grams is copied from the sources.")
    @click.option("--json", "as_json", is_flag=True)
    def memorization(model, dataset, count, max_tokens, threshold, as_json):
        """How much of what MODEL writes is copied from its sources: the share of generated 8-grams found
        verbatim in the dataset's texts, and the longest copied run, on held-out prompts."""
        from .runner.memorization import memorization as measure

        result = measure(model, dataset, n=count, max_tokens=max_tokens, threshold=threshold)
        if as_json:
            click.echo(json.dumps(result, indent=2, ensure_ascii=False))
            return
        out = console()
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
