"""Commands that use a tuned model: ``ask``, ``compare``, ``eval``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..runner import AskSettings
from ..eval.style import StyleSettings
from ..runner.memorization import MemorizationSettings
from ..serve.settings import ServeSettings
from .common import console, setting


@click.command()
@click.argument("model")
@click.argument("prompt")
@setting(AskSettings, "system")
@setting(AskSettings, "max_tokens", type=click.IntRange(1))
@setting(AskSettings, "temperature", type=click.FloatRange(0))
def ask(model, prompt, system, max_tokens, temperature):
    """Ask tuned MODEL; PROMPT '-' reads the prompt from standard input."""
    from ..runner import ask as ask_model

    if prompt == "-":
        prompt = sys.stdin.read()
    click.echo(ask_model(model, prompt, AskSettings(system=system, max_tokens=max_tokens, temperature=temperature)))


@click.command()
@click.argument("model")
@click.option("--dataset", type=click.Path(path_type=Path), default=None,
              help="DatasetDir to take held-out prompts from (default: the one MODEL was trained on).")
@setting(StyleSettings, "n", "-n", type=click.IntRange(1), default=3, help="Held-out prompts to answer.")
@setting(StyleSettings, "shots", type=click.IntRange(0))
@setting(StyleSettings, "max_tokens", type=click.IntRange(1), default=160)
@setting(StyleSettings, "samples", type=click.IntRange(1), default=1,
         help="Replies each variant writes to each prompt (sampled; eval style takes 4).")
@setting(StyleSettings, "temperature", type=click.FloatRange(0))
@click.option("--json", "as_json", is_flag=True, help="Print every number and every output as JSON.")
def compare(model, dataset, n, shots, max_tokens, samples, temperature, as_json):
    """Fine-tuning against prompting, read side by side: each held-out prompt with the real completion and the
    replies of the base model (zero-shot and few-shot) and MODEL, then the measures of 'ftcook eval style'."""
    from ..eval.report import render_compare
    from ..eval.style import evaluate_style

    result = evaluate_style(model, dataset, StyleSettings(n=n, shots=shots, max_tokens=max_tokens, samples=samples,
                                                          temperature=temperature))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        render_compare(console(), result)


@click.group("eval")
def evaluate():
    """Evaluate a tuned model."""


@evaluate.command("memorization")
@click.argument("model")
@click.option("--dataset", type=click.Path(path_type=Path), default=None,
              help="DatasetDir (default: the one MODEL was trained on); its texts are the sources.")
@setting(MemorizationSettings, "n", "-n", type=click.IntRange(1))
@setting(MemorizationSettings, "max_tokens", type=click.IntRange(8))
@setting(MemorizationSettings, "threshold", type=click.FloatRange(0, 1))
@click.option("--json", "as_json", is_flag=True)
def memorization(model, dataset, n, max_tokens, threshold, as_json):
    """How much of what MODEL writes is copied from its sources: the share of generated 8-grams found
    verbatim in the dataset's texts, and the longest copied run, on held-out prompts."""
    from ..runner.memorization import memorization as measure
    from ..runner.report import render_memorization

    result = measure(model, dataset, MemorizationSettings(n=n, max_tokens=max_tokens, threshold=threshold))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        render_memorization(console(), result, threshold)
        console().print(f"Charts: ftcook report {model}", markup=False, highlight=False)


@evaluate.command("style")
@click.argument("model")
@click.option("--dataset", type=click.Path(path_type=Path), default=None,
              help="DatasetDir (default: the one MODEL was trained on); valid.jsonl holds the held-out examples.")
@setting(StyleSettings, "n", "-n", type=click.IntRange(1))
@setting(StyleSettings, "shots", type=click.IntRange(0))
@setting(StyleSettings, "max_tokens", type=click.IntRange(8))
@setting(StyleSettings, "samples", type=click.IntRange(1))
@setting(StyleSettings, "temperature", type=click.FloatRange(0))
@setting(StyleSettings, "background", type=click.Path(exists=True, path_type=Path))
@setting(StyleSettings, "seed", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print every number and every output as JSON.")
def style(model, dataset, as_json, **settings):
    """Does MODEL write like its source? Attribution by a classifier of the writer, held-out loss and a
    stylometric profile, for the base model zero-shot and few-shot and MODEL, next to the real held-out text."""
    from ..eval.report import render_style
    from ..eval.style import evaluate_style

    out = console(stderr=True)
    result = evaluate_style(model, dataset, StyleSettings(**settings),
                            on_step=None if as_json else lambda i, n: out.print(f"answered {i}/{n}", style="dim"))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        render_style(console(), result)
        console().print(f"Charts: ftcook report {model}", markup=False, highlight=False)


@evaluate.command("blind")
@click.argument("model")
@click.option("--dataset", type=click.Path(path_type=Path), default=None,
              help="DatasetDir (default: the one MODEL was trained on).")
@click.option("-n", "count", type=click.IntRange(1), default=10, show_default=True, help="Pairs to judge.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the order within each pair.")
def blind(model, dataset, count, seed):
    """A blind test for you: your real reply and MODEL's, in random order - which one is yours?"""
    from ..eval.blind import BlindTest, blind_rows
    from ..eval.report import render_blind_summary
    from ..eval.variants import record

    out = console()
    test = BlindTest.make(blind_rows(model, dataset, n=count), seed=seed)
    for number, trial in enumerate(test.trials, 1):
        out.rule(f"{number}/{len(test.trials)}")
        out.print(trial.prompt, markup=False)
        for option, reply in enumerate(trial.replies, 1):
            out.print(f"\n[bold]{option})[/bold]")
            out.print(reply, markup=False)
        answer = click.prompt("\nWhich one is yours? (1, 2, s to skip)", type=click.Choice(["1", "2", "s"]))
        trial.answer = None if answer == "s" else int(answer) - 1
    summary = test.summary()
    record(model, "blind", summary)
    render_blind_summary(out, summary)


@click.command()
@click.argument("models", nargs=-1, metavar="[MODEL]...")
@setting(ServeSettings, "host")
@setting(ServeSettings, "port", type=click.IntRange(0, 65535))
@setting(ServeSettings, "api_key", metavar="KEY")
@setting(ServeSettings, "concurrency", type=click.IntRange(1))
@setting(ServeSettings, "queue", type=click.IntRange(0))
@setting(ServeSettings, "max_body", type=click.IntRange(1024), metavar="BYTES")
@setting(ServeSettings, "max_tokens", type=click.IntRange(1))
def serve(models, **settings):
    """Serve tuned local MODELs (default: every one 'ftcook models' lists) behind OpenAI's API.

    Client code written for OpenAI works unchanged with base_url="http://127.0.0.1:8000/v1" (and any api_key):
    GET /v1/models, POST /v1/chat/completions (stream too), POST /v1/completions. A request's "model" is a tuned
    model's name, or its base model's for the model without the adapter. Ctrl-C stops. See docs/use.md.
    """
    from ..serve import serve as run_serve

    out = console()
    run_serve(models, ServeSettings(**settings), say=lambda text: out.print(text, markup=False))


@click.command()
@click.argument("model")
@click.option("--to", "to", type=click.Choice(["hf", "lora", "gguf", "ollama"]), required=True,
              help="hf: merged model folder; lora: the adapter and the vLLM command; gguf: one file for llama.cpp "
                   "and LM Studio; ollama: the GGUF and a Modelfile.")
@click.option("--out", "-d", "out", type=click.Path(path_type=Path), required=True,
              help="Folder to write (gguf: the .gguf file).")
@click.option("--quant", type=click.Choice(["f16", "q8_0"]), default="f16", show_default=True,
              help="gguf and ollama: weight precision.")
@click.option("--force", is_flag=True, help="Replace what is at --out.")
def export(model, to, out, quant, force):
    """Write tuned MODEL for another runtime: Hugging Face, a LoRA adapter for vLLM, GGUF, or Ollama.

    The chat template, the system prompt the model was trained with and its stop tokens go with it, so it
    answers there as it does with 'ftcook ask'. See docs/use.md.
    """
    from ..export import export as run_export

    result = run_export(model, to, out, quant=quant, force=force)
    out_console = console()
    out_console.print(f"Wrote {result.out}:", markup=False)
    for path in result.files:
        size = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        out_console.print(f"  {path.name}  ({size / 1e6:,.1f} MB)", markup=False)
    out_console.print("Next:\n" + "\n".join(f"  {step}" for step in result.next_steps), markup=False)


COMMANDS = (ask, compare, evaluate, serve, export)
