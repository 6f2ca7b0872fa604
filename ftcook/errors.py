"""The exceptions ftcook raises. Only ``cli.py`` turns them into messages for a terminal."""

from __future__ import annotations


class FtcookError(Exception):
    """Base class: every error a user can act on. ``str(error)`` is the whole message."""

    exit_code = 1


class InputError(FtcookError):
    """A file ftcook was asked to read is unusable: it names the file, the place, and what to do."""

    exit_code = 2

    def __init__(self, path, problem: str, *, line: int | None = None, hint: str = ""):
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{self.path}, line {line}" if line is not None else self.path
        message = f"{where}: {problem}"
        if hint:
            message += f" - {hint}"
        super().__init__(message)


class UsageError(FtcookError):
    """A command-line value that cannot work (unknown model, bad price...)."""

    exit_code = 2


class EncodingUnavailable(FtcookError):
    """A tiktoken encoding could not be loaded (usually: offline and no cache)."""

    exit_code = 2


class PluginError(FtcookError):
    """A plugin cannot be loaded or registered (a broken package, two recipes with one name...)."""

    exit_code = 2


class MissingExtra(UsageError):
    """An optional part of ftcook is used without its extra installed: names what is missing and the install."""

    def __init__(self, what: str, missing: list[str], extra: str, note: str = ""):
        self.missing, self.extra = list(missing), extra
        super().__init__(f"{what} needs {', '.join(missing)}, which is not installed: pip install 'ftcook[{extra}]'"
                         + (f" {note}" if note else ""))


class CheckFailed(FtcookError):
    """``ftcook check`` found errors in the dataset: training is refused (the report says what to fix)."""

    def __init__(self, message: str, report):
        super().__init__(message)
        self.report = report


class NothingKept(FtcookError):
    """Every item was skipped: the DatasetDir is written (see skipped.jsonl) but there is nothing to train on."""


class JobFailed(FtcookError):
    """A training job ended in failure (a remote service said why)."""


# --- how a training run can stop before its end: each its own type and exit code ------------------------------

class Stopped(FtcookError):
    """Training stopped before its end; the job is kept. ``str(error)`` says what happened and what to do next."""

    status = ""  # the job's status afterwards

    def __init__(self, job_id: str = "", message: str = ""):
        self.job_id = job_id
        super().__init__(message or self.default_message(job_id))

    def default_message(self, job_id: str) -> str:
        return f"job {job_id}: {self.status}"


class Interrupted(Stopped):
    """Ctrl-C: the job stopped at a step and saved a checkpoint; ``ftcook train --resume JOB`` continues it."""

    exit_code = 130
    status = "interrupted"

    def default_message(self, job_id: str) -> str:
        return (f"Stopped (interrupted). Resume with 'ftcook train --resume {job_id}' ('ftcook jobs list' shows "
                f"the job).")


class Cancelled(Stopped):
    """``ftcook jobs cancel`` (or the remote service) cancelled the job."""

    exit_code = 1
    status = "cancelled"

    def default_message(self, job_id: str) -> str:
        return f"Stopped (cancelled): job {job_id} was cancelled."


class Detached(Stopped):
    """A remote job runs on without ftcook watching it (``--no-follow``, or Ctrl-C while following)."""

    exit_code = 0
    status = "running"

    def default_message(self, job_id: str) -> str:
        return (f"job {job_id} runs on: 'ftcook jobs follow {job_id}' watches it, 'ftcook jobs cancel {job_id}' "
                f"stops it.")
