"""The privacy gate: other people's email addresses, phone numbers, card numbers, IBANs, URLs carrying tokens and
secrets become typed placeholders (``<EMAIL_1>``, ``<PHONE_2>``), numbered by first appearance and the same for
the same value everywhere in one example (system, prompt and completion).

Numbers are validated, not just matched: phone numbers by Google's libphonenumber (``phonenumbers``), card
numbers by the Luhn check and IBANs by their check digits (``python-stdnum``). Secrets are recognised by the
published formats of common API keys and tokens and by "password: …" phrases. On by default for recipes that read
private mail (``Recipe.redact_default``); ``ftcook build --no-redact`` turns it off, ``--redact`` on.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

from .regions import AUTO, LeftNumbers, regions_for

_REMEMBER = 4096  # texts whose findings are kept (``Redactor.find``)

#: placeholder types, in report order
KINDS = ("URL", "SECRET", "EMAIL", "IBAN", "CARD", "PHONE")

_SECRET_PATTERNS = [
    re.compile(p) for p in (
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----",
        r"\bsk-(?:proj-|ant-|live_|test_)?[A-Za-z0-9_-]{20,}",  # OpenAI, Anthropic, Stripe secret keys
        r"\b(?:rk|pk)_(?:live|test)_[A-Za-z0-9]{20,}",  # Stripe
        r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key id
        r"\bgh[pousr]_[A-Za-z0-9]{36,}\b", r"\bgithub_pat_[A-Za-z0-9_]{40,}\b",  # GitHub
        r"\bglpat-[A-Za-z0-9_-]{20,}\b",  # GitLab
        r"\bxox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
        r"\bAIza[0-9A-Za-z_-]{35}\b",  # Google API key
        r"\bhf_[A-Za-z0-9]{30,}\b",  # Hugging Face
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JSON Web Token
    )
]
_PASSWORD = re.compile(
    r"(?i)\b(password|passwort|kennwort|mot de passe|contraseña|senha|пароль|密码|パスワード|passcode|pass(?:wd)?|"
    r"pwd|pin|api[ _-]?key|secret|token)\b(\s*(?:is|ist|est|es|:|=|：)\s*)([\"']?)([^\s\"',;]{3,}[^\s\"',;.!?:)])")
_URL = re.compile(r"\bhttps?://[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]")
_URL_SECRET_KEYS = {"token", "access_token", "refresh_token", "id_token", "auth", "authorization", "key", "api_key",
                    "apikey", "sig", "signature", "x-amz-signature", "x-amz-credential", "secret", "password",
                    "pwd", "pass", "session", "sessionid", "sid", "code", "otp", "ticket", "hash", "s", "t"}
_RANDOM = re.compile(r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_DIGITS = re.compile(r"\d[\d\s().+/-]{5,}\d")
_ANY_DIGIT = re.compile(r"\d")
_SECRETS = re.compile("|".join(f"(?:{p.pattern})" for p in _SECRET_PATTERNS))  # one scan of the text, not one each
_LONG_WORD = re.compile(r"\S{15,}")  # every key format above is at least 15 characters without a space
#: what every _PASSWORD keyword contains, lower-cased
_PASSWORD_WORDS = ("pass", "kennwort", "contraseña", "senha", "пароль", "密码", "パスワード", "pwd", "pin", "api",
                   "secret", "token")
_PASSWORD_WORD = re.compile("|".join(map(re.escape, _PASSWORD_WORDS)))  # one search, not a test per word


class Redactor:
    """``redact(example)`` → the example with placeholders; ``counts`` by kind over all examples.

    >>> r = Redactor(keep=["me@example.org"])
    >>> r.text("Mail bob@example.com or me@example.org, call +1 415-555-0132.", {})
    'Mail <EMAIL_1> or me@example.org, call <PHONE_1>.'
    """

    def __init__(self, keep: list[str] = (), keep_patterns: list[str] = (), region: str = AUTO):
        self.keep = {a.lower() for a in keep}
        self.keep_patterns = list(keep_patterns)
        self.region = region  # for phone numbers without +country: 'auto' reads it from each message (regions.py)
        self.counts: Counter[str] = Counter()
        self.examples = 0  # examples with at least one placeholder
        self.left = LeftNumbers()
        self._found: dict[tuple, list[tuple[int, int, str]]] = {}

    def redact(self, example, found: tuple | None = None):
        """``example`` with placeholders; its ``meta["addresses"]`` (part → the sender's addresses, from the
        recipe) say where each part's phone numbers are from. ``found``: what ``find_all`` found in it, perhaps in
        another process (the build's helpers), else it is searched here."""
        texts = _texts(example)
        found = self.find_all(example) if found is None else found
        if not any(found):  # nothing to replace: only the numbers left are counted
            for text, _ in texts[:3]:
                if text and _DIGITS.search(text):
                    self.left.scan(_DIGITS.finditer(text), example.id)
            return example
        names: dict[tuple[str, str], str] = {}
        changes = {}
        for part, (value, _), spans in zip(("system", "prompt", "completion"), texts, found):
            if value:
                redacted = self.text(value, names, example_id=example.id, spans=spans)
                if redacted != value:
                    changes[part] = redacted
        # earlier turns are other examples' prompts and replies too: their leftover numbers are counted there
        context = tuple((role, self.text(content, names, count_left=False, spans=spans))
                        for (role, content), spans in zip(example.context, found[3:]))
        if context != example.context:
            changes["context"] = context
        if not changes:
            return example
        self.examples += 1
        return example.replace(**changes, meta={**example.meta, "redacted": _kinds(names)})

    def find_all(self, example) -> tuple:
        """The findings of every text ``redact`` reads in ``example``: system, prompt, completion, then each
        context turn. Pure (nothing is counted): the build finds them in its helper processes and hands them to
        ``redact``, which numbers the placeholders, in order, in this process."""
        return tuple(self.find(text, addresses) if text else () for text, addresses in _texts(example))

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_found": {}}  # a helper process starts with no remembered findings

    def find(self, text: str, addresses=()) -> list[tuple[int, int, str]]:
        """(start, end, kind) of everything to redact in ``text``, in order, not overlapping. The last texts'
        findings are remembered: a chat's earlier turns recur as the context of every reply after them."""
        key = (text, tuple(addresses))
        spans = self._found.get(key)
        if spans is not None:
            return spans
        spans = []
        for kind, found in self._find(text, addresses):
            for start, end in found:
                if not any(s < end and start < e for s, e, _ in spans):
                    spans.append((start, end, kind))
        spans.sort()
        if len(self._found) >= _REMEMBER:
            self._found.clear()
        self._found[key] = spans
        return spans

    def mask(self, text: str) -> str:
        """``text`` with each finding replaced by its kind (``<PHONE>``), counting nothing: for the excerpts of
        skipped items, which are not training data but should not leak either.

        >>> Redactor().mask("call +1 415-555-0132")
        'call <PHONE>'
        """
        spans = self.find(text)
        for start, end, kind in reversed(spans):
            text = f"{text[:start]}<{kind}>{text[end:]}"
        return text

    def text(self, text: str, names: dict[tuple[str, str], str], addresses=(), example_id: str = "",
             count_left: bool = True, spans: list | None = None) -> str:
        """``text`` with placeholders; ``names`` maps (kind, value) to its placeholder within one example. Numbers
        left that look like phone numbers are counted (``left``). ``spans``: what ``find`` found in it, if known."""
        out, last = [], 0
        for start, end, kind in self.find(text, addresses) if spans is None else spans:
            value = text[start:end]
            key = (kind, value.lower() if kind == "EMAIL" else value)
            if key not in names:
                names[key] = f"<{kind}_{sum(1 for k, _ in names if k == kind) + 1}>"
                self.counts[kind] += 1
            out += (text[last:start], names[key])
            last = end
        redacted = "".join(out) + text[last:] if out else text
        if count_left and _DIGITS.search(redacted):
            self.left.scan(_DIGITS.finditer(redacted), example_id)
        return redacted

    def _find(self, text: str, addresses=()):
        """(kind, spans) for each kind, most specific first: a URL with a key in it is one ``<URL_n>``, an IBAN's
        digits are not a phone number."""
        if "://" in text:
            yield "URL", [m.span() for m in _URL.finditer(text) if _url_has_token(m.group(0))]
        secrets = []  # the full scans only where a cheap test says one could be (a tenth of the time on chat)
        if _LONG_WORD.search(text) or "-----BEGIN" in text:
            secrets += [m.span() for m in _SECRETS.finditer(text)]
        if _PASSWORD_WORD.search(text.lower()):
            secrets += [m.span(4) for m in _PASSWORD.finditer(text) if _secret_value(m.group(4))]
        yield "SECRET", secrets
        if "@" in text:
            yield "EMAIL", [m.span() for m in _EMAIL.finditer(text) if not self._mine(m.group(0))]
        if not _ANY_DIGIT.search(text):
            return
        yield "IBAN", [m.span() for m in _IBAN.finditer(text) if _iban(m.group(0))]
        if not _DIGITS.search(text):  # a card number (13-19 digits, spaces or hyphens between) is such a run too
            return
        yield "CARD", [m.span() for m in _CARD.finditer(text) if _card(m.group(0))]
        yield "PHONE", self._phones(text, regions_for(text, addresses, self.region))

    def _mine(self, address: str) -> bool:
        address = address.lower()
        return address in self.keep or any(fnmatch.fnmatchcase(address, p) for p in self.keep_patterns)

    @staticmethod
    def _phones(text: str, regions: list[str]) -> list[tuple[int, int]]:
        """Valid numbers for any of ``regions`` (the first region's reading of a number wins)."""
        import phonenumbers

        spans: list[tuple[int, int]] = []
        for region in regions:
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
                if not any(s < m.end and m.start < e for s, e in spans):
                    spans.append((m.start, m.end))
        return spans

    def to_dict(self) -> dict:
        return {"examples": self.examples, "placeholders": {k: self.counts[k] for k in KINDS if self.counts[k]},
                "region": self.region, "left_phone_like": self.left.to_dict()}


def _texts(example) -> list[tuple[str, tuple]]:
    """(text, addresses) of what ``Redactor.redact`` reads, in ``find_all``'s order."""
    addresses = example.meta.get("addresses") or {}
    parts = [(getattr(example, part), tuple(addresses.get(part, ()))) for part in ("system", "prompt", "completion")]
    return parts + [(content, ()) for _, content in example.context]


def _kinds(names) -> dict[str, int]:
    return dict(Counter(kind for kind, _ in names))


def _secret_value(value: str) -> bool:
    """A password-like value: not a plain word ("password: reset" is not a secret) unless it mixes kinds."""
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return classes >= 2 and not value.startswith("<")


def _url_has_token(url: str) -> bool:
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key.lower() in _URL_SECRET_KEYS and len(value) >= 6 or _RANDOM.fullmatch(value):
            return True
    return any(_RANDOM.fullmatch(segment) for segment in parts.path.split("/")) or "@" in parts.netloc


def _iban(candidate: str) -> bool:
    from stdnum import iban

    return iban.is_valid(candidate)


def _card(candidate: str) -> bool:
    from stdnum import luhn

    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn.is_valid(digits)
