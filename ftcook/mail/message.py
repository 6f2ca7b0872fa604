"""One raw message → a ``Mail``: decoded headers, who wrote it to whom, why it is not usable (auto-reply, list
mail, bounce, invite), and its text split into what the writer wrote new and what they quoted.

Parsing uses the stdlib ``email`` package with the ``compat32`` policy, which is several times faster than
``policy.default`` and gives the raw parts this module decodes itself: every charset (declared, undeclared or
wrong) is decoded with a fallback that never raises. HTML-only mail is converted with ``html-text`` (lxml), with
``<blockquote>`` and Gmail/Outlook quote containers taken out as quoted text first.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace
from email import errors as email_errors
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from .clean import clean_body

#: the ``compat32`` policy, the parsers' and ``Message``'s default (importing ``email.policy`` for it would load the
#: modern policy's header parser as well: 30 ms of every build's start)
_PARSER = BytesParser()
_HEADER_PARSER = BytesHeaderParser()
#: declared charsets read as the superset that mail clients really send
CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "iso_8859-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "x-sjis": "cp932", "sjis": "cp932", "iso-2022-jp": "iso2022_jp_ext",
    "big5": "big5hkscs", "tis-620": "cp874", "windows-874": "cp874", "unicode-1-1-utf-7": "utf-7",
}
_AUTO_SUBJECT = re.compile(r"^\s*(auto(matic)? ?(reply|response)|autoreply|auto:|out of (the )?office|"
                           r"abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|"
                           r"自动回复|自動応答|自動返信)", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(r"^\s*(undeliver(able|ed)|delivery status notification|returned mail|"
                             r"mail delivery (failed|subsystem)|failure notice|unzustellbar)", re.IGNORECASE)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
_MSGID = re.compile(r"<([^<>\s]+)>")
#: a part's start: ``--boundary`` and its header lines (the blank line after them is not consumed, so the next
#: part's boundary line can follow right after a container's headers)
_PART_START = re.compile(rb"\n--([^\s]{1,200}?)(?<!--)\r?\n((?:[^\r\n]+\r?\n)+?)(?=\r?\n)")
_TEXT_PART = re.compile(rb"(?im)^content-type:\s*(text/|multipart/|message/)")
_PLAIN_PART = re.compile(rb"(?im)^content-type:\s*text/plain")
_HTML_PART = re.compile(rb"(?im)^content-type:\s*text/html")
_MULTIPART = re.compile(rb"(?im)^content-type:\s*multipart/")
_RFC822 = re.compile(rb"(?im)^content-type:\s*message/rfc822")
_NAMED = re.compile(rb"(?im)^content-disposition:[^\n]*filename|^content-type:[^\n]*\bname=")
_ATTACHED = re.compile(rb"(?im)^content-disposition:\s*attachment")


#: the headers this module reads (``msg.get``, ``header``, ``_SKIP_HEADERS``, the Content-* fields the stdlib reads
#: for parts and payloads): ``read_headers`` reads only these
READ_HEADERS = ("from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references", "x-gmail-labels",
                "auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder", "precedence", "list-id",
                "list-post", "list-unsubscribe", "content-type", "content-transfer-encoding", "content-disposition")
#: where a field of ``READ_HEADERS`` starts in a lowercased header block that has a newline put before it (a
#: search for a literal newline first: several times faster than a case-insensitive ``^`` on every byte)
_READ_FIELD = re.compile(rb"\n(?:" + b"|".join(re.escape(n.encode()) for n in READ_HEADERS) + rb"):")
_FIELD = re.compile(rb"[^\n]*(?:\n[ \t][^\n]*)*\n")  # a field with its continuation lines
_FIELD_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")  # as the stdlib parser tells a field from the body
_NOT_A_FIELD = re.compile(rb"\n(?![ \t]|[\x21-\x39\x3b-\x7e]+:)")  # a line that neither starts nor continues one


class BrokenMessage(Exception):
    """A message that cannot be read: ``str(error)`` says why."""


@dataclass
class Mail:
    place: str
    folder: str
    message_id: str | None
    sender: str  # lowercase address ("" when there is no From)
    sender_name: str
    to: list[tuple[str, str]] = field(default_factory=list)  # (name, address)
    cc: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    date: str = ""  # ISO 8601 when the Date header parses, else as written
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # Gmail's X-Gmail-Labels
    skip: str | None = None  # a reason code from the headers (auto_reply, mailing_list, bulk, bounce, ...)
    skip_detail: str = ""
    text: str = ""  # what the writer wrote new (quotes, signature, disclaimers removed)
    quoted: str = ""  # what they quoted (for matching a reply to its message)
    html: bool = False  # the text came from an HTML part

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def parse_headers(place: str, folder: str, data: bytes) -> Mail:
    """Read only the headers of a message: who, to whom, which thread, and the reasons to skip it that headers
    show. Several times faster than ``parse_mail``; the email recipe reads bodies only of the messages it uses."""
    end = header_end(data)
    try:
        msg = read_headers(data[:end])
    except Exception as error:
        raise BrokenMessage(f"its headers cannot be parsed ({type(error).__name__}: {error})") from None
    if not msg.keys() or not data or data.isspace():
        raise BrokenMessage("no mail headers (is this part of another message? the mbox may be cut)")
    mail = _from_headers(place, folder, msg, whole=False)
    mail.skip, mail.skip_detail = _header_skip(msg, mail, walk=False)
    return mail


def headers_only(mail: Mail) -> Mail:
    """What ``parse_headers`` gives for the message that ``parse_mail`` read as ``mail``: no recipients, date or
    text, and only the skip reasons that headers show."""
    skip, detail = (None, "") if mail.skip in _BODY_SKIPS else (mail.skip, mail.skip_detail)
    return replace(mail, to=[], cc=[], date="", skip=skip, skip_detail=detail, text="", quoted="", html=False)


def parse_mail(place: str, folder: str, data: bytes) -> Mail:
    """Read a whole message: headers, skip reasons, and its new and quoted text. Raises ``BrokenMessage`` when
    there is no message to read."""
    if not data or data.isspace():  # (no copy of the message, as strip would make)
        raise BrokenMessage("empty message")
    end = header_end(data)
    if _multipart(data, end):
        fast = _parse_text_part(place, folder, data, end)
        if fast is not None:
            return fast
        msg = None
    else:
        msg = _one_part(data, end)
    try:
        msg = msg or _PARSER.parsebytes(slim(data))
    except Exception as error:  # the stdlib parser is lenient; anything it raises means unreadable
        raise BrokenMessage(f"cannot be parsed ({type(error).__name__}: {error})") from None
    if not msg.keys():
        raise BrokenMessage("no mail headers (is this part of another message? the mbox may be cut)")
    mail = _from_headers(place, folder, msg)
    mail.skip, mail.skip_detail = _header_skip(msg, mail)
    if mail.skip is None or mail.skip in LIST_SKIPS:  # list posts are read: yours, or one a reply of yours answers
        body, mail.html, html_quoted = _body(msg)
        if body is None:
            if mail.skip is None:
                mail.skip, mail.skip_detail = "no_text_part", _part_list(msg)
        else:
            mail.text, quoted = clean_body(body)
            mail.quoted = "\n".join(q for q in (html_quoted, quoted) if q)
    return mail


def _multipart(data: bytes, end: int) -> bool:
    """``_MULTIPART.search(data, 0, end)``: whether a field of the header block says Content-Type multipart/, by
    plain searches of the lowercased block (a case-insensitive pattern tried at every line took 10 us a message).

    >>> _multipart(b"Subject: x\\nContent-Type:\\n  Multipart/Mixed; boundary=b\\n\\n", 50)
    True
    """
    head = b"\n" + data[:end].lower()
    at = head.find(b"\ncontent-type:")
    while at >= 0:
        if head[at + 14:].lstrip().startswith(b"multipart/"):  # (lstrip: the whitespace \s matches, folds too)
            return True
        at = head.find(b"\ncontent-type:", at + 14)
    return False


def _one_part(data: bytes, end: int) -> Message | None:
    """A message of one part as the stdlib parser makes it, with only its headers parsed line by line: the body
    is the payload as it is (the parser would join its lines back into the same string). None when the message
    is not that simple (a message/* type, or a line that is not a header before the blank line); ``parse_mail``
    then parses it whole."""
    try:
        msg = read_headers(data[:end])
    except Exception:
        return None
    if msg.get_payload() or msg.get_content_maintype() in ("multipart", "message") or not msg.keys():
        return None
    msg.set_payload(data[end:].decode("ascii", "surrogateescape"))
    return msg


def _parse_text_part(place: str, folder: str, data: bytes, end: int) -> Mail | None:
    """The fast way through a multipart message: its headers, then only the text part the recipe reads, each
    parsed by the stdlib (the parts are found as ``slim`` finds them). None when the message is not multipart or
    its structure is unusual; ``parse_mail`` then parses it whole. ``end``: where its header block ends."""
    top = read_headers(data[:end])
    if not top.get_content_type().startswith("multipart/") or not top.keys():
        return None
    leaves = _leaf_parts(data, end)
    if not leaves:
        return None
    mail = _from_headers(place, folder, top)
    mail.skip, mail.skip_detail = _header_skip(top, mail, walk=False)
    types = [_PARSER.parsebytes(headers).get_content_type() for headers, _ in leaves]
    if mail.skip is None and "text/calendar" in types:
        mail.skip, mail.skip_detail = "calendar_invite", "text/calendar part"
    if mail.skip is not None and mail.skip not in LIST_SKIPS:
        return mail
    for wanted in ("text/plain", "text/html"):
        for (headers, body), kind in zip(leaves, types):
            if kind == wanted and not _ATTACHED.search(headers) and not _NAMED.search(headers):
                part = _PARSER.parsebytes(headers + b"\n" + body)
                text = _decode_part(part)
                html_quoted = ""
                if kind == "text/html":
                    text, html_quoted = html_to_text(text)
                mail.html = kind == "text/html"
                mail.text, quoted = clean_body(text)
                mail.quoted = "\n".join(q for q in (html_quoted, quoted) if q)
                return mail
    if mail.skip is None:
        mail.skip, mail.skip_detail = "no_text_part", ", ".join(sorted(set(types)))[:100]
    return mail


def _leaf_parts(data: bytes, start: int) -> list[tuple[bytes, bytes]]:
    """(headers, body) of the MIME parts that are not multipart containers, in order, leaving out the parts of
    attached messages (message/rfc822)."""
    leaves, inside_until = [], -1
    for match in _PART_START.finditer(data, max(start - 1, 0)):
        if match.start() < inside_until:
            continue
        headers = match.group(2)
        end = data.find(b"\n--" + match.group(1), _body_start(data, match))
        end = len(data) if end < 0 else end
        if _RFC822.search(headers):
            inside_until = end
            continue
        if not _MULTIPART.search(headers):
            leaves.append((headers, data[_body_start(data, match):end]))
    return leaves


def _body_start(data: bytes, match) -> int:
    """After the blank line that ends a part's headers."""
    return match.end() + (2 if data[match.end():match.end() + 1] == b"\r" else 1)


def _from_headers(place: str, folder: str, msg: Message, whole: bool = True) -> Mail:
    """The Mail of ``msg``'s headers; without ``whole`` recipients and date are left out (the first pass over
    all messages does not need them)."""
    sender_name, sender = _address(header(msg, "from"))
    return Mail(
        place=place, folder=folder, message_id=_first_id(msg.get("message-id")), sender=sender,
        sender_name=sender_name, to=_addresses(msg, "to") if whole else [], cc=_addresses(msg, "cc") if whole else [],
        subject=" ".join(header(msg, "subject").split()), date=_date(msg.get("date")) if whole else "",
        in_reply_to=_first_id(msg.get("in-reply-to")), references=_ids(msg.get("references")),
        labels=[label.strip() for label in header(msg, "x-gmail-labels").split(",") if label.strip()],
    )


def read_headers(head: bytes) -> Message:
    """The headers of ``READ_HEADERS`` in a header block as the stdlib's header parser (compat32) gives them.
    Received mail carries dozens of transport and signature fields (Received, DKIM-Signature, ARC-*, X-*) that
    the parser would read line by line for nothing: a plain block's read fields are stored one by one as the
    parser would store them (the name; the value after its colon without leading blanks, continuation lines as
    they are, no line end); any other block, or one with none of them, is parsed by the stdlib whole.

    >>> read_headers(b"Received: from a\\n\\tby b\\nFrom: Bob <bob@x>\\nX-Spam: no\\nSubject: Hi\\n\\n").items()
    [('From', 'Bob <bob@x>'), ('Subject', 'Hi')]
    """
    kept = _read_fields(head)
    if not kept:
        return _HEADER_PARSER.parsebytes(head)
    msg = Message()  # compat32
    for one in kept:
        name, _, value = one.decode("ascii", "surrogateescape").partition(":")
        msg[name] = value.lstrip(" \t").rstrip("\r\n")
    msg.set_payload("")
    return msg


def _read_fields(head: bytes) -> list[bytes] | None:
    """The fields of ``READ_HEADERS`` in a plain header block, in order; None when the block is not plain."""
    if not _plain(head):
        return None
    return [_FIELD.match(head, found.start()).group(0) for found in _READ_FIELD.finditer(b"\n" + head.lower())]


def _plain(head: bytes) -> bool:
    """Whether the stdlib parser reads ``head`` field by field to its blank line, which is what makes leaving
    fields out safe: every line starts a field (a name without spaces, then a colon) or continues one (a blank
    first), each ends with a line feed, and no carriage return stands but before one."""
    block = head[:-2] if head.endswith(b"\n\r\n") else head[:-1] if head.endswith(b"\n\n") else head
    if not block.endswith(b"\n") or not _FIELD_NAME.match(block):
        return False
    if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
        return False
    return _NOT_A_FIELD.search(block, 0, len(block) - 1) is None


def header_end(data: bytes) -> int:
    """Where the header block ends (after its blank line, LF or CRLF)."""
    lf = data.find(b"\n\n")
    crlf = data.find(b"\r\n\r\n", 0, lf if lf >= 0 else len(data))
    if crlf >= 0:
        return crlf + 4
    return lf + 2 if lf >= 0 else len(data)


def slim(data: bytes) -> bytes:
    """``data`` with the bodies of the MIME parts no recipe reads left out (their headers stay): attachments and
    other non-text parts, and the HTML alternative when there is a plain-text part. So a message with a 20 MB
    attachment parses as fast as a short one. The stdlib parser does all the parsing; this only finds part
    boundaries (``--boundary`` lines followed by part headers)."""
    if b"\n--" not in data:
        return data
    starts = list(_PART_START.finditer(data))
    plain = any(_PLAIN_PART.search(m.group(2)) and not _ATTACHED.search(m.group(2)) for m in starts)
    out, last = [], 0
    for match in starts:
        if match.start() < last:
            continue
        headers = match.group(2)
        if _TEXT_PART.search(headers) and not _ATTACHED.search(headers) and not (plain and _HTML_PART.search(headers)):
            continue
        body_start = _body_start(data, match)
        end = data.find(b"\n--" + match.group(1), body_start)
        if end < 0:
            end = len(data)
        out.append(data[last:body_start])
        last = end
    if not out:
        return data
    out.append(data[last:])
    return b"".join(out)


# --- headers ------------------------------------------------------------------------------------------------

def header(msg: Message, name: str) -> str:
    """A header as text: RFC 2047 words decoded, raw 8-bit bytes read as UTF-8 or guessed; never raises."""
    value = msg.get(name)
    if value is None:
        return ""
    value = str(value)
    try:
        parts = decode_header(value)
    except Exception:
        return _undeclared(value)
    out = []
    for part, charset in parts:
        if isinstance(part, bytes):
            out.append(decode_text(part, charset))
        else:
            out.append(_undeclared(part))
    return "".join(out).strip()


def _undeclared(value: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogates: decode them as UTF-8, else guess."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return decode_text(value.encode("ascii", "surrogateescape"), None)


def _address(value: str) -> tuple[str, str]:
    pairs = addresses(value) if value else []
    name, address = pairs[0] if pairs else ("", "")
    return name.strip().strip('"'), address.strip().lower()


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    value = header(msg, name)
    return [(n.strip().strip('"'), a.strip().lower()) for n, a in addresses(value) if a] if value else []


def addresses(value: str) -> list[tuple[str, str]]:
    """``email.utils.getaddresses([value])``, the common forms (``Name <a@b.org>``, ``"Last, First" <a@b.org>``,
    ``a@b.org``, lists of them) read by one pattern each, which is several times faster; anything else (comments,
    groups, escapes, routes, odd characters) by the stdlib.

    >>> addresses('Bob  Smith <bob@example.com>, "Chen, Li" <li@example.cn>, ann@example.org')
    [('Bob Smith', 'bob@example.com'), ('Chen, Li', 'li@example.cn'), ('', 'ann@example.org')]
    """
    pieces = _LIST_PIECE.findall(value)
    found = []
    for piece in pieces if ",".join(pieces) == value else ():
        simple = _SIMPLE_ADDRESS.fullmatch(piece)
        if simple is None:
            return getaddresses([value])
        quoted, name, address, bare = simple.groups()
        found.append(("", bare) if bare else (quoted if quoted is not None else " ".join(name.split()), address))
    return found or getaddresses([value])


def _first_id(value) -> str | None:
    ids = _ids(value)
    return ids[0] if ids else (str(value).strip() or None if value else None)


def _ids(value) -> list[str]:
    return _MSGID.findall(str(value)) if value else []


def _date(value) -> str:
    if not value:
        return ""
    try:
        return parsedate_to_datetime(str(value)).isoformat()
    except (TypeError, ValueError, IndexError):
        return str(value).strip()


_FWS = r"[ \t\r\n]*"  # the whitespace getaddresses skips (not \s: it reads other spaces as part of a name)
_ADDR_SPEC = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
#: one address as getaddresses reads it plainly: a quoted name without escapes, or a name of words (letters,
#: digits, ``.'-``), then the address in angle brackets; or the address alone
_SIMPLE_ADDRESS = re.compile(rf"""{_FWS}(?:(?:"([^"\\\r\n]*)"|([\w.'\- \t\r\n]*?)){_FWS}<({_ADDR_SPEC})>|"""
                             rf"""({_ADDR_SPEC})){_FWS}""")
_LIST_PIECE = re.compile(r'(?:"[^"]*"|[^",])+')  # the addresses of a list, commas in quoted names kept

#: skips that list headers cause: they apply to other people's mail only (the list's copy of your own post is
#: yours, and read like any other mail of yours)
LIST_SKIPS = ("mailing_list", "bulk")
_BODY_SKIPS = ("calendar_invite", "no_text_part")  # skips that only the parts of a message show
_SKIP_HEADERS = frozenset(("auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder", "precedence",
                           "list-id", "list-post", "list-unsubscribe"))


def _header_skip(msg: Message, mail: Mail, walk: bool = True) -> tuple[str | None, str]:
    present = _SKIP_HEADERS.intersection(name.lower() for name in msg.keys())
    if not present:
        return _content_skip(msg, mail, walk)
    auto = (msg.get("auto-submitted") or "").strip().lower()
    if auto and auto != "no":
        return "auto_reply", f"Auto-Submitted: {auto}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in present:
            return "auto_reply", f"{name.title()} header"
    precedence = (msg.get("precedence") or "").strip().lower()
    if precedence == "auto_reply":
        return "auto_reply", "Precedence: auto_reply"
    if "list-id" in present or "list-post" in present or precedence == "list":
        return "mailing_list", header(msg, "list-id") or header(msg, "list-post") or "Precedence: list"
    if precedence in ("bulk", "junk") or "list-unsubscribe" in present:
        return "bulk", f"Precedence: {precedence}" if precedence else "List-Unsubscribe header"
    return _content_skip(msg, mail, walk)


def _content_skip(msg: Message, mail: Mail, walk: bool) -> tuple[str | None, str]:
    """Skips that the subject, sender and MIME structure show (``walk``: look into the parts too)."""
    if _AUTO_SUBJECT.match(mail.subject):
        return "auto_reply", f"subject {mail.subject[:40]!r}"
    if (msg.get_content_type() == "multipart/report"
            or mail.sender.split("@")[0] in _BOUNCE_SENDERS or _BOUNCE_SUBJECT.match(mail.subject)):
        return "bounce", mail.sender or msg.get_content_type()
    if walk and any(part.get_content_type() == "text/calendar" for part in _parts(msg)):
        return "calendar_invite", "text/calendar part"
    return None, ""


# --- body ---------------------------------------------------------------------------------------------------

def _parts(msg: Message):
    """The leaf parts of the message, not descending into attached messages (message/rfc822)."""
    stack = [msg]
    while stack:
        part = stack.pop(0)
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list) and part.get_content_maintype() == "multipart":
            stack[0:0] = payload
        else:
            yield part


def _body(msg: Message) -> tuple[str | None, bool, str]:
    """(text, from HTML?, quoted text taken out of the HTML); text is None without a text part."""
    plain = html = None
    for part in _parts(msg):
        if part.get_content_disposition() == "attachment" or (_may_have(part, "name") and part.get_filename()):
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part
        elif kind == "text/html" and html is None:
            html = part
    if plain is not None:
        return _decode_part(plain), False, ""
    if html is not None:
        text, quoted = html_to_text(_decode_part(html))
        return text, True, quoted
    if not msg.is_multipart() and msg.get_content_maintype() == "text" and not msg.get("content-type"):
        return _decode_part(msg), False, ""
    return None, False, ""


def _decode_part(part: Message) -> str:
    data = part.get_payload(decode=True)
    if any(isinstance(d, email_errors.InvalidBase64LengthDefect) for d in part.defects):
        raise BrokenMessage("its base64 text cannot be decoded (truncated or damaged)")
    if data is None:
        return ""
    text = decode_text(data, part.get_content_charset())
    if _may_have(part, "format") and (part.get_param("format") or "").lower() == "flowed":
        text = _unflow(text, (part.get_param("delsp") or "").lower() == "yes")
    return text


def _may_have(part: Message, param: str) -> bool:
    """Whether the part's Content-Type or Content-Disposition could hold the parameter ``param`` (its name is in
    them): the stdlib parses a header's parameters again on every question, most of which this answers."""
    return any(param in str(value).lower() for value in (part.get("content-type"), part.get("content-disposition"))
               if value is not None)


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join lines ending in a space (not the signature line ``-- ``)."""
    out, current = [], ""
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.endswith(" ") and line != "-- " and not line.startswith(">"):
            current += line[:-1] if delsp else line
        else:
            out.append(current + line)
            current = ""
    if current:
        out.append(current)
    return "\n".join(out)


def _part_list(msg: Message) -> str:
    return ", ".join(sorted({part.get_content_type() for part in _parts(msg)}))[:100]


def html_to_text(html: str) -> tuple[str, str]:
    """(text, quoted text) of an HTML body, converted by html-text; quotes (``<blockquote>``, Gmail's
    ``gmail_quote``, Outlook's reply header ``divRplyFwdMsg`` and what follows it) are separated out."""
    import html_text

    try:
        tree = html_text.parse_html(html)
    except Exception:
        return "", ""
    if tree is None:
        return "", ""
    quoted = []
    for element in tree.xpath('//blockquote | //div[contains(concat(" ", @class, " "), " gmail_quote ")]'
                              ' | //*[@id="divRplyFwdMsg"] | //*[@id="divRplyFwdMsg"]/following-sibling::*'):
        if element.getparent() is None:
            continue
        quoted.append(html_text.extract_text(element))
        element.drop_tree()
    return html_text.extract_text(tree, guess_layout=True), "\n".join(quoted)


def decode_text(data: bytes, declared: str | None) -> str:
    """Bytes of a part or header as text: the declared charset (read as the superset clients really use),
    else UTF-8, else charset-normalizer's guess, else the declared charset or UTF-8 with replacement characters.

    >>> decode_text("Grüße".encode("latin-1"), None), decode_text("Привет".encode("koi8-r"), "KOI8-R")
    ('Grüße', 'Привет')
    >>> decode_text(b"caf\\xc3\\xa9", "us-ascii")  # declared wrong: really UTF-8
    'café'
    """
    codec = _codec(declared)
    if codec is not None and codec != "cp1252":
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec == "cp1252":
        return data.decode(codec, "replace")
    if len(data) >= 16:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
        if best is not None:
            try:
                return data.decode(best.encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    return data.decode(codec or "cp1252", "replace")


def _codec(declared: str | None) -> str | None:
    if not declared:
        return None
    name = declared.strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
