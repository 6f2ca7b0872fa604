"""``Example``: one training pair, the unit the pipeline works on (DESIGN.md, "Names")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .formats import CHAT, COMPLETION, chat_to_completion, to_format, to_trl


@dataclass(frozen=True)
class Example:
    """``prompt`` may be empty (plain text to learn, the language recipe); ``system`` is optional; ``context``
    holds earlier turns of a conversation, ``(role, content)`` pairs before the prompt (the chat recipe: what was
    said before your reply); ``meta`` says where the example came from (source file, source id, place) and never
    goes into a training file."""

    prompt: str
    completion: str
    system: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    context: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return str(self.meta.get("id", ""))

    def replace(self, **changes) -> "Example":
        return replace(self, **changes)

    def texts(self) -> list[str]:
        """Every text of the example: system, context turns, prompt, completion (for counting and searching)."""
        return [self.system or "", *(content for _, content in self.context), self.prompt, self.completion]

    def key(self) -> str:
        """The example's whole text as one string (for hashing: duplicates, the train/valid split)."""
        return "\x1f".join(self.texts())

    def to_record(self, fmt: str = COMPLETION) -> dict:
        """The example as one JSON Lines record in ``fmt``: ``completion`` (the canonical form), ``chat``
        (``{"messages": [...]}``) or ``trl``.

        >>> Example("", "Text to learn.").to_record("chat")
        {'messages': [{'role': 'assistant', 'content': 'Text to learn.'}]}
        >>> Example("Q?", "A.", system="Be brief.").to_record()
        {'prompt': 'Q?', 'completion': 'A.', 'system': 'Be brief.'}
        >>> Example("And you?", "Fine!", context=(("user", "Hi"), ("assistant", "Hey"))).to_record("chat")["messages"]
        ... # doctest: +NORMALIZE_WHITESPACE
        [{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Hey'},
         {'role': 'user', 'content': 'And you?'}, {'role': 'assistant', 'content': 'Fine!'}]
        """
        if self.context:
            chat = self._chat()
            if fmt == CHAT:
                return chat
            return to_trl(chat) if fmt != COMPLETION else {**chat_to_completion(chat), **(
                {"system": self.system} if self.system else {})}
        if fmt == COMPLETION:
            record = {"prompt": self.prompt, "completion": self.completion}
            return {**record, "system": self.system} if self.system else record
        chat = to_format({"prompt": self.prompt, "completion": self.completion}, CHAT, self.system)
        return chat if fmt == CHAT else to_trl(chat)

    def _chat(self) -> dict:
        messages = [{"role": "system", "content": self.system}] if self.system else []
        messages += [{"role": role, "content": content} for role, content in self.context]
        if self.prompt:
            messages.append({"role": "user", "content": self.prompt})
        return {"messages": messages + [{"role": "assistant", "content": self.completion}]}
