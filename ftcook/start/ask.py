"""How ``ftcook start`` asks: the ``Asker`` protocol (every answer, or None when the person cancels with Ctrl-C
or Esc) and its terminal implementation with questionary. Tests answer through a scripted ``Asker``."""

from __future__ import annotations

from typing import Callable, Protocol

Choice = tuple[str, str]  # (value, what the person reads)


class Asker(Protocol):
    def select(self, question: str, choices: list[Choice]) -> str | None: ...

    def checkbox(self, question: str, choices: list[Choice], checked: list[str]) -> list[str] | None: ...

    def text(self, question: str, default: str = "", validate: Callable[[str], str | None] | None = None
             ) -> str | None: ...

    def confirm(self, question: str, default: bool = True) -> bool | None: ...


class TerminalAsker:
    """questionary's prompts; each returns None on Ctrl-C (questionary's ``ask()`` catches it)."""

    def __init__(self, **prompt_kwargs):
        self.kwargs = prompt_kwargs  # input/output for tests of this class (prompt_toolkit's pipe input)

    def select(self, question, choices):
        import questionary

        return questionary.select(question, [questionary.Choice(label, value) for value, label in choices],
                                  **self.kwargs).ask()

    def checkbox(self, question, choices, checked):
        import questionary

        return questionary.checkbox(question, [questionary.Choice(label, value, checked=value in checked)
                                               for value, label in choices], **self.kwargs).ask()

    def text(self, question, default="", validate=None):
        import questionary

        check = (lambda value: validate(value) or True) if validate else None
        return questionary.text(question, default=default, validate=check, **self.kwargs).ask()

    def confirm(self, question, default=True):
        import questionary

        return questionary.confirm(question, default=default, **self.kwargs).ask()
