"""``Example``: one training pair, the unit the pipeline works on (DESIGN.md, "Names")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .formats import CHAT, COMPLETION, to_format, to_trl


@dataclass(frozen=True)
class Example:
    """``prompt`` may be empty (plain text to learn, the language recipe); ``system`` is optional; ``meta`` says
    where the example came from (source file, source id, place) and never goes into a training file."""

    prompt: str
    completion: str
    system: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        return str(self.meta.get("id", ""))

    def replace(self, **changes) -> "Example":
        return replace(self, **changes)

    def to_record(self, fmt: str = COMPLETION) -> dict:
        """The example as one JSON Lines record in ``fmt``: ``completion`` (the canonical form), ``chat``
        (``{"messages": [...]}``) or ``trl``.

        >>> Example("", "Text to learn.").to_record("chat")
        {'messages': [{'role': 'assistant', 'content': 'Text to learn.'}]}
        >>> Example("Q?", "A.", system="Be brief.").to_record()
        {'prompt': 'Q?', 'completion': 'A.', 'system': 'Be brief.'}
        """
        if fmt == COMPLETION:
            record = {"prompt": self.prompt, "completion": self.completion}
            return {**record, "system": self.system} if self.system else record
        chat = to_format({"prompt": self.prompt, "completion": self.completion}, CHAT, self.system)
        return chat if fmt == CHAT else to_trl(chat)
