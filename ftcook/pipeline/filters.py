"""Filters: examples with nothing to learn from."""

from __future__ import annotations

from ..example import Example


def reject(example: Example, min_chars: int) -> tuple[str, str] | None:
    """(reason, detail) when the example cannot be used, else ``None``.

    >>> reject(Example("Q", ""), 1), reject(Example("", "Hi"), 5), reject(Example("", "Hello"), 5)
    (('empty', 'the completion is empty'), ('too_short', '2 characters, fewer than 5'), None)
    """
    if not example.completion.strip():
        return "empty", "the completion is empty"
    if len(example.completion) < min_chars:
        return "too_short", f"{len(example.completion)} characters, fewer than {min_chars}"
    return None
