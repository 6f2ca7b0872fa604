"""The ``chat`` recipe: a model that talks like you, from your chat exports (WhatsApp, Telegram, Discord,
Messenger/Instagram, Slack).

Every message of the sources is one item. Your messages become examples: consecutive messages of yours within
``merge_minutes`` are one turn; each turn of yours that answers someone is the completion, with what they said
since your last turn as the prompt and the earlier turns of the session as context (multi-turn chat messages).
Everything else is skipped with a reason: other people's messages (context only), system lines, media, stickers,
deleted messages, turns of yours that answer nobody. The privacy gate is on by default: phone numbers, addresses
and links with tokens become placeholders, and so do the other people's names, which the export itself lists.
"""

from __future__ import annotations

import fnmatch
import re
import zipfile
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Iterator

from pydantic import Field

from ftcook.chat.sources import exports
from ftcook.chat.message import ChatMessage, ExportError
from ftcook.chat.index import MessageIndex
from ftcook.chat.shape import Reply, Turn, replies, turns, within as _within
from ftcook.errors import UsageError
from ftcook.pipeline.ledger import Skip
from ftcook.plugins import hookimpl
from ftcook.recipes.base import REGION_HELP, PhoneRegion, Recipe, RecipeOptions

_NAMES_MEMO = 4096  # texts remembered with their names replaced: more than a session's context holds
_KIND_REASONS = {"system": "system_message", "media": "media_only", "sticker": "sticker", "deleted": "deleted"}


class Chat(Recipe):
    """Talk like you: your replies in chats, from WhatsApp, Telegram, Discord, Messenger and Slack exports."""

    name = "chat"
    inputs = (".txt", ".zip", ".json")
    min_chars = 1
    redact_default = True
    reasons = {
        "not_mine": "someone else's message (the context and prompts of your replies)",
        "system_message": "a line the app wrote: encryption notice, joins, leaves, number changes, calls",
        "media_only": "a photo, video, voice message, document or contact without text",
        "sticker": "a sticker or GIF",
        "deleted": "a deleted message",
        "forwarded": "a message you forwarded: someone else's words",
        "merged": "a message of yours merged into the turn it continues (same sender, within merge_minutes); "
                  "the id names the turn",
        "opens_conversation": "a turn of yours that answers nobody: the first of a session, or after your own "
                              "turn once merge_minutes passed",
        "other_chat": "a message of a chat left out by -o chats= or -o one_to_one=true",
        "not_a_chat_export": "a file that is not a chat export this recipe reads (a Slack export's own files are "
                             "read through its folder)",
        "unreadable_export": "a chat export that cannot be read (cut short, not valid JSON); the detail says where",
    }

    class Options(RecipeOptions):
        me: list[str] = Field(default_factory=list, description="your name or user id as the export writes it "
                              "(repeat -o me= for each: the same person on two apps). Without it the recipe lists "
                              "the senders and stops")
        merge_minutes: float = Field(10, ge=0, description="a sender's consecutive messages within this many "
                                                           "minutes of each other are one turn")
        session_hours: float = Field(4, gt=0, description="a gap this long starts a new conversation: no context "
                                                          "crosses it")
        context_turns: int = Field(8, ge=0, le=100, description="most earlier turns of the session given as "
                                                                "context (before the turns you answer)")
        context_tokens: int = Field(512, ge=0, description="most tokens of context; the oldest turns go first")
        chats: list[str] = Field(default_factory=list, description="only these chats (names as the export writes "
                                 "them; '*' patterns work, e.g. -o chats='Family*'); repeatable")
        one_to_one: bool = Field(False, description="only chats with one other person (no groups)")
        region: PhoneRegion = Field("auto", description=REGION_HELP)

    def __init__(self, options=None, **kwargs):
        super().__init__(options, **kwargs)
        self._names: dict[str, str] = {}  # other people's names -> <PERSON_n>
        self._pattern: re.Pattern | None = None
        self._memo: dict[str, tuple[str, int]] = {}  # texts with their names replaced (``_names_out``)
        self._stats: Counter[str] = Counter()
        self._index: MessageIndex | None = None  # what replies quote, during a build
        self._by_chat: dict[str, Counter] = defaultdict(lambda: Counter(examples=0, messages=0))

    # --- reading ---------------------------------------------------------------------------------------------

    def who_is_me(self, sources: list[Path]) -> list[tuple[str, int]]:
        """The senders with the most messages in the exports."""
        return self._census(list(exports(self.files(sources), sources))).senders.most_common(10)

    def records(self, sources: list[Path]) -> Iterator[dict | Skip]:
        """Two passes over the exports: the first counts who wrote (who you are, whose names to hide, which chats
        are groups), the second shapes each conversation a session at a time, so memory stays small whatever
        the size of the exports."""
        found = list(exports(self.files(sources), sources))
        census = self._census(found)
        me_names = self._who_is_me(census)
        self._learn_names(census, me_names)
        gap = timedelta(hours=self.options.session_hours)
        open_sessions: dict[str, list[ChatMessage]] = {}
        with MessageIndex() as self._index:
            for message in self._read(found):
                if isinstance(message, Skip):
                    yield message
                    continue
                key = _key(message)
                kept = yield from self._arrive(message, census.group_chat(key, me_names), me_names)
                if kept:
                    session = open_sessions.setdefault(key, [])
                    if session and not _within(session[-1], message, gap):
                        yield from self._session(session, census.group_chat(key, me_names), me_names)
                        session.clear()
                    session.append(message)
            for key, session in open_sessions.items():
                yield from self._session(session, census.group_chat(key, me_names), me_names)

    def _census(self, found: list) -> "_Census":
        """The first pass: who wrote how much, and the files left."""
        census = _Census()
        for message in self._read(found):
            if isinstance(message, ChatMessage):
                census.add(message)
            else:
                census.skipped.append(message)
        return census

    def _read(self, found: list) -> Iterator[ChatMessage | Skip]:
        for item in found:
            if isinstance(item, Skip):
                yield item
                continue
            reader, path = item
            try:
                yield from reader(path)
            except (ExportError, zipfile.BadZipFile, OSError) as error:
                yield Skip(str(path), "unreadable_export", detail=str(error))

    def _who_is_me(self, census: "_Census") -> set[str]:
        """The sender names that are you: ``-o me`` matches a name as the export writes it or a user id."""
        senders = census.senders
        if not senders:
            why = "".join(f"\n  {s.id}: {s.detail or s.reason}" for s in census.skipped[:10])
            raise UsageError("No messages found in the sources - point the chat recipe at chat exports: WhatsApp "
                             "(.txt or .zip), Telegram (result.json), Discord (DiscordChatExporter JSON), "
                             "Messenger or Instagram (message_1.json) or Slack (the export folder or zip)"
                             + (f". Read and left:{why}" if why else ""))
        rows = "\n".join(f"  {n:>7,}  {name}" for name, n in senders.most_common(10))
        if not self.options.me:
            raise UsageError(f"Which sender is you? The chat recipe learns from your messages and does not guess.\n"
                             f"Senders with the most messages:\n{rows}\n"
                             f"Confirm with -o me=\"{senders.most_common(1)[0][0]}\" (repeat -o me=... for each "
                             f"name you have, e.g. on two apps)")
        wanted = {m.casefold() for m in self.options.me}
        found = {name for name, ids in census.ids.items()
                 if name.casefold() in wanted or any(i.casefold() in wanted for i in ids)}
        if not found:
            raise UsageError(f"No message is from {', '.join(self.options.me)}. Senders with the most messages:\n"
                             f"{rows}\nUse the name exactly as the export writes it: -o me=\"NAME\"")
        return found

    # --- shaping -------------------------------------------------------------------------------------------

    def _arrive(self, message: ChatMessage, group_chat: bool, me_names: set[str]):
        """Skips a message that is not text to learn from (yielding its Skip); returns whether it is kept."""
        if not self._wanted(message.chat, group_chat):
            yield Skip(message.place, "other_chat", excerpt=message.text)
            return False
        if message.chat not in self._by_chat:
            self._stats["chats"] += 1
        self._by_chat[message.chat]["messages"] += 1
        reason = _KIND_REASONS.get(message.kind) or ("forwarded" if message.forwarded and message.sender in
                                                    me_names else None)
        if reason:
            yield Skip(message.place, reason, excerpt=message.text)
            return False
        self._index.add(message)
        return True

    def _session(self, messages: list[ChatMessage], group_chat: bool, me_names: set[str]):
        """The examples and skips of one session of a conversation (its text messages, in order)."""
        self._stats["sessions"] += 1
        session = turns(messages, lambda m: m.sender in me_names, timedelta(minutes=self.options.merge_minutes))
        for turn in session:
            if not turn.mine:
                yield from (Skip(m.place, "not_mine", excerpt=m.text) for m in turn.messages)
        for found in replies(session, self._stats["sessions"], self.options.context_turns):
            yield from self._example(messages[0].chat, group_chat, found, self._stats["sessions"], me_names)

    def _example(self, chat: str, group_chat: bool, found: Reply | Turn, number: int, me_names: set[str]):
        """The record of a reply of yours (and a skip for each message merged into it); a turn that answers
        nobody is one only when it replies to someone's message elsewhere (a Slack thread, a Telegram reply)."""
        if isinstance(found, Turn):
            quoted = self._quoted(found.first)
            if quoted is None or quoted.sender in me_names:
                yield from (Skip(m.place, "opens_conversation", excerpt=m.text) for m in found.messages)
                return
            found = Reply(found, [], [], number)
        self._by_chat[chat]["examples"] += 1
        yield self._record(chat, group_chat, found)
        yield from (Skip(m.place, "merged", detail=f"into {found.turn.first.place}", excerpt=m.text)
                    for m in found.turn.messages[1:])

    def _wanted(self, chat: str, group_chat: bool) -> bool:
        if self.options.one_to_one and group_chat:
            return False
        return not self.options.chats or any(fnmatch.fnmatchcase(chat.casefold(), p.casefold())
                                             for p in self.options.chats)

    def _quoted(self, message: ChatMessage) -> ChatMessage | None:
        return self._index.get(message.chat, message.reply_to) if message.reply_to else None

    def _record(self, chat: str, group_chat: bool, reply: Reply) -> dict:
        lines = [_line(m) for t in reply.prompt for m in t.messages]
        quoted = self._quoted(reply.turn.first)
        shown = {m.id for t in reply.prompt + reply.context for m in t.messages}
        if quoted is not None and quoted.id not in shown:
            lines.insert(0, {**_line(quoted), "quoted": True})
        context = self._fit_context(reply.context, sum(self._count(line["text"]) for line in lines))
        self._stats["examples"] += 1
        return {"id": reply.turn.first.place, "group": f"{chat} / session {reply.session}", "chat": chat,
                "group_chat": group_chat, "me": reply.turn.sender, "lines": lines, "text": reply.turn.text,
                "context": context}

    def _fit_context(self, earlier: list[Turn], used: int) -> list[dict]:
        """The earlier turns as context records, newest kept first, within ``context_tokens``."""
        out: list[dict] = []
        budget = self.options.context_tokens - used
        for turn in reversed(earlier):
            if turn.tokens is None:
                turn.tokens = self._count(turn.text)
            tokens = turn.tokens
            if tokens > budget:
                break
            budget -= tokens
            lines = [_line(m) for m in turn.messages]
            if turn.mine:
                out.insert(0, {"role": "assistant", "text": turn.text})
            elif out and out[0]["role"] == "user":  # people talking in a row: one user message, as in the prompt
                out[0]["lines"][:0] = lines
            else:
                out.insert(0, {"role": "user", "lines": lines})
        while out and out[0]["role"] == "assistant":
            out.pop(0)
        return out

    def _count(self, text: str) -> int:
        return self.counter.count(text) if self.counter is not None else len(text) // 4

    # --- privacy ---------------------------------------------------------------------------------------------

    def redaction(self) -> dict:
        return {"region": self.options.region}

    def _learn_names(self, census: "_Census", me_names: set[str]) -> None:
        """Other people's names as the export lists them, most frequent senders first, then the people it lists
        who never wrote, each with a placeholder; a first name of several words stands for its person too, unless
        it is yours or someone else's."""
        senders = census.senders
        others = [name for name, _ in senders.most_common() if name and name not in me_names]
        my_ids = {ident for name in me_names for ident in census.ids.get(name, ())}
        others += sorted({name for ident, name in census.listed if name.strip() and name not in senders
                          and name not in me_names and not (ident and ident in my_ids)})
        mine = {part.casefold() for name in me_names for part in name.split()}
        firsts = Counter(name.split()[0] for name in others if len(name.split()) > 1)
        for number, name in enumerate(others, 1):
            self._names[name] = f"<PERSON_{number}>"
            first = name.split()[0]
            if len(name.split()) > 1 and len(first) > 2 and firsts[first] == 1 and first.casefold() not in mine \
                    and first not in self._names:
                self._names[first] = f"<PERSON_{number}>"
        if self._names:
            alternatives = "|".join(re.escape(n) for n in sorted(self._names, key=len, reverse=True))
            self._pattern = re.compile(rf"(?<![\w@]){'(?:' + alternatives + ')'}(?!\w)")

    def redact(self, example):
        """Other people's names to their placeholders, in every turn."""
        if self._pattern is None:
            return example

        found = Counter()

        def names(text: str) -> str:
            replaced, count = self._names_out(text)
            found["PERSON"] += count
            return replaced

        changed = example.replace(prompt=names(example.prompt), completion=names(example.completion),
                                  context=tuple((role, names(text)) for role, text in example.context))
        if not found:
            return example
        self._stats["names_replaced"] += found["PERSON"]
        redacted = {**example.meta.get("redacted", {}), "PERSON": found["PERSON"]}
        return changed.replace(meta={**example.meta, "redacted": redacted})

    def mask(self, text: str) -> str:
        return self._names_out(text)[0] if self._pattern is not None else text

    def _names_out(self, text: str) -> tuple[str, int]:
        """``text`` with other people's names as their placeholders, and how many were replaced; remembered for
        the last ``_NAMES_MEMO`` texts, as a turn is the prompt of one reply and the context of the next ones."""
        done = self._memo.get(text)
        if done is None:
            if len(self._memo) >= _NAMES_MEMO:
                self._memo.clear()
            done = self._memo[text] = self._pattern.subn(lambda m: self._names[m.group(0)], text)
        return done

    def stats(self) -> dict:
        by_chat = dict(sorted(self._by_chat.items(), key=lambda item: (-item[1]["examples"], item[0])))
        return {**dict(sorted(self._stats.items())), "people": len({v for v in self._names.values()}),
                "by_chat": {chat: dict(counts) for chat, counts in by_chat.items()}}


class _Census:
    """What the first pass learns: messages per sender, each sender's user ids, and who writes in each
    conversation (a chat with more than one other person is a group)."""

    def __init__(self):
        self.senders: Counter[str] = Counter()
        self.ids: dict[str, set[str]] = defaultdict(set)
        self.people: dict[str, set[str]] = defaultdict(set)
        self.listed: set[tuple[str, str]] = set()  # (user id, name) the exports list, whether they wrote or not
        self._last_listed: tuple = ()
        self.skipped: list[Skip] = []  # files that are not exports, or cannot be read

    def add(self, message: ChatMessage) -> None:
        if message.listed is not self._last_listed:  # one tuple per conversation: read it once
            self.listed.update(message.listed)
            self._last_listed = message.listed
        if message.kind != "system" and message.sender:
            self.senders[message.sender] += 1
            self.people[_key(message)].add(message.sender)
            if message.sender_id:
                self.ids[message.sender].add(message.sender_id)
            else:
                self.ids.setdefault(message.sender, set())

    def group_chat(self, key: str, me_names: set[str]) -> bool:
        return len(self.people.get(key, set()) - me_names) > 1


def _key(message: ChatMessage) -> str:
    """The conversation a message belongs to."""
    return message.conversation or f"{message.place.split(':', 1)[0]}|{message.chat}"


def _line(message: ChatMessage) -> dict:
    return {"speaker": message.sender, "text": message.text, "quoted": False}


@hookimpl
def register_recipes(register):
    register(Chat)
