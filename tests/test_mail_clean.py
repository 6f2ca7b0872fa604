"""Quotes, signatures and disclaimers as the common mail clients write them."""

import pytest

from ftcook.mail.clean import clean_body, learn_closings, strip_closing

CASES = {
    "gmail": "Thursday works.\n\nOn Mon, Mar 3, 2025 at 9:00 AM Bob Chen <bob@example.com> wrote:\n\n> Can we meet?\n",
    "gmail wrapped": "Thursday works.\n\nOn Mon, Mar 3, 2025 at 9:00 AM Bob Chen <\nbob@example.com> wrote:\n> Can we meet?",
    "apple mail": "Thursday works.\n\n> On Mar 3, 2025, at 09:00, Bob Chen <bob@example.com> wrote:\n>\n> Can we meet?",
    "thunderbird": "Thursday works.\n\nOn 3/3/25 09:00, Bob Chen wrote:\n> Can we meet?",
    "outlook": "Thursday works.\n\n-----Original Message-----\nFrom: Bob Chen\nSent: Monday, March 3, 2025 9:00 AM\n"
               "To: Alice\nSubject: Meeting\n\nCan we meet?",
    "outlook header block": "Thursday works.\n\n________________________________\nFrom: Bob Chen <bob@example.com>\n"
                            "Sent: Monday, March 3, 2025 9:00 AM\nTo: Alice Martin\nSubject: Meeting\n\nCan we meet?",
    "outlook bold": "Thursday works.\n\n*From:* Bob Chen\n*Sent:* Monday\n*Subject:* Meeting\n\nCan we meet?",
    "german": "Thursday works.\n\nAm Mo., 3. März 2025 um 09:00 Uhr schrieb Bob Chen <bob@example.com>:\n> Can we meet?",
    "german outlook": "Thursday works.\n\nVon: Bob Chen\nGesendet: Montag, 3. März 2025 09:00\nAn: Alice\n"
                      "Betreff: Treffen\n\nCan we meet?",
    "french": "Thursday works.\n\nLe lun. 3 mars 2025 à 09:00, Bob Chen <bob@example.com> a écrit :\n> Can we meet?",
    "spanish": "Thursday works.\n\nEl lun, 3 mar 2025 a las 9:00, Bob Chen (<bob@example.com>) escribió:\n> Can we meet?",
    "chinese": "Thursday works.\n\n在 2025年3月3日 周一 09:00，Bob Chen <bob@example.com> 写道：\n> Can we meet?",
    "japanese": "Thursday works.\n\n2025年3月3日(月) 9:00 Bob Chen <bob@example.com>:\n> Can we meet?",
    "russian": "Thursday works.\n\nпн, 3 мар. 2025 г. в 09:00, Bob Chen <bob@example.com>:\n> Can we meet?",
    "forwarded": "Thursday works.\n\n---------- Forwarded message ---------\nFrom: Bob Chen\nDate: Mon\nSubject: x\n\n"
                 "Can we meet?",
    "apple forward": "Thursday works.\n\nBegin forwarded message:\n\nFrom: Bob Chen\nSubject: x\n\nCan we meet?",
}


@pytest.mark.parametrize("client", CASES)
def test_quotes_of_every_client_are_removed(client):
    new, quoted = clean_body(CASES[client])
    assert new == "Thursday works."
    assert "Can we meet?" in quoted


def test_inline_replies_keep_the_answers():
    new, quoted = clean_body("See below.\n\nOn Mon, Bob wrote:\n> First?\nYes.\n> Second?\nNo.\n")
    assert new == "See below.\n\nYes.\nNo."
    assert quoted == "First?\nSecond?"


def test_signatures_phone_footers_and_disclaimers_are_removed():
    text = ("Thanks, done.\n\nAlice\n\nSent from my iPhone\n\nCONFIDENTIALITY NOTICE: This e-mail is intended only "
            "for the addressee.\n")
    assert clean_body(text)[0] == "Thanks, done.\n\nAlice"
    assert clean_body("Done.\n-- \nAlice Martin\nNorthwind")[0] == "Done."
    disclaimer = ("Done.\n\nThis message and any attachments are confidential and intended solely for the addressee. "
                  "If you have received this email in error, please notify the sender and delete it.")
    assert clean_body(disclaimer)[0] == "Done."
    assert clean_body("Vertraulich? Nein, das ist ein ganz normaler Satz.")[0].startswith("Vertraulich")


def test_a_closing_block_is_learned_from_repetition_only():
    signature = "Alice Martin\nProduct Lead | Northwind\n+1 415 555 0137"
    texts = [f"Message {i}.\n\nBest,\nAlice\n{signature}" for i in range(5)] + ["Other.\n\nCheers,\nA."]
    closings = learn_closings(texts)
    assert signature in closings and closings.index(signature) < closings.index(signature.splitlines()[-1])
    assert strip_closing(texts[0], closings) == "Message 0.\n\nBest,\nAlice"
    assert strip_closing(texts[0], closings, keep_signoff=False).startswith("Message 0.")
    assert strip_closing("Other.\n\nCheers,\nA.", closings) == "Other.\n\nCheers,\nA."
    assert learn_closings(texts[:2]) == []  # twice is not a pattern
