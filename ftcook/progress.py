"""A progress line on stderr for long builds (rich); silent when stderr is not a terminal (then rich's progress
display is not even imported: scripts and pipes start 10 ms sooner)."""

from __future__ import annotations

from rich.console import Console


class BuildProgress:
    def __init__(self, enabled: bool = True):
        console = Console(stderr=True)
        self.enabled = enabled and console.is_terminal
        self._progress = None
        if self.enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=console, transient=True)
        self._task = None

    def __enter__(self) -> "BuildProgress":
        if self._progress is not None:
            self._progress.__enter__()
            self._task = self._progress.add_task("reading", total=None)
        return self

    def update(self, ledger) -> None:
        if self._progress is None:
            return
        skipped = sum(ledger.skipped.values())
        self._progress.update(self._task, description=f"{ledger.records:,} items read, {ledger.kept:,} kept, "
                                                      f"{skipped:,} skipped")

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
