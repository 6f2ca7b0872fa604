"""Normalise text: Unicode NFC, one kind of line end, no control characters, no trailing spaces, at most one
blank line in a row. Pure and idempotent."""

from __future__ import annotations

import re
import unicodedata

from ..example import Example

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")  # keeps \t \n (\r handled below)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")
_ODD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff\t\u00a0]")  # \r, controls, tabs, odd spaces


def _unchanged(text: str) -> bool:
    """Whether ``normalise_text`` would return ``text`` as it is: plain substring tests, then one character
    class scan - far cheaper than splitting into lines, and true for most text."""
    return (text == text.strip() and "  " not in text and " \n" not in text and "\n " not in text
            and "\n\n\n" not in text and not _ODD_CHARS.search(text) and unicodedata.is_normalized("NFC", text))


def normalise_text(text: str) -> str:
    """Normalised ``text``.

    >>> normalise_text("  Cafe\\u0301 \\r\\n\\r\\n\\r\\nnext\\x07  line\\t ")
    'Café\\n\\nnext line'
    >>> normalise_text("\\n A passage.\\n\\nIts next paragraph.\\n")  # only the ends to trim: no splitting
    'A passage.\\n\\nIts next paragraph.'
    """
    if _unchanged(text):
        return text  # the common case, without splitting into lines
    stripped = text.strip()  # templates often end in a line break: nothing else to do then
    if _unchanged(stripped):
        return stripped  # the full path would only have trimmed the same white space off the ends
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip(" ") for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def normalise_example(example: Example) -> Example:
    system = normalise_text(example.system) if example.system else None
    context = tuple((role, normalise_text(content)) for role, content in example.context)
    return example.replace(prompt=normalise_text(example.prompt), completion=normalise_text(example.completion),
                           system=system or None, context=context)
