"""Telegram Desktop's "Export chat history" JSON (``result.json``): one chat, or the full export with every chat
under ``chats.list`` (and ``left_chats.list``).

A message's ``text`` is a string or a list of strings and entity objects (bold, links, mentions), joined here into
plain text. Service messages (joins, pins, calls) are system messages; stickers, photos, files and voice messages
without text are media; ``reply_to_message_id`` links a reply to the message it answers; forwarded messages are
marked (they are someone else's words).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .message import ChatMessage, ExportError, stream_items

_MEDIA_KEYS = ("photo", "file", "media_type", "location_information", "contact_information", "poll", "game_title")


def looks_like(head: str) -> bool:
    """Whether the start of a JSON file is a Telegram export."""
    return '"messages"' in head and ('"type": "personal_chat"' in head or '"chats"' in head or
                                     '"date_unixtime"' in head or '"from_id"' in head or "_chat" in head)


#: where messages are, and the chat object they belong to: one chat, or every chat of a full export (under
#: ``chats.list``, as Telegram Desktop writes it, or a plain ``chats`` list, as some tools write it)
_MESSAGE_PREFIXES = {"messages.item": "", "chats.list.item.messages.item": "chats.list.item",
                     "left_chats.list.item.messages.item": "left_chats.list.item",
                     "chats.item.messages.item": "chats.item", "left_chats.item.messages.item": "left_chats.item"}


def read(path: Path) -> Iterator[ChatMessage]:
    """The messages of every chat of the export, streamed (ijson): a file of any size takes little memory."""
    import ijson

    chats: dict[str, dict] = {}
    last = None
    with open(path, "rb") as f:
        try:
            for owner, message in stream_items(ijson.parse(f, use_float=True), _MESSAGE_PREFIXES, chats):
                chat = chats.get(owner, {})
                name = str(chat.get("name") or chat.get("id") or "chat")
                last = f"chat {name!r}, message {message.get('id', '?')}"
                listed = (("", name),) if chat.get("type") == "personal_chat" and chat.get("name") else ()
                yield _message(message, name, f"{path.name}: {last}", f"telegram:{chat.get('id', name)}", listed)
        except ijson.JSONError as error:
            where = f"after {last}" if last else "before the first message"
            raise ExportError(f"{path}: not valid JSON {where} ({error}) - is the export complete? Export it "
                              f"again (Telegram Desktop: Settings > Advanced > Export Telegram data, format "
                              f"JSON)") from None
    if last is None:
        raise ExportError(f"{path}: no messages where a Telegram export has them ('messages', or 'chats' > 'list' > "
                          f"'messages') - export the chats again with Telegram Desktop, format JSON" if chats else
                          f"{path}: JSON, but not a Telegram export (no 'messages' or 'chats' list)")


def _message(message: dict, chat: str, place: str, conversation: str, listed: tuple = ()) -> ChatMessage:
    text = plain_text(message.get("text"))
    when = _date(message)
    ident = str(message["id"]) if "id" in message else None
    reply = message.get("reply_to_message_id")
    common = {"id": ident, "reply_to": str(reply) if reply is not None else None,
              "sender_id": message.get("from_id") or message.get("actor_id"),
              "forwarded": bool(message.get("forwarded_from")), "edited": bool(message.get("edited")),
              "conversation": conversation, "listed": listed}
    if message.get("type") == "service":
        return ChatMessage(chat, place, str(message.get("actor") or ""), when, text or str(message.get("action")),
                           "system", **common)
    sender = str(message.get("from") or message.get("from_id") or "")
    if message.get("media_type") in ("sticker", "animation") and not text:
        return ChatMessage(chat, place, sender, when, message.get("sticker_emoji") or "", "sticker", **common)
    if not text.strip():
        kind = "media" if any(k in message for k in _MEDIA_KEYS) else "deleted"
        return ChatMessage(chat, place, sender, when, "", kind, **common)
    return ChatMessage(chat, place, sender, when, text, "text", **common)


def plain_text(value) -> str:
    """A message's text: a string, or a list of strings and entities (``{"type": "bold", "text": "hi"}``).

    >>> plain_text(["See ", {"type": "link", "text": "example.org"}, " now"])
    'See example.org now'
    """
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in value
                       if isinstance(part, (str, dict)))
    return ""


def _date(message: dict) -> datetime | None:
    """The date as the export wrote it (the exporting machine's local time; the same on every machine that reads
    it), else from ``date_unixtime`` in UTC."""
    try:
        return datetime.fromisoformat(str(message.get("date")))
    except (ValueError, TypeError):
        pass
    try:
        return datetime.fromtimestamp(int(message["date_unixtime"]), tz=timezone.utc).replace(tzinfo=None)
    except (KeyError, ValueError, TypeError, OverflowError):
        return None
