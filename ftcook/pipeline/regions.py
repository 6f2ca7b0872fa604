"""Which country a phone number written without ``+country`` belongs to, read from what a message says.

A number like ``030 1234567`` is only a phone number for a region (Berlin's, in Germany); libphonenumber needs
that region to recognise it. With ``-o region=auto`` (the default) the privacy gate reads each message for it:

1. the sender's address, when the recipe knows it (``jonas@beispiel.de``: DE),
2. the message's language (lingua, among the languages spoken mainly in one country: German is DE),
3. the countries of the numbers written with ``+country`` in it (``+33 1 42 68 53 00``: FR),
4. the country domains of the addresses and links in it (``.co.uk``: GB),

and redacts numbers valid in any of the first three regions found; with none of these, ``US``. An explicit
``-o region=DE`` reads every message as German. Numbers that still look like phone numbers afterwards (valid in
one of the ``COMMON`` regions) are counted by ``LeftNumbers`` and the build report says which region would read
them.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

AUTO = "auto"
FALLBACK = "US"
MOST = 3  # regions read per message at most

#: regions tried for numbers that were left, in the report's order of preference
COMMON = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "SE", "PL", "PT", "BR", "IN", "JP", "AU", "CA")

#: ISO 639-1 language → the regions where it is mainly spoken (English, Arabic and others: no single region)
LANGUAGE_REGIONS = {
    "de": ("DE",), "fr": ("FR",), "es": ("ES",), "it": ("IT",), "nl": ("NL",), "pt": ("BR", "PT"),
    "pl": ("PL",), "sv": ("SE",), "da": ("DK",), "nb": ("NO",), "fi": ("FI",), "ja": ("JP",), "ko": ("KR",),
    "zh": ("CN",), "ru": ("RU",), "tr": ("TR",), "cs": ("CZ",), "el": ("GR",), "hu": ("HU",), "ro": ("RO",),
    "uk": ("UA",), "he": ("IL",),
}
#: country domains used as generic names (start-ups, media), which say nothing about a phone number
_GENERIC_DOMAINS = {"io", "co", "ai", "me", "tv", "ly", "fm", "am", "cc", "ws", "to", "gg", "sh", "la"}
#: the last label of the host of an address or a link (not of file names: "setup.py" says nothing of Paraguay)
_DOMAIN = re.compile(r"(?:@|://|\bwww\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.([A-Za-z]{2})\b(?![.-]?[A-Za-z0-9])")
_INTERNATIONAL = re.compile(r"\+\s?\d")
_DATE_LIKE = re.compile(r"^(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$|(?:19|20)\d\d[./-])")  # a date, or a year-numbered id
_NON_DIGIT = re.compile(r"\D")


def check_region(value: str) -> str:
    """``auto`` or an ISO 3166 region libphonenumber knows, upper-cased; else a ValueError listing them."""
    import phonenumbers

    if value.strip().lower() == AUTO:
        return AUTO
    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        known = ", ".join(sorted(phonenumbers.SUPPORTED_REGIONS))
        raise ValueError(f"'{value}' is not a region for phone numbers: use 'auto' (read from each message) or one "
                         f"of {known}")
    return region


def regions_for(text: str, addresses=(), region: str = AUTO) -> list[str]:
    """The regions to read ``text``'s numbers for: ``[region]`` when one is set, else what ``text`` says
    (``addresses``: its sender's, from the recipe), at most ``MOST``, else ``[FALLBACK]``.

    >>> regions_for("Bei Fragen erreichst du mich unter 030 1234567. Viele Grüße, Jonas")
    ['DE']
    >>> regions_for("Call me on 020 7946 0018", addresses=["sam@example.co.uk"])
    ['GB']
    >>> regions_for("call 415 555 0132", region="CA")
    ['CA']
    >>> regions_for("setup.py says 0123 456789; see https://example.fr/x or mail me@x.co.uk")
    ['FR', 'GB']
    """
    if region != AUTO:
        return [region]
    found: list[str] = []
    for source in (lambda: _domain_regions(" ".join(addresses)), lambda: _language_regions(text),
                   lambda: _international_regions(text), lambda: _domain_regions(text)):
        for candidate in source():
            if candidate not in found:
                found.append(candidate)
        if len(found) >= MOST:
            break
    return found[:MOST] or [FALLBACK]


def _domain_regions(text: str) -> list[str]:
    import phonenumbers

    counts = Counter()
    for match in _DOMAIN.finditer(text):
        tld = match.group(1).lower()
        region = "GB" if tld == "uk" else tld.upper()
        if tld not in _GENERIC_DOMAINS and region in phonenumbers.SUPPORTED_REGIONS:
            counts[region] += 1
    return [region for region, _ in counts.most_common()]


def _international_regions(text: str) -> list[str]:
    import phonenumbers

    if not _INTERNATIONAL.search(text):
        return []
    counts = Counter(phonenumbers.region_code_for_number(m.number)
                     for m in phonenumbers.PhoneNumberMatcher(text, "ZZ", leniency=phonenumbers.Leniency.VALID))
    return [region for region, _ in counts.most_common() if region and region != "001"]


def _language_regions(text: str) -> list[str]:
    language = _detector().detect_language_of(text)
    return list(LANGUAGE_REGIONS.get(language.iso_code_639_1.name.lower(), ())) if language else []


_detectors = []


def _detector():
    """A lingua detector among English and the languages of ``LANGUAGE_REGIONS`` (low-accuracy mode: about 0.2 ms
    a message, 0.3 s to start)."""
    if not _detectors:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                     for code in ("en", *LANGUAGE_REGIONS)]
        _detectors.append(LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build())
    return _detectors[0]


class LeftNumbers:
    """Numbers still in the examples that would be phone numbers in one of the ``COMMON`` regions: counted with
    those regions and the first examples they are in, for the build report (never their digits)."""

    def __init__(self, limit: int = 5):
        self.count = 0
        self.regions: Counter[str] = Counter()
        self.examples: list[str] = []
        self.limit = limit

    def scan(self, candidates, example_id: str) -> None:
        """``candidates``: the digit runs of a redacted text (the privacy gate's ``_DIGITS`` matches)."""
        for match in candidates:
            regions = valid_in(match.group(0).strip())
            if regions:
                self.count += 1
                self.regions.update(regions)
                if example_id not in self.examples and len(self.examples) < self.limit:
                    self.examples.append(example_id)

    def to_dict(self) -> dict:
        return {"count": self.count, "regions": dict(self.regions.most_common()), "examples": self.examples}


@lru_cache(maxsize=4096)  # the same numbers come back: signatures, quoted mail
def valid_in(candidate: str) -> tuple[str, ...]:
    """The ``COMMON`` regions where ``candidate`` is a valid phone number; none for what is shaped like a date or a
    year-numbered id (invoice 2025-031), or has fewer than 7 or more than 15 digits.

    >>> valid_in("030 1234567")[:3]
    ('DE', 'FR', 'IT')
    >>> valid_in("2025-03-03"), valid_in("2025-031"), valid_in("12345")
    ((), (), ())
    """
    import phonenumbers

    digits = len(_NON_DIGIT.sub("", candidate))
    if not 7 <= digits <= 15 or _DATE_LIKE.match(candidate) or "\n" in candidate:
        return ()
    found = []
    for region in COMMON:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)):
                found.append(region)
        except phonenumbers.NumberParseException:
            continue
    return tuple(found)
