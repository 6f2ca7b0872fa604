"""``ChatMessage``: one message of any app's export, in one shape for the rest of the chat recipe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


class ExportError(Exception):
    """A file in a known export format that cannot be read: ``str(error)`` says where and why."""
