"""``ftcook check``: its own module, so that checking a file loads the checker and nothing else (no build
stack, no plugins)."""

from __future__ import annotations

import json
import sys

import click


@click.command()
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
              help="Epochs for the cost estimate (default: the target's rule: OpenAI's, or the local backend's).")
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
    from ..check import run_check
    from ..check.findings import CODES
    from ..check.fix import fix_and_recheck
    from ..check.report import render, render_fix

    unknown = [code for code in decline if code not in CODES]
    if unknown:
        raise click.BadParameter(f"unknown finding code {', '.join(unknown)}; see docs/check.md",
                                 param_hint="--decline")
    if output and not fix:
        raise click.BadParameter("-o/--output is where --fix writes; add --fix", param_hint="-o")
    report = run_check(file, model, epochs=epochs, price=price, declined=decline, jobs=jobs)
    data, ok = report.to_dict(), report.ok
    if not as_json:
        render(report, _console(), quiet=quiet)
    if fix:
        data["fix"] = fix_and_recheck(report, output, epochs=epochs, price=price, jobs=jobs)
        ok = data["fix"]["recheck"]["ok"] if data["fix"]["recheck"] else report.ok
        if not as_json:
            render_fix(data["fix"], report, _console())
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    sys.exit(0 if ok else 1)


def _console():
    from .common import console

    return console()


COMMANDS = (check,)
