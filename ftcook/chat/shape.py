"""From messages to examples: turns (a sender's consecutive messages within ``merge`` of each other), and for
each of your turns that answers someone, the turns before it in its session as context. Pure functions over
``ChatMessage`` lists; the recipe does the reading, cuts sessions (``within``) and keeps the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Callable, Iterator

from .message import ChatMessage


@dataclass
class Turn:
    sender: str
    mine: bool
    messages: list[ChatMessage] = field(default_factory=list)
    tokens: int | None = field(default=None, compare=False)  # of ``text``, once counted (turns recur as context)

    @cached_property  # read once the session's turns are made
    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)

    @property
    def first(self) -> ChatMessage:
        return self.messages[0]


def turns(messages: list[ChatMessage], is_me: Callable[[ChatMessage], bool], merge: timedelta) -> list[Turn]:
    """Consecutive text messages of one sender, each within ``merge`` of the one before, as one turn.

    >>> from datetime import datetime as d
    >>> m = lambda who, minute: ChatMessage("c", f"line {minute}", who, d(2024, 1, 1, 9, minute), "hi")
    >>> [(t.sender, len(t.messages)) for t in turns([m("Sam", 0), m("Sam", 1), m("Ada", 2), m("Ada", 30)],
    ...                                           lambda x: x.sender == "Ada", timedelta(minutes=10))]
    [('Sam', 2), ('Ada', 1), ('Ada', 1)]
    """
    out: list[Turn] = []
    for message in messages:
        last = out[-1] if out else None
        if last is not None and last.sender == message.sender and within(last.messages[-1], message, merge):
            last.messages.append(message)
        else:
            out.append(Turn(message.sender, is_me(message), [message]))
    return out


@dataclass
class Reply:
    """One of your turns with what it answers: ``prompt`` (the others' turns since your last one) and ``context``
    (earlier turns of the session, oldest first)."""

    turn: Turn
    prompt: list[Turn]
    context: list[Turn]
    session: int


def replies(session: list[Turn], number: int, most_turns: int) -> Iterator[Reply | Turn]:
    """Each of your turns in a session as a ``Reply``, or as the bare ``Turn`` when it answers nobody (it opens
    the session or follows your own turn)."""
    for index, turn in enumerate(session):
        if not turn.mine:
            continue
        start = index
        while start > 0 and not session[start - 1].mine:
            start -= 1
        if start == index:
            yield turn
            continue
        earlier = session[max(0, start - most_turns):start]
        while earlier and earlier[0].mine:  # a conversation shown to the model starts with someone else
            earlier = earlier[1:]
        yield Reply(turn, session[start:index], earlier, number)


def within(before: ChatMessage, after: ChatMessage, window: timedelta) -> bool:
    if before.time is None or after.time is None:
        return True  # no time to split at
    return timedelta(0) <= after.time - before.time <= window or after.time < before.time
