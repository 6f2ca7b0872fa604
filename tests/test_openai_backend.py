"""The openai backend against a scripted API (tests/fake_openai.py): one upload per file, one job, the whole
ordered event log, the model in state - with faults injected at every step."""

import json
import os
import re
import stat

import pytest

pytest.importorskip("openai")
pytest.importorskip("pytest_httpserver")

from conftest import invoke, write_jsonl  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402
from ftcook.state import State  # noqa: E402

MODEL = "gpt-4o-mini-2024-07-18"


@pytest.fixture
def api(httpserver, monkeypatch):
    fake = FakeOpenAI(slow=1.5)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-1234")
    monkeypatch.setenv("FTCOOK_POLL_SECONDS", "0.01")
    monkeypatch.setenv("FTCOOK_OPENAI_TIMEOUT", "1")
    fake.url = httpserver.url_for("/v1")
    return fake


@pytest.fixture
def dataset(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [{"messages": [{"role": "system", "content": "You are Ada."},
                          {"role": "user", "content": f"Question {i}?"},
                          {"role": "assistant", "content": f"Answer {i}, cheers."}]} for i in range(14)]
    write_jsonl(folder / "train.jsonl", rows[:12])
    write_jsonl(folder / "valid.jsonl", rows[12:])
    return folder


def train(api, dataset, *extra):
    return invoke("train", dataset, "--backend", "openai", "--model", MODEL, "-o", f"base_url={api.url}", "--yes", "-q",
                  "--name", "ada", *extra)


def count(api, method, route):
    return sum(1 for call in api.calls if call == (method, route))


def test_train_uploads_once_creates_one_job_and_follows_it(api, dataset):
    result = train(api, dataset, "-o", "suffix=ada", "--epochs", "3")
    assert result.exit_code == 0, result.output
    assert count(api, "POST", "files") == 2 and count(api, "POST", "jobs") == 1
    (job,) = api.jobs.values()
    assert job["method"] == {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}}
    assert job["suffix"] == "ada" and job["validation_file"] and job["metadata"]["ftcook_job"].startswith("ft-")
    assert "Send 12 training and 2 validation examples" in result.output
    assert "OpenAI stops new fine-tuning jobs on 2027-01-06" in result.output and "Privacy: no ftcook manifest" in result.output
    state = State()
    row = state.jobs()[0]
    assert row.status == "succeeded" and row.remote_id == job["id"]
    model = state.model("ada")
    assert model.path == f"ft:{MODEL}:org::{job['id'][-4:]}" and model.metrics["trained_tokens"] == 4242
    steps = [e.step for e in state.events(row.id) if e.kind == "log"]
    assert steps == [1, 2, 3]  # every metrics event once, in order, across small pages
    assert b"sk-test-secret" not in state.path.read_bytes()
    state.close()
    answer = invoke("ask", "ada", "hello there")
    assert answer.exit_code == 0 and answer.output.startswith(f"Hey! (ft:{MODEL}")
    compared = invoke("compare", "ada", "-n", "1", "--shots", "1", "--json")
    assert compared.exit_code == 0, compared.output
    row = json.loads(compared.output)["outputs"][0]
    assert row["base"].startswith(f"Hey! ({MODEL} answering") and row["tuned"].startswith(f"Hey! (ft:{MODEL}")
    # the same data again: no second upload
    again = invoke("train", dataset, "--backend", "openai", "--model", MODEL, "-o", f"base_url={api.url}", "--yes", "-q",
                   "--name", "ada2")
    assert again.exit_code == 0 and count(api, "POST", "files") == 2 and count(api, "POST", "jobs") == 2


def test_faults_at_every_step_change_nothing(api, dataset):
    api.fail("POST", "files", 429)
    api.fail("GET", "files/id", 500)
    api.fail("POST", "jobs", "slow")  # the job is made, but the answer comes too late
    api.fail("GET", "jobs/id", 500, 503)
    api.fail("GET", "events", 500)
    result = train(api, dataset)
    assert result.exit_code == 0, result.output
    assert len(api.files) == 2 and len(api.jobs) == 1
    state = State()
    assert state.jobs()[0].status == "succeeded" and state.model("ada") is not None
    assert [e.step for e in state.events(state.jobs()[0].id) if e.kind == "log"] == [1, 2, 3]
    state.close()


@pytest.mark.parametrize("fault", ["slow", "reset"])
def test_a_lost_upload_answer_leaves_one_file(api, dataset, fault):
    api.fail("POST", "files", fault)
    result = train(api, dataset)
    assert result.exit_code == 0, result.output
    assert len(api.files) == 2  # the upload arrived and was reused, not sent again


def test_connections_dropped_while_following_and_creating(api, dataset):
    api.fail("POST", "jobs", "reset")
    api.fail("GET", "jobs/id", "reset", "reset")
    api.fail("GET", "events", "reset")
    result = train(api, dataset)
    assert result.exit_code == 0, result.output
    assert len(api.jobs) == 1
    state = State()
    assert [e.step for e in state.events(state.jobs()[0].id) if e.kind == "log"] == [1, 2, 3]
    state.close()


def test_nothing_is_sent_without_confirmation_or_with_too_few_examples(api, dataset, tmp_path):
    result = invoke("train", dataset, "--backend", "openai", "--model", MODEL, "-o", f"base_url={api.url}", "-q")
    assert result.exit_code == 2 and "Not sent: confirm at a terminal, or pass --yes" in result.output
    small = tmp_path / "small.jsonl"
    write_jsonl(small, [{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}] * 5)
    result = invoke("train", small, "--backend", "openai", "--model", MODEL, "-o", f"base_url={api.url}", "--yes")
    assert result.exit_code == 2 and "OpenAI needs at least 10" in result.output
    assert api.calls == []


def test_a_failed_job_reports_openais_message(api, dataset):
    api.final = "failed"
    result = train(api, dataset)
    assert result.exit_code == 1
    assert "failed: Example 6 has no assistant message" in result.output
    state = State()
    assert state.jobs()[0].status == "failed"
    state.close()


def test_no_follow_then_follow_and_cancel(api, dataset):
    result = train(api, dataset, "-o", "follow=false")
    assert result.exit_code == 0, result.output
    state = State()
    job = state.jobs()[0]
    state.close()
    assert job.status == "running" and job.remote_id
    followed = invoke("jobs", "follow", job.id)
    assert followed.exit_code == 0 and "succeeded - model ft:" in followed.output
    second = train(api, dataset, "-o", "follow=false", "--name", "ada2")
    state = State()
    job = state.jobs()[0]
    state.close()
    assert invoke("jobs", "cancel", job.id).exit_code == 0
    assert api.jobs[job.remote_id]["status"] == "cancelled" and second.exit_code == 0


def test_keys_are_stored_0600_and_never_shown(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = invoke("keys", "set", "openai", "--key", "sk-stored-secret-9876")
    assert result.exit_code == 0
    from ftcook.keys import get_key, keys_file

    assert stat.S_IMODE(os.stat(keys_file()).st_mode) == 0o600 and get_key("openai") == "sk-stored-secret-9876"
    listing = invoke("keys", "list").output
    assert "…9876" in listing and "sk-stored" not in listing
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert get_key("openai") == "sk-env"
