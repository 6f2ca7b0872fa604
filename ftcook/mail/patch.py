"""Patches sent as mail (``git send-email``, ``git format-patch``): code, not prose. The email recipe skips them
with the reason ``patch``, or with ``-o patches=message`` keeps the commit message without the diff.

A patch is a message whose subject carries a ``[PATCH ...]`` tag (not a reply to one: a review is prose), or
whose new text holds a diff.
"""

from __future__ import annotations

import re

_PATCH_SUBJECT = re.compile(r"^\s*\[[^\]]*\bPATCH\b[^\]]*\]", re.IGNORECASE)
_DIFF = re.compile(r"^(?:diff --git |Index: \S|--- a/\S|\+\+\+ b/\S|@@ -\d+(?:,\d+)? \+\d+)", re.MULTILINE)
# where the commit message ends: the "---" line before the diffstat, a diff, a diffstat line, a shortlog heading
_MESSAGE_END = re.compile(r"^(?:---\s*$|diff --git |Index: \S| \S.*\|\s+\d+ [+-]*\s*$|\S.* \(\d+\):\s*$)",
                          re.MULTILINE)
_TRAILER = re.compile(r"^(?:Signed-off-by|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|Co-developed-by|"
                      r"Cc|Link|Fixes|Closes|Change-Id):\s.*$", re.MULTILINE | re.IGNORECASE)


def is_patch(subject: str, text: str) -> bool:
    """Whether a message is a patch (or a series' cover letter) rather than prose.

    >>> is_patch("[PATCH v2 3/7] net: fix a leak", "The leak ..."), is_patch("Re: [PATCH 3/7] net: fix", "Looks good.")
    (True, False)
    >>> is_patch("fix", "Try this:\\n\\ndiff --git a/x.c b/x.c\\n--- a/x.c\\n+++ b/x.c\\n")
    True
    """
    return bool(_PATCH_SUBJECT.match(subject) or _DIFF.search(text))


def commit_message(text: str) -> str:
    """The prose of a patch: its commit message without the diffstat, the diff and the trailers.

    >>> commit_message("Free the buffer on the error path.\\n\\nSigned-off-by: A <a@x.org>\\n---\\n x.c | 2 +-\\n")
    'Free the buffer on the error path.'
    """
    end = _MESSAGE_END.search(text)
    message = text[:end.start()] if end else text
    return re.sub(r"\n{3,}", "\n\n", _TRAILER.sub("", message)).strip()
