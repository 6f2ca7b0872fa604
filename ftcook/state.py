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
from dataclasses import dataclass, field
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
)
#: job statuses; the last three are final
STATUSES = ("queued", "running", "cancelling", "interrupted", "succeeded", "failed", "cancelled")
FINAL = ("succeeded", "failed", "cancelled")


@dataclass
class JobRow:
    id: str
    backend: str
    base_model: str
    dataset_id: int | None
    params: dict
    status: str
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
    def __init__(self, path: Path | None = None):
        self.home = home()
        self.path = Path(path) if path else self.home / "state.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
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
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO datasets (path, sha256, examples, created) VALUES (?, ?, ?, ?)",
                            (str(Path(path).resolve()), sha256, examples, time.time()))
        return self.db.execute("SELECT id FROM datasets WHERE path = ? AND sha256 = ?",
                               (str(Path(path).resolve()), sha256)).fetchone()[0]

    def dataset(self, dataset_id: int) -> dict | None:
        row = self.db.execute("SELECT id, path, sha256, examples, created FROM datasets WHERE id = ?",
                              (dataset_id,)).fetchone()
        return dict(zip(("id", "path", "sha256", "examples", "created"), row)) if row else None

    # --- jobs -----------------------------------------------------------------------------------------------

    def add_job(self, job: JobRow) -> None:
        now = time.time()
        with self.db:
            self.db.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (job.id, job.backend, job.base_model, job.dataset_id, json.dumps(job.params),
                             job.status, job.remote_id, job.output, job.error, now, now))

    def set_job(self, job_id: str, **fields) -> None:
        allowed = {"status", "remote_id", "output", "error", "params"}
        if set(fields) - allowed:
            raise ValueError(f"unknown job fields {set(fields) - allowed}")
        if "params" in fields:
            fields["params"] = json.dumps(fields["params"])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.db:
            self.db.execute(f"UPDATE jobs SET {assignments}, updated = ? WHERE id = ?",
                            (*fields.values(), time.time(), job_id))

    def job(self, job_id: str) -> JobRow:
        rows = self.db.execute("SELECT * FROM jobs WHERE id = ? OR id LIKE ?", (job_id, f"{job_id}%")).fetchall()
        if not rows:
            raise UsageError(f"No job '{job_id}' - 'ftcook jobs list' shows them")
        if len(rows) > 1 and not any(r[0] == job_id for r in rows):
            raise UsageError(f"'{job_id}' matches {len(rows)} jobs - give more of the id")
        row = next((r for r in rows if r[0] == job_id), rows[0])
        return _job(row)

    def jobs(self, limit: int = 50) -> list[JobRow]:
        rows = self.db.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [_job(r) for r in rows]

    def add_event(self, job_id: str, event: Event) -> None:
        with self.db:
            self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (job_id, event.time, event.kind, event.step, event.total_steps, event.epoch,
                             event.train_loss, event.valid_loss, event.tokens_per_s, event.message))

    def events(self, job_id: str, after: float = 0.0) -> list[Event]:
        rows = self.db.execute("SELECT time, kind, step, total_steps, epoch, train_loss, valid_loss, tokens_per_s, "
                               "message FROM events WHERE job_id = ? AND time > ? ORDER BY time, rowid",
                               (job_id, after)).fetchall()
        return [Event(kind=r[1], step=r[2], total_steps=r[3], epoch=r[4], train_loss=r[5], valid_loss=r[6],
                      tokens_per_s=r[7], message=r[8], time=r[0]) for r in rows]

    # --- uploads (remote backends: the same bytes are sent once) ---------------------------------------------

    def upload(self, sha256: str, service: str) -> str | None:
        row = self.db.execute("SELECT file_id FROM uploads WHERE sha256 = ? AND service = ?", (sha256, service)).fetchone()
        return row[0] if row else None

    def add_upload(self, sha256: str, service: str, file_id: str, size: int) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?)",
                            (sha256, service, file_id, size, time.time()))

    def forget_upload(self, sha256: str, service: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM uploads WHERE sha256 = ? AND service = ?", (sha256, service))

    # --- tuned models ---------------------------------------------------------------------------------------

    def add_model(self, model: ModelRow) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (model.name, model.backend, model.base_model, model.job_id, model.dataset_sha256,
                             model.path, json.dumps(model.metrics), model.created))

    def model(self, name: str) -> ModelRow | None:
        row = self.db.execute("SELECT * FROM models WHERE name = ?", (name,)).fetchone()
        return _model(row) if row else None

    def models(self) -> list[ModelRow]:
        return [_model(r) for r in self.db.execute("SELECT * FROM models ORDER BY created DESC").fetchall()]


def _job(row) -> JobRow:
    return JobRow(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7], row[8], row[9], row[10])


def _model(row) -> ModelRow:
    return ModelRow(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7])


@contextmanager
def open_state() -> Iterator[State]:
    state = State()
    try:
        yield state
    finally:
        state.close()
