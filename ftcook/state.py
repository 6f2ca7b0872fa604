"""ftcook's state: datasets, jobs, their events and tuned models, in SQLite at ``$FTCOOK_HOME/state.db``.

Migrations are ordered SQL scripts; ``PRAGMA user_version`` says how many ran, so an older state file is brought
up to date when it is opened. Paths inside FTCOOK_HOME are stored relative to it (a moved home keeps working).
Secrets are never stored here.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Iterator

from .errors import UsageError
from .home import home

MIGRATIONS = (
    """
    CREATE TABLE datasets (
        id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, examples INTEGER, created REAL NOT NULL,
        UNIQUE (path, sha256));
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY, backend TEXT NOT NULL, base_model TEXT NOT NULL, dataset_id INTEGER REFERENCES datasets,
        params TEXT NOT NULL, status TEXT NOT NULL, remote_id TEXT, output TEXT, error TEXT,
        created REAL NOT NULL, updated REAL NOT NULL);
    CREATE TABLE events (
        job_id TEXT NOT NULL REFERENCES jobs, time REAL NOT NULL, kind TEXT NOT NULL, step INTEGER,
        total_steps INTEGER, epoch REAL, train_loss REAL, valid_loss REAL, tokens_per_s REAL, message TEXT);
    CREATE INDEX events_by_job ON events (job_id, time);
    CREATE TABLE models (
        name TEXT PRIMARY KEY, backend TEXT NOT NULL, base_model TEXT NOT NULL, job_id TEXT REFERENCES jobs,
        dataset_sha256 TEXT, path TEXT, metrics TEXT NOT NULL, created REAL NOT NULL);
    """,
    """
    CREATE TABLE uploads (
        sha256 TEXT NOT NULL, service TEXT NOT NULL, file_id TEXT NOT NULL, bytes INTEGER NOT NULL,
        created REAL NOT NULL, PRIMARY KEY (sha256, service));
    """,
    # a tuned model's name is taken when its job starts, atomically, and freed if the job fails or is cancelled
    """
    CREATE TABLE names (name TEXT PRIMARY KEY, job_id TEXT);
    INSERT OR IGNORE INTO names (name, job_id) SELECT name, job_id FROM models;
    INSERT OR IGNORE INTO names (name, job_id)
        SELECT json_extract(params, '$.name'), id FROM jobs
        WHERE status IN ('queued', 'running', 'cancelling', 'interrupted')
          AND json_extract(params, '$.name') IS NOT NULL;
    """,
    # what ftcook report draws: the learning rate and the process's peak memory at each logged step, and the
    # evaluations run on a tuned model (eval style, eval memorization, compare)
    """
    ALTER TABLE events ADD COLUMN learning_rate REAL;
    ALTER TABLE events ADD COLUMN memory_mb REAL;
    CREATE TABLE evaluations (
        model TEXT NOT NULL, kind TEXT NOT NULL, result TEXT NOT NULL, created REAL NOT NULL);
    CREATE INDEX evaluations_by_model ON evaluations (model, kind, created);
    """,
)


class JobStatus(str, Enum):
    """Where a job stands. Stored in the database as its value; compares equal to that string."""

    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"  # a local job asked to stop at its next step
    INTERRUPTED = "interrupted"  # stopped at a checkpoint: 'ftcook train --resume JOB' continues it
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value

    @property
    def final(self) -> bool:
        return self in FINAL


FINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


@dataclass
class JobRow:
    id: str
    backend: str
    base_model: str
    dataset_id: int | None
    params: dict
    status: JobStatus
    remote_id: str | None = None
    output: str | None = None
    error: str | None = None
    created: float = 0.0
    updated: float = 0.0


@dataclass
class Event:
    kind: str  # "log" (training numbers), "eval", "status", "checkpoint", "message"
    step: int | None = None
    total_steps: int | None = None
    epoch: float | None = None
    train_loss: float | None = None
    valid_loss: float | None = None
    tokens_per_s: float | None = None
    message: str | None = None
    time: float = field(default_factory=time.time)
    learning_rate: float | None = None
    memory_mb: float | None = None  # the training process's peak resident memory so far


@dataclass
class ModelRow:
    name: str
    backend: str
    base_model: str
    job_id: str | None
    dataset_sha256: str | None
    path: str | None  # relative to FTCOOK_HOME when inside it
    metrics: dict
    created: float


class State:
    """The state database. Open it with ``open_state()``; rows come back as dataclasses read by column name."""

    def __init__(self, path: Path | None = None):
        self.home = home()
        self.path = Path(path) if path else self.home / "state.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        done = self.db.execute("PRAGMA user_version").fetchone()[0]
        if done > len(MIGRATIONS):
            raise UsageError(f"{self.path} was written by a newer ftcook (state version {done}) - upgrade ftcook")
        for number, script in enumerate(MIGRATIONS[done:], done + 1):
            with self.db:
                self.db.executescript(script)
                self.db.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        self.db.close()

    def _insert(self, table: str, values: dict, verb: str = "INSERT") -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.db:
            self.db.execute(f"{verb} INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))

    # --- paths ----------------------------------------------------------------------------------------------

    def relative(self, path: Path | str) -> str:
        """``path`` relative to FTCOOK_HOME when inside it (portable), else absolute."""
        path = Path(path).resolve()
        try:
            return path.relative_to(self.home.resolve()).as_posix()
        except ValueError:
            return str(path)

    def absolute(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.home / path

    # --- datasets -------------------------------------------------------------------------------------------

    def add_dataset(self, path: Path, sha256: str, examples: int) -> int:
        resolved = str(Path(path).resolve())
        self._insert("datasets", {"path": resolved, "sha256": sha256, "examples": examples, "created": time.time()},
                     verb="INSERT OR IGNORE")
        row = self.db.execute("SELECT id FROM datasets WHERE path = ? AND sha256 = ?", (resolved, sha256)).fetchone()
        return row["id"]

    def dataset(self, dataset_id: int) -> dict | None:
        row = self.db.execute("SELECT id, path, sha256, examples, created FROM datasets WHERE id = ?",
                              (dataset_id,)).fetchone()
        return dict(row) if row else None

    # --- jobs -----------------------------------------------------------------------------------------------

    def add_job(self, job: JobRow, name: str | None = None) -> None:
        """Record a job; with ``name``, take that tuned-model name for it in the same transaction (a name another
        job or model has is a ``UsageError``: two runs started at once cannot both have it)."""
        now = time.time()
        values = {"id": job.id, "backend": job.backend, "base_model": job.base_model, "dataset_id": job.dataset_id,
                  "params": json.dumps(job.params), "status": JobStatus(job.status).value, "remote_id": job.remote_id,
                  "output": job.output, "error": job.error, "created": now, "updated": now}
        try:
            with self.db:
                if name is not None:
                    self.db.execute("INSERT INTO names (name, job_id) VALUES (?, ?)", (name, job.id))
                self.db.execute(f"INSERT INTO jobs ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                                tuple(values.values()))
        except sqlite3.IntegrityError:
            taken = self.db.execute("SELECT job_id FROM names WHERE name = ?", (name,)).fetchone()
            owner = f" (job {taken[0]})" if taken and taken[0] else ""
            raise UsageError(f"A tuned model named '{name}' exists or is being trained{owner} - pick another "
                             f"--name") from None

    def free_name(self, stem: str) -> str:
        """``stem`` if no model or job has it, else ``stem-2``, ``stem-3``... (a hint: ``add_job`` takes it)."""
        taken = {row[0] for row in self.db.execute("SELECT name FROM names WHERE name = ? OR name LIKE ?",
                                                   (stem, f"{stem}-%"))}
        name, number = stem, 1
        while name in taken:
            number += 1
            name = f"{stem}-{number}"
        return name

    def set_job(self, job_id: str, **values) -> None:
        allowed = {"status", "remote_id", "output", "error", "params"}
        if set(values) - allowed:
            raise ValueError(f"unknown job fields {set(values) - allowed}")
        if "params" in values:
            values["params"] = json.dumps(values["params"])
        if "status" in values:
            values["status"] = JobStatus(values["status"]).value
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.db:
            self.db.execute(f"UPDATE jobs SET {assignments}, updated = ? WHERE id = ?",
                            (*values.values(), time.time(), job_id))
            if values.get("status") in (JobStatus.FAILED.value, JobStatus.CANCELLED.value):  # its name is free again
                self.db.execute("DELETE FROM names WHERE job_id = ? AND name NOT IN (SELECT name FROM models)",
                                (job_id,))

    def job(self, job_id: str) -> JobRow:
        rows = self.db.execute(f"SELECT {_columns(JobRow)} FROM jobs WHERE id = ? OR id LIKE ?",
                               (job_id, f"{job_id}%")).fetchall()
        if not rows:
            raise UsageError(f"No job '{job_id}' - 'ftcook jobs list' shows them")
        if len(rows) > 1 and not any(r["id"] == job_id for r in rows):
            raise UsageError(f"'{job_id}' matches {len(rows)} jobs - give more of the id")
        return _job(next((r for r in rows if r["id"] == job_id), rows[0]))

    def jobs(self, limit: int = 50) -> list[JobRow]:
        rows = self.db.execute(f"SELECT {_columns(JobRow)} FROM jobs ORDER BY created DESC LIMIT ?", (limit,))
        return [_job(r) for r in rows.fetchall()]

    def add_event(self, job_id: str, event: Event) -> None:
        self._insert("events", {"job_id": job_id, **{f.name: getattr(event, f.name) for f in fields(Event)}})

    def events(self, job_id: str, after: float = 0.0) -> list[Event]:
        rows = self.db.execute(f"SELECT {_columns(Event)} FROM events WHERE job_id = ? AND time > ? "
                               f"ORDER BY time, rowid", (job_id, after)).fetchall()
        return [Event(**dict(r)) for r in rows]

    # --- uploads (remote backends: the same bytes are sent once) ---------------------------------------------

    def upload(self, sha256: str, service: str) -> str | None:
        row = self.db.execute("SELECT file_id FROM uploads WHERE sha256 = ? AND service = ?",
                              (sha256, service)).fetchone()
        return row["file_id"] if row else None

    def add_upload(self, sha256: str, service: str, file_id: str, size: int) -> None:
        self._insert("uploads", {"sha256": sha256, "service": service, "file_id": file_id, "bytes": size,
                                 "created": time.time()}, verb="INSERT OR REPLACE")

    def forget_upload(self, sha256: str, service: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM uploads WHERE sha256 = ? AND service = ?", (sha256, service))

    # --- tuned models ---------------------------------------------------------------------------------------

    def add_model(self, model: ModelRow) -> None:
        values = {f.name: getattr(model, f.name) for f in fields(ModelRow)}
        self._insert("models", {**values, "metrics": json.dumps(model.metrics)}, verb="INSERT OR REPLACE")
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO names (name, job_id) VALUES (?, ?)", (model.name, model.job_id))

    def model(self, name: str) -> ModelRow | None:
        row = self.db.execute(f"SELECT {_columns(ModelRow)} FROM models WHERE name = ?", (name,)).fetchone()
        return _model(row) if row else None

    def models(self) -> list[ModelRow]:
        rows = self.db.execute(f"SELECT {_columns(ModelRow)} FROM models ORDER BY created DESC").fetchall()
        return [_model(r) for r in rows]


    # --- evaluations (what ftcook report shows of a tuned model) ----------------------------------------------

    def add_evaluation(self, model: str, kind: str, result: dict) -> None:
        self._insert("evaluations", {"model": model, "kind": kind, "result": json.dumps(result, ensure_ascii=False),
                                     "created": time.time()})

    def evaluations(self, model: str) -> dict[str, dict]:
        """The newest evaluation of each kind ("style", "memorization") run on ``model``."""
        rows = self.db.execute("SELECT kind, result, created FROM evaluations WHERE model = ? ORDER BY created",
                               (model,)).fetchall()
        return {r["kind"]: {**json.loads(r["result"]), "evaluated": r["created"]} for r in rows}


def _columns(row_class) -> str:
    """The columns a row dataclass is read from, by name (a column added later never shifts the others)."""
    return ", ".join(f.name for f in fields(row_class))


def _job(row: sqlite3.Row) -> JobRow:
    values = dict(row)
    return JobRow(**{**values, "params": json.loads(values["params"]), "status": JobStatus(values["status"])})


def _model(row: sqlite3.Row) -> ModelRow:
    values = dict(row)
    return ModelRow(**{**values, "metrics": json.loads(values["metrics"])})


@contextmanager
def open_state(path: Path | None = None) -> Iterator[State]:
    """The one way to open the state database: ``with open_state() as state: ...`` closes it afterwards."""
    state = State(path)
    try:
        yield state
    finally:
        state.close()
