"""Chat exports shaped like the apps' own: ``whatsapp_text`` writes a WhatsApp "Export chat" text in a platform's
and locale's style, ``telegram_json`` a Telegram Desktop result.json. The sample exports, the tests and the chat
benchmark are made with these."""

from __future__ import annotations

import json
from datetime import datetime
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
