"""The ``email`` recipe: a model that writes emails the way you do, from your own mail archive.

Every message of the sources (mbox, ``.mbox.gz``, Maildir, ``.eml``) is one item. Yours become examples:
replies (prompt: the message you answered, found by In-Reply-To, then References, then subject and quoted
text; optionally earlier messages of the thread) and mail you started (prompt: recipients and subject). Other
people's messages are skipped as ``not_mine`` once they have served as prompts; auto-replies, list and bulk
mail, bounces, invites and copies are skipped with their own reasons. Redaction (the pipeline's privacy gate) is
on by default for this recipe: other people's addresses, phone numbers, card numbers, IBANs, URLs with tokens
and secrets become ``<EMAIL_1>``-style placeholders.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby
from pathlib import Path
from typing import Iterator, Literal

from pydantic import Field, field_validator

from ftcook.errors import InputError
from ftcook.mail.clean import learn_closings, strip_closing
from ftcook.mail.me import Me, ask_who, candidates
from ftcook.mail.message import (LIST_SKIPS, BrokenMessage, Mail, header_end, headers_only, parse_headers,
                                 parse_mail)
from ftcook.mail.patch import commit_message, is_patch
from ftcook.mail.sources import MailSource, discover, messages, read_again, read_entries
from ftcook.mail.store import MailIndex, Stored, is_reply_subject, serialised, stored
from ftcook.parallel import batched, helper_processes, ordered_map
from ftcook.pipeline.ledger import Skip
from ftcook.plugins import hookimpl
from ftcook.recipes.base import REGION_HELP, PhoneRegion, Recipe, RecipeOptions

BATCH_BYTES = 2 * 1024 * 1024  # raw mail handed to a helper process at once
BATCH_MESSAGES = 400
REREAD_BATCH = 400  # messages a helper reads and parses at once in the second pass (50: 4 % slower, small mail)
MAX_MATCH_CANDIDATES = 200
NEEDED_CHUNK = 10_000  # your messages whose threads are looked up at once (their Message-IDs are held meanwhile)
#: your messages up to this size are read whole in the first pass (the dataset needs them: reading them again would
#: parse their headers twice); larger ones (attachments) and other people's are read again when needed
WHOLE_BYTES = 32 * 1024
_ADDRESS = re.compile(rb"[\w.+-]+@[\w-]+(?:\.[\w-]+)*")


class Email(Recipe):
    """Write emails like you: your replies and the mail you started, from your own mailboxes."""

    name = "email"
    inputs = (".mbox", ".eml", ".gz", "(Maildir folders, mbox files without a suffix)")
    min_chars = 2
    redact_default = True
    reasons = {
        "not_mine": "a message someone else wrote (the ones you answered are the prompts of your replies)",
        "auto_reply": "an automatic reply (Auto-Submitted, X-Autoreply, an out-of-office subject)",
        "mailing_list": "mailing-list mail (List-Id, List-Post, Precedence: list)",
        "bulk": "bulk mail and newsletters (Precedence: bulk, List-Unsubscribe)",
        "bounce": "a delivery failure report (mailer-daemon, multipart/report)",
        "calendar_invite": "a calendar invitation or answer (text/calendar)",
        "no_text_part": "no text/plain or text/html part (attachments only)",
        "broken_message": "a message that cannot be read (cut short, damaged base64, no headers); the id says "
                          "where it is in the mailbox",
        "duplicate_message": "the same Message-ID as an earlier message (one mail in two folders or files)",
        "no_new_text": "a message of yours with nothing new once quotes, signature and disclaimers are removed",
        "parent_not_found": "a reply of yours whose message is not in the sources (searched by In-Reply-To, "
                            "References, then subject and quoted text)",
        "other_mode": "a reply with -o mode=initiated, or a mail you started with -o mode=replies",
        "patch": "a patch of yours (git send-email: a [PATCH] subject or a diff); -o patches=message keeps its "
                 "commit message",
    }

    class Options(RecipeOptions):
        me: list[str] = Field(default_factory=list, description="your address (repeat -o me= for each one you "
                              "send from; '*@example.org' takes a domain). Without it the recipe lists candidates "
                              "from your Sent folders and stops")
        mode: Literal["replies", "initiated", "both"] = Field(
            "both", description="replies: prompt = the message you answered; initiated: prompt = recipients and "
                                "subject; both")
        context: int = Field(0, ge=0, le=20, description="earlier messages of the thread to add to a reply's "
                                                         "prompt (within context_tokens)")
        context_tokens: int = Field(1024, ge=0, description="most tokens of earlier thread messages in a prompt")
        keep_signoff: bool = Field(True, description="keep the sign-off line ('Best, Alice') when removing your "
                                                     "repeated closing block")
        region: PhoneRegion = Field("auto", description=REGION_HELP)
        patches: Literal["skip", "message"] = Field(
            "skip", description="patches you mailed (git send-email): skip them, or keep their commit message "
                                "(without the diff) as mail you started")
        jobs: int | None = Field(None, ge=1, le=64, description="processes parsing mail (default: one per core, at "
                                                                "most 8; 1: parse in this process)")

        @field_validator("me", mode="before")
        @classmethod
        def _split(cls, value):
            values = [value] if isinstance(value, str) else list(value or [])
            return [part.strip() for v in values for part in str(v).split(",") if part.strip()]

    def __init__(self, options=None, **kwargs):
        super().__init__(options, **kwargs)
        self.me = Me(self.options.me)
        self._counts: Counter[str] = Counter()
        self._me_name = ""

    def accepts(self, path: Path) -> bool:
        return True  # discover() decides by content, not by suffix

    def redaction(self) -> dict:
        """Settings of the privacy gate: your own addresses stay, phone numbers are read for ``region``."""
        return {"keep": sorted(self.me.addresses), "keep_patterns": self.me.patterns, "region": self.options.region}

    def who_is_me(self, sources: list[Path]) -> list[tuple[str, int]]:
        """The most frequent senders of the Sent folders (of all mail when there is none)."""
        return [(address, n) for address, n, _ in candidates(sources)[0]]

    def records(self, sources: list[Path]) -> Iterator[dict | Skip]:
        if not self.options.me:
            raise ask_who(sources)
        boxes = []
        for found in discover(sources):
            if isinstance(found, Skip):
                yield found
            else:
                boxes.append(found)
        if not boxes:
            raise InputError(", ".join(map(str, sources)), "no mail found (mbox files, Maildir folders, .eml files)",
                             hint="see docs/recipes/email.md for how to export your mail")
        with MailIndex() as index:
            broken = self._index(boxes, index)
            if not index.count_mine():
                addresses = ", ".join(self.options.me)
                raise ask_who(sources, f"None of the {self._counts['messages']:,} messages is from {addresses}. ")
            closings = learn_closings(m.text for m in index.mine() if not m.skip or m.skip in LIST_SKIPS)
            self._counts["closing_blocks_learned"] = len(closings)
            for pos, mine, mail, first in index.all():
                if pos in broken:
                    yield broken[pos]
                    continue
                yield self._item(pos, mine, mail, first, index, closings)

    # --- reading ----------------------------------------------------------------------------------------------

    def _index(self, boxes: list[MailSource], index: MailIndex) -> dict[int, Skip]:
        """Two passes, both in helper processes: the headers of every message into the index (and your small
        messages whole, kept aside), then the whole of the other messages the dataset needs (the ones yours
        answer, your large ones). Broken messages by position."""
        broken: dict[int, Skip] = {}
        # this process only splits mailboxes and stores results while the helpers parse: one helper per core
        jobs = self.options.jobs or helper_processes() + 1
        workers = 0 if jobs == 1 else jobs
        pos = 0
        names: Counter[str] = Counter()  # of your messages: the name you sign with
        for batch in ordered_map(_scan_batch, _batches(boxes, self.me), workers, setup=(_install, boxes, self.me)):
            for place, locator, result in batch:
                if isinstance(result, str):
                    broken[pos] = Skip(place, "broken_message", detail=result)
                    index.add(pos, stored(Mail(place, "", None, "", ""), locator), False)
                else:
                    mine = self.me(result.sender)
                    index.add(pos, result, mine)
                    if mine and result.sender_name:
                        names[result.sender_name] += 1
                pos += 1
        index.finish()
        self._me_name = names.most_common(1)[0][0] if names else ""
        self._counts["messages"] = pos
        needed = self._needed(index)
        self._counts["messages_read_whole"] = len(needed)
        for batch in ordered_map(_parse_batch, _reread(boxes, index.use_whole(needed)), workers):
            for at, place, result in batch:
                if isinstance(result, str):
                    broken[at] = Skip(place, "broken_message", detail=result)
            index.update([(at, result) for at, _, result in batch if not isinstance(result, str)])
        return broken

    def _needed(self, index: MailIndex) -> list[int]:
        """Positions of the messages to read whole: yours (not skipped by their headers), the messages they
        answer (by Message-ID, or candidates by subject), and earlier thread messages for ``context``."""
        needed: set[int] = set()
        for chunk in batched(index.mine_positions(), lambda _: 1, NEEDED_CHUNK):
            chunk = [(pos, mail) for pos, mail in chunk if not mail.skip or mail.skip in LIST_SKIPS]
            first = index.first_positions({i for _, mail in chunk for i in (mail.in_reply_to, *mail.references) if i})
            for pos, mail in chunk:
                self._answered(index, pos, mail, first, needed)
        return sorted(needed)

    def _answered(self, index: MailIndex, pos: int, mail: Mail, first: dict[str, int], needed: set[int]) -> None:
        """Into ``needed``: your message at ``pos`` and what it answers (``first``: where Message-IDs are first
        seen)."""
        needed.add(pos)
        ids = [mail.in_reply_to, *reversed(mail.references)]
        # In-Reply-To's and the newest reference's (if that one is empty): the others are never used
        found = [first[i] for i in ids if i in first][:2]
        if found:
            needed.update(found)
            self._ancestors(index, found[0], needed)
        elif is_reply_subject(mail.subject) or mail.in_reply_to or mail.references:
            needed.update(p for p, _ in index.topic_positions(mail.subject, pos, MAX_MATCH_CANDIDATES))

    def _ancestors(self, index: MailIndex, pos: int, needed: set[int]) -> None:
        for _ in range(self.options.context):
            mail = index.at(pos)
            parent = mail.in_reply_to or (mail.references[-1] if mail.references else None)
            pos = index.first_pos(parent)
            if pos is None:
                return
            needed.add(pos)

    # --- one message --------------------------------------------------------------------------------------------

    def _item(self, pos: int, mine: bool, mail: Mail, first: int | None, index: MailIndex, closings: list[str]
              ) -> dict | Skip:
        skip = self._skip(pos, mine, mail, first)
        if skip is not None:
            return skip
        if is_patch(mail.subject, mail.text):
            return self._patch(mail)
        text = strip_closing(mail.text, closings, self.options.keep_signoff)
        if not text.strip():
            return Skip(mail.place, "no_new_text", detail=f"subject {mail.subject!r}")
        is_reply = bool(mail.in_reply_to or mail.references or is_reply_subject(mail.subject))
        if is_reply:
            if self.options.mode == "initiated":
                return Skip(mail.place, "other_mode", detail="a reply (mode=initiated)")
            parent = self._parent(pos, mail, index)
            if parent is None:
                return Skip(mail.place, "parent_not_found", detail=f"subject {mail.subject!r}", excerpt=text)
            self._counts["replies"] += 1
            return self._record(mail, text, "reply", parent=parent, thread=self._thread(parent, index))
        if self.options.mode == "replies":
            return Skip(mail.place, "other_mode", detail="a mail you started (mode=replies)")
        self._counts["initiated"] += 1
        return self._record(mail, text, "initiated")

    def _skip(self, pos: int, mine: bool, mail: Mail, first: int | None) -> Skip | None:
        """Why a message is not an example of yours, before its text is looked at: a second copy (``first``:
        where its Message-ID is first seen), a skip its headers gave (list headers only for other people's mail),
        or someone else's message."""
        if first is not None and first < pos:
            return Skip(mail.place, "duplicate_message", detail=f"Message-ID <{mail.message_id}>")
        if mail.skip and not (mine and mail.skip in LIST_SKIPS):
            return Skip(mail.place, mail.skip, detail=mail.skip_detail)
        if not mine:
            return Skip(mail.place, "not_mine")
        return None

    def _patch(self, mail: Mail) -> dict | Skip:
        """A patch of yours: skipped, or with ``-o patches=message`` its commit message as a mail you started."""
        if self.options.patches == "skip":
            return Skip(mail.place, "patch", detail=f"subject {mail.subject!r}")
        if self.options.mode == "replies":
            return Skip(mail.place, "other_mode", detail="a patch's message (mode=replies)")
        text = commit_message(mail.text)
        if not text:
            return Skip(mail.place, "no_new_text", detail=f"a patch without a commit message: {mail.subject!r}")
        self._counts["patch_messages"] += 1
        return self._record(mail, text, "initiated")

    def _parent(self, pos: int, mail: Mail, index: MailIndex) -> Mail | None:
        """The message a reply answers: In-Reply-To, then References (newest first), then the message of the
        same subject whose text the reply quotes best."""
        for message_id in [mail.in_reply_to, *reversed(mail.references)]:
            found = index.by_id(message_id)
            if found is not None and found.text:
                self._counts["matched_by_" + ("in_reply_to" if message_id == mail.in_reply_to else "references")] += 1
                return found
        if not mail.quoted:
            return None
        quoted = set(mail.quoted.split())
        best, best_score = None, 0.0
        for candidate in index.by_topic(mail.subject, pos):
            words = candidate.text.split()
            if not words or (candidate.date and mail.date and candidate.date > mail.date):
                continue
            score = sum(w in quoted for w in words) / len(words)
            if score > best_score:
                best, best_score = candidate, score
        if best is not None and best_score >= 0.6:
            self._counts["matched_by_subject_and_quote"] += 1
            return best
        return None

    def _thread(self, parent: Mail, index: MailIndex) -> list[dict]:
        """Earlier messages before ``parent``, oldest first, as many as ``context`` and ``context_tokens``
        allow."""
        thread: list[dict] = []
        budget = self.options.context_tokens
        current = parent
        while len(thread) < self.options.context:
            current = index.by_id(current.in_reply_to or (current.references[-1] if current.references else None))
            if current is None or not current.text:
                break
            cost = self.counter.count(current.text) if self.counter is not None else len(current.text) // 4
            if cost > budget:
                break
            budget -= cost
            thread.insert(0, _person(current))
        return thread

    def _record(self, mail: Mail, text: str, kind: str, parent: Mail | None = None, thread=()) -> dict:
        return {
            "id": mail.place, "kind": kind, "me": self._me_name, "subject": mail.subject, "date": mail.date,
            "to": _names(mail.to), "cc": _names(mail.cc), "text": text,
            "parent": _person(parent) if parent is not None else None, "thread": list(thread),
            "meta": {"addresses": {"completion": [mail.sender], "prompt": [parent.sender] if parent else []}},
        }

    def stats(self) -> dict:
        return dict(sorted(self._counts.items()))

    def items_coming(self) -> int | None:
        return self._counts.get("messages")  # one item a message, counted by the first pass


def _person(mail: Mail) -> dict:
    return {"sender": mail.sender_name or mail.sender, "address": mail.sender, "subject": mail.subject,
            "date": mail.date, "text": mail.text}


def _names(people: list[tuple[str, str]]) -> str:
    return ", ".join(name or address for name, address in people)


def _batches(boxes: list[MailSource], me: Me) -> Iterator[list[tuple]]:
    """(place, folder, locator with the box's number, bytes, whole?) of every message, in batches: the whole
    message when it is up to ``WHOLE_BYTES`` and its From line shows one of your addresses, else its headers
    (``_as_read``). A plain mbox's messages are found here and read by the helper (bytes and whole? None): this
    process would spend longer cutting them out and sending them than the helper reading them."""
    rows = (_row(raw, number, me) for number, box in enumerate(boxes)
            for raw in messages(box, heads_above=WHOLE_BYTES, read=False))
    return batched(rows, _row_bytes, BATCH_BYTES, BATCH_MESSAGES)


def _row(raw, number: int, me: Me) -> tuple:
    if raw.unread:
        return raw.place, raw.folder, (number, *raw.locator), None, None
    return raw.place, raw.folder, (number, *raw.locator), *_as_read(raw.data, raw.head_only, me)


def _row_bytes(row: tuple) -> int:
    """The bytes a helper reads for a row: those it is sent, or those it reads itself (a long message's headers:
    a guess)."""
    _, _, (_, *locator), data, _ = row
    return len(data) if data is not None else min(locator[1] - locator[0], WHOLE_BYTES)


def _as_read(data: bytes, head_only: bool, me: Me) -> tuple[bytes, bool]:
    """A message's bytes as the first pass reads it, and whether that is the whole message: the whole of a short
    one whose From line shows your address, else the header block alone."""
    end = header_end(data)
    whole = not head_only and len(data) <= WHOLE_BYTES and _from_me(data, end, me)
    return (data if whole else data[:end]), whole


def _from_me(data: bytes, end: int, me: Me) -> bool:
    """Whether the first From line of the headers holds one of your addresses: a guess that decides only which
    way a message is read (the parsed sender decides what it is)."""
    head = b"\n" + data[:end].lower()  # one copy, and a plain search: faster than a case-insensitive pattern
    at = head.find(b"\nfrom:")
    if at < 0:
        return False
    line = head[at + 6:_line_end(head, at + 6)]
    return any(me(address.decode()) for address in _ADDRESS.findall(line))


def _line_end(data: bytes, start: int) -> int:
    ends = [i for i in (data.find(b"\n", start), data.find(b"\r", start)) if i >= 0]
    return min(ends) if ends else len(data)


def _reread(boxes: list[MailSource], located: list[tuple[int, list]]) -> Iterator[list[tuple]]:
    """(position, place, folder, mailbox, locator, bytes or None) of the messages ``located`` ((position, (place,
    folder, locator)), in order), in batches. Helpers read files and seekable mboxes themselves (None: read it
    there); gzip mboxes are decompressed here."""
    by_box: dict[int, list[tuple]] = {}
    for pos, (place, folder, locator) in located:
        by_box.setdefault(locator[0], []).append((pos, place, folder, tuple(locator[1:])))
    return batched(_reread_rows(boxes, by_box), lambda row: 1, REREAD_BATCH)


def _reread_rows(boxes: list[MailSource], by_box: dict[int, list[tuple]]) -> Iterator[tuple]:
    for number, rows in sorted(by_box.items()):
        box = boxes[number]
        if box.kind == "mbox.gz":
            pairs = zip(rows, read_again(box, [row[3] for row in rows]))
        else:
            pairs = ((row, None) for row in rows)
        for (pos, place, folder, locator), data in pairs:
            yield pos, place, folder, box, locator, data


_SCAN: dict = {}  # in a helper process of the first pass: the mailboxes and who you are (``_install``)


def _install(boxes: list[MailSource], me: Me) -> None:
    _SCAN.update(boxes=boxes, me=me)


def _scan_batch(batch: list[tuple]) -> list[tuple[str, tuple, Stored | str]]:
    """Runs in a helper process: the headers of each message (or why they cannot be read), and the message read
    whole when it came whole and can be read (else it is read again if needed, and a broken body reported then;
    ``MailIndex.add`` says why the two are kept apart)."""
    out = []
    for place, folder, locator, data, whole in _read_rows(batch):
        mail = _safely(parse_mail, place, folder, data) if whole else None
        if isinstance(mail, Mail):
            out.append((place, locator, stored(headers_only(mail), locator, mail)))
        else:
            head = _safely(parse_headers, place, folder, data)
            out.append((place, locator, head if isinstance(head, str) else stored(head, locator)))
    return out


def _read_rows(batch: list[tuple]) -> Iterator[tuple]:
    """The rows of ``batch`` with their bytes: those of a plain mbox read here, in runs (``read_entries``)."""
    for (number, unread), rows in groupby(batch, key=lambda row: (row[2][0], row[3] is None)):
        if not unread:
            yield from rows
            continue
        rows = list(rows)
        read = read_entries(_SCAN["boxes"][number], [row[2][1:] for row in rows], WHOLE_BYTES)
        for (place, folder, locator, *_), data in zip(rows, read):
            yield place, folder, locator, *_as_read(data, locator[2] - locator[1] > WHOLE_BYTES, _SCAN["me"])


def _parse_batch(batch: list[tuple]) -> list[tuple[int, str, bytes | str]]:
    """Runs in a helper process: each message read whole, or why it cannot be. The messages of one file to read
    here are read in one go (``read_again``: in file order, one open)."""
    out = []
    for (box, unread), rows in groupby(batch, key=lambda row: (row[3], row[5] is None)):
        rows = list(rows)
        read = read_again(box, [row[4] for row in rows]) if unread else (row[5] for row in rows)
        for (pos, place, folder, *_), data in zip(rows, read):
            mail = _safely(parse_mail, place, folder, data)
            out.append((pos, place, mail if isinstance(mail, str) else serialised(mail)))
    return out


def _safely(parse, place: str, folder: str, data: bytes) -> Mail | str:
    try:
        return parse(place, folder, data)
    except BrokenMessage as error:
        return str(error)
    except Exception as error:  # a defect the stdlib did not expect must not stop the other messages
        return f"cannot be read ({type(error).__name__}: {error})"


@hookimpl
def register_recipes(register):
    register(Email)
