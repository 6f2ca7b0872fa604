"""ftcook report's pages in a real browser: Playwright drives Chromium over each kind of page, opened from a file
URL. No console errors, no network requests, every chart drawn, the example search filters, and axe-core finds no
serious or critical accessibility violation.

Needs Playwright (the dev extra), a Chromium (Debian's ``chromium`` package, or Playwright's own) and axe-core
(``npm install --prefix .ci/node axe-core``); .ci/run installs all three. Elsewhere the tests are skipped, except
under CI=true, where a missing piece fails them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from report_targets import built_dataset, evaluated, finished_job

from ftcook.report import write_report

ROOT = Path(__file__).parent.parent
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "images"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def _missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not AXE.is_file():
        return f"axe-core is not installed ({AXE}; npm install --prefix .ci/node axe-core)"
    return None


@pytest.fixture(scope="module")
def browser():
    problem = _missing()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        try:  # Debian's Chromium where there is one, else Playwright's own download
            launched = p.chromium.launch(executable_path=_chromium(), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
        except Error as e:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"no Chromium to drive: {str(e).splitlines()[0]}")
        yield launched
        launched.close()


def _open(browser, path: Path):
    """The page at ``path``, with what it printed to the console and every request it made."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


def _check_page(browser, path: Path, charts: int, shot: str | None = None):
    page, errors, requests = _open(browser, path)
    assert errors == []
    assert [url for url in requests if not url.startswith("file://")] == []
    figures = page.locator("figure.chart")
    assert figures.count() == charts
    for i in range(charts):
        svg = figures.nth(i).locator("svg")
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 80
        assert svg.locator("path").count() > 5  # axes, ticks and the data
        assert svg.get_attribute("aria-label")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["help"], len(v["nodes"])) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    if shot and os.environ.get("FTCOOK_SCREENSHOTS"):  # refresh the docs' pictures: FTCOOK_SCREENSHOTS=1 pytest ...
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / shot), full_page=False)
    return page


def test_dataset_report_in_chromium(browser, tmp_path):
    path, _ = write_report(str(built_dataset(tmp_path)), tmp_path / "dataset.html")
    page = _check_page(browser, path, charts=4, shot="report-dataset.png")
    items = page.locator("li.example")
    assert items.count() == 9
    page.fill("#example-search", "phone_1")
    visible = [i for i in range(9) if items.nth(i).is_visible()]
    assert 0 < len(visible) < 9
    assert page.locator("#example-count").inner_text() == f"Showing {len(visible)} of 9."
    page.fill("#example-search", "no example says this")
    assert page.locator("#example-count").inner_text() == "Showing 0 of 9."
    page.fill("#example-search", "")
    assert page.locator("#example-count").inner_text() == "Showing 9 of 9."
    items.nth(0).locator("summary").click()
    assert items.nth(0).locator("pre").first.is_visible()


def test_job_and_model_reports_in_chromium(browser, tmp_path):
    name = finished_job(built_dataset(tmp_path))
    job, _ = write_report("ft-20261201-101500-ab12", tmp_path / "job.html")
    _check_page(browser, job, charts=4)
    evaluated(name)
    model, _ = write_report(name, tmp_path / "model.html")
    page = _check_page(browser, model, charts=5)
    assert page.get_by_role("link", name="Training job ft-20261201-101500-ab12").count() == 1
