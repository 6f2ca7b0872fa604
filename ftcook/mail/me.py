"""Who "me" is: the addresses the user sends from (``-o me=``), and, when none are given, the candidates from
the Sent folders to propose - the recipe never guesses silently."""

from __future__ import annotations

import fnmatch
from collections import Counter, defaultdict
from email.parser import BytesHeaderParser
from pathlib import Path

from ..errors import UsageError
from .message import _address, header
from .sources import MailSource, discover, is_sent_folder, messages

_HEADERS = BytesHeaderParser()  # compat32, the default (message.py says why)


class Me:
    """Matches the user's addresses: exact (case-insensitive) or a pattern such as ``*@example.org``.

    >>> me = Me(["Alice@Example.org", "*@alice.dev"])
    >>> me("alice@example.org"), me("hi@alice.dev"), me("bob@example.org")
    (True, True, False)
    """

    def __init__(self, addresses: list[str]):
        self.addresses = {a.strip().lower() for a in addresses if a.strip() and "*" not in a}
        self.patterns = [a.strip().lower() for a in addresses if "*" in a]

    def __call__(self, address: str) -> bool:
        address = address.lower()
        return address in self.addresses or any(fnmatch.fnmatchcase(address, p) for p in self.patterns)


def candidates(sources: list[Path], most: int = 5) -> tuple[list[tuple[str, int, str]], bool]:
    """The most frequent senders of the Sent folders/labels (address, messages, most used name), and whether
    any Sent folder or label was found (if not, the most frequent senders of all mail)."""
    sent: Counter[str] = Counter()
    everyone: Counter[str] = Counter()
    names: dict[str, Counter] = defaultdict(Counter)
    for source in discover(sources):
        if not isinstance(source, MailSource):
            continue
        for raw in messages(source):
            end = raw.data.find(b"\n\n")
            msg = _HEADERS.parsebytes(raw.data[:end if end >= 0 else None])
            name, address = _address(header(msg, "from"))
            if not address:
                continue
            everyone[address] += 1
            names[address][name] += 1
            labels = header(msg, "x-gmail-labels").lower().split(",")
            if is_sent_folder(raw.folder) or any(label.strip() in ("sent", "sent mail") for label in labels):
                sent[address] += 1
    counts = sent or everyone
    return [(a, n, names[a].most_common(1)[0][0]) for a, n in counts.most_common(most)], bool(sent)


def ask_who(sources: list[Path], problem: str = "") -> UsageError:
    """The error that stops a build without ``-o me=`` (or with addresses that sent nothing): the top
    candidates and the option to confirm. ``problem`` is said first."""
    found, from_sent = candidates(sources)
    if not found:
        return UsageError("The email recipe needs your address (-o me=you@example.org), and no message in the "
                          "sources has a From address to propose")
    where = "in your Sent folders" if from_sent else "in all mail (no Sent folder or 'Sent' label was found)"
    rows = "\n".join(f"  {n:>7,}  {address}" + (f"  ({name})" if name else "") for address, n, name in found)
    return UsageError(
        f"{problem}Which addresses are yours? The email recipe learns from the mail you wrote and does not guess.\n"
        f"Most frequent senders {where}:\n{rows}\n"
        f"Confirm with -o me={found[0][0]} (repeat -o me=... for each address you send from; "
        f"-o me='*@example.org' takes a whole domain).")
