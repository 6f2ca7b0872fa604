"""The privacy gate: recall and precision on a labelled fixture, placeholders consistent within an example."""

import re

from ftcook.example import Example
from ftcook.pipeline.redact import Redactor

# [[KIND:value]] marks what must be redacted; everything else must stay. Invented data: test card numbers,
# example IBANs, 555 phone numbers, example.* domains, fake keys of the published formats.
LABELLED = """
Hi team, please loop in [[EMAIL:carol.white@example.net]] and [[EMAIL:Dev.Ops+alerts@corp.example.co.uk]].
My own address alice@example.org stays, and so does alice@example.org in the signature.
Call Bob on [[PHONE:+1 415-555-0199]] or his desk [[PHONE:(415) 555-0142]]; Berlin office [[PHONE:+49 30 1234567]].
London: [[PHONE:+44 20 7946 0958]]. Paris: [[PHONE:+33 1 42 68 53 00]].
Pay to [[IBAN:DE89 3704 0044 0532 0130 00]] or [[IBAN:GB82WEST12345698765432]], not to DE00 1234 5678 9012 3456 78.
Card [[CARD:4111 1111 1111 1111]], Amex [[CARD:3782-822463-10005]], and [[CARD:5555555555554444]] for tests.
The reset link is [[URL:https://accounts.example.com/reset?token=9f8e7d6c5b4a3f2e1d0c]] - valid for an hour.
Shared folder: [[URL:https://drive.example.com/s/8f3kQ2x9LmZ7pW4vT1nR6yB5]] (edit access).
Docs are at https://docs.example.com/guide/getting-started and https://example.com/pricing?plan=team.
OpenAI key [[SECRET:sk-proj-4f9XbQ2mT7vL1cZ8nR3wY6aK0eH5uJ9s]], AWS [[SECRET:AKIAIOSFODNN7EXAMPLE]],
GitHub [[SECRET:ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R]], Slack [[SECRET:xoxb-123456789012-abcdefABCDEF]].
The wifi password: [[SECRET:Tr0ub4dor&3]] and the door code is in the wiki. Passwort ist [[SECRET:Sommer2025!]].
Please reset your password: it expired. The password is long.
Order 12345678 ships on 2025-03-14 at 10:30; invoice INV-2025-0042 totals $1,234.56.
Meeting on 03/04/2025, room 4.12, version 2.13.0, ISBN 978-3-16-148410-0, zip 94103, year 1999.
Tracking number 1Z999AA10123456784 and PO 4500012345.
Reach [[EMAIL:li.wei@example.cn]] or [[PHONE:+86 10 6552 9988]]; Tokyo [[PHONE:+81 3-1234-5678]].
"""


def parse(labelled: str) -> tuple[str, list[tuple[int, int, str]]]:
    text, spans, last = [], [], 0
    position = 0
    for match in re.finditer(r"\[\[([A-Z]+):(.+?)\]\]", labelled):
        text.append(labelled[last:match.start()])
        position += match.start() - last
        spans.append((position, position + len(match.group(2)), match.group(1)))
        text.append(match.group(2))
        position += len(match.group(2))
        last = match.end()
    text.append(labelled[last:])
    return "".join(text), spans


def test_recall_and_precision_on_the_labelled_fixture():
    text, truth = parse(LABELLED)
    found = Redactor(keep=["alice@example.org"]).find(text)
    hits = [t for t in truth if any(f[2] == t[2] and f[0] < t[1] and t[0] < f[1] for f in found)]
    right = [f for f in found if any(f[2] == t[2] and f[0] < t[1] and t[0] < f[1] for t in truth)]
    recall, precision = len(hits) / len(truth), len(right) / len(found)
    missed = [text[s:e] for s, e, _ in truth if (s, e, _) not in hits]
    wrong = [(text[s:e], k) for s, e, k in found if (s, e, k) not in right]
    assert len(truth) == 23
    assert recall == 1.0, missed
    assert precision == 1.0, wrong


def test_placeholders_are_consistent_within_an_example_and_counted():
    redactor = Redactor(keep=["alice@example.org"])
    example = Example("From bob@example.com: call +1 415 555 0199.",
                      "Sure bob@example.com, I'll call +1 415 555 0199 - or mail carol@example.net.")
    redacted = redactor.redact(example)
    assert redacted.prompt == "From <EMAIL_1>: call <PHONE_1>."
    assert redacted.completion == "Sure <EMAIL_1>, I'll call <PHONE_1> - or mail <EMAIL_2>."
    assert redacted.meta["redacted"] == {"EMAIL": 2, "PHONE": 1}
    again = redactor.redact(Example("", "Mail carol@example.net"))
    assert again.completion == "Mail <EMAIL_1>"  # numbering starts again in each example
    assert redactor.to_dict() == {"examples": 2, "placeholders": {"EMAIL": 3, "PHONE": 1}, "region": "auto",
                                  "left_phone_like": {"count": 0, "regions": {}, "examples": []}}


def test_national_numbers_use_the_region():
    assert Redactor(region="DE").find("Ruf an: 030 1234567")[0][2] == "PHONE"
    assert Redactor(region="US").find("Ruf an: 030 1234567") == []
