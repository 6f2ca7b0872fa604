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
    from .runner.report import models_table
    from .state import open_state

    with open_state() as state:
        tuned = state.models()
    if tuned:
        out.print()
        out.print(models_table(tuned))
        out.print("Use one with 'ftcook ask MODEL PROMPT' or 'ftcook compare MODEL'.", style="dim")


def _options(values: tuple[str, ...]) -> dict[str, str | list[str]]:
    options = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r} is not key=value, e.g. -o lang=zh", param_hint="-o")
        key = key.strip()
        if key in options:  # a repeated key gives a list: -o me=a@x.org -o me=b@y.org
            previous = options[key]
            options[key] = [*previous, rest] if isinstance(previous, list) else [previous, rest]
        else:
            options[key] = rest
    return options


@cli.command()
@click.argument("recipe")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--out", "-d", "out", type=click.Path(file_okay=False),
              help="Dataset folder to write (train.jsonl, valid.jsonl, skipped.jsonl, manifest.json); a previous "
                   "dataset there is replaced when the build succeeds. Required unless --preview.")
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE",
              help="A recipe option (repeatable), e.g. -o lang=zh; 'ftcook recipes show RECIPE' lists them.")
@click.option("--model", "-m", default=None, metavar="MODEL", help="Target model (default: local:default).")
@click.option("--format", "fmt", type=click.Choice(["chat", "completion"]), default=None,
              help="Record format of train/valid.jsonl (default: the model's).")
@click.option("--valid-fraction", type=float, default=0.1, show_default=True,
              help="Share of examples for valid.jsonl, chosen by a hash of each example.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the train/valid split.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Read only the first N items (a quick try).")
@click.option("--near-duplicates", type=click.FloatRange(0, 1, min_open=True), default=0.85, show_default=True,
              help="Skip examples at least this similar to an earlier one (MinHash Jaccard estimate).")
@click.option("--exact-only", is_flag=True, help="Skip exact duplicates only, no near-duplicate search.")
@click.option("--redact/--no-redact", default=None,
              help="Replace other people's addresses, phone numbers, card numbers, IBANs, URLs with tokens and "
                   "secrets by placeholders (default: on for the email recipe, off for others).")
@click.option("--preview", type=click.IntRange(1), default=None, metavar="N",
              help="Print N redacted examples and write nothing (to check the privacy gate first).")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; only errors and the summary of the check.")
def build(recipe, sources, out, options, model, fmt, valid_fraction, seed, limit, near_duplicates, exact_only,
          redact, preview, as_json, quiet):
    """Build a dataset from SOURCES (files or folders) with RECIPE, then check it.

    Every source item is kept or skipped with a reason (skipped.jsonl); the same inputs, options and seed
    give byte-identical files. Exit status: 0 ready, 1 the check found errors or nothing was kept, 2 bad input.
    """
    from pathlib import Path

    from .pipeline import BuildSettings
    from .pipeline import build as run_build
    from .pipeline.report import render_build
    from .progress import BuildProgress

    if out is None and preview is None:
        raise click.UsageError("Missing option '--out' / '-d' (the dataset folder to write).")
    settings = BuildSettings(recipe, [Path(s) for s in sources], Path(out or "."), _options(options), model,
                             valid_fraction, seed, limit, fmt, None if exact_only else near_duplicates, redact, preview)
    if preview is not None:
        from .pipeline.preview import run_preview

        run_preview(settings, console(), as_json=as_json)
        return
    with BuildProgress(enabled=not (quiet or as_json)) as progress:
        result = run_build(settings, progress=progress.update)
    if as_json:
        click.echo(json.dumps(result.manifest, indent=2, ensure_ascii=False))
    else:
        render_build(result, console(), quiet=quiet)
    sys.exit(0 if result.report is None or result.report.ok else 1)


@cli.group(invoke_without_command=True)
@click.pass_context
def recipes(ctx):
    """List the recipes: name, what it does, the inputs it reads."""
    if ctx.invoked_subcommand is not None:
        return
    from .plugins import get_recipes

    out = console()
    for name, cls in get_recipes().items():
        out.print(f"{name}: {cls.summary()}\n  reads {' '.join(cls.inputs) or 'any file'}", markup=False)
    out.print("\n'ftcook recipes show NAME' lists a recipe's options and templates.", style="dim")


@recipes.command("show")
@click.argument("name")
def recipes_show(name):
    """Show a recipe's options (type, default, help) and the templates it uses."""
    from .recipes.describe import describe_recipe

    console().print(describe_recipe(name))


@cli.group()
def templates():
    """List, show and copy the jinja2 templates that word the examples."""


@templates.command("list")
def templates_list():
    """Every template and where it comes from (user dir, plugin, built-in)."""
    from .render import list_templates, user_templates_dir

    out = console()
    for info in list_templates():
        out.print(f"{info.name:<28} {info.origin:<9} {info.path}", markup=False)
    out.print(f"\nTemplates in {user_templates_dir()} override the others: 'ftcook templates copy NAME'.",
              style="dim")


@templates.command("show")
@click.argument("name")
def templates_show(name):
    """Print template NAME (e.g. language/completion.j2) as ftcook would use it."""
    from .errors import UsageError
    from .render import find_template

    info = find_template(name)
    if info is None:
        raise UsageError(f"No template named '{name}' - see 'ftcook templates list'")
    click.echo(f"# {info.name} ({info.origin}: {info.path})", err=True)
    click.echo(info.path.read_text(encoding="utf-8"), nl=False)


@templates.command("copy")
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace a copy already in the user dir.")
def templates_copy(name, force):
    """Copy template NAME into the user dir to edit it; the copy then wins over the built-in one."""
    from .render import copy_template

    target = copy_template(name, force=force)
    click.echo(f"Copied {name} to {target} - edit it; builds use it from now on.")


@cli.group(invoke_without_command=True)
@click.pass_context
def samples(ctx):
    """Small sources shipped with ftcook, so the cookbook's commands run as written."""
    if ctx.invoked_subcommand is None:
        from .samples import SAMPLES

        for sample in SAMPLES.values():
            console().print(f"{sample.name:<8} {sample.path}\n         {sample.about}", markup=False)
        console().print("\nCopy one with 'ftcook samples copy NAME [DIR]'.", style="dim")


@samples.command("copy")
@click.argument("name")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
def samples_copy(name, directory):
    """Copy sample NAME into DIRECTORY (default: the current folder)."""
    from pathlib import Path

    from .samples import copy_sample, get_sample

    target = copy_sample(name, Path(directory))
    click.echo(f"Copied {target} - build it with 'ftcook build {get_sample(name).recipe} {target} ...' "
               f"(see docs/recipes/{get_sample(name).recipe}.md)")


@cli.command("new-recipe")
@click.argument("name")
@click.option("--package", is_flag=True, help="Make an installable package (pyproject with the entry point, "
              "README) instead of a one-off recipe file in the user dir.")
@click.option("--from", "base", default=None, metavar="RECIPE", help="Start from this recipe's code and templates.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to write (default: the user dir's recipes/ folder; with --package, the current folder).")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def new_recipe(name, package, base, directory, force):
    """Make a new recipe NAME to adapt: its module, prompt/completion templates, and a test with a fixture."""
    from pathlib import Path

    from .scaffold import new_recipe as make

    scaffold = make(name, package=package, base=base, directory=Path(directory) if directory else None, force=force)
    lines = [f"Made recipe '{name}' in {scaffold.root}:", *(f"  {path}" for path in scaffold.files), "Next:",
             *(f"  {step}" for step in scaffold.next_steps)]
    console().print("\n".join(lines), markup=False)


from .cli_runner import add_commands, add_eval_commands  # noqa: E402 - train, ask, compare, quickstart, jobs

add_commands(cli, console)
add_eval_commands(cli, console)


def main():  # pragma: no cover - the console script
    from .plugins import register_commands

    register_commands(cli)
    cli()
