"""A message's text → what its writer wrote new: quoted text (``>`` blocks, "On … wrote:" in English, German,
French, Spanish, Italian, Dutch, Portuguese, Russian, Chinese and Japanese, Outlook's "-----Original Message-----"
and "From:/Sent:" header blocks, forwarded messages), RFC 3676 signatures (``-- ``), "Sent from my phone" lines
and disclaimers come out. All functions here are pure: text in, text out.

The writer's own repeated closing block (a signature typed by their client without ``-- ``) is learned from
their mail with ``learn_closings`` and taken out with ``strip_closing``.
"""

from __future__ import annotations

import re
from collections import Counter

_WROTE = re.compile(
    r"^(On\s.{1,250}\s(wrote|writes)|Am\s.{1,250}\sschrieb.{0,250}|Le\s.{1,250}\sa\s[ée]crit|"
    r"El\s.{1,250}\sescribi[óo]|Il\s.{1,250}\sha\sscritto|Op\s.{1,250}\sschreef.{0,250}|Em\s.{1,250}\sescreveu|"
    r".{1,250}\s(написал|написала|пишет)|.{0,250}(写道|寫道)|.{0,250}(書きました|のメッセージ)|"
    r"\d{4}年\d{1,2}月\d{1,2}日.{0,200}|"
    # Gmail's "<date>, <name> <address>:"
    r".{0,100}\d.{0,150}<[\w.+-]+@[\w-]+(\.[\w-]+)+>)\s*[:：]\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^\s*[-_=]{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|"
    r"Messaggio originale|Oorspronkelijk bericht|Исходное сообщение|原始邮件|原始郵件|元のメッセージ|"
    r"Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|Messaggio inoltrato|"
    r"Doorgestuurd bericht|Пересылаемое сообщение|转发的邮件|轉寄的郵件|転送されたメッセージ)\s*[-_=]{2,}\s*$|"
    r"^\s*(Begin forwarded message|Anfang der weitergeleiteten Nachricht|Début du message réexpédié)\s*:\s*$",
    re.IGNORECASE)
_HEADER_FROM = re.compile(r"^\s*\*?(From|Von|De|Da|Van|Från|От|发件人|寄件者|差出人)\s*\*?\s*[:：]\s*\*?\s*\S",
                          re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Fecha|Inviato|Data|Verzonden|"
                          r"Skickat|Отправлено|Дата|发送时间|日期|寄件日期|送信日時|日付|To|An|À|Para|A|Aan|Кому|"
                          r"收件人|宛先)\s*\*?\s*[:：]", re.IGNORECASE)
_PHONE_FOOTER = re.compile(
    r"^\s*(Sent from my \S.{0,40}|Sent from (Mail|Outlook|Yahoo Mail|Gmail).{0,40}|Get Outlook for .{1,30}|"
    r"Von meinem \S.{0,30} gesendet|Gesendet von meinem .{1,30}|Envoyé de mon .{1,30}|Enviado desde mi .{1,30}|"
    r"Inviato da .{1,30}|Отправлено с .{1,30}|从我的\s?\S{1,20}发送|\S{1,20}から送信)\s*$", re.IGNORECASE)
_DISCLAIMER_START = re.compile(r"^\W*(disclaimer|confidentiality notice|legal notice|haftungsausschluss|"
                               r"avis de confidentialit[ée]|aviso de confidencialidad|免责声明)\b", re.IGNORECASE)
_DISCLAIMER_WORDS = re.compile(r"confidential|privileged|intended (solely )?for|addressee|intended recipient|"
                               r"received this (e-?mail|message) in error|notify the sender|vertraulich|"
                               r"empfänger|irrtümlich|destinataire|confidencial|destinatario|机密|收件人",
                               re.IGNORECASE)
#: lowercased words one of which every match of ``_DISCLAIMER_WORDS`` contains: a paragraph with none of them is
#: not searched (the search tries every position of every paragraph)
_DISCLAIMER_KEYS = ("confiden", "privileged", "intended", "addressee", "received this", "notify the sender",
                    "vertraulich", "empfänger", "irrtümlich", "destinat", "机密", "收件人")
_COLONS = (":", "：")  # every quote header but Outlook's "---- Original Message ----" rule ends with one
_QUOTE_MARKS = re.compile(r"^\s*(>\s?)+")
_RULE_OR_BLANK = re.compile(r"\s*_{5,}\s*|\s*")
_BLANK_LINES = re.compile(r"\n{3,}")
_SIGNOFF_MAX = 40
_VALEDICTION = re.compile(
    r"([,!]|^(best|regards|kind regards|best regards|warm regards|cheers|thanks|thank you|many thanks|sincerely|"
    r"yours|love|take care|talk soon|warmly|all the best|(viele|liebe|beste|herzliche) grüße|mit freundlichen "
    r"grüßen|grüße|gruß|lg|vg|cordialement|bien à (toi|vous)|bonne (journée|soirée)|amitiés|bises|saludos|"
    r"un saludo|atentamente|abrazos|cordiali saluti|saluti|groeten|met vriendelijke groet|с уважением|спасибо|"
    r"祝好|此致|谢谢|よろしくお願いします|よろしく)[.!]?)\s*$", re.IGNORECASE)


def clean_body(text: str) -> tuple[str, str]:
    """(what is new, what is quoted) of a message body.

    >>> clean_body("Sounds good!\\n\\nOn Mon, 3 Feb 2025, Bob <bob@example.com> wrote:\\n> Lunch?\\n")
    ('Sounds good!', 'Lunch?')
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line.rstrip() for line in lines]
    new, quoted = split_quotes(lines)
    new = strip_signature(new)
    new = [line for line in new if not _PHONE_FOOTER.match(line)]
    return _tidy(drop_disclaimers(new)), _tidy(quoted)


def split_quotes(lines: list[str]) -> tuple[list[str], list[str]]:
    """New lines and quoted lines. A quote header ("On … wrote:", "-----Original Message-----", an Outlook
    "From:/Sent:" block) followed by unmarked text starts the quoted rest (top-posting); followed by ``>``
    lines it is only dropped, so answers written between the quoted lines (inline replies) stay."""
    new: list[str] = []
    quoted: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">"):
            quoted.append(_QUOTE_MARKS.sub("", line))
            i += 1
            continue
        header = _quote_header(lines, i)
        if header:
            after = next((l for l in lines[i + header:] if l.strip()), "")
            if after.lstrip().startswith(">") and not _SEPARATOR.match(line):
                i += header
                continue
            quoted.extend(l for l in lines[i + header:])
            break
        new.append(line)
        i += 1
    while new and _RULE_OR_BLANK.fullmatch(new[-1]):  # Outlook's line above its header block
        new.pop()
    return new, [_QUOTE_MARKS.sub("", l) for l in quoted]


def _quote_header(lines: list[str], i: int) -> int:
    """How many lines the quote header at ``lines[i]`` spans (0: none). Most lines are prose: the patterns are
    tried only on a line that could match them (a colon at its end or in it, a rule's characters)."""
    line = lines[i]
    end = line.rstrip()[-1:]
    if not end:
        return 0
    if (end in _COLONS or "-" in line or "_" in line or "=" in line) and _SEPARATOR.match(line):
        return 1
    if end in _COLONS and _WROTE.match(line):
        return 1
    following = lines[i + 1].strip() if i + 1 < len(lines) else ""
    if following[-1:] in _COLONS and _WROTE.match(f"{line} {following}"):
        return 2  # "On Mon, … Bob Smith <" / "bob@example.com> wrote:" wrapped by the client
    if (":" in line or "：" in line) and _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(l)
                                                                        for l in lines[i + 1:i + 4]):
        return 1
    return 0


def strip_signature(lines: list[str]) -> list[str]:
    """Everything from the RFC 3676 signature line (``-- ``) on is dropped.

    >>> strip_signature(["Hi", "", "-- ", "Alice Smith", "ACME"])
    ['Hi', '']
    """
    for i, line in enumerate(lines):
        if line in ("-- ", "--"):
            return lines[:i]
    return lines


def drop_disclaimers(lines: list[str]) -> list[str]:
    """Paragraphs that are legal disclaimers ("This e-mail is confidential … if you are not the intended
    recipient …") are dropped."""
    out: list[str] = []
    for paragraph in _paragraphs(lines):
        text = " ".join(paragraph)
        if _DISCLAIMER_START.match(text) or (len(text) >= 80 and _disclaimer_words(text) >= 2):
            continue
        if out:
            out.append("")
        out.extend(paragraph)
    return out


def _disclaimer_words(text: str) -> int:
    """How many different disclaimer words (``_DISCLAIMER_WORDS``) ``text`` has."""
    folded = text.casefold()
    if not any(key in folded for key in _DISCLAIMER_KEYS):
        return 0
    return len(set(m.group(0).lower() for m in _DISCLAIMER_WORDS.finditer(text)))


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _tidy(lines: list[str]) -> str:
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# --- the writer's own closing block -------------------------------------------------------------------------

def closing_blocks(text: str, most: int = 6) -> list[str]:
    """The text's last 1..``most`` non-empty lines, as candidate closing blocks (shortest first)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return ["\n".join(lines[-k:]) for k in range(1, min(most, len(lines) - 1) + 1)]


def learn_closings(texts, at_least: int = 3, share: float = 0.05) -> list[str]:
    """Closing blocks that end at least ``at_least`` and ``share`` of the texts: the writer's signature as
    their client adds it. Most frequent first (the signature itself rather than the varying sign-off above
    it), then longest (the whole block rather than its last line)."""
    counts: Counter[str] = Counter()
    total = 0
    for text in texts:
        total += 1
        counts.update(closing_blocks(text))
    need = max(at_least, share * total)
    return sorted((block for block, n in counts.items() if n >= need), key=lambda b: (-counts[b], -len(b), b))


def strip_closing(text: str, closings: list[str], keep_signoff: bool = True) -> str:
    """``text`` without the first learned closing block it ends with. With ``keep_signoff`` a sign-off at the
    start of the block ("Best," / "Alice") stays.

    >>> closing = "Best,\\nAlice\\nACME Corp | +1 555 0100"
    >>> strip_closing("See you then.\\n\\n" + closing, [closing])
    'See you then.\\n\\nBest,\\nAlice'
    """
    candidates = set(closing_blocks(text))
    for block in closings:
        if block in candidates:
            lines = text.rstrip().split("\n")
            filled = [i for i, line in enumerate(lines) if line.strip()]
            size = block.count("\n") + 1
            keep = len(signoff(block)) if keep_signoff else 0
            if keep:
                return "\n".join(lines[:filled[-size + keep - 1] + 1])
            return "\n".join(lines[:filled[-size]]).rstrip()
    return text


def signoff(block: str) -> list[str]:
    """The sign-off lines at the start of a closing block: a valediction and the short name after it, or a
    lone short first line.

    >>> signoff("Best,\\nAlice\\nAlice Martin\\nACME"), signoff("Alice\\nAlice Martin\\nACME"), \\
    ...     signoff("ACME Corp | +1 555")
    (['Best,', 'Alice'], ['Alice'], [])
    """
    lines = block.split("\n")
    first = lines[0]
    if len(first) > _SIGNOFF_MAX or re.search(r"[@|:/\d<>]", first):
        return []
    if _VALEDICTION.search(first) and len(lines) > 1 and len(lines[1].split()) <= 2 \
            and not re.search(r"[@|:/\d<>]", lines[1]):
        return lines[:2]
    return [first] if _VALEDICTION.search(first) or len(first.split()) <= 3 else []
