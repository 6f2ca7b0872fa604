"""``ftcook report``: one HTML page about a dataset, a job or a tuned model."""

from __future__ import annotations

from pathlib import Path

import click

from .common import console


@click.command()
@click.argument("target")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write (default: report-NAME.html in the current folder).")
@click.option("--open", "open_it", is_flag=True, help="Open the page in your web browser.")
def report(target, out, open_it):
    """One self-contained HTML page about TARGET - a dataset folder, a job id or a tuned model: charts of token
    lengths, skip reasons and redactions, the loss curve, the evaluations, and the commands that use the model.
    It needs no network access to view. See docs/report.md."""
    from ..report import write_report

    path, page = write_report(target, out)
    console().print(f"Wrote {path} ({page.kind} {page.name}: {page.charts} charts); open it in a browser"
                    f"{'' if open_it else ' or run again with --open'}.", markup=False, highlight=False)
    if open_it:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


COMMANDS = (report,)
