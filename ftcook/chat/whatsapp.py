"""WhatsApp's "Export chat" text, from Android and iOS, in every locale's date order and clock.

Android writes ``31/12/2020, 23:59 - Sam: text`` (``12/31/20, 11:59 PM - ...`` in the US, ``31.12.20, 23:59 - ``
in German, ``31/12/2020 à 23:59 - `` in French); iOS writes ``[31/12/2020, 23:59:59] Sam: text``, with a narrow
no-break space before AM/PM and U+200E marks before attachments and system lines. A line that does not start with
a date continues the message before it. The date order (day-month or month-day) is decided once per file, from
the dates that can only be read one way. Media, stickers, deleted messages and system lines (the encryption
notice, joins, leaves, number changes) are messages of their own kind, so the ledger counts them.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .message import ChatMessage, ExportError

_MARKS = "\u200e\u200f\u202a\u202b\u202c\u2066\u2067\u2068\u2069\ufeff"
_HEADER = re.compile(
    rf"^[{_MARKS}]*\[?(?P<date>\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}})\.?(?:,|\s+à|\s+um|\s+klo)?\s+"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
    r"(?:[\s\u202f\u00a0]*(?P<ampm>[AaPp]\.?[\s\u202f\u00a0]?[Mm]\.?))?"
    r"(?:\]\s*|\s+[-–]\s+)(?P<rest>.*)$")
_SENDER = re.compile(r"^(?P<sender>[^:\n]{1,100}?): (?P<text>.*)$", re.S)
_MEDIA = re.compile(
    r"^(<Media omitted>|<Médias omis>|<Medien ausgeschlossen>|<Multimedia omitido>|<Media weggelaten>|"
    r"<Mídia oculta>|<attached: [^>]+>|.+ \(file attached\)|(image|video|audio|document|GIF|Contact card|"
    r"sticker) omitted|(Bild|Video|Audio|Sticker|GIF|Dokument) weggelassen|(imagen|video|audio|sticker) omitid[oa]|"
    r"(image|vidéo|audio|sticker) absente?|null)$", re.I)
_STICKER = re.compile(r"sticker", re.I)
_DELETED = re.compile(
    r"^(This message was deleted\.?|You deleted this message\.?|Diese Nachricht wurde gelöscht\.?|Du hast diese "
    r"Nachricht gelöscht\.?|Se eliminó este mensaje\.?|Eliminaste este mensaje\.?|Ce message a été supprimé\.?|"
    r"Vous avez supprimé ce message\.?|Dit bericht is verwijderd\.?)$", re.I)
_EDITED = re.compile(r"\s*<(This message was edited|Diese Nachricht wurde bearbeitet|Se editó este mensaje|"
                     r"Ce message a été modifié)>\s*$", re.I)
_SYSTEM = re.compile(
    r"(end-to-end encrypted|Ende-zu-Ende-verschlüsselt|cifrado de extremo a extremo|chiffrés de bout en bout|"
    r"joined using this group's invite link| created group | created this group|^You created group|"
    r" added | removed | left$|^You were added| changed (the subject|this group's icon|the group description|"
    r"their phone number|to )|changed the group| is a contact\.?$|security code (with|changed)|"
    r"disappearing messages|Missed (voice|video) call|^Waiting for this message|hinzugefügt|entfernt$|"
    r"hat die Gruppe verlassen|ist beigetreten|hat die Gruppe .* erstellt|añadió|salió del grupo|se unió|"
    r"a ajouté|est parti|a rejoint|a créé le groupe)", re.I)
_CHAT_NAME = re.compile(r"^WhatsApp[ _-]+(Chat|Unterhaltung|Chat de WhatsApp|Discussion)[ _-]+(with|mit|con|avec|"
                        r"-)?[ _-]*", re.I)


def looks_like(head: str) -> bool:
    """Whether the start of a text file is a WhatsApp export: a date-and-time header in its first lines."""
    return any(_HEADER.match(line) for line in head.splitlines()[:20])


def read(path: Path) -> Iterator[ChatMessage]:
    """The messages of an exported ``.txt`` file or of the chat file inside an export ``.zip``, read line by line
    (twice: once for the date order, once for the messages), so a file of any size takes little memory."""
    if path.suffix.lower() == ".zip":
        yield from _read_zip(path)
        return

    def lines() -> Iterator[str]:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            yield from f

    yield from parse_lines(lines, path.name, chat_name(path.stem))


def _read_zip(path: Path) -> Iterator[ChatMessage]:
    with zipfile.ZipFile(path) as archive:
        found = False
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".txt"):
                continue
            with archive.open(info) as f:
                head = f.read(4000).decode("utf-8-sig", errors="replace")
            if not looks_like(head):
                continue
            found = True

            def lines(info=info) -> Iterator[str]:
                with archive.open(info) as f:
                    yield from io.TextIOWrapper(f, encoding="utf-8-sig", errors="replace", newline="")

            stem = Path(info.filename).stem
            yield from parse_lines(lines, f"{path.name}!{info.filename}", chat_name(stem if stem != "_chat" else
                                                                                   path.stem))
    if not found:
        raise ExportError(f"{path}: no WhatsApp chat (.txt with dated lines) inside the zip - export the chat "
                          f"again with 'Export chat' (with or without media)")


def chat_name(stem: str) -> str:
    """The chat's name from the export's file name.

    >>> chat_name("WhatsApp Chat with Sam Lee"), chat_name("WhatsApp Chat - Family"), chat_name("notes")
    ('Sam Lee', 'Family', 'notes')
    """
    return _CHAT_NAME.sub("", stem).strip(" -_") or stem


def parse(text: str, where: str, chat: str) -> Iterator[ChatMessage]:
    """The messages of an export's text; ``where`` names the file in each message's place."""
    return parse_lines(lambda: iter(text.splitlines(keepends=True)), where, chat)


def parse_lines(lines: Callable[[], Iterable[str]], where: str, chat: str) -> Iterator[ChatMessage]:
    """The messages of an export whose lines ``lines()`` gives (it is called twice)."""
    dates, twelve_hour = [], False
    for line in lines():
        match = _HEADER.match(line)
        if match:
            dates.append(match.group("date"))
            twelve_hour = twelve_hour or bool(match.group("ampm"))
            if len(dates) >= 20_000:
                break
    if not dates:
        raise ExportError(f"{where}: no line starts with a date and time - is this a WhatsApp export?")
    order = date_order(dates, twelve_hour)
    header, body = None, []
    for number, line in enumerate(lines(), 1):
        line = line.rstrip("\r\n")
        match = _HEADER.match(line)
        if match is None:
            body.append(line)
            continue
        if header is not None:
            yield _message(chat, f"{where}:line {header[0]}", _time(header[1], order), "\n".join(body).rstrip())
        header, body = (number, match), [match.group("rest")]
    if header is not None:
        yield _message(chat, f"{where}:line {header[0]}", _time(header[1], order), "\n".join(body).rstrip())


def _is_system(sender: str, chat: str, text: str, marked: bool) -> bool:
    """iOS writes system lines as messages, marked with U+200E, from the chat itself or naming who did what."""
    return marked and (sender == chat or bool(_SYSTEM.search(text)))


def _message(chat: str, place: str, when: datetime | None, body: str) -> ChatMessage:
    sender_match = _SENDER.match(body)
    if sender_match is None:
        return ChatMessage(chat, place, "", when, body.strip(_MARKS + " "), "system")
    sender, text = sender_match.group("sender").strip(_MARKS + " "), sender_match.group("text")
    marked = text.startswith(tuple(_MARKS))
    text = text.strip(_MARKS + " ")
    edited = bool(_EDITED.search(text))
    text = _EDITED.sub("", text)
    if _MEDIA.match(text):
        kind = "sticker" if _STICKER.search(text) else "media"
    elif _DELETED.match(text):
        kind = "deleted"
    elif _is_system(sender, chat, text, marked):  # "I added the file" is a message: no mark
        kind = "system"
    else:
        kind = "text"
    return ChatMessage(chat, place, sender, when, text, kind, edited=edited)


def date_order(dates: list[str], twelve_hour: bool) -> str:
    """``dmy``, ``mdy`` or ``ymd`` for a file's dates: the order that reads all of them; day first when both do,
    unless the clock is 12-hour (the US writes month first).

    >>> date_order(["12/31/20", "1/2/21"], True), date_order(["31.12.20"], False), date_order(["1/2/21"], False)
    ('mdy', 'dmy', 'dmy')
    >>> date_order(["2020-12-31"], False)
    'ymd'
    """
    parts = [[int(p) for p in re.split(r"[./-]", d)] for d in dates]
    if any(p[0] > 31 for p in parts):
        return "ymd"
    if any(p[0] > 12 for p in parts):
        return "dmy"
    if any(p[1] > 12 for p in parts):
        return "mdy"
    return "mdy" if twelve_hour else "dmy"


def _time(match: re.Match, order: str) -> datetime | None:
    return _stamp(match.group("date"), order, match.group("time"), match.group("ampm") or "")


@functools.lru_cache(maxsize=4096)  # a chat writes the same date and minute many times
def _stamp(date: str, order: str, clock_text: str, ampm: str) -> datetime | None:
    numbers = [int(p) for p in re.split(r"[./-]", date)]
    year, month, day = {"dmy": (numbers[2], numbers[1], numbers[0]), "mdy": (numbers[2], numbers[0], numbers[1]),
                        "ymd": (numbers[0], numbers[1], numbers[2])}[order]
    year += 2000 if year < 100 else 0
    clock = [int(p) for p in re.split(r"[:.]", clock_text)]
    hour = clock[0]
    ampm = ampm.lower().replace(".", "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if ampm:
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    try:
        return datetime(year, month, day, hour, clock[1], clock[2] if len(clock) > 2 else 0)
    except ValueError:
        return None
