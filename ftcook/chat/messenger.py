"""Facebook Messenger and Instagram "Download your information" JSON: ``message_1.json``, ``message_2.json``...
in each conversation's folder (``participants``, ``messages`` newest first, ``title``, ``thread_path``).

Meta writes every string as UTF-8 bytes escaped one by one (``"\\u00c3\\u00a9"`` for "é"): ``fix_mojibake`` turns
them back. The files of one conversation are one conversation (``thread_path``), put in time order by the
recipe. Unsent messages are deleted; photos, videos, audio, files and shares without text are media; stickers
and GIFs are stickers; "X sent an attachment." lines are media; calls and joins are system messages.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .message import ChatMessage, ExportError, load_json

_SYSTEM_TYPES = ("Call", "Subscribe", "Unsubscribe")
_ATTACHMENT = re.compile(r" sent an attachment\.$| sent a (photo|video|voice message|link)\.$")
_UNSENT = re.compile(r" unsent a message\.?$")


def looks_like(head: str) -> bool:
    return '"participants"' in head and ('"sender_name"' in head or '"thread_path"' in head or '"messages"' in head)


def fix_mojibake(text: str) -> str:
    """Meta's escaped UTF-8 bytes back to text; text that is not mojibake is left as it is.

    >>> fix_mojibake("caf\\u00c3\\u00a9 \\u00f0\\u009f\\u0098\\u0080"), fix_mojibake("café")
    ('café 😀', 'café')
    """
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


_PART = re.compile(r"^message_(\d+)\.json$")


def read(path: Path) -> Iterator[ChatMessage]:
    """The messages of a conversation in time order: ``path`` and, for a ``message_N.json``, the other parts of
    the conversation in its folder (``sources`` gives only the first part)."""
    parts = sorted((p for p in path.parent.glob("message_*.json") if _PART.match(p.name)),
                   key=lambda p: int(_PART.match(p.name).group(1))) if _PART.match(path.name) else [path]
    found = []
    for part in parts:
        data = load_json(part, "Facebook or Instagram: Download your information, format JSON")
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            raise ExportError(f"{part}: JSON, but not a Messenger export (no 'messages' list)")
        chat = fix_mojibake(str(data.get("title") or part.parent.name))
        conversation = f"messenger:{data.get('thread_path') or part.parent}"
        listed = tuple(("", fix_mojibake(str(p.get("name")))) for p in data.get("participants") or []
                       if isinstance(p, dict) and p.get("name"))
        found += [_message(m, chat, f"{part.parent.name}/{part.name}: message {n}", conversation, listed)
                  for n, m in enumerate(data["messages"], 1) if isinstance(m, dict)]
    found.sort(key=lambda m: (m.time is not None, m.time or datetime.min))  # Meta writes the newest first
    yield from found


def is_later_part(path: Path) -> bool:
    """``message_2.json`` and up: read with ``message_1.json``."""
    match = _PART.match(path.name)
    return bool(match) and int(match.group(1)) > 1 and (path.parent / "message_1.json").is_file()


def _message(message: dict, chat: str, place: str, conversation: str, listed: tuple = ()) -> ChatMessage:
    sender = fix_mojibake(str(message.get("sender_name") or ""))
    text = fix_mojibake(str(message.get("content") or ""))
    stamp = message.get("timestamp_ms")
    when = datetime.fromtimestamp(stamp / 1000, tz=timezone.utc).replace(tzinfo=None) \
        if isinstance(stamp, (int, float)) else None
    common = {"conversation": conversation, "edited": bool(message.get("is_edited")), "listed": listed}
    if message.get("type") in _SYSTEM_TYPES or message.get("call_duration") is not None:
        return ChatMessage(chat, place, sender, when, text, "system", **common)
    if message.get("is_unsent") or _UNSENT.search(text):
        return ChatMessage(chat, place, sender, when, text, "deleted", **common)
    if message.get("sticker") or message.get("gifs"):
        return ChatMessage(chat, place, sender, when, text, "sticker", **common)
    if not text.strip() or _ATTACHMENT.search(text):  # photos, videos, audio, files: no words of yours
        return ChatMessage(chat, place, sender, when, text, "media", **common)
    return ChatMessage(chat, place, sender, when, text, "text", **common)
