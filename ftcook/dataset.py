"""DatasetDir: the output folder of ``ftcook build`` - ``train.jsonl``, ``valid.jsonl``, ``skipped.jsonl`` and
``manifest.json`` (DESIGN.md, "Names").

Files are written into a hidden temporary folder beside the target and moved into place only when the build
has finished, so a killed build leaves the previous dataset (or nothing), never half a file.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

import orjson

from .errors import UsageError

FILES = ("train.jsonl", "valid.jsonl", "skipped.jsonl", "manifest.json")


def dumps(record: dict) -> bytes:
    """One JSON Lines record: UTF-8 as it is (no \\u escapes), keys in the order given."""
    return orjson.dumps(record) + b"\n"


class DatasetWriter:
    """``with DatasetWriter(out) as ds: ds.write("train", record) ...`` - the folder appears on success only."""

    def __init__(self, out: Path):
        self.out = Path(out)
        if self.out.exists() and not self._replaceable():
            raise UsageError(f"{self.out} exists and is not an ftcook dataset (no manifest.json) - choose another "
                             f"--out, or empty it")
        self.tmp = self.out.parent / f".{self.out.name}.tmp-{os.getpid()}"
        self._files = {}
        self.counts = {"train": 0, "valid": 0, "skipped": 0}
        self.tap: Callable[[str, bytes, dict], None] | None = None  # sees every line written (name, line, record)

    def _replaceable(self) -> bool:
        return self.out.is_dir() and ((self.out / "manifest.json").is_file() or not any(self.out.iterdir()))

    def __enter__(self) -> "DatasetWriter":
        self.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir()
        for name in ("train", "valid", "skipped"):
            self._files[name] = open(self.tmp / f"{name}.jsonl", "wb", buffering=1024 * 1024)
        return self

    def write(self, name: str, record: dict) -> None:
        line = dumps(record)
        self._files[name].write(line)
        self.counts[name] += 1
        if self.tap is not None:
            self.tap(name, line, record)

    def move_to_valid(self, lines: set[int]) -> None:
        """Move train.jsonl's lines ``lines`` (0-based) to valid.jsonl, after the files are closed."""
        train = (self.tmp / "train.jsonl").read_bytes().splitlines(keepends=True)
        (self.tmp / "train.jsonl").write_bytes(b"".join(line for i, line in enumerate(train) if i not in lines))
        with open(self.tmp / "valid.jsonl", "ab") as f:
            f.write(b"".join(line for i, line in enumerate(train) if i in lines))
        self.counts["train"] -= len(lines)
        self.counts["valid"] += len(lines)

    def move_valid_to_train(self) -> int:
        """Move every line of valid.jsonl to train.jsonl, after the files are closed; returns how many."""
        lines = (self.tmp / "valid.jsonl").read_bytes()
        with open(self.tmp / "train.jsonl", "ab") as f:
            f.write(lines)
        (self.tmp / "valid.jsonl").write_bytes(b"")
        moved, self.counts["valid"] = self.counts["valid"], 0
        self.counts["train"] += moved
        return moved

    def path(self, name: str) -> Path:
        """Where file ``name`` is while the build runs (the checker reads it before the folder is moved)."""
        return self.tmp / name

    def close_files(self) -> None:
        for f in self._files.values():
            if not f.closed:
                f.close()

    def write_manifest(self, manifest: dict) -> None:
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        (self.tmp / "manifest.json").write_text(text, encoding="utf-8")

    def __exit__(self, kind, value, tb) -> None:
        self.close_files()
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.out.exists():
            old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
            self.out.rename(old)
        self.tmp.rename(self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
