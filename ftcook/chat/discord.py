"""Discord channels and DMs exported by DiscordChatExporter as JSON (``guild``, ``channel``, ``messages``).

Default messages and replies are text (a reply's ``reference.messageId`` links it to the message it answers);
every other type (joins, calls, pins, name changes, thread starts) is a system message. A message with
attachments or stickers and no text is media or a sticker. The author's server nickname is the sender's name,
else their user name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from .message import ChatMessage, ExportError, stream_items, utc

_TEXT_TYPES = ("Default", "Reply")


def looks_like(head: str) -> bool:
    return '"guild"' in head and '"channel"' in head


def read(path: Path) -> Iterator[ChatMessage]:
    """The channel's messages, streamed (ijson): a file of any size takes little memory."""
    import ijson

    found: dict[str, dict] = {}
    last = None
    with open(path, "rb") as f:
        try:
            for _, message in stream_items(ijson.parse(f, use_float=True), {"messages.item": ""}, found,
                                           keep={"guild", "channel"}):
                channel, guild = found.get("channel", {}), found.get("guild", {})
                name = str(channel.get("name") or channel.get("id") or path.stem)
                chat = name if guild.get("name") in (None, "Direct Messages") else f"{guild.get('name')} #{name}"
                last = f"message {message.get('id', '?')}"
                yield _message(message, chat, f"{path.name}: {last}", f"discord:{channel.get('id') or path}")
        except ijson.JSONError as error:
            where = f"after {last}" if last else "before the first message"
            raise ExportError(f"{path}: not valid JSON {where} ({error}) - export the channel again with "
                              f"DiscordChatExporter (format: JSON)") from None
    if last is None and "channel" not in found:
        raise ExportError(f"{path}: JSON, but not a DiscordChatExporter export (no 'channel' or 'messages')")


def _message(message: dict, chat: str, place: str, conversation: str) -> ChatMessage:
    author = message.get("author") or {}
    sender = str(author.get("nickname") or author.get("name") or author.get("id") or "")
    text = str(message.get("content") or "")
    reference = message.get("reference") or {}
    common = {"id": str(message.get("id")), "reply_to": reference.get("messageId"),
              "sender_id": author.get("id"), "edited": bool(message.get("timestampEdited")),
              "conversation": conversation}
    when = utc(message.get("timestamp"))
    if message.get("type") not in _TEXT_TYPES or author.get("isBot"):
        return ChatMessage(chat, place, sender, when, text, "system", **common)
    if not text.strip():
        kind = "sticker" if message.get("stickers") else "media" if message.get("attachments") or \
            message.get("embeds") else "deleted"
        return ChatMessage(chat, place, sender, when, "", kind, **common)
    return ChatMessage(chat, place, sender, when, text, "text", **common)
