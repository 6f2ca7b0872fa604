"""Token counting (both tokenizers agree; offline gives one clear message) and the catalog."""

import json
import subprocess
import sys

import pytest
import requests

from conftest import chat_example, invoke, write_jsonl
from tiny import tiny_model  # noqa: F401 - the fixture
from ftcook.catalog import DEFAULT_MODEL, get_model, load_catalog
from ftcook.errors import EncodingUnavailable, UsageError
from ftcook.formats import chat_to_completion, completion_to_chat, to_trl
from ftcook.tokens import TokenCounter, chat_tokens, get_counter

TEXTS = ["", "Hello, world!", "日本語のテキストです。句読点も。", "👍🏽 family 👨‍👩‍👧", "  leading and   spaces\n\n\t",
         "<|endoftext|> as text", "code: def f(x):\n    return x ** 2  # comment", "Ünïcödé ñ ß ø " * 50,
         "a" * 5000, "1234567890" * 20]


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_fast_tokenizer_counts_exactly_like_tiktoken(encoding):
    reference = TokenCounter(encoding, "tiktoken")
    fast = TokenCounter(encoding, "bpe-openai")
    assert [fast.count(t) for t in TEXTS] == [reference.count(t) for t in TEXTS]


def test_fast_tokenizer_falls_back_to_tiktoken_for_a_text_it_refuses():
    text = "a lone surrogate \ud800 in a text"  # valid in a Python str, not encodable as UTF-8
    assert TokenCounter("o200k_base", "bpe-openai").count(text) == TokenCounter("o200k_base", "tiktoken").count(text)


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_fast_tokenizer_finds_the_same_special_tokens(encoding):
    reference, fast = TokenCounter(encoding, "tiktoken"), TokenCounter(encoding, "bpe-openai")
    assert fast.tokenizer == "bpe-openai" and fast.special_tokens == reference.special_tokens


def test_auto_uses_the_fast_tokenizer_when_installed(monkeypatch):
    import importlib.util

    monkeypatch.delenv("FTCOOK_TOKENIZER", raising=False)
    get_counter.cache_clear()
    assert get_counter("o200k_base").tokenizer == "bpe-openai"
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "bpe_openai" else real_find_spec(name))
    get_counter.cache_clear()
    assert get_counter("o200k_base").tokenizer == "tiktoken"
    monkeypatch.setenv("FTCOOK_TOKENIZER", "bpe-openai")
    with pytest.raises(UsageError, match=r"ftcook\[fast\]"):
        get_counter("cl100k_base")
    get_counter.cache_clear()


def test_a_fast_tokenizer_that_cannot_load_leaves_tiktoken_counting(monkeypatch):
    def changed_layout():
        raise ImportError("cannot import name '_bindings'")

    monkeypatch.setattr("ftcook.tokens._bpe_openai_native", changed_layout)
    counter = TokenCounter("cl100k_base", "bpe-openai")
    assert counter.tokenizer == "tiktoken" and counter.count("Hello, world!") == 4


def test_fast_tokenizer_loads_without_the_slow_package_import():
    """The native module alone is loaded; the package imports fine after it, sharing that module."""
    code = ("import sys; from ftcook.tokens import TokenCounter; c = TokenCounter('o200k_base', 'bpe-openai'); "
            "assert c.count('Hello, world!') == 4; assert 'bpe_openai' not in sys.modules; "
            "import bpe_openai; assert bpe_openai.get_encoding('o200k_base').encode_ordinary('Hello, world!') "
            "== [13225, 11, 2375, 0]; print('ok')")
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr


def test_special_tokens_are_found_not_parsed():
    counter = TokenCounter("cl100k_base", "tiktoken")
    assert counter.special_tokens_in("a <|fim_suffix|> b <|endoftext|>") == ["<|endoftext|>", "<|fim_suffix|>"]
    assert counter.special_tokens_in("a < | b |>") == []
    assert counter.count("<|endoftext|>") > 1  # counted as the text it is


def test_chat_tokens_like_the_cookbook():
    counter = TokenCounter("cl100k_base", "tiktoken")
    messages = [{"role": "user", "content": "Hi", "name": "bob"}, {"role": "assistant", "content": "Yo", "weight": 1}]
    expected = 3 + (3 + counter.count("user") + counter.count("Hi") + counter.count("bob") + 1) + (
        3 + counter.count("assistant") + counter.count("Yo"))
    assert chat_tokens(counter, messages) == expected


def test_recurring_texts_are_counted_once_and_the_memory_is_bounded(monkeypatch):
    """A multi-turn dataset repeats earlier turns in every later example: ``count_repeated`` counts a text once
    (the same number ``count`` gives) and forgets everything when its character budget is spent."""
    from ftcook import tokens

    counter = TokenCounter("cl100k_base")
    calls = []
    real = counter._count
    monkeypatch.setattr(counter, "_count", lambda text: calls.append(text) or real(text))
    turns = [f"turn {i}: " + "words " * i for i in range(1, 6)]
    for end in range(1, len(turns) + 1):  # each example the conversation so far
        assert [counter.count_repeated(t) for t in turns[:end]] == [real(t) for t in turns[:end]]
    assert calls == turns  # each turn counted once
    monkeypatch.setattr(tokens, "_RECENT_CHARS", 100)
    counter.count_repeated("x" * 150)  # over the budget: what was remembered is forgotten
    assert counter._recent == {"x" * 150: real("x" * 150)} and counter._recent_chars == 150
    calls.clear()
    counter.count_repeated(turns[0])
    assert calls == [turns[0]]


def test_offline_without_cache_is_one_clear_message(monkeypatch, tmp_path):
    import tiktoken.load
    import tiktoken.registry

    def no_network(url):
        raise requests.exceptions.ConnectionError(f"Failed to resolve host for {url}")

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("FTCOOK_TOKENIZER", "tiktoken")
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setattr("ftcook.tokens.BUNDLED_CACHE", tmp_path / "nothing-bundled")
    with pytest.raises(EncodingUnavailable) as info:
        TokenCounter("o200k_base", "tiktoken")
    assert "TIKTOKEN_CACHE_DIR" in str(info.value) and "ConnectionError" in str(info.value)
    result = invoke("check", _toy(tmp_path), "--model", "gpt-4o-mini")
    assert result.exit_code == 2
    assert result.output.startswith("Error: Could not load the tiktoken encoding 'o200k_base'")
    assert "Traceback" not in result.output


def _toy(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}))
    return path


def test_bad_tokenizer_choice(monkeypatch):
    monkeypatch.setenv("FTCOOK_TOKENIZER", "sentencepiece")
    with pytest.raises(UsageError):
        get_counter("cl100k_base")


def test_catalog_has_the_fine_tunable_models():
    catalog = load_catalog()
    for model in ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14",
                  "gpt-4.1-nano-2025-04-14", "gpt-3.5-turbo-0125", "babbage-002", "davinci-002", DEFAULT_MODEL]:
        row = catalog[model]
        assert row.encoding in ("cl100k_base", "o200k_base") and row.max_tokens > 0 and row.max_tokens_source
        assert row.price_source  # every price, known or not, says where it comes from
        if row.training_price is not None:
            assert row.price_as_of
    assert catalog["gpt-4o-mini-2024-07-18"].jobs_end == "2027-01-06"
    assert catalog["babbage-002"].format == "completion"


def test_model_names():
    assert get_model("gpt-4o-mini").id == "gpt-4o-mini-2024-07-18"
    assert get_model("ft:gpt-4o-mini-2024-07-18:acme::abc123").id == "gpt-4o-mini-2024-07-18"
    assert get_model(None).id == get_model("default").id == DEFAULT_MODEL
    with pytest.raises(UsageError, match="--price must be zero or more"):
        get_model("babbage-002").with_price(-1)


def test_models_command():
    result = invoke("models")
    assert result.exit_code == 0
    assert "gpt-4.1-nano-2025-04-14" in result.output and "unknown" in result.output
    assert "2027-01-06" in result.output and "2027-01-14" in result.output
    data = json.loads(invoke("models", "--json").output)
    assert {m["id"] for m in data["catalog"]} >= {"babbage-002", "local:default"} and data["tuned"] == []


def test_conversions_are_pure_and_idempotent():
    pair = {"prompt": "Hi", "completion": " Hello"}
    chat = completion_to_chat(pair)
    assert completion_to_chat(chat) == chat and pair == {"prompt": "Hi", "completion": " Hello"}
    assert chat_to_completion(chat) == {"prompt": "Hi", "completion": "Hello"}
    assert to_trl(to_trl(chat)) == to_trl(chat)
    multi = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                          {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}
    assert chat_to_completion(multi) == {"prompt": "User: a\n\nAssistant: b\n\nUser: c\n\nAssistant:", "completion": "d"}


def test_bundled_encodings_work_with_no_cache_and_no_network(monkeypatch):
    import tiktoken.load
    import tiktoken.registry

    def no_network(url):
        raise requests.exceptions.ConnectionError("offline")

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    for name in ("cl100k_base", "o200k_base"):
        assert TokenCounter(name, "tiktoken").count("Hello, world!") == 4
    import os

    assert "TIKTOKEN_CACHE_DIR" not in os.environ  # restored


def test_a_wrong_user_cache_falls_back_to_the_bundled_files(monkeypatch, tmp_path):
    import tiktoken.load
    import tiktoken.registry

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(tiktoken.load, "read_file", lambda url: (_ for _ in ()).throw(OSError("offline")))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    assert TokenCounter("cl100k_base", "tiktoken").count("Hello, world!") == 4


def test_a_local_model_is_checked_with_its_own_tokenizer_and_template(tmp_path, tiny_model):
    """``--model local:FOLDER``: the model's tokenizer.json and the tokens its chat template adds, so the check's
    counts are the ones training sees (transformers' apply_chat_template, the same template)."""
    from transformers import AutoTokenizer

    from ftcook.check import run_check

    rows = [chat_example(i) for i in range(12)]
    path = write_jsonl(tmp_path / "train.jsonl", rows)
    report = run_check(path, f"local:{tiny_model}")
    assert report.model.max_tokens == 256 and report.tokenizer.startswith("tokenizers hf:")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    real = [len(tokenizer.apply_chat_template(r["messages"], tokenize=True, return_dict=True)["input_ids"])
            for r in rows]
    assert report.lengths == real
    counter = get_counter(f"hf:{tiny_model}")
    assert counter.special_tokens_in("a <|im_end|> b") == ["<|im_end|>"]
    result = invoke("check", path, "--model", f"local:{tiny_model}")
    assert result.exit_code == 0 and "the model's own tokenizer" in result.output


def test_a_local_model_that_is_not_there_is_a_clear_error(tmp_path):
    result = invoke("check", write_jsonl(tmp_path / "t.jsonl", [chat_example(1)]), "--model",
                    f"local:{tmp_path / 'nothing'}")
    assert result.exit_code == 2 and "not a folder and not in the local Hugging Face cache" in result.output
    (tmp_path / "empty").mkdir()
    result = invoke("check", tmp_path / "t.jsonl", "--model", f"local:{tmp_path / 'empty'}")
    assert result.exit_code == 2 and "no tokenizer.json" in result.output
