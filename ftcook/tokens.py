"""Token counting with the target model's tiktoken encoding (bundled in ``ftcook/encodings``: works offline).

Counting is the hot path of ``ftcook check``; ``benchmarks/check_bench.py`` measures it. What was measured on
2 cores (see docs/check.md#speed): ``encode_ordinary`` is faster than ``encode`` (no special-token scan - ftcook
looks for special tokens itself, once per text), ``encode_ordinary_batch`` was slower than a plain loop on many
short texts, and strings that repeat in every example (roles, system prompts) are counted once and cached.
With the ``fast`` extra (``pip install 'ftcook[fast]'``) cl100k_base and o200k_base are counted by the Rust BPE of
GitHub's ``bpe-openai`` crate instead (``FTCOOK_TOKENIZER=auto``, the default): the same tokens, 1.6-2x faster per
text, encodings bundled, and less memory than tiktoken (66 MB against 82 MB for o200k_base). ftcook loads the
crate's native module directly: ``import bpe_openai`` builds Python rank tables of three encodings that counting
never uses, which costs 0.8-1.9 s a process. A text it refuses (a lone surrogate) is counted by tiktoken, and so
is everything when the native module cannot be loaded (another bpe-openai layout).
``FTCOOK_TOKENIZER=tiktoken`` or ``bpe-openai`` chooses one.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from . import model_tokens
from .errors import EncodingUnavailable, UsageError

#: special tokens of OpenAI's chat formats; the server rejects them inside training text whatever the encoding
CHAT_SPECIAL_TOKENS = frozenset(
    {"<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
     "<|im_start|>", "<|im_end|>", "<|im_sep|>"}
)
TOKENIZERS = ("auto", "tiktoken", "bpe-openai")
#: the encodings bpe-openai counts; their special tokens are all in CHAT_SPECIAL_TOKENS (a test checks)
BPE_OPENAI_ENCODINGS = ("cl100k_base", "o200k_base")
#: characters of recent texts whose counts are remembered (``count_repeated``): 1-4 MB, more than a
#: conversation's history repeats over (8 M cost 30-50 MB more in a check of distinct texts, for nothing)
_RECENT_CHARS = 1_000_000


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
    choice = os.environ.get("FTCOOK_TOKENIZER", "auto").strip().lower() or "auto"
    if choice not in TOKENIZERS:
        raise UsageError(f"FTCOOK_TOKENIZER={choice!r} is not one of {', '.join(TOKENIZERS)}")
    installed = importlib.util.find_spec("bpe_openai") is not None  # finds it without importing it
    if choice == "bpe-openai" and not installed:
        raise UsageError("FTCOOK_TOKENIZER=bpe-openai needs the 'fast' extra: pip install 'ftcook[fast]'")
    if choice == "auto":
        return "bpe-openai" if installed else "tiktoken"
    return choice


@lru_cache(maxsize=None)
def _bpe_openai_native():
    """bpe-openai's native module (``tokenizer_for_encoding(name).count(text)``), loaded without running the
    package's ``__init__``, which builds unused Python tables at import. Registered under its own name, so a
    later ``import bpe_openai`` uses this one (a native module is initialised once a process)."""
    name = "bpe_openai._bindings"
    if name in sys.modules:
        return sys.modules[name]
    folder = Path(importlib.util.find_spec("bpe_openai").submodule_search_locations[0])
    paths = [p for p in folder.glob("_bindings.*") if p.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))]
    if not paths:  # the package changed its layout: the public, slower import
        return importlib.import_module(name)
    loader = importlib.machinery.ExtensionFileLoader(name, str(paths[0]))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    sys.modules[name] = module
    return module


class SpecialTokens:
    """``finder(text)``: the special-token strings that occur in ``text``, sorted (fast path: no ``<|`` in the text
    means none when every token starts with it). Small to send to a helper process: only the tokens travel.

    >>> SpecialTokens(frozenset({"<|endoftext|>", "<|im_start|>"}))("a <|im_start|> b <|endoftext|>")
    ['<|endoftext|>', '<|im_start|>']
    """

    def __init__(self, tokens: frozenset[str]):
        self.tokens = tokens
        self._pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens)) or r"(?!)")
        self._probe = "<|" if all(t.startswith("<|") for t in tokens) else None

    def __call__(self, text: str) -> list[str]:
        if self._probe is not None and self._probe not in text:
            return []
        return sorted(set(self._pattern.findall(text)))

    def __reduce__(self):
        return SpecialTokens, (self.tokens,)


class TokenCounter:
    """Counts tokens of one encoding. ``count`` for any text, ``count_repeated`` for texts that recur;
    ``special_tokens_in(text)`` finds the encoding's special tokens in a text (``SpecialTokens``)."""

    def __init__(self, encoding: str, tokenizer: str = "tiktoken", extra_special: frozenset[str] = frozenset()):
        self.encoding = encoding
        self.tokenizer = tokenizer
        self._tiktoken = None
        # the tokens a chat template adds: OpenAI's counts, or a local model's own (model_tokens.py)
        self.per_message, self.per_name, self.per_example = TOKENS_PER_MESSAGE, TOKENS_PER_NAME, TOKENS_PER_EXAMPLE
        if encoding.startswith(model_tokens.PREFIX):
            self._model_tokenizer(encoding, extra_special)
            return
        if tokenizer == "bpe-openai" and encoding in BPE_OPENAI_ENCODINGS:
            try:
                self._count = _bpe_openai_native().tokenizer_for_encoding(encoding).count
            except (ImportError, AttributeError, OSError):  # a bpe-openai this code does not know: the reference
                pass
            else:
                self._set_specials(CHAT_SPECIAL_TOKENS | extra_special)
                return
        self.tokenizer = "tiktoken"  # bpe-openai has no other encodings
        self._tiktoken = _load_tiktoken(encoding)
        encode = self._tiktoken.encode_ordinary
        self._count = lambda text: len(encode(text))
        self._set_specials(frozenset(self._tiktoken.special_tokens_set) | CHAT_SPECIAL_TOKENS | extra_special)

    def _model_tokenizer(self, encoding: str, extra_special: frozenset[str]) -> None:
        """A local model's tokenizer.json (``hf:FOLDER``), and the overhead its chat template adds."""
        folder = encoding[len(model_tokens.PREFIX):]
        tokenizer, specials = model_tokens.load(folder)
        self.tokenizer = "tokenizers"
        self._count = lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
        overhead = model_tokens.overhead(folder)
        self.per_message, self.per_name, self.per_example = overhead.per_message, 1, overhead.per_example
        self._set_specials(specials | extra_special)

    def _set_specials(self, special_tokens: frozenset[str]) -> None:
        self.special_tokens = special_tokens
        self.special_tokens_in = SpecialTokens(special_tokens)
        self._recent: dict[str, int] = {}
        self._recent_chars = 0

    def count(self, text: str) -> int:
        """Tokens in ``text`` as ordinary text (special tokens are not parsed, as the server would not)."""
        try:
            return self._count(text)
        except Exception:  # noqa: BLE001 - the fast tokenizer refused a text: count it with the reference
            if self.encoding.startswith(model_tokens.PREFIX):
                raise
            if self._tiktoken is None:
                self._tiktoken = _load_tiktoken(self.encoding)
            return len(self._tiktoken.encode_ordinary(text))

    def count_repeated(self, text: str) -> int:
        """Like ``count``, remembered for the texts of the last ``_RECENT_CHARS`` characters: roles and system
        prompts recur in every example, and in a multi-turn dataset (a chat build's output among them) each example
        repeats the conversation's earlier turns. A text seen once costs a dictionary lookup more."""
        n = self._recent.get(text)
        if n is None:
            n = self.count(text)
            self._recent_chars += len(text)
            if self._recent_chars > _RECENT_CHARS:
                self._recent.clear()
                self._recent_chars = len(text)
            self._recent[text] = n
        return n


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
    (``tool_calls``, ``function_call``) count as their JSON; numbers such as ``weight`` are not text. Texts recur
    (roles, system prompts, a conversation's earlier turns): ``count_repeated``."""
    if isinstance(value, str):
        return counter.count_repeated(value)
    if isinstance(value, list) and key == "content":
        return sum(counter.count(p["text"]) for p in value if isinstance(p, dict) and isinstance(p.get("text"), str))
    if isinstance(value, (dict, list)):
        return counter.count(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return 0


def message_cost(counter: TokenCounter, message: dict) -> tuple[int, int]:
    """(tokens of one chat message - 3 + every value, +1 for a name -, tokens of its content alone)."""
    n = counter.per_message
    content_tokens = 0
    for key, value in message.items():
        if key == "content":
            content_tokens = value_tokens(counter, key, value)
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
