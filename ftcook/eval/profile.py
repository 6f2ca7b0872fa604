"""A stylometric profile: the numbers that make writing recognisable, and how far one profile is from another.

All measures are per text, averaged; pure functions of the text.
"""

from __future__ import annotations

import re
from statistics import mean

from .attribution import FUNCTION_WORDS

_SENTENCES = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_GREETING = re.compile(r"^\s*(hi|hey|hello|dear|hallo|bonjour|hola|ciao|good (morning|afternoon|evening))\b",
                       re.IGNORECASE)
_QUOTED = re.compile(r"[\"“„«]([^\"”“«»]{1,2000})[\"”»]")
PUNCTUATION = {"comma": ",", "full_stop": ".", "exclamation": "!", "question": "?", "dash": "—–-", "colon": ":;"}


def profile(text: str) -> dict[str, float]:
    """The measures of one text.

    >>> p = profile("Hey Sam!\\n\\nDay 3 works. See you then.\\n\\nCheers,\\nAda")
    >>> p["greeting"], p["sign_off_lines"], round(p["words_per_sentence"], 2)
    (1.0, 2.0, 2.0)
    """
    words = _WORDS.findall(text)
    sentences = [s for s in _SENTENCES.findall(text) if _WORDS.search(s)]
    chars = max(len(text), 1)
    lowered = [w.lower() for w in words]
    quoted = sum(len(m) for m in _QUOTED.findall(text))
    measures = {
        "words": float(len(words)),
        "words_per_sentence": len(words) / max(len(sentences), 1),
        "chars_per_word": mean(len(w) for w in words) if words else 0.0,
        "function_words": sum(w in FUNCTION_WORDS for w in lowered) / max(len(words), 1),
        "greeting": 1.0 if _GREETING.match(text) else 0.0,
        "sign_off_lines": float(_sign_off_lines(text)),
        "dialogue_share": quoted / chars,
    }
    for name, marks in PUNCTUATION.items():
        measures[f"{name}_per_100_chars"] = 100 * sum(text.count(m) for m in marks) / chars
    return measures


def _sign_off_lines(text: str) -> int:
    """Short lines at the end after a blank line ("Cheers,\\nAda"): 0 when there is no such block."""
    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    if len(blocks) < 2:
        return 0
    lines = blocks[-1].splitlines()
    return len(lines) if all(len(line.split()) <= 4 for line in lines) and len(lines) <= 3 else 0


def mean_profile(texts: list[str]) -> dict[str, float]:
    profiles = [profile(t) for t in texts if t.strip()]
    if not profiles:
        return {}
    return {key: round(mean(p[key] for p in profiles), 4) for key in profiles[0]}


def distance(a: dict[str, float], b: dict[str, float]) -> float | None:
    """How far profile ``a`` is from ``b`` (the real text): the mean of each measure's difference relative to
    the larger of the two (0: the same profile, 1: every measure entirely different).

    >>> distance({"x": 2.0, "y": 0.0}, {"x": 2.0, "y": 0.0}), distance({"x": 1.0}, {"x": 2.0})
    (0.0, 0.5)
    """
    keys = [k for k in b if k in a]
    if not keys:
        return None
    parts = [abs(a[k] - b[k]) / max(abs(a[k]), abs(b[k])) if max(abs(a[k]), abs(b[k])) else 0.0 for k in keys]
    return round(mean(parts), 4)
