"""Data commands: ``build``, ``recipes``, ``templates``, ``samples``, ``new-recipe``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..pipeline import BuildSettings
from .common import console, plugin_options, setting


@click.command()
@click.argument("recipe")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=str))
@setting(BuildSettings, "out", "--out", "-d", type=click.Path(file_okay=False))
@setting(BuildSettings, "options", "-o", "--option", multiple=True, metavar="KEY=VALUE")
@setting(BuildSettings, "model", "--model", "-m", metavar="MODEL")
@setting(BuildSettings, "format", "--format", type=click.Choice(["chat", "completion"]))
@setting(BuildSettings, "valid_fraction", type=float)
@setting(BuildSettings, "seed", type=int)
@setting(BuildSettings, "limit", type=click.IntRange(1))
@setting(BuildSettings, "near_duplicates", type=click.FloatRange(0, 1, min_open=True))
@click.option("--exact-only", is_flag=True, help="Skip exact duplicates only, no near-duplicate search.")
@setting(BuildSettings, "redact", "--redact/--no-redact")
@setting(BuildSettings, "preview", type=click.IntRange(1), metavar="N")
@setting(BuildSettings, "jobs", "--jobs", type=click.IntRange(1, 64))
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; only errors and the summary of the check.")
def build(recipe, sources, out, options, model, format, valid_fraction, seed, limit, near_duplicates, exact_only,
          redact, preview, jobs, as_json, quiet):
    """Build a dataset from SOURCES (files or folders) with RECIPE, then check it (train.jsonl and valid.jsonl).

    Every source item is kept or skipped with a reason (skipped.jsonl); the same inputs, options and seed
    give byte-identical files. Exit status: 0 ready, 1 the check found errors or nothing was kept, 2 bad input.
    """
    from ..pipeline import build as run_build
    from ..pipeline.report import render_build
    from ..progress import BuildProgress

    if out is None and preview is None:
        raise click.UsageError("Missing option '--out' / '-d' (the dataset folder to write).")
    settings = BuildSettings(recipe=recipe, sources=[Path(s) for s in sources], out=Path(out or "."),
                             options=plugin_options(options), model=model, valid_fraction=valid_fraction, seed=seed,
                             limit=limit, format=format, near_duplicates=None if exact_only else near_duplicates,
                             redact=redact, preview=preview, jobs=jobs)
    if preview is not None:
        from ..pipeline.preview import run_preview

        run_preview(settings, console(), as_json=as_json)
        return
    with BuildProgress(enabled=not (quiet or as_json)) as progress:
        result = run_build(settings, progress=progress.update)
    if as_json:
        click.echo(json.dumps(result.manifest, indent=2, ensure_ascii=False))
    else:
        render_build(result, console(), quiet=quiet)
    sys.exit(0 if result.ok else 1)


@click.group(invoke_without_command=True)
@click.pass_context
def recipes(ctx):
    """List the recipes: name, what it does, the inputs it reads."""
    if ctx.invoked_subcommand is not None:
        return
    from ..plugins import get_recipes

    out = console()
    for name, cls in get_recipes().items():
        out.print(f"{name}: {cls.summary()}\n  reads {' '.join(cls.inputs) or 'any file'}", markup=False)
    out.print("\n'ftcook recipes show NAME' lists a recipe's options and templates.", style="dim")


@recipes.command("show")
@click.argument("name")
def recipes_show(name):
    """Show a recipe's options (type, default, help) and the templates it uses."""
    from ..recipes.describe import describe_recipe

    console().print(describe_recipe(name), markup=False)


@click.group()
def templates():
    """List, show and copy the jinja2 templates that word the examples."""


@templates.command("list")
def templates_list():
    """Every template and where it comes from (user dir, plugin, built-in)."""
    from ..render import list_templates, user_templates_dir

    out = console()
    for info in list_templates():
        out.print(f"{info.name:<28} {info.origin:<9} {info.path}", markup=False)
    out.print(f"\nTemplates in {user_templates_dir()} override the others: 'ftcook templates copy NAME'.",
              style="dim")


@templates.command("show")
@click.argument("name")
def templates_show(name):
    """Print template NAME (e.g. language/completion.j2) as ftcook would use it."""
    from ..render import get_template_info

    info = get_template_info(name)
    click.echo(f"# {info.name} ({info.origin}: {info.path})", err=True)
    click.echo(info.path.read_text(encoding="utf-8"), nl=False)


@templates.command("copy")
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace a copy already in the user dir.")
def templates_copy(name, force):
    """Copy template NAME into the user dir to edit it; the copy then wins over the built-in one."""
    from ..render import copy_template

    target = copy_template(name, force=force)
    click.echo(f"Copied {name} to {target} - edit it; builds use it from now on.")


@click.group(invoke_without_command=True)
@click.pass_context
def samples(ctx):
    """Small sources shipped with ftcook, so the cookbook's commands run as written."""
    if ctx.invoked_subcommand is None:
        from ..samples import SAMPLES

        for sample in SAMPLES.values():
            console().print(f"{sample.name:<8} {sample.path}\n         {sample.about}", markup=False)
        console().print("\nCopy one with 'ftcook samples copy NAME [DIR]'.", style="dim")


@samples.command("copy")
@click.argument("name")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
def samples_copy(name, directory):
    """Copy sample NAME into DIRECTORY (default: the current folder)."""
    from ..samples import copy_sample, get_sample

    target = copy_sample(name, Path(directory))
    recipe = get_sample(name).recipe
    click.echo(f"Copied {target} - build it with 'ftcook build {recipe} {target} ...' (see docs/recipes/{recipe}.md)")


@click.command("new-recipe")
@click.argument("name")
@click.option("--package", is_flag=True, help="Make an installable package (pyproject with the entry point, "
              "README) instead of a one-off recipe file in the user dir.")
@click.option("--from", "base", default=None, metavar="RECIPE", help="Start from this recipe's code and templates.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to write (default: the user dir's recipes/ folder; with --package, the current folder).")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def new_recipe(name, package, base, directory, force):
    """Make a new recipe NAME to adapt: its module, prompt/completion templates, and a test with a fixture."""
    from ..scaffold import new_recipe as make

    scaffold = make(name, package=package, base=base, directory=Path(directory) if directory else None, force=force)
    lines = [f"Made recipe '{name}' in {scaffold.root}:", *(f"  {path}" for path in scaffold.files), "Next:",
             *(f"  {step}" for step in scaffold.next_steps)]
    console().print("\n".join(lines), markup=False)


COMMANDS = (build, recipes, templates, samples, new_recipe)
