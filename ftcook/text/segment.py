"""Segmentation that respects the script: sentences (CJK sentence ends need no space; Chinese and Japanese are
never split on spaces) and grapheme clusters (user-perceived characters, never split).

All functions are pure and keep the text: ``"".join(sentences(p)) == p``.
"""

from __future__ import annotations

import regex

# a run of sentence-ending marks and the closing quotes/brackets after it, then any spaces. CJK and other
# full-width ends (。！？；…) end a sentence wherever they are; an ASCII . ! ? only before a space or the end,
# so "3.14" and "e.g.x" stay whole.
_SENTENCE_END = regex.compile(
    r"""(?:[。！？；…‥‼⁇؟۔।॥]+|[.!?]+(?=[\s"'”’」』）)\]»]|$))[\"'”’」』）)\]»]*\s*"""
)
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}。、，！？；：「」『』（）]")
_GRAPHEME = regex.compile(r"\X")
_LOWER = regex.compile(r"\p{Ll}")


def sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, each keeping its end marks, closing quotes and trailing space.

    >>> sentences("他说：“好。”我们走吧！真的？")
    ['他说：“好。”', '我们走吧！', '真的？']
    >>> sentences("It costs 3.14 dollars. Really? Yes")
    ['It costs 3.14 dollars. ', 'Really? ', 'Yes']
    >>> sentences("“Are the boats in?” asked Mara. “All of them.”")
    ['“Are the boats in?” asked Mara. ', '“All of them.”']
    """
    out, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        if match.end() > start and not _LOWER.match(paragraph, match.end()):  # '?” asked Mara' goes on
            out.append(paragraph[start:match.end()])
            start = match.end()
    if start < len(paragraph):
        out.append(paragraph[start:])
    return out


def graphemes(text: str) -> list[str]:
    """User-perceived characters: a base letter with its combining marks, an emoji with its modifiers.

    >>> [len(g) for g in graphemes("e\\u0301👍🏽a")]
    [2, 2, 1]
    """
    return _GRAPHEME.findall(text)


def is_cjk(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces between words (Chinese, Japanese).

    >>> is_cjk("中"), is_cjk("か"), is_cjk("a")
    (True, True, False)
    """
    return bool(char) and _CJK.match(char) is not None


def join_wrapped(first: str, second: str) -> str:
    """Join two lines of one hard-wrapped paragraph: no space between CJK characters, one space otherwise.

    >>> join_wrapped("我们", "走吧"), join_wrapped("hard", "wrapped")
    ('我们走吧', 'hard wrapped')
    """
    if not first or not second:
        return first + second
    if is_cjk(first[-1]) and is_cjk(second[0]):
        return first + second
    return first.rstrip() + " " + second.lstrip()
