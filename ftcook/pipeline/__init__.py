"""``ftcook build``: a recipe's records through the shared pipeline into a DatasetDir, then the checker.

    records ─► render (templates) ─► normalise ─► filter ─► dedupe ─► redact ─► fit to the token budget ─► split

Each stage lives in its own module here; every item that does not reach train.jsonl or valid.jsonl is in
skipped.jsonl with a reason code, and the manifest's ledger reconciles (``in == kept + skipped``). The same
inputs, options and seed give byte-identical files.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .. import __version__
from ..catalog import DEFAULT_MODEL, get_model
from ..dataset import DatasetWriter
from ..errors import NothingKept, UsageError
from ..example import Example
from ..formats import CHAT, COMPLETION
from ..render import Renderer
from ..tokens import get_counter
from .budget import Budget
from .ledger import REASONS, Ledger, Skip, excerpt
from .redact import Redactor
from .split import Spare, side

if TYPE_CHECKING:
    from .dedupe import Deduper
    from .prepare import Prepared, Preparer

OUTPUT_FORMATS = (CHAT, COMPLETION)


@dataclass(kw_only=True)
class BuildSettings:
    """What ``ftcook build`` does; each setting's default and help are here once (the CLI takes them)."""

    recipe: str = field(metadata={"help": "The recipe ('ftcook recipes' lists them)."})
    sources: list[Path] = field(metadata={"help": "Files or folders to read."})
    out: Path = field(metadata={"help": "Dataset folder to write (train.jsonl, valid.jsonl, skipped.jsonl, "
                                        "manifest.json); a previous dataset there is replaced when the build "
                                        "succeeds. Required unless --preview."})
    options: dict = field(default_factory=dict, metadata={
        "help": "A recipe option (repeatable), e.g. -o lang=zh; 'ftcook recipes show RECIPE' lists them."})
    model: str | None = field(default=None, metadata={"help": "Target model (default: local:default)."})
    valid_fraction: float = field(default=0.1, metadata={
        "help": "Share of examples for valid.jsonl, chosen by a hash of each example."})
    seed: int = field(default=42, metadata={"help": "Seed of the train/valid split."})
    limit: int | None = field(default=None, metadata={"help": "Read only the first N items (a quick try)."})
    format: str | None = field(default=None, metadata={"help": "Record format of train/valid.jsonl (default: the "
                                                               "model's)."})
    near_duplicates: float | None = field(default=0.85, metadata={
        "help": "Skip examples at least this similar to an earlier one (MinHash Jaccard estimate; 1: exact "
                "duplicates only)."})
    redact: bool | None = field(default=None, metadata={
        "help": "Replace other people's addresses, phone numbers, card numbers, IBANs, URLs with tokens and "
                "secrets by placeholders (default: on for the email recipe, off for others)."})
    preview: int | None = field(default=None, metadata={
        "help": "Print N redacted examples and write nothing (to check the privacy gate first)."})
    jobs: int | None = field(default=None, metadata={
        "help": "Processes that render, normalise and fingerprint the items of a large build, this one included "
                "(default: one per core that the recipe's own helpers leave free, at most 8; 1: all in this "
                "process). The files are the same either way."})


@dataclass
class BuildResult:
    out: Path
    manifest: dict
    ledger: Ledger
    report: object | None  # ftcook.check.Report of train.jsonl
    preview: list[Example] = field(default_factory=list)
    valid_report: object | None = None  # ftcook.check.Report of valid.jsonl (None when it is empty)

    @property
    def ok(self) -> bool:
        """Both files passed the check (or it did not run)."""
        return all(r is None or r.ok for r in (self.report, self.valid_report))


def build(settings: BuildSettings, progress: Callable[[Ledger], None] | None = None, check: bool = True) -> BuildResult:
    if not 0.0 <= settings.valid_fraction < 1.0:
        raise UsageError(f"--valid-fraction must be at least 0 and below 1, not {settings.valid_fraction}")
    from ..plugins import get_recipe

    inputs = _InputHashes(settings.sources)
    model = get_model(settings.model or DEFAULT_MODEL)
    fmt = settings.format or model.format
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}, not {fmt!r}")
    counter = get_counter(model.encoding, model.extra_special_tokens)
    recipe = get_recipe(settings.recipe)(settings.options, counter=counter, model=model)
    renderer = Renderer(recipe.name, recipe.inline_templates())
    budget = Budget(counter, model.max_tokens, fmt, model.id)
    redactor = _redactor(settings, recipe)
    from .dedupe import Deduper  # numpy: only when building
    from .prepare import Preparer
    checking = check and settings.preview is None
    with DatasetWriter(settings.out) as dataset, _live_check(settings, model, checking) as live:
        dataset.tap = live.add if live is not None else None
        ledger = Ledger(on_skip=lambda skip: dataset.write("skipped", skip.to_record()))
        deduper = Deduper(settings.near_duplicates)
        preparer = Preparer(recipe.name, recipe.inline_templates(), recipe.min_chars, counter.special_tokens_in,
                            deduper.threshold, renderer, redactor)
        stages = Stages(recipe, preparer, deduper, budget, ledger, redactor)
        spare = Spare()
        preview = _write_examples(settings, recipe, stages, fmt, dataset, progress, spare)
        dataset.close_files()
        moved = _hold_one_out(dataset, spare, settings.valid_fraction)
        trained = dataset.move_valid_to_train() if dataset.counts["valid"] and not dataset.counts["train"] else 0
        manifest = _manifest(settings, recipe, model, fmt, renderer, ledger, dataset.counts, inputs.result())
        if moved or trained:  # a small dataset: held one out, or the split held out all there was to train on
            manifest["split"] = {"held_out_to_keep_one": moved} if moved else {"valid_moved_to_train": trained}
            live = None  # the files are no longer what was scanned as they were written
        manifest["redaction"] = {"enabled": False} if redactor is None else {"enabled": True, **redactor.to_dict()}
        to_check = checking and dataset.counts["train"]
        report, valid_report = _check(dataset, model, manifest, live) if to_check else (None, None)
        dataset.write_manifest(manifest)
    for checked, name in ((report, "train.jsonl"), (valid_report, "valid.jsonl")):
        if checked is not None:
            checked.path = str(Path(settings.out) / name)
    if progress is not None:
        progress(ledger)
    result = BuildResult(Path(settings.out), manifest, ledger, report, preview, valid_report)
    if not ledger.kept and settings.preview is None:
        reasons = ", ".join(f"{n} {code}" for code, n in ledger.skipped.most_common()) or "no items"
        raise NothingKept(f"No examples kept from {ledger.records} items ({reasons}) - see "
                          f"{Path(settings.out) / 'skipped.jsonl'}")
    return result


#: training examples a dataset needs before one of them is held out when the hash split left valid.jsonl empty
SPARE_FROM = 8


def _hold_one_out(dataset, spare: Spare, valid_fraction: float) -> int:
    """When the split put nothing in valid.jsonl but asked for some, move the training example (or group) closest
    to the valid side there, if at least ``SPARE_FROM`` remain: evaluation needs something held out. Returns the
    examples moved."""
    lines = spare.chosen()
    train = dataset.counts["train"]
    if dataset.counts["valid"] or valid_fraction <= 0 or not lines or train - len(lines) < SPARE_FROM:
        return 0
    dataset.move_to_valid(set(lines))
    return len(lines)


def _write_examples(settings: BuildSettings, recipe, stages: "Stages", fmt: str, dataset, progress,
                    spare: Spare | None = None) -> list:
    """Every item of the recipe through the stages; kept examples to train or valid. The duplicate index is
    deleted at the end (before the check). With ``settings.preview`` it stops after that many examples with
    placeholders in them, and returns those."""
    from .prepare import prepare_all

    ledger = stages.ledger
    preview = []
    records = recipe.records([Path(s) for s in settings.sources])
    items = records if settings.limit is None else islice(records, settings.limit)

    def coming() -> int | None:  # the recipe's count, within --limit
        known = recipe.items_coming()
        return known if settings.limit is None or known is None else min(known, settings.limit)

    with stages.deduper:
        for item in prepare_all(stages.preparer, items, settings.jobs, coming):
            ledger.records += 1
            for example in stages.run(item):
                where = side(example, settings.valid_fraction, settings.seed)
                if spare is not None and where == "train" and not dataset.counts["valid"]:
                    spare.saw(example, settings.seed, dataset.counts["train"])  # until valid.jsonl has one
                dataset.write(where, example.to_record(fmt))
                ledger.kept += 1
                if settings.preview is not None and example.meta.get("redacted"):
                    preview.append(example)
            if progress is not None and ledger.records % 500 == 0:
                progress(ledger)
            if settings.preview is not None and len(preview) >= settings.preview:
                break
    if hasattr(records, "close"):
        records.close()  # a recipe's generator cleans up (temporary files) when stopped early
    return preview


def _redactor(settings: BuildSettings, recipe) -> Redactor | None:
    enabled = recipe.redact_default if settings.redact is None else settings.redact
    if settings.preview is not None and not enabled:
        raise UsageError("--preview shows redacted examples; it cannot be used with --no-redact")
    return Redactor(**recipe.redaction()) if enabled else None


#: sources smaller than this (files; a folder counts as large) are built, then checked: a helper process would cost
#: more than the check it takes over (a 300-item build: 0.48 s, 0.49 s with it)
LIVE_CHECK_FROM = 1024 * 1024


def _live_check(settings: BuildSettings, model, checking: bool):
    """The check of train.jsonl and valid.jsonl as they are written, by a helper process (``check.live``), when
    the build checks its files, may use more than this process, and reads enough to gain from it."""
    from contextlib import nullcontext

    from ..parallel import helper_processes

    if not checking or settings.jobs == 1 or not helper_processes() or not _large(settings.sources):
        return nullcontext()
    from ..check.live import LiveScan

    return LiveScan(model)


def _large(sources) -> bool:
    total = 0
    for source in map(Path, sources):
        if not source.is_file():
            return True
        total += source.stat().st_size
    return total >= LIVE_CHECK_FROM


def _check(dataset, model, manifest: dict, live=None):
    """``ftcook check`` of train.jsonl and of valid.jsonl (when it has examples); the summaries go into the
    manifest, valid.jsonl's under ``check.valid``. ``live``: the files were scanned as they were written."""
    from ..check import run_check

    report = run_check(dataset.path("train.jsonl"), model.id, scanned=live and live.scan("train"))
    manifest["check"] = _summary(report)
    valid = None
    if dataset.counts["valid"]:
        valid = run_check(dataset.path("valid.jsonl"), model.id, validation=True, scanned=live and live.scan("valid"))
        manifest["check"]["valid"] = _summary(valid)
        manifest["check"]["ok"] = report.ok and valid.ok
    return report, valid


def _summary(report) -> dict:
    return {"ok": report.ok, "findings": {f.code: f.count for f in report.findings},
            "tokens": report.to_dict().get("tokens")}


class Stages:
    """The stages of one item after ``Preparer`` (render → normalise → filter, prepare.py): dedupe → redact →
    fit; skips go to the ledger."""

    def __init__(self, recipe, preparer: Preparer, deduper: Deduper, budget: Budget, ledger: Ledger,
                 redactor: Redactor | None = None):
        self.recipe, self.preparer, self.deduper, self.budget, self.ledger = recipe, preparer, deduper, budget, ledger
        self.redactor = redactor

    def run(self, item: Prepared | Skip) -> list[Example]:
        if isinstance(item, Skip):
            self._skip(item)
            return []
        example = item.example
        problem = item.problem or self.deduper.decide(example.id, item.fingerprint)
        if problem:
            self._skip(Skip(example.id, *problem, excerpt=example.completion or example.prompt))
            return []
        if self.redactor is not None:
            # the privacy gate, with what the preparer found (perhaps in a helper); then the recipe's own (chat: names)
            example = self.recipe.redact(self.redactor.redact(example, item.found))
        pieces = self.budget.fit(example)
        self.ledger.split_parts += len(pieces) - 1
        kept = []
        for piece in pieces:
            if isinstance(piece, Skip):
                self._skip(piece)
            else:
                kept.append(piece)
        return kept

    def _skip(self, skip: Skip) -> None:
        """Into the ledger; with the privacy gate on, the excerpt masked as the examples are."""
        if self.redactor is not None and skip.excerpt:
            skip = Skip(skip.id, skip.reason, skip.detail, self.recipe.mask(self.redactor.mask(skip.excerpt)))
        self.ledger.skip(skip)


def _manifest(settings, recipe, model, fmt, renderer, ledger, counts, inputs: list[dict]) -> dict:
    return {
        "ftcook": __version__,
        "recipe": recipe.name,
        "options": recipe.options.model_dump(mode="json"),
        "templates": renderer.hashes(),
        "inputs": inputs,
        "model": model.id,
        "format": fmt,
        "seed": settings.seed,
        "valid_fraction": settings.valid_fraction,
        "near_duplicates": settings.near_duplicates,
        "limit": settings.limit,
        "counts": {"train": counts["train"], "valid": counts["valid"], "skipped": counts["skipped"]},
        "ledger": ledger.to_dict(),
        "reasons": {code: {**REASONS, **recipe.reasons}.get(code, "") for code in ledger.skipped},
        "stats": recipe.stats(),
    }


class _InputHashes:
    """``_inputs(sources)``, computed in a thread from the build's start: hashing and reading release the GIL, and
    a build's first moments (imports, setting up) leave a core idle. A daemon thread, so that a build that stops
    early does not wait for it."""

    def __init__(self, sources):
        self._rows: list[dict] | None = None
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(sources,), name="ftcook-input-hashes", daemon=True)
        self._thread.start()

    def _run(self, sources) -> None:
        try:
            self._rows = _inputs(sources)
        except Exception as error:  # noqa: BLE001 - raised where the manifest asks for the rows
            self._error = error

    def result(self) -> list[dict]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._rows


def _inputs(sources) -> list[dict]:
    """Each input file with its size and sha256 (folders: every file in them), so a manifest says what it saw."""
    rows = []
    for source in map(Path, sources):
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        for path in files:
            if path.is_file():
                rows.append({"path": path.as_posix(), "bytes": path.stat().st_size, "sha256": _sha256(path)})
    return rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["BuildSettings", "BuildResult", "build", "excerpt"]
