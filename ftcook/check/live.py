"""The check of a dataset while it is written: ``ftcook build`` hands every line it writes to train.jsonl and
valid.jsonl to a ``LiveScan``, which checks them in blocks in a helper process as the build goes on - on cores
the build leaves idle part of the time - instead of reading the files again once they are finished.

``scan(name)`` is what ``scan_file`` gives on the finished file (the blocks are the file's lines, in order, with
their line numbers; a ``Scan`` does not depend on where blocks end), and ``run_check(..., scanned=...)`` makes the
report of it. A file changed after it was written (a small build moves an example between the two) is no
longer what was scanned: the build's check reads it again then, as it does after a build that wrote less than
a block.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass, field

from ..catalog import Model
from ..formats import detect_format
from ..parallel import ignore_sigint
from ..readers import RawBlock
from . import scan_context
from .scan import Scan, ScanContext, scan_block

BLOCK_BYTES = 256 * 1024  # small: the last block is checked after the build has written it, while it waits
IN_FLIGHT = 8  # blocks sent and not merged yet, per file


@dataclass
class _File:
    ctx: ScanContext | None = None
    lines: list = field(default_factory=list)  # written and not sent yet
    size: int = 0
    first_line: int = 1
    sent: deque = field(default_factory=deque)
    scan: Scan = field(default_factory=Scan)
    usable: bool = True


class LiveScan:
    """``with LiveScan(model) as live: live.add("train", line, record) ... live.scan("train")``. The helper
    starts with the ``with``, before the build has read anything: forked later, it kept a copy of every page of
    this process that changed since (a 10 MB chat export: 68 MB against 38). A build that never fills a block
    checks its files itself once they are written, as before."""

    def __init__(self, model: Model, names: tuple[str, ...] = ("train", "valid")):
        self.model = model
        self._files = {name: _File() for name in names}
        self._pool: ProcessPoolExecutor | None = None
        self._sent = False  # a block was sent: the build is large enough to be checked here

    def __enter__(self) -> "LiveScan":
        self._pool = ProcessPoolExecutor(max_workers=1, initializer=ignore_sigint, initargs=(_yield_cores,))
        self._pool.submit(int)  # forks the helper now (not waiting for it)
        return self

    def __exit__(self, *exc) -> None:  # Ctrl-C or an error: do not wait for the block in the helper
        self._pool.shutdown(wait=exc[0] is None, cancel_futures=True)

    def add(self, name: str, line: bytes, record: dict) -> None:
        """``line``, ``record`` as JSON Lines, was written to file ``name``."""
        file = self._files.get(name)
        if file is None or not file.usable:
            return
        if file.ctx is None:  # the first example decides the file's format, as the check's own reading does
            file.ctx = scan_context(detect_format(record), self.model)
            file.usable = file.ctx is not None
        file.lines.append(line)
        file.size += len(line)
        if file.size >= BLOCK_BYTES:
            self._send(file)

    def scan(self, name: str) -> tuple[ScanContext, Scan] | None:
        """File ``name``'s ``Scan``, and the ``ScanContext`` it was made with, once the file is written; None when
        there is none (nothing written, a format the check refuses, a build that never filled a block, or a
        helper that died)."""
        file = self._files[name]
        if not file.usable or file.ctx is None or not self._sent:
            return None
        if file.lines:
            self._send(file)
        self._merge(file, until=0)
        return (file.ctx, file.scan) if file.usable else None

    def _send(self, file: _File) -> None:
        block = RawBlock(file.first_line, b"".join(file.lines))
        file.first_line += len(file.lines)
        file.lines, file.size = [], 0
        self._sent = True
        try:
            file.sent.append(self._pool.submit(scan_block, block, file.ctx))
        except BrokenExecutor:
            self._lost()
        self._merge(file, until=IN_FLIGHT)

    def _merge(self, file: _File, until: int) -> None:
        """Merge the blocks back in order until at most ``until`` are out, and any that are done."""
        try:
            while len(file.sent) > until or (file.sent and file.sent[0].done()):
                file.scan.merge(file.sent.popleft().result())
        except BrokenExecutor:
            self._lost()

    def _lost(self) -> None:
        """The helper died (killed, out of memory): each file is checked once written, as a small build's is."""
        for file in self._files.values():
            file.usable = False
            file.sent.clear()


def _yield_cores() -> None:
    """The helper runs at a lower priority: it should take the time the build's processes leave, not theirs
    (at the same priority it slowed the process that reads and writes, which sets the build's pace)."""
    try:
        os.nice(10)
    except OSError:  # not allowed here: the same priority, only slower
        pass
