"""The acceptance numbers: OpenAI cookbook's toy chat dataset checked for gpt-3.5-turbo-0125 (FACTS.md)."""

import json

import pytest

from conftest import FIXTURES, invoke
from ftcook.catalog import get_model
from ftcook.check import run_check
from ftcook.check.scan import ScanContext, scan_file
from ftcook.readers import open_source
from ftcook.tokens import get_counter

TOY = FIXTURES / "toy_chat_fine_tuning.jsonl"


@pytest.fixture(params=["tiktoken", "bpe-openai"])
def tokenizer(request, monkeypatch):
    monkeypatch.setenv("FTCOOK_TOKENIZER", request.param)
    get_counter.cache_clear()
    return request.param


def test_per_example_tokens_match_the_cookbook(tokenizer):
    result = scan_file(open_source(TOY), ScanContext("chat", "chat", "cl100k_base"))
    assert list(result.tokens) == [45, 111, 26, 28, 8032]
    assert list(result.trainable) == [10, 28, 9, 4, 8000]


def test_report_numbers(tokenizer):
    report = run_check(TOY, "gpt-3.5-turbo-0125")
    assert report.n_examples == 5
    assert report.errors == []
    assert report.tokenizer == f"{tokenizer} cl100k_base"
    assert (report.cost.billing_tokens, report.cost.epochs, report.cost.charged_tokens) == (8242, 20, 164840)
    assert report.cost.usd is None  # the catalog has no verified price: unknown, not invented
    assert [f.lines for f in report.findings if f.code in ("missing_system", "missing_user")] == [[3], [4]]


def test_stats_are_labelled_p10_p90():
    tokens = run_check(TOY, "gpt-3.5-turbo-0125").tokens
    assert tokens == {"min": 26, "max": 8032, "mean": 1648.4, "median": 45, "p10": pytest.approx(26.8),
                      "p90": pytest.approx(4863.6)}


def test_price_override_gives_usd():
    report = run_check(TOY, "gpt-3.5-turbo-0125", price=8.0)
    assert report.cost.usd == pytest.approx(164840 * 8 / 1e6)
    assert report.cost.price_source == "--price (given by you)"


def test_cli_text_and_json():
    result = invoke("check", TOY, "--model", "gpt-3.5-turbo-0125")
    assert result.exit_code == 0, result.output
    assert "billing tokens  8,242" in result.output
    assert "charged tokens  164,840" in result.output
    assert "epochs  20 (default rule)" in result.output
    assert "0 errors" in result.output
    data = json.loads(invoke("check", TOY, "--model", "gpt-3.5-turbo-0125", "--json").output)
    assert data["examples"] == 5 and data["ok"] is True
    assert data["cost"]["charged_tokens"] == 164840
    assert data["tokens"]["p10"] == pytest.approx(26.8)


def test_o200k_model_counts_with_o200k():
    report = run_check(TOY, "gpt-4o-mini-2024-07-18")
    assert report.tokenizer.endswith("o200k_base")
    assert get_model("gpt-4o-mini").max_tokens == 65536
