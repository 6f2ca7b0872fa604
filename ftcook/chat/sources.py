"""Which reader reads which source, by content rather than file name: a Slack export is a folder (or zip) with
users.json and channels.json; a zip is otherwise a WhatsApp export; a .txt is WhatsApp when its first lines start
with a date; a .json is Telegram, Discord or Messenger by its keys."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..pipeline.ledger import Skip
from . import discord, messenger, slack, telegram, whatsapp

Reader = Callable[[Path], Iterator]
_JSON = ((telegram.looks_like, telegram.read), (discord.looks_like, discord.read),
         (messenger.looks_like, messenger.read))


def exports(files: Iterable[Path | Skip], sources: list[Path]) -> Iterator[tuple[Reader, Path] | Skip]:
    """(reader, path) for each export among ``files`` (the recipe's file walk of ``sources``); Slack export folders
    found in ``sources`` are one item each, and their own files are not read one by one."""
    roots = sorted({p.parent for s in map(Path, sources) if s.is_dir() for p in s.rglob("users.json")
                    if (p.parent / "channels.json").is_file()})
    yield from ((slack.read, root) for root in roots)
    for path in files:
        if isinstance(path, Skip):
            yield path
        elif not any(root in path.parents for root in roots) and not messenger.is_later_part(path):
            reader = reader_for(path)
            yield (reader, path) if reader is not None else Skip(
                str(path), "not_a_chat_export", detail="not a WhatsApp, Telegram, Discord, Messenger or Slack export")


def reader_for(path: Path) -> Reader | None:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _zip_reader(path)
    with path.open("rb") as f:
        head = f.read(8192).decode("utf-8", errors="replace").lstrip("\ufeff")
    if suffix == ".json":
        return next((read for looks_like, read in _JSON if looks_like(head)), None)
    if suffix == ".txt" and whatsapp.looks_like(head):
        return whatsapp.read
    return None


def _zip_reader(path: Path) -> Reader:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {Path(n).name for n in archive.namelist()}
    except zipfile.BadZipFile:
        return whatsapp.read  # it says what is wrong with the zip
    return slack.read if slack.is_export(names) else whatsapp.read
