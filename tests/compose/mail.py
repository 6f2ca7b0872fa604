"""Writing mail with the stdlib: ``compose`` builds one message (plain, HTML-only or both, any charset,
attachments) and ``write_mbox`` writes messages as an mbox with ``>From`` escaping. The sample mailbox, the
tests and the email benchmark are made with these."""

from __future__ import annotations

import gzip
import re
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from datetime import datetime, timedelta, timezone
from pathlib import Path

_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)
EPOCH = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


def address(person: tuple[str, str] | str) -> str:
    return formataddr(person) if isinstance(person, tuple) else person


def compose(sender, to, subject: str, text: str | None = None, *, html: str | None = None, msgid: str,
            minutes: int = 0, cc=(), in_reply_to: str | None = None, references: list[str] | None = None,
            charset: str = "utf-8", headers: dict | list | None = None, attachments: list[tuple[str, bytes]] = ()) -> bytes:
    """One message as bytes. ``minutes`` after 2025-03-03 09:00 UTC is its date; ``headers`` (a dict or
    (name, value) pairs) adds any header (List-Id, Auto-Submitted, X-Gmail-Labels, ...)."""
    parts = []
    if text is not None:
        parts.append(MIMEText(text, "plain", charset))
    if html is not None:
        parts.append(MIMEText(html, "html", charset))
    if len(parts) == 1:
        body = parts[0]
    else:
        body = MIMEMultipart("alternative")
        for part in parts:
            body.attach(part)
    if attachments:
        outer = MIMEMultipart("mixed")
        outer.attach(body)
        for name, data in attachments:
            outer.attach(MIMEApplication(data, Name=name))
        body = outer
    body["From"] = address(sender)
    body["To"] = ", ".join(address(p) for p in ([to] if isinstance(to, (str, tuple)) else to))
    if cc:
        body["Cc"] = ", ".join(address(p) for p in cc)
    body["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    body["Date"] = format_datetime(EPOCH + timedelta(minutes=minutes))
    body["Message-ID"] = f"<{msgid}>"
    if in_reply_to:
        body["In-Reply-To"] = f"<{in_reply_to}>"
    if references or in_reply_to:
        body["References"] = " ".join(f"<{r}>" for r in (references or [in_reply_to]))
    for name, value in (headers.items() if isinstance(headers, dict) else headers or ()):
        body[name] = value
    return body.as_bytes()


def mbox_bytes(messages: list[bytes]) -> bytes:
    out = []
    for number, data in enumerate(messages):
        data = _FROM_LINE.sub(rb">\1", data.replace(b"\r\n", b"\n"))
        out.append(b"From sender@example.invalid Mon Mar  3 09:%02d:00 2025\n" % (number % 60) + data.rstrip(b"\n")
                   + b"\n\n")
    return b"".join(out)


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    data = mbox_bytes(messages)
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        Path(path).write_bytes(data)
    return Path(path)
