"""Contract tests: the real ``openai`` SDK, over real HTTP, against a Prism mock server that enforces OpenAI's
official OpenAPI spec (the subset in openai-subset.yaml, made by scripts/make_openai_spec.py). Every call the
openai backend makes is sent and its answer validated strictly; malformed requests are rejected by the spec.

Prism comes from npm (``@stoplight/prism-cli``, pinned in .ci/run, installed under .ci/node); the tests are
skipped where it is not installed.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

openai = pytest.importorskip("openai")

HERE = Path(__file__).parent
SPEC = HERE / "openai-subset.yaml"
PRISM = [os.environ.get("FTCOOK_PRISM", ""), str(HERE.parent.parent / ".ci" / "node" / "node_modules" / ".bin" / "prism"),
         shutil.which("prism") or ""]


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory):
    binary = next((p for p in PRISM if p and Path(p).is_file()), None)
    if binary is None:
        pytest.skip("Prism is not installed (npm install --prefix .ci/node @stoplight/prism-cli@5.16.0)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("prism") / "prism.log"  # Prism logs every request: a pipe would fill and block it
    process = subprocess.Popen([binary, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                               stdout=open(log, "w"), stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"Prism exited: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def client(prism_url):
    return openai.OpenAI(api_key="sk-contract", base_url=prism_url, _strict_response_validation=True, max_retries=0,
                         timeout=30)


METHOD = {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": 4,
                                                                   "learning_rate_multiplier": 0.5}}}
CALLS = {
    "files.create": lambda c: c.files.create(file=("ftcook-x-train.jsonl", b'{"messages": []}\n'), purpose="fine-tune"),
    "files.list": lambda c: c.files.list(purpose="fine-tune", limit=10000, order="desc").data,
    "files.retrieve": lambda c: c.files.retrieve("file-abc"),
    "files.delete": lambda c: c.files.delete("file-abc"),
    "jobs.create": lambda c: c.fine_tuning.jobs.create(
        model="gpt-4o-mini-2024-07-18", training_file="file-abc", validation_file="file-def", method=METHOD,
        metadata={"ftcook_job": "ft-20261126-000000-abcd", "dataset_sha256": "0" * 64}, seed=42, suffix="ada"),
    "jobs.list by metadata": lambda c: c.fine_tuning.jobs.list(metadata={"ftcook_job": "ft-1"}, limit=10).data,
    "jobs.retrieve": lambda c: c.fine_tuning.jobs.retrieve("ftjob-abc"),
    "jobs.list_events": lambda c: c.fine_tuning.jobs.list_events("ftjob-abc", limit=100),
    "jobs.list_events after": lambda c: c.fine_tuning.jobs.list_events("ftjob-abc", limit=100, after="ftevent-1"),
    "jobs.cancel": lambda c: c.fine_tuning.jobs.cancel("ftjob-abc"),
    "jobs.pause": lambda c: c.fine_tuning.jobs.pause("ftjob-abc"),
    "jobs.resume": lambda c: c.fine_tuning.jobs.resume("ftjob-abc"),
    "chat.completions.create": lambda c: c.chat.completions.create(
        model="ft:gpt-4o-mini-2024-07-18:org::abc", messages=[{"role": "system", "content": "You are Ada."},
                                                              {"role": "user", "content": "Hi"}],
        max_tokens=64, temperature=0),
    "completions.create": lambda c: c.completions.create(model="ft:babbage-002:org::abc", prompt="Hi", max_tokens=64,
                                                         temperature=0),
}


@pytest.mark.parametrize("call", CALLS)
def test_every_call_the_backend_makes_matches_the_spec(client, call):
    assert CALLS[call](client) is not None  # a request the spec refuses, or an answer the SDK refuses, raises


@pytest.mark.parametrize("bad", [
    dict(model="gpt-4o-mini-2024-07-18", training_file=None),  # missing training_file
    dict(model="gpt-4o-mini-2024-07-18", training_file="file-abc",
         method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 0}}}),  # n_epochs 1-50
    dict(model="gpt-4o-mini-2024-07-18", training_file="file-abc", suffix="x" * 65),  # suffix 1-64 chars
])
def test_malformed_requests_are_rejected(client, bad):
    with pytest.raises(openai.UnprocessableEntityError):
        client.fine_tuning.jobs.create(**bad)
