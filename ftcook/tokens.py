"""Token counting with the target model's tiktoken encoding (bundled in ``ftcook/encodings``: works offline).

Counting is the hot path of ``ftcook check``; ``benchmarks/check_bench.py`` measures it. What was measured on
2 cores (see docs/check.md#speed): ``encode_ordinary`` is faster than ``encode`` (no special-token scan - ftcook
looks for special tokens itself, once per text), ``encode_ordinary_batch`` was slower than a plain loop on many
short texts, and strings that repeat in every example (roles, system prompts) are counted once and cached.
``FTCOOK_TOKENIZER=bpe-openai`` (with ``pip install 'ftcook[fast]'``) counts with the Rust BPE of GitHub's
``bpe-openai`` crate instead: the same tokens, about 1.8x faster per text, encodings bundled (no download), but
~100 MB more memory per process, so tiktoken stays the default.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from . import model_tokens
from .errors import EncodingUnavailable, UsageError

#: special tokens of OpenAI's chat formats; the server rejects them inside training text whatever the encoding
CHAT_SPECIAL_TOKENS = frozenset(
    {"<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
     "<|im_start|>", "<|im_end|>", "<|im_sep|>"}
)
TOKENIZERS = ("tiktoken", "bpe-openai")
_CACHE_LIMIT = 50_000
_CACHE_MAX_CHARS = 4_000


BUNDLED_CACHE = Path(__file__).parent / "encodings"


def _get_encoding(name: str, cache_dir: str | None):
    import tiktoken

    saved = os.environ.get("TIKTOKEN_CACHE_DIR")
    if cache_dir is not None:
        os.environ["TIKTOKEN_CACHE_DIR"] = cache_dir  # tiktoken reads its cache folder from the environment only
    try:
        return tiktoken.get_encoding(name)
    finally:
        if cache_dir is not None:
            if saved is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = saved


def _load_tiktoken(name: str):
    """tiktoken's encoding: from TIKTOKEN_CACHE_DIR when set, else from the files bundled with ftcook (no
    download); tiktoken's own download as the last resort. One clear message when all fail."""
    user_cache = os.environ.get("TIKTOKEN_CACHE_DIR")
    tries = ([None] if user_cache else []) + [str(BUNDLED_CACHE)] + ([] if user_cache else [None])
    error = None
    for cache_dir in tries:
        try:
            return _get_encoding(name, cache_dir)
        except (OSError, ValueError) as failure:  # requests' ConnectionError is an OSError; a bad file a ValueError
            error = error or failure
    where = f"TIKTOKEN_CACHE_DIR={user_cache} does not hold it" if user_cache else "TIKTOKEN_CACHE_DIR is not set"
    raise EncodingUnavailable(
        f"Could not load the tiktoken encoding '{name}': ftcook does not bundle it, tiktoken's download failed "
        f"({type(error).__name__}) and {where}. Connect to the internet once, or set TIKTOKEN_CACHE_DIR to a "
        f"folder holding tiktoken's cached encoding files."
    ) from None


def _tokenizer_choice() -> str:
    choice = os.environ.get("FTCOOK_TOKENIZER", "tiktoken").strip().lower() or "tiktoken"
    if choice not in TOKENIZERS:
        raise UsageError(f"FTCOOK_TOKENIZER={choice!r} is not one of {', '.join(TOKENIZERS)}")
    if choice == "bpe-openai" and not importlib.util.find_spec("bpe_openai"):
        raise UsageError("FTCOOK_TOKENIZER=bpe-openai needs the 'fast' extra: pip install 'ftcook[fast]'")
    return choice


class TokenCounter:
    """Counts tokens of one encoding. ``count`` for any text, ``count_repeated`` for texts that recur."""

    def __init__(self, encoding: str, tokenizer: str = "tiktoken", extra_special: frozenset[str] = frozenset()):
        self.encoding = encoding
        self.tokenizer = tokenizer
        self._tiktoken = None
        # the tokens a chat template adds: OpenAI's counts, or a local model's own (model_tokens.py)
        self.per_message, self.per_name, self.per_example = TOKENS_PER_MESSAGE, TOKENS_PER_NAME, TOKENS_PER_EXAMPLE
        if encoding.startswith(model_tokens.PREFIX):
            self._model_tokenizer(encoding, extra_special)
            return
        if tokenizer == "bpe-openai":
            import bpe_openai

            self._enc = bpe_openai.get_encoding(encoding)
        else:
            self._enc = self._tiktoken = _load_tiktoken(encoding)
        self._encode = self._enc.encode_ordinary
        self._set_specials(frozenset(self._enc.special_tokens_set) | CHAT_SPECIAL_TOKENS | extra_special)

    def _model_tokenizer(self, encoding: str, extra_special: frozenset[str]) -> None:
        """A local model's tokenizer.json (``hf:FOLDER``), and the overhead its chat template adds."""
        folder = encoding[len(model_tokens.PREFIX):]
        tokenizer, specials = model_tokens.load(folder)
        self.tokenizer = "tokenizers"
        self._enc = tokenizer
        self._encode = lambda text: tokenizer.encode(text, add_special_tokens=False).ids
        overhead = model_tokens.overhead(folder)
        self.per_message, self.per_name, self.per_example = overhead.per_message, 1, overhead.per_example
        self._set_specials(specials | extra_special)

    def _set_specials(self, special_tokens: frozenset[str]) -> None:
        self.special_tokens = special_tokens
        self._special_re = re.compile("|".join(re.escape(t) for t in sorted(self.special_tokens)) or r"(?!)")
        self._cheap_probe = "<|" if all(t.startswith("<|") for t in self.special_tokens) else None
        self._cache: dict[str, int] = {}

    def count(self, text: str) -> int:
        """Tokens in ``text`` as ordinary text (special tokens are not parsed, as the server would not)."""
        try:
            return len(self._encode(text))
        except Exception:  # noqa: BLE001 - the fast tokenizer refused a text: count it with the reference
            if self.encoding.startswith(model_tokens.PREFIX):
                raise
            if self._tiktoken is None:
                self._tiktoken = _load_tiktoken(self.encoding)
            return len(self._tiktoken.encode_ordinary(text))

    def count_repeated(self, text: str) -> int:
        """Like ``count``, cached: for roles, names and system prompts that recur in every example."""
        n = self._cache.get(text)
        if n is None:
            n = self.count(text)
            if len(self._cache) < _CACHE_LIMIT and len(text) <= _CACHE_MAX_CHARS:
                self._cache[text] = n
        return n

    def special_tokens_in(self, text: str) -> list[str]:
        """The special-token strings that occur in ``text`` (fast path: no ``<|`` means none)."""
        if self._cheap_probe is not None and self._cheap_probe not in text:
            return []
        return sorted(set(self._special_re.findall(text)))


@lru_cache(maxsize=None)
def get_counter(encoding: str, extra_special: tuple[str, ...] = ()) -> TokenCounter:
    """One counter per encoding and process (workers of ``ftcook check`` build their own)."""
    return TokenCounter(encoding, _tokenizer_choice(), frozenset(extra_special))


# --- chat accounting, exactly as OpenAI's cookbook counts (FACTS.md), without its crash on non-text values ---

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_EXAMPLE = 3  # every reply is primed with <|start|>assistant<|message|>


def value_tokens(counter: TokenCounter, key: str, value) -> int:
    """Tokens of one message field. Text counts as text; parts lists count their text; structured values
    (``tool_calls``, ``function_call``) count as their JSON; numbers such as ``weight`` are not text."""
    if isinstance(value, str):
        return counter.count_repeated(value) if key in ("role", "name") else counter.count(value)
    if isinstance(value, list) and key == "content":
        return sum(counter.count(p["text"]) for p in value if isinstance(p, dict) and isinstance(p.get("text"), str))
    if isinstance(value, (dict, list)):
        return counter.count(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return 0


def message_cost(counter: TokenCounter, message: dict) -> tuple[int, int]:
    """(tokens of one chat message - 3 + every value, +1 for a name -, tokens of its content alone)."""
    n = counter.per_message
    content_tokens = 0
    system = message.get("role") == "system"
    for key, value in message.items():
        if key == "content":
            repeated = system and isinstance(value, str)  # system prompts recur in every example
            content_tokens = counter.count_repeated(value) if repeated else value_tokens(counter, key, value)
            n += content_tokens
        else:
            n += value_tokens(counter, key, value) + (counter.per_name if key == "name" else 0)
    return n, content_tokens


def chat_tokens(counter: TokenCounter, messages: list, tools=None) -> int:
    """Tokens of a whole chat example as the cookbook counts them (+3 per example; tools as their JSON)."""
    n = counter.per_example + sum(message_cost(counter, m)[0] for m in messages if isinstance(m, dict))
    if tools:
        n += counter.count_repeated(json.dumps(tools, ensure_ascii=False, separators=(",", ":")))
    return n
