"""The checker's pass over a file: blocks of the file are parsed, checked and counted by ``jobs`` processes -
``jobs - 1`` helpers and this one, which takes a block whenever the helpers are behind - and the results are
merged in file order. A few blocks per process are in flight at most, so memory stays flat however large the file
is (benchmarks/check_bench.py)."""

from __future__ import annotations

import hashlib
import os
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import orjson

from ..parallel import ordered_map
from ..readers import ParseProblem, Source, parse_block
from ..tokens import get_counter
from .examples import check_example

PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # below this, starting workers costs more than it saves


@dataclass(frozen=True)
class ScanContext:
    """What a worker needs to check a block (picklable)."""

    source_format: str
    target_format: str
    encoding: str
    extra_special: tuple[str, ...] = ()
    legacy: bool = False  # collect (prompt, completion) views for the legacy checks


@dataclass
class Scan:
    """Everything the pass learned. Per-example arrays are in file order; ``lines[i]`` is example i's line."""

    lines: array = field(default_factory=lambda: array("q"))
    tokens: array = field(default_factory=lambda: array("q"))
    trainable: array = field(default_factory=lambda: array("q"))
    messages: array = field(default_factory=lambda: array("q"))
    problems: dict = field(default_factory=lambda: defaultdict(list))  # code -> lines
    details: dict = field(default_factory=dict)  # code -> first detail seen
    parse_problems: list = field(default_factory=list)
    blank_lines: int = 0
    pairs: list = field(default_factory=list)  # (line, prompt, completion, extra keys)
    digests: list = field(default_factory=list)  # a block's (line, 64-bit digest) of chat and DPO examples
    seen: set = field(default_factory=set)  # digests of the examples merged so far
    duplicates: list = field(default_factory=list)  # lines repeating an earlier example exactly

    def merge(self, other: "Scan") -> None:
        for name in ("lines", "tokens", "trainable", "messages", "parse_problems", "pairs"):
            getattr(self, name).extend(getattr(other, name))
        for line, digest in other.digests:  # 64 bits: a false match is ~1e-8 likely in a million examples
            if digest in self.seen:
                self.duplicates.append(line)
            else:
                self.seen.add(digest)
        for code, lines in other.problems.items():
            self.problems[code].extend(lines)
        for code, detail in other.details.items():
            self.details.setdefault(code, detail)
        self.blank_lines += other.blank_lines


def scan_block(block, ctx: ScanContext) -> Scan:
    """Parse, check and count one block (runs in a worker)."""
    items, blank = parse_block(block)
    counter = get_counter(ctx.encoding, ctx.extra_special)
    part = Scan(blank_lines=blank)
    for line, value in items:
        if isinstance(value, ParseProblem):
            part.parse_problems.append(value)
            continue
        checked = check_example(value, ctx.source_format, ctx.target_format, counter, ctx.legacy)
        for code, detail in checked.problems:
            lines = part.problems[code]
            if not lines or lines[-1] != line:
                lines.append(line)
            if detail:
                part.details.setdefault(code, f"line {line}: {detail}")
        part.lines.append(line)
        part.tokens.append(checked.tokens)
        part.trainable.append(checked.trainable)
        part.messages.append(checked.messages)
        if checked.pair is not None:
            part.pairs.append((line, *checked.pair))
        elif not ctx.legacy:
            digest = hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=8).digest()
            part.digests.append((line, int.from_bytes(digest, "little")))
    return part


_CONTEXT: dict[str, ScanContext] = {}  # in a helper process of ``_ordered``: the context of every block


def _install(ctx: ScanContext) -> None:
    _CONTEXT["ctx"] = ctx


def _scan_installed(block) -> Scan:
    return scan_block(block, _CONTEXT["ctx"])


def _ordered(blocks: Iterable, ctx: ScanContext, jobs: int):
    """``scan_block`` over ``blocks`` in order, by ``jobs - 1`` helper processes and this one: the helpers keep
    blocks queued, and this process checks the next block itself whenever the oldest one sent is not back
    (``ordered_map``'s sharing). Taking blocks strictly in turn made each pair of blocks wait for the slower of
    the two processes."""
    yield from ordered_map(_scan_installed, blocks, jobs - 1, setup=(_install, ctx), share=True)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def scan_file(source: Source, ctx: ScanContext, jobs: int | None = None) -> Scan:
    """Check every example of ``source``; in parallel when the file is large enough to gain from it."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    total = Scan()
    if jobs > 1 and source.size >= PARALLEL_MIN_BYTES:
        get_counter(ctx.encoding, ctx.extra_special)  # fail here, once, if the encoding cannot be loaded
        parts = _ordered(source.blocks(), ctx, jobs)
    else:
        parts = (scan_block(block, ctx) for block in source.blocks())
    for part in parts:
        total.merge(part)
    return total
