"""Fit examples to the target model's token limit: an example that is too long is split between paragraphs or
sentences of its completion (each part keeps the prompt); only what cannot be split is skipped (``too_long``).

Tokens are counted as ``ftcook check`` counts them. An example whose UTF-8 size plus the chat overhead is within
the limit is not counted at all: a token is at least one byte.
"""

from __future__ import annotations

from ..example import Example
from ..formats import CHAT
from ..pipeline.ledger import Skip
from ..tokens import TokenCounter, chat_tokens

_OVERHEAD = 32  # chat overhead (3 per example, 3 per message, role names) is far below this


class Budget:
    def __init__(self, counter: TokenCounter, max_tokens: int, fmt: str, model_id: str = ""):
        self.counter = counter
        self.max_tokens = max_tokens
        self.format = fmt
        self.model_id = model_id

    def tokens(self, example: Example) -> int:
        if self.format == CHAT:
            return chat_tokens(self.counter, example.to_record(CHAT)["messages"])
        return sum(self.counter.count(text) for text in example.texts())

    def surely_fits(self, example: Example) -> bool:
        size = sum(len(t.encode("utf-8")) for t in example.texts())
        return size + _OVERHEAD <= self.max_tokens

    def fit(self, example: Example) -> list[Example | Skip]:
        """``[example]`` when it fits; else its parts (and a ``Skip`` for any sentence too long on its own)."""
        if self.surely_fits(example) or self.tokens(example) <= self.max_tokens:
            return [example]
        from ..text.chunk import Oversize, chunk_paragraphs  # (with its sentence rules: only for a long example)
        from ..text.extract import Paragraph

        room = self.max_tokens - self.tokens(example.replace(completion="")) - 8
        if room <= 0:
            return [Skip(example.id, "too_long", f"the prompt alone is longer than the {self.max_tokens:,} tokens "
                         f"{self.model_id} takes per example", example.prompt)]
        paragraphs = (Paragraph(example.meta.get("place", ""), p) for p in example.completion.split("\n\n"))
        out: list[Example | Skip] = []
        for number, piece in enumerate(chunk_paragraphs(paragraphs, self.counter.count, room), 1):
            part_id = f"{example.id}#{number}"
            if isinstance(piece, Oversize):
                out.append(Skip(part_id, "too_long", f"one sentence of {piece.tokens:,} tokens is longer than "
                                f"the {room:,} left for the completion", piece.text))
            else:
                out.append(example.replace(completion=piece.text, meta={**example.meta, "id": part_id}))
        return out
