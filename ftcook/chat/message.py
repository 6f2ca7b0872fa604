"""``ChatMessage``: one message of any app's export, in one shape for the rest of the chat recipe."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

#: what a message is: text to learn from, or one of the reasons it is not
KINDS = ("text", "media", "sticker", "deleted", "system")


@dataclass
class ChatMessage:
    chat: str  # the chat's name (a person for one-to-one chats, the group's name)
    place: str  # where it is, for people: "WhatsApp Chat with Sam.txt:line 12", "result.json: chat Sam, id 42"
    sender: str  # the display name ("" for system messages)
    time: datetime | None
    text: str
    kind: str = "text"
    id: str | None = None  # the app's own message id, where it has one
    reply_to: str | None = None  # the id of the message this one answers
    sender_id: str | None = None  # the app's user id (Telegram "user123", Slack "U024BE7LH")
    forwarded: bool = False
    edited: bool = False
    conversation: str = ""  # what the message belongs to across files: a WhatsApp file, a Telegram chat id,
    # a Messenger thread, a Discord channel, a Slack channel or thread ("" = the file and the chat's name)
    listed: tuple[tuple[str, str], ...] = ()  # (user id or "", name) of the people the export names for this
    # conversation, whether they wrote or not (Messenger's participants, Slack's users.json, a Telegram one-to-one
    # chat's name): one tuple per conversation


class ExportError(Exception):
    """A file in a known export format that cannot be read: ``str(error)`` says where and why."""


def load_json(path: Path, export_hint: str):
    """A whole JSON export, or an ``ExportError`` that names the line and column where it breaks."""
    try:
        return json.loads(path.read_bytes())
    except json.JSONDecodeError as error:
        raise ExportError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}) - is the "
                          f"export complete? Export it again ({export_hint})") from None
    except UnicodeDecodeError as error:
        raise ExportError(f"{path}: not UTF-8 JSON ({error}) - export it again ({export_hint})") from None


def utc(value) -> datetime | None:
    """An ISO 8601 time as a naive UTC datetime (a zone-less time as written), or None when it is not one.

    >>> utc("2024-12-30T10:00:00.5+01:00"), utc("2024-12-30T10:00:00"), utc("soon")
    (datetime.datetime(2024, 12, 30, 9, 0, 0, 500000), datetime.datetime(2024, 12, 30, 10, 0), None)
    """
    try:
        stamp = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return stamp.astimezone(timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp


def stream_items(events, items: dict[str, str], scalars: dict[str, dict], keep: set[str] | None = None):
    """(owner, object) for each JSON object at a prefix of ``items`` (prefix -> owner) among ijson ``events``,
    built one at a time. The strings and numbers directly under the prefixes of ``keep`` (default: the owners:
    a chat's name and id, which come before its messages) are kept in ``scalars[prefix]`` as they pass."""
    import ijson

    builder, owner = None, ""
    owners = keep if keep is not None else set(items.values())
    for prefix, event, value in events:
        if builder is not None:
            builder.event(event, value)
            if not builder.containers:  # the object is closed
                yield owner, builder.value
                builder = None
            continue
        head, _, key = prefix.rpartition(".")
        if event in ("string", "number") and head in owners:
            scalars.setdefault(head, {})[key] = value
        elif event == "start_map" and prefix in items:
            owner, builder = items[prefix], ijson.ObjectBuilder()
            builder.event(event, value)
