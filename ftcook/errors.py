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
