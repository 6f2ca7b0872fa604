"""Slack workspace exports: a folder (or its zip) with ``users.json``, ``channels.json`` (and ``groups.json``,
``dms.json``, ``mpims.json`` where the export has them) and a folder of daily ``YYYY-MM-DD.json`` files per
channel or conversation.

User ids are resolved through ``users.json`` (display name, else real name); mentions (``<@U123>``), channel
links and links are written as text. A thread is a conversation of its own: its replies answer the thread's first
message (``reply_to``), which stays in the channel. Joins, topic changes and bot messages are system messages;
deleted messages (tombstones) are deleted; files without text are media.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterator

from .message import ChatMessage, ExportError

_TEXT_SUBTYPES = (None, "thread_broadcast", "file_share", "me_message")
_DELETED_SUBTYPES = ("tombstone", "message_deleted")
_MARKUP = re.compile(r"<([@#!])?([^>|]+)(?:\|([^>]*))?>")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


def is_export(names: set[str]) -> bool:
    """Whether a folder's (or zip's) file names are a Slack export's: users.json and channels.json at its root."""
    return "users.json" in names and "channels.json" in names


class _Tree:
    """The export's files, in a folder or in a zip, by their path inside the export."""

    def __init__(self, root: Path):
        self.root = root
        self.zip = zipfile.ZipFile(root) if root.is_file() else None
        if self.zip is not None:
            names = [n for n in self.zip.namelist() if not n.endswith("/")]
            prefix = min((n[:-len("users.json")] for n in names if n.endswith("users.json")), key=len, default="")
            self.names = sorted(n[len(prefix):] for n in names if n.startswith(prefix))
            self.prefix = prefix
        else:
            self.names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json") if p.is_file())
            self.prefix = ""

    def read(self, name: str):
        data = self.zip.read(self.prefix + name) if self.zip is not None else (self.root / name).read_bytes()
        try:
            return json.loads(data)
        except json.JSONDecodeError as error:
            raise ExportError(f"{self.root}: {name}: not valid JSON (line {error.lineno}, column {error.colno}: "
                              f"{error.msg}) - export the workspace again") from None


def read(root: Path) -> Iterator[ChatMessage]:
    tree = _Tree(root)
    everyone = [u for u in tree.read("users.json") if isinstance(u, dict)]
    users = {u.get("id"): _name(u) for u in everyone}
    listed = tuple(sorted({(str(u.get("id") or ""), name) for u in everyone for name in _names(u)}))
    names = _conversation_names(tree, users)
    days: dict[str, list[str]] = {}
    for name in tree.names:
        path = PurePosixPath(name)
        if len(path.parts) == 2 and _DAY.match(path.name):
            days.setdefault(path.parts[0], []).append(name)
    for folder, files in sorted(days.items()):
        chat = names.get(folder, folder)
        for name in sorted(files):
            messages = tree.read(name)
            for number, message in enumerate(messages if isinstance(messages, list) else [], 1):
                if isinstance(message, dict):
                    yield _message(message, chat, f"{root.name}/{name}: message {number}", folder, users, listed)


def _conversation_names(tree: _Tree, users: dict) -> dict[str, str]:
    """Folder name -> what to call the conversation: the channel's name, or who is in a DM."""
    names = {}
    for listing in ("channels.json", "groups.json", "dms.json", "mpims.json"):
        entries = tree.read(listing) if listing in tree.names else []
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                members = [users.get(m, m) for m in entry.get("members") or []]
                names[entry.get("name") or entry.get("id")] = entry.get("name") or ", ".join(members)
    return names


def _name(user: dict) -> str:
    profile = user.get("profile") or {}
    return str(profile.get("display_name") or profile.get("real_name") or user.get("real_name") or
               user.get("name") or user.get("id") or "")


def _names(user: dict) -> set[str]:
    """Every name users.json gives a person: display name, real name (not the login handle)."""
    profile = user.get("profile") or {}
    return {str(n) for n in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")) if n}


def _message(message: dict, chat: str, place: str, folder: str, users: dict, listed=()) -> ChatMessage:
    user = message.get("user")
    sender = users.get(user) or str((message.get("user_profile") or {}).get("real_name") or user or "")
    ts, thread = str(message.get("ts", "")), message.get("thread_ts")
    replying = thread is not None and str(thread) != ts
    common = {"id": ts or None, "sender_id": user, "reply_to": str(thread) if replying else None,
              "conversation": f"slack:{folder}" + (f"/thread {thread}" if replying else ""),
              "edited": bool(message.get("edited")), "listed": listed}
    when = _time(ts)
    subtype = message.get("subtype")
    text = slack_text(str(message.get("text") or ""), users)
    if subtype in _DELETED_SUBTYPES:
        return ChatMessage(chat, place, sender, when, text, "deleted", **common)
    if subtype not in _TEXT_SUBTYPES or message.get("bot_id"):
        return ChatMessage(chat, place, sender, when, text, "system", **common)
    if not text.strip():
        return ChatMessage(chat, place, sender, when, "", "media" if message.get("files") else "deleted", **common)
    return ChatMessage(chat, place, sender, when, text, "text", **common)


def slack_text(text: str, users: dict) -> str:
    """Slack's markup as plain text.

    >>> slack_text("hi <@U1>, see <#C2|general> and <https://x.org|the doc> &amp; <!here>", {"U1": "Sam"})
    'hi @Sam, see #general and the doc & @here'
    """
    def plain(match: re.Match) -> str:
        kind, target, label = match.groups()
        if kind == "@":
            return f"@{users.get(target, label or target)}"
        if kind == "#":
            return f"#{label or target}"
        if kind == "!":
            return f"@{label or target.split('^')[0]}"
        return label or target

    return html.unescape(_MARKUP.sub(plain, text))


def _time(ts: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), tz=timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
