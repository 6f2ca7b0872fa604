"""Where a person's sources usually are, per recipe: the mail clients' folders, chat exports, e-books and tables in
the current folder and Downloads. Bounded look-ups (fixed patterns, at most two levels), never a crawl of $HOME."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MOST = 8  # suggestions shown

#: (where, glob pattern) per recipe; where is "here" (the current folder), "downloads" or "home"
PATTERNS: dict[str, list[tuple[str, str]]] = {
    "email": [("here", "*.mbox"), ("here", "*.mbox.gz"), ("here", "*/*.mbox"), ("here", "Maildir"),
              ("downloads", "*.mbox"), ("downloads", "Takeout/Mail/*.mbox"), ("downloads", "*/Takeout/Mail/*.mbox"),
              ("home", "Maildir"), ("home", "Mail"), ("home", ".thunderbird/*/Mail/*"),
              ("home", ".thunderbird/*/ImapMail/*"), ("home", "Library/Mail/V*"),
              ("home", ".local/share/evolution/mail/local")],
    "chat": [("here", "WhatsApp Chat*"), ("here", "*/WhatsApp Chat*"), ("here", "_chat.txt"), ("here", "*/_chat.txt"),
             ("here", "result.json"), ("here", "*/result.json"), ("here", "*/messages/inbox"),
             ("here", "*Slack export*"), ("here", "*/users.json"), ("downloads", "WhatsApp Chat*"),
             ("downloads", "Telegram Desktop/*/result.json"), ("downloads", "*/result.json"),
             ("downloads", "*/messages/inbox"), ("downloads", "*Slack export*")],
    "author": [("here", "*.epub"), ("here", "*/*.epub"), ("downloads", "*.epub"), ("home", "Books/*.epub"),
               ("home", "Calibre Library/*/*/*.epub")],
    "language": [("here", "*.txt"), ("here", "*/*.txt"), ("downloads", "*.txt")],
    "table": [("here", "*.csv"), ("here", "*.tsv"), ("here", "*.xlsx"), ("here", "*.jsonl"), ("downloads", "*.csv"),
              ("downloads", "*.xlsx"), ("downloads", "*.jsonl")],
}


@dataclass(frozen=True)
class Places:
    here: Path
    home: Path

    @classmethod
    def of_this_user(cls) -> "Places":
        return cls(Path.cwd(), Path.home())

    def folder(self, where: str) -> Path:
        return {"here": self.here, "downloads": self.home / "Downloads", "home": self.home}[where]

    def shown(self, path: Path) -> str:
        """``path`` as the commands give it: relative to the current folder when inside it, else absolute."""
        try:
            return path.relative_to(self.here).as_posix()
        except ValueError:
            return str(path)


def suggest(recipe: str, places: Places, most: int = MOST) -> list[Path]:
    """Existing paths that look like ``recipe``'s sources, in the order of ``PATTERNS``, without repeats."""
    found: list[Path] = []
    for where, pattern in PATTERNS.get(recipe, []):
        folder = places.folder(where)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(pattern)):
            if path not in found and not path.name.startswith("."):
                found.append(path)
            if len(found) >= most:
                return found
    return found
