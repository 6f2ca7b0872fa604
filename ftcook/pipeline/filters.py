"""Filters: examples with nothing to learn from, and examples the target would refuse."""

from __future__ import annotations

from typing import Callable

from ..example import Example


def reject(example: Example, min_chars: int,
           special_tokens_in: Callable[[str], list[str]] = lambda text: []) -> tuple[str, str] | None:
    """(reason, detail) when the example cannot be used, else ``None``. ``special_tokens_in`` is the target's
    (``TokenCounter.special_tokens_in``): text holding them is refused by the API, as ``ftcook check`` says.

    >>> reject(Example("Q", ""), 1), reject(Example("", "Hi"), 5), reject(Example("", "Hello"), 5)
    (('empty', 'the completion is empty'), ('too_short', '2 characters, fewer than 5'), None)
    >>> reject(Example("", "a <|endoftext|> b"), 1, lambda text: ["<|endoftext|>"] if "<|" in text else [])
    ('special_token', 'contains <|endoftext|>')
    """
    if not example.completion.strip():
        return "empty", "the completion is empty"
    if len(example.completion) < min_chars:
        return "too_short", f"{len(example.completion)} characters, fewer than {min_chars}"
    found = sorted({t for text in example.texts()
                    for t in special_tokens_in(text)})
    if found:
        return "special_token", f"contains {', '.join(found)}"
    return None
