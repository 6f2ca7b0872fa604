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
# a message's header, at the start of any line of a text (its spaces do not cross a line end)
_HEADERS = re.compile(
    rf"^[{_MARKS}]*\[?(?P<date>\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}})\.?(?:,|[^\S\n]+à|[^\S\n]+um|[^\S\n]+klo)?"
    r"[^\S\n]+(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
    r"(?:[^\S\n]*(?P<ampm>[AaPp]\.?[^\S\n]?[Mm]\.?))?"
    r"(?:\][^\S\n]*|[^\S\n]+[-–][^\S\n]+)(?P<rest>.*)$", re.M)
_BLOCK = 1 << 20  # characters read at a time
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
#: the encryption notice that opens every chat: a system line even when an export writes a name before it
#: ("Family: Messages and calls are end-to-end encrypted. ...") and no mark
_NOTICE = re.compile(r"(Messages and calls are end-to-end encrypted|Messages you send to this (group|chat) are now "
                     r"secured with end-to-end encryption|Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt|"
                     r"Los mensajes y las llamadas están cifrados de extremo a extremo|Les messages et les appels "
                     r"sont chiffrés de bout en bout)\.", re.I)
_CHAT_NAME = re.compile(r"^WhatsApp[ _-]+(Chat|Unterhaltung|Chat de WhatsApp|Discussion)[ _-]+(with|mit|con|avec|"
                        r"-)?[ _-]*", re.I)


def looks_like(head: str) -> bool:
    """Whether the start of a text file is a WhatsApp export: a date-and-time header in its first lines."""
    return _HEADERS.search("\n".join(head.splitlines()[:20])) is not None


def read(path: Path) -> Iterator[ChatMessage]:
    """The messages of an exported ``.txt`` file or of the chat file inside an export ``.zip``, read a block at a
    time (twice: once for the date order, once for the messages), so a file of any size takes little memory."""
    if path.suffix.lower() == ".zip":
        yield from _read_zip(path)
        return

    def blocks() -> Iterator[str]:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            yield from iter(lambda: f.read(_BLOCK), "")

    yield from parse_blocks(blocks, path.name, chat_name(path.stem))


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

            def blocks(info=info) -> Iterator[str]:
                with archive.open(info) as f:
                    text = io.TextIOWrapper(f, encoding="utf-8-sig", errors="replace", newline="")
                    yield from iter(lambda: text.read(_BLOCK), "")

            stem = Path(info.filename).stem
            yield from parse_blocks(blocks, f"{path.name}!{info.filename}", chat_name(stem if stem != "_chat" else
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
    return parse_blocks(lambda: iter((text,)), where, chat)


def _headers(blocks: Iterable[str]) -> Iterator[tuple[re.Match, int | None, int]]:
    """(header match, where its message ends in ``match.string``, the header's line number) for each message, in
    order; the end is None for a message that runs to the end of that string."""
    line, rest = 1, ""
    for block in blocks:
        text = rest + block
        found = list(_HEADERS.finditer(text))
        if not found:
            rest = text
            continue
        position = 0
        for match, following in zip(found, found[1:]):  # the last message may go on in the next block
            line += text.count("\n", position, match.start())
            position = match.start()
            yield match, following.start(), line
        line += text.count("\n", position, found[-1].start())
        rest = text[found[-1].start():]
    match = _HEADERS.match(rest)
    if match is not None:
        yield match, None, line


def parse_blocks(blocks: Callable[[], Iterable[str]], where: str, chat: str) -> Iterator[ChatMessage]:
    """The messages of an export whose text ``blocks()`` gives in pieces of any size (it is called twice)."""
    dates, twelve_hour = [], False
    for match, _, _ in _headers(blocks()):
        dates.append(match.group("date"))
        twelve_hour = twelve_hour or bool(match.group("ampm"))
        if len(dates) >= 20_000:
            break
    if not dates:
        raise ExportError(f"{where}: no line starts with a date and time - is this a WhatsApp export?")
    order = date_order(dates, twelve_hour)
    for match, end, line in _headers(blocks()):
        body = match.string[match.start("rest"):end]
        if "\r" in body:
            body = "\n".join(part.rstrip("\r") for part in body.split("\n"))
        yield _message(chat, f"{where}:line {line}", _time(match, order), body.rstrip())


def _is_system(sender: str, chat: str, text: str, marked: bool) -> bool:
    """iOS writes system lines as messages, marked with U+200E, from the chat itself or naming who did what; the
    encryption notice is one whatever comes before it."""
    return (marked and (sender == chat or bool(_SYSTEM.search(text)))) or bool(_NOTICE.match(text))


def _message(chat: str, place: str, when: datetime | None, body: str) -> ChatMessage:
    colon = body.find(": ")  # the sender is what comes before the first colon, on the first line
    if not 0 < colon <= 100 or ":" in body[:colon] or "\n" in body[:colon]:
        return ChatMessage(chat, place, "", when, body.strip(_MARKS + " "), "system")
    sender, text = body[:colon].strip(_MARKS + " "), body[colon + 2:]
    marked = text[:1] in _MARKS if text else False
    text = text.strip(_MARKS + " ")
    edited = False
    if text.endswith(">") or text[-1:].isspace():
        edited = bool(_EDITED.search(text))
        text = _EDITED.sub("", text) if edited else text
    short = len(text) < 64  # every "omitted" and "deleted" line is shorter, but attached files' names
    if (short or text[-1:] in ">)") and _MEDIA.match(text):
        kind = "sticker" if _STICKER.search(text) else "media"
    elif short and _DELETED.match(text):
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
    date, clock, ampm = match.group("date", "time", "ampm")
    day = _day(date, order)
    hour, minute, second = _clock(clock, ampm or "")
    try:
        return datetime(day[0], day[1], day[2], hour, minute, second)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)  # a chat writes the same date many times
def _day(date: str, order: str) -> tuple[int, int, int]:
    numbers = [int(p) for p in re.split(r"[./-]", date)]
    year, month, day = {"dmy": (numbers[2], numbers[1], numbers[0]), "mdy": (numbers[2], numbers[0], numbers[1]),
                        "ymd": (numbers[0], numbers[1], numbers[2])}[order]
    return year + (2000 if year < 100 else 0), month, day


@functools.lru_cache(maxsize=100_000)  # every second of a day at most
def _clock(clock: str, ampm: str) -> tuple[int, int, int]:
    parts = [int(p) for p in clock.replace(".", ":").split(":")]
    hour = parts[0]
    if ampm:
        hour = hour % 12 + (12 if ampm[:1] in "pP" else 0)
    return hour, parts[1], parts[2] if len(parts) > 2 else 0
