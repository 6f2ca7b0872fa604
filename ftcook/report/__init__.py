"""``ftcook report TARGET``: one self-contained HTML page about a dataset, a training job or a tuned model.

``build_page(target)`` finds what TARGET is (a DatasetDir, a job id, a tuned model's name) and gathers its
sections (``dataset.py``, ``job.py``, ``model.py``; charts by matplotlib in ``charts.py``); ``render.py`` writes
the page from ``page.html.j2``: inline SVG charts, inline CSS and one small inline script for the example search,
so it opens from a file with no network access.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..state import open_state
from .dataset import dataset_section
from .job import job_section
from .model import model_section
from .page import Page


def build_page(target: str) -> Page:
    path = Path(target)
    if path.is_dir():
        return Page("dataset", path.resolve().name, f"ftcook report: dataset {path.resolve().name}/",
                    [dataset_section(path)])
    with open_state() as state:
        row = state.model(target)
        if row is not None:
            sections = [model_section(row, state.evaluations(row.name))]
            if row.job_id:
                sections.append(job_section(state.job(row.job_id), state.events(row.job_id), row.metrics))
            return Page("model", row.name, f"ftcook report: tuned model {row.name}", sections)
        job = _job(state, target)
        if job is not None:
            return Page("job", job.id, f"ftcook report: training job {job.id}",
                        [job_section(job, state.events(job.id))])
    raise UsageError(f"'{target}' is neither a dataset folder, a tuned model nor a job - give a folder "
                     f"'ftcook build' wrote, a name from 'ftcook models' or an id from 'ftcook jobs'")


def _job(state, target: str):
    try:
        return state.job(target) if target else None
    except UsageError:
        return None


def default_out(page: Page) -> Path:
    """``report-NAME.html`` in the current folder."""
    return Path(f"report-{page.name}.html")


def write_report(target: str, out: Path | None = None) -> tuple[Path, Page]:
    from .render import render

    page = build_page(target)
    out = Path(out) if out else default_out(page)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(page), encoding="utf-8")
    return out, page
