"""ftcook report: what each kind of page holds, and that it is self-contained (tests/test_report_browser.py opens
the same pages in Chromium)."""

from __future__ import annotations

import re

from conftest import invoke
from report_targets import built_dataset, evaluated, finished_job

from ftcook.report import build_page, write_report
from ftcook.report.dataset import skipped_by_file
from ftcook.state import open_state


def _self_contained(html: str) -> None:
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "@import" not in html and not re.search(r"url\((?!#)", html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_dataset_page(tmp_path):
    dataset = built_dataset(tmp_path)
    out, page = write_report(str(dataset), tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    _self_contained(html)
    assert [c.id for c in page.sections[0].charts] == ["token-lengths", "skip-reasons", "skipped-by-file",
                                                       "redactions"]
    assert html.count('<svg role="img" aria-label="') == 4
    assert "not_mine 7" in html and "PHONE 2" in html  # the charts' descriptions carry the numbers
    assert "the target&#39;s limit is 8,192, 0 over it" in html
    assert html.count('class="example"') == 9 and "&lt;PHONE_1&gt;" in html  # the files' redacted text
    assert "few_examples" in html  # the check's findings


def test_job_and_model_pages(tmp_path):
    name = finished_job(built_dataset(tmp_path))
    _, job_page = write_report("ft-20261201-101500", tmp_path / "job.html")  # a job id's unique prefix
    assert job_page.kind == "job"
    assert [c.id for c in job_page.sections[0].charts] == ["loss", "learning-rate", "throughput", "memory"]
    assert "adapter saved (step 8) at step 8" in job_page.sections[0].charts[0].description
    facts = dict(job_page.sections[0].facts)
    assert facts["peak memory"] == "1,480 MB" and facts["time"] == "1 min 21 s"

    page = build_page(name)
    assert [s.id for s in page.sections] == ["model", "job"]
    assert any("Not evaluated yet" in n for n in page.sections[0].notes)
    evaluated(name)
    out, page = write_report(name, tmp_path / "model.html")
    html = out.read_text(encoding="utf-8")
    _self_contained(html)
    assert page.sections[0].charts[0].description.startswith("Outputs attributed to the writer (%): "
                                                              "real text (the ceiling) 80, tuned model 60")
    assert "ftcook serve alice-style" in html and "--to ollama" in html
    assert "2.0%" in html  # memorisation


def test_default_name_and_errors(tmp_path, monkeypatch):
    dataset = built_dataset(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = invoke("report", "alice")
    assert result.exit_code == 0 and (tmp_path / "report-alice.html").is_file()
    assert "Wrote report-alice.html (dataset alice: 4 charts)" in result.output
    assert dataset.is_dir()
    result = invoke("report", "nobody")
    assert result.exit_code == 2 and "neither a dataset folder, a tuned model nor a job" in result.output
    (tmp_path / "empty").mkdir()
    result = invoke("report", tmp_path / "empty")
    assert result.exit_code == 2 and "no train.jsonl in this folder" in result.output


def test_build_train_and_eval_name_the_report(tmp_path):
    result = invoke("build", "email", *_email(tmp_path))
    assert f"charts        ftcook report {tmp_path / 'alice'}" in result.output


def _email(tmp_path):
    from ftcook.samples import get_sample
    import shutil

    shutil.copy(get_sample("email").path, tmp_path / "s.mbox")
    return [tmp_path / "s.mbox", "--out", tmp_path / "alice", "-o", "me=alice@example.org"]


def test_skipped_by_file(tmp_path):
    path = tmp_path / "skipped.jsonl"
    path.write_text('{"id": "a/b.mbox:message 1", "reason": "x"}\n{"id": "a/b.mbox:message 2", "reason": "x"}\n'
                    '{"id": "c.txt:line 4", "reason": "y"}\n', encoding="utf-8")
    assert skipped_by_file(path, ["a/b.mbox", "a"]) == {"a/b.mbox": 2, "c.txt": 1}


def test_evaluations_are_kept_newest_first(tmp_path):
    with open_state() as state:
        state.add_evaluation("m", "style", {"n": 1})
        state.add_evaluation("m", "style", {"n": 2})
        assert state.evaluations("m")["style"]["n"] == 2
        assert state.evaluations("other") == {}
