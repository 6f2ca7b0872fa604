"""Small sources written for the project, shipped in the package so that the cookbook's commands run as written:
``ftcook samples`` lists them, ``ftcook samples copy NAME DIR`` copies one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    recipe: str
    about: str


SAMPLES = {
    "email": Sample("email", HERE / "email" / "sample.mbox", "email",
                    "23 messages of Alice Martin (alice@example.org), Gmail Takeout style: replies in English, "
                    "French and German, HTML mail, list mail, an auto-reply, a bounce (all invented)"),
    "author": Sample("author", HERE / "author" / "the-lamplighter.epub", "author",
                     "'The Lamplighter of Vell', a six-chapter novella with dialogue, written for the project and "
                     "dedicated to the public domain (CC0 1.0); EPUB 3 with front and back matter"),
    "chat": Sample("chat", HERE / "chat", "chat",
                   "Ada Byron's chats (all invented), one export of each kind: WhatsApp Android with Sam Lee (.txt), "
                   "a WhatsApp iOS group in German (.zip), Telegram Desktop (result.json) with Mia Chen, Discord "
                   "(DiscordChatExporter JSON) with Leo Park, Messenger with Priya Shah and a Slack workspace; "
                   "-o me=\"Ada Byron\""),
    "language": Sample("language", HERE / "language" / "sanguo.txt", "language",
                       "the opening of Romance of the Three Kingdoms (三国演义, 14th century, public domain), as the "
                       "plain-text copies circulate: GB18030, one paragraph per line, ideographic-space indents"),
    "table": Sample("table", HERE / "table" / "faq.csv", "table",
                    "24 questions and answers of a bicycle workshop's FAQ (invented), columns question and answer: "
                    "one repeated question and one empty answer, as real exports have"),
}


def get_sample(name: str) -> Sample:
    if name not in SAMPLES:
        raise UsageError(f"No sample named '{name}' - samples: {', '.join(SAMPLES)}")
    return SAMPLES[name]


def copy_sample(name: str, folder: Path) -> Path:
    sample = get_sample(name)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / sample.path.name
    if sample.path.is_dir():
        shutil.copytree(sample.path, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copyfile(sample.path, target)
    return target
