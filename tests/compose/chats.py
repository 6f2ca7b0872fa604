"""Chat exports shaped like the apps' own: ``whatsapp_text`` writes a WhatsApp "Export chat" text in a platform's
and locale's style, ``telegram_json`` a Telegram Desktop result.json. The sample exports, the tests and the chat
benchmark are made with these."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

#: (date format, time format, header) of each style; {d} {t} are filled in, {rest} is "Name: text"
STYLES = {
    "android_us": ("%-m/%-d/%y", "%-I:%M {ampm}", "{d}, {t} - {rest}"),
    "android_gb": ("%d/%m/%Y", "%H:%M", "{d}, {t} - {rest}"),
    "android_de": ("%d.%m.%y", "%H:%M", "{d}, {t} - {rest}"),
    "android_fr": ("%d/%m/%Y", "%H:%M", "{d} à {t} - {rest}"),
    "android_es12": ("%d/%m/%y", "%-I:%M {ampm_es}", "{d}, {t} - {rest}"),
    "ios_us": ("%-m/%-d/%y", "%-I:%M:%S\u202f{ampm}", "[{d}, {t}] {rest}"),
    "ios_de": ("%d.%m.%y", "%H:%M:%S", "[{d}, {t}] {rest}"),
}


def whatsapp_line(style: str, when: datetime, sender: str | None, text: str, mark: bool = False) -> str:
    """One message: its header line and any further lines. ``sender`` None is a system line; ``mark`` puts the
    U+200E marks iOS writes before attachments and its system lines."""
    date_format, time_format, header = STYLES[style]
    ampm = "AM" if when.hour < 12 else "PM"
    clock = when.strftime(time_format.replace("{ampm}", ampm).replace("{ampm_es}", ampm[0].lower() + ". m."))
    marked = "\u200e" if mark else ""
    rest = f"{sender}: {marked}{text}" if sender is not None else text
    line = header.format(d=when.strftime(date_format), t=clock, rest=rest)
    return ("\u200e" if mark and style.startswith("ios") else "") + line


def whatsapp_text(style: str, messages: list[tuple[datetime, str | None, str]], marks: set[int] = frozenset()) -> str:
    """A whole export: ``messages`` are (time, sender or None for system lines, text); ``marks`` are the indexes
    of messages that get iOS's U+200E mark."""
    return "\n".join(whatsapp_line(style, when, sender, text, i in marks)
                     for i, (when, sender, text) in enumerate(messages)) + "\n"


def write_whatsapp(path: Path, style: str, messages, marks=frozenset()) -> Path:
    path.write_text(whatsapp_text(style, messages, marks), encoding="utf-8")
    return path


def telegram_message(number: int, when: datetime, sender: str, sender_id: str, text, **extra) -> dict:
    return {"id": number, "type": "message", "date": when.isoformat(timespec="seconds"),
            "date_unixtime": str(int(when.timestamp())), "from": sender, "from_id": sender_id, "text": text,
            "text_entities": [], **extra}


def telegram_json(chats: list[tuple[str, str, list[dict]]], full: bool = True) -> str:
    """``chats`` are (name, type, messages); ``full`` writes the whole-account export (chats.list), else one chat."""
    listed = [{"name": name, "type": kind, "id": 1000 + i, "messages": messages}
              for i, (name, kind, messages) in enumerate(chats)]
    data = {"about": "Here is the data you requested.", "chats": {"about": "All chats.", "list": listed}} \
        if full else listed[0]
    return json.dumps(data, ensure_ascii=False, indent=1)


def discord_json(channel: str, messages: list[tuple[datetime, str, str, str]], guild: str = "Direct Messages",
                 extra: dict | None = None) -> str:
    """DiscordChatExporter's JSON: ``messages`` are (time, author id, author name, content); ``extra`` maps a
    message's index to more fields (type, reference, attachments, stickers)."""
    rows = [{"id": str(9000 + i), "type": "Default", "timestamp": when.isoformat() + "+00:00", "timestampEdited": None,
             "isPinned": False, "content": content,
             "author": {"id": author_id, "name": name.lower().replace(" ", ""), "discriminator": "0000",
                        "nickname": name, "isBot": False},
             "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": [],
             **(extra or {}).get(i, {})}
            for i, (when, author_id, name, content) in enumerate(messages)]
    return json.dumps({"guild": {"id": "0", "name": guild}, "channel": {"id": "77", "type": "DirectTextChat",
                                                                         "name": channel},
                       "messages": rows, "messageCount": len(rows)}, ensure_ascii=False, indent=1)


def mojibake(text: str) -> str:
    """Meta's way of writing text: each UTF-8 byte as its own \\u00XX character."""
    return text.encode("utf-8").decode("latin-1")


def messenger_json(title: str, participants: list[str], messages: list[tuple[datetime, str, dict]]) -> str:
    """A Messenger ``message_1.json``: ``messages`` are (time, sender, fields), written newest first and with
    Meta's mojibake, as Meta writes them."""
    rows = [{"sender_name": mojibake(sender), "timestamp_ms": int(when.replace(tzinfo=timezone.utc).timestamp() * 1000),
             **{k: mojibake(v) if isinstance(v, str) else v for k, v in fields.items()},
             "is_geoblocked_for_viewer": False}
            for when, sender, fields in messages]
    return json.dumps({"participants": [{"name": mojibake(p)} for p in participants], "messages": rows[::-1],
                       "title": mojibake(title), "is_still_participant": True,
                       "thread_path": f"inbox/{title.lower().replace(' ', '')}_1"}, indent=1)


def write_slack(folder: Path, users: dict[str, str], channels: dict[str, list[dict]]) -> Path:
    """A Slack export folder: ``users`` id -> real name; ``channels`` name -> messages (``ts`` as epoch seconds
    strings), written in daily files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.json").write_text(json.dumps([{"id": uid, "name": name.split()[0].lower(), "real_name": name,
                                                    "profile": {"real_name": name, "display_name": ""}}
                                                   for uid, name in users.items()]), encoding="utf-8")
    (folder / "channels.json").write_text(json.dumps([{"id": f"C{i}", "name": name, "members": list(users)}
                                                      for i, name in enumerate(channels)]), encoding="utf-8")
    for name, messages in channels.items():
        days: dict[str, list[dict]] = {}
        for message in messages:
            day = datetime.fromtimestamp(float(message["ts"]), tz=timezone.utc).strftime("%Y-%m-%d")
            days.setdefault(day, []).append({"type": "message", **message})
        (folder / name).mkdir(exist_ok=True)
        for day, rows in days.items():
            (folder / name / f"{day}.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return folder
