"""The ``ftcook`` command line. Each command parses its options, calls one library function and prints."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import FtcookError


class CommandError(click.ClickException):
    """A ``FtcookError`` as click shows it: ``Error: <message>`` and the error's exit code."""

    def __init__(self, error: FtcookError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FtcookError as error:
            raise CommandError(error) from None


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="ftcook")
def cli():
    """ftcook - a fine-tuning cookbook: turn your data into a checked dataset, train, and use the model.

    Start with 'ftcook check FILE' to see whether a training file is right for a model and what training costs.
    """


@cli.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option("--model", "-m", "model", default=None, metavar="MODEL",
              help="Target model from 'ftcook models' (default: local:default).")
@click.option("--fix", is_flag=True, help="Write <file>_prepared.jsonl with every recommended fix applied, "
              "converted to the model's format. Never overwrites the input.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="With --fix: write here instead of <file>_prepared.jsonl.")
@click.option("--decline", multiple=True, metavar="CODE",
              help="With --fix: do not apply the fix of this finding code (repeatable), e.g. duplicate_rows.")
@click.option("--epochs", type=click.IntRange(1, 50), default=None,
              help="Epochs for the cost estimate (default: OpenAI's default rule).")
@click.option("--price", type=float, default=None, metavar="USD",
              help="Training price in USD per 1M tokens, overriding the catalog.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes checking a large file, this one included (default: one per core, at most 8).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary.")
def check(file, model, fix, output, decline, epochs, price, jobs, as_json, quiet):
    """Check a training FILE for a target model: format, limits, tokens and cost.

    FILE may be .jsonl, .json, .csv, .tsv, .xlsx or .txt, in chat, prompt/completion or DPO format.
    Exit status: 0 ready (warnings allowed), 1 errors found, 2 unreadable input.
    """
    from .check import run_check
    from .check.findings import CODES
    from .check.report import render

    unknown = [code for code in decline if code not in CODES]
    if unknown:
        raise click.BadParameter(f"unknown finding code {', '.join(unknown)}; see docs/check.md", param_hint="--decline")
    if output and not fix:
        raise click.BadParameter("-o/--output is where --fix writes; add --fix", param_hint="-o")
    report = run_check(file, model, epochs=epochs, price=price, declined=decline, jobs=jobs)
    data = report.to_dict()
    out = console()
    if not as_json:
        render(report, out, quiet=quiet)
    if fix:
        data["fix"] = _fix(report, output, epochs, price, jobs, out if not as_json else None)
        ok = data["fix"]["recheck"]["ok"] if data["fix"]["recheck"] else report.ok
    else:
        ok = report.ok
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    sys.exit(0 if ok else 1)


def _fix(report, output, epochs, price, jobs, out: Console | None) -> dict:
    from .check import run_check
    from .check.fix import apply_fixes
    from .check.report import summary

    result = apply_fixes(report, output)
    info = {"outputs": [str(p) for p in result.outputs], "written": result.written,
            "dropped": dict(result.dropped), "changes": result.changes, "recheck": None}
    if not result.outputs:
        if out:
            out.print("\n--fix: nothing to change; no file written.")
        return info
    recheck = run_check(result.outputs[0], report.model, epochs=epochs, price=price, jobs=jobs)
    info["recheck"] = {"ok": recheck.ok, "summary": summary(recheck)}
    if out:
        out.print("\n[bold]--fix[/bold] " + "; ".join(result.changes) + ".")
        for path in result.outputs:
            out.print(f"wrote {path}")
        out.print(f"{result.written:,} examples written. Re-checked {result.outputs[0]}: {summary(recheck)}")
        out.print(f"Next: ftcook check {result.outputs[0]} --model {report.model.id}")
    return info


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON.")
def models(as_json):
    """List the target models ftcook knows: format, limits, prices and status."""
    from dataclasses import asdict

    from .catalog import load_catalog
    from .check.report import money

    catalog = load_catalog()
    if as_json:
        click.echo(json.dumps([asdict(m) for m in catalog.values()], indent=2))
        return
    table = Table(box=None, padding=(0, 1))
    table.add_column("model", no_wrap=True)
    for column in ("format", "tokens", "$/1M", "jobs until", "shutdown"):
        table.add_column(column, no_wrap=True)
    for m in catalog.values():
        price = "unknown" if m.training_price is None else money(m.training_price)
        table.add_row(m.id, m.format, f"{m.max_tokens:,}", price, m.jobs_end or "-",
                      m.shutdown or ("-" if m.status == "available" else "?"))
    out = console()
    out.print(table)
    out.print("\ntokens: most per training example; $/1M: training price; ?: not announced.", style="dim")
    out.print("Unknown prices are not guessed: pass --price USD (per 1M training tokens) to 'ftcook check'. "
              "'ftcook models --json' shows every field with its source.", style="dim")


def main():  # pragma: no cover - the console script
    cli()
