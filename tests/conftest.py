import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ftcook.cli import cli
from ftcook.tokens import get_counter

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SHARED_CACHE = HERE.parent.parent / "shared" / "tiktoken_cache"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Nothing touches the real user dir; tiktoken reads the shared offline cache when there is one."""
    monkeypatch.setenv("FTCOOK_HOME", str(tmp_path / "home"))
    if SHARED_CACHE.is_dir() and "TIKTOKEN_CACHE_DIR" not in __import__("os").environ:
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(SHARED_CACHE))
    yield
    get_counter.cache_clear()


def chat_example(i: int, **extra) -> dict:
    return {"messages": [{"role": "system", "content": "You are terse."},
                         {"role": "user", "content": f"Question number {i}?"},
                         {"role": "assistant", "content": f"Answer number {i}."}], **extra}


def write_jsonl(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


def finding(report, code):
    return next(f for f in report.findings if f.code == code)
