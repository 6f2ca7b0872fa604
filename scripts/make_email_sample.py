"""Writes ftcook/samples/email/sample.mbox: a small mailbox written for the project (all people, addresses and
numbers are invented; example.* and .invalid domains, 555 phone numbers, test card and IBAN numbers).

Alice Martin (alice@example.org) is "me". Run ``python scripts/make_email_sample.py``; a test checks the
committed file is what this script writes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test-data writers
from compose.mail import compose, write_mbox  # noqa: E402

ALICE = ("Alice Martin", "alice@example.org")
BOB = ("Bob Chen", "bob@northwind.example")
CLAIRE = ("Claire Dubois", "claire@exemple.fr")
JONAS = ("Jonas Weber", "jonas@beispiel.de")
TOM = ("Tom Reyes", "tom.reyes@example.net")
PRIYA = ("Priya Nair", "priya@northwind.example")
SIGNATURE = "\n\nAlice Martin\nProduct Lead, Northwind Traders\n+1 415 555 0137"
SENT = {"X-Gmail-Labels": "Sent"}
INBOX = {"X-Gmail-Labels": "Inbox"}
OUT = Path(__file__).resolve().parent.parent / "ftcook" / "samples" / "email" / "sample.mbox"


def messages() -> list[bytes]:
    m = []
    m.append(compose(BOB, ALICE, "Q2 roadmap review", msgid="roadmap-1@northwind.example", minutes=0, headers=INBOX,
                     text="Hi Alice,\n\nCould you look over the Q2 roadmap before Thursday? I'm mostly worried "
                          "about the reporting work slipping again, and whether we can still fit in the export "
                          "feature.\n\nThanks,\nBob"))
    m.append(compose(ALICE, BOB, "Re: Q2 roadmap review", msgid="roadmap-2@example.org", minutes=45, headers=SENT,
                     in_reply_to="roadmap-1@northwind.example",
                     text="Hi Bob,\n\nI read it this morning. Reporting is fine if we keep the scope we agreed in "
                          "January - no new chart types. Export is the one I'd move to Q3; it touches billing "
                          "and Priya's team is full until May.\n\nLet's talk it through on Thursday.\n\nBest,\n"
                          "Alice" + SIGNATURE + "\n\nOn Mon, Mar 3, 2025 at 9:00 AM Bob Chen "
                          "<bob@northwind.example> wrote:\n> Hi Alice,\n>\n> Could you look over the Q2 roadmap "
                          "before Thursday?\n"))
    m.append(compose(BOB, ALICE, "Re: Q2 roadmap review", msgid="roadmap-3@northwind.example", minutes=80,
                     headers=INBOX, in_reply_to="roadmap-2@example.org",
                     references=["roadmap-1@northwind.example", "roadmap-2@example.org"],
                     text="Makes sense. Can you send me Priya's numbers so I can put them in the deck? Her "
                          "direct line is +1 415 555 0199 if that's quicker.\n\nBob\n\n> Export is the one I'd "
                          "move to Q3\n"))
    m.append(compose(ALICE, BOB, "Re: Q2 roadmap review", msgid="roadmap-4@example.org", minutes=95, headers=SENT,
                     in_reply_to="roadmap-3@northwind.example",
                     references=["roadmap-1@northwind.example", "roadmap-2@example.org",
                                 "roadmap-3@northwind.example"],
                     text="Sure - she's at priya@northwind.example, and I've asked her to send the sheet to you "
                          "directly. Short version: 3 engineers until May, 5 after.\n\nAlice" + SIGNATURE +
                          "\n\n> Can you send me Priya's numbers so I can put them in the deck?\n"))
    m.append(compose(ALICE, [BOB, PRIYA], "Offsite logistics", msgid="offsite-1@example.org", minutes=200,
                     headers=SENT,
                     text="Hi both,\n\nThe offsite is booked: April 10-11 at the Harbor Inn, rooms for eight. "
                          "I'll send the agenda next week. If anyone needs a parking pass, tell me by Friday.\n\n"
                          "Best,\nAlice" + SIGNATURE))
    m.append(compose(CLAIRE, ALICE, "Traduction du guide", msgid="guide-1@exemple.fr", minutes=300, headers=INBOX,
                     text="Bonjour Alice,\n\nLa traduction du guide utilisateur est presque terminée. Est-ce que "
                          "tu peux relire le chapitre 3 d'ici mercredi ?\n\nBien à toi,\nClaire"))
    m.append(compose(ALICE, CLAIRE, "Re: Traduction du guide", msgid="guide-2@example.org", minutes=360,
                     headers=SENT, in_reply_to="guide-1@exemple.fr",
                     text="Bonjour Claire,\n\nOui, je m'en occupe demain matin. Merci pour ce travail, le chapitre "
                          "2 se lit très bien.\n\nBonne soirée,\nAlice\n\nLe lun. 3 mars 2025 à 14:00, Claire "
                          "Dubois <claire@exemple.fr> a écrit :\n> Bonjour Alice,\n> La traduction du guide "
                          "utilisateur est presque terminée.\n", charset="iso-8859-1"))
    m.append(compose(JONAS, ALICE, "Angebot Lizenzen", msgid="lizenz-1@beispiel.de", minutes=420, headers=INBOX,
                     text="Hallo Alice,\n\nanbei wie besprochen unser Angebot für 40 Lizenzen. Bei Fragen "
                          "erreichst du mich unter 030 1234567.\n\nViele Grüße\nJonas"))
    m.append(compose(ALICE, JONAS, "AW: Angebot Lizenzen", msgid="lizenz-2@example.org", minutes=500,
                     headers=SENT, in_reply_to="lizenz-1@beispiel.de",
                     text="Hallo Jonas,\n\ndanke für das Angebot. Wir brauchen eher 35 Lizenzen, dafür aber "
                          "ab Mai. Kannst du das so anpassen?\n\nViele Grüße\nAlice" + SIGNATURE +
                          "\n\n-----Ursprüngliche Nachricht-----\nVon: Jonas Weber <jonas@beispiel.de>\n"
                          "Gesendet: Montag, 3. März 2025 16:00\nAn: Alice Martin\nBetreff: Angebot Lizenzen\n\n"
                          "Hallo Alice,\n\nanbei wie besprochen unser Angebot für 40 Lizenzen.\n"))
    m.append(compose(JONAS, ALICE, "Automatische Antwort: AW: Angebot Lizenzen", msgid="auto-1@beispiel.de",
                     minutes=501, headers={**INBOX, "Auto-Submitted": "auto-replied"},
                     text="Ich bin bis zum 10. März nicht im Büro."))
    m.append(compose(TOM, ALICE, "dinner saturday?", msgid="dinner-1@example.net", minutes=600, headers=INBOX,
                     text="hey! we're doing tacos at ours on saturday, 7ish. you in? bring Sam"))
    m.append(compose(ALICE, TOM, "Re: dinner saturday?", msgid="dinner-2@example.org", minutes=610, headers=SENT,
                     in_reply_to="dinner-1@example.net",
                     text="yes!! we'll bring dessert. Sam says hi\n\nSent from my iPhone\n\n> On Mar 3, 2025, at "
                          "7:00 PM, Tom Reyes <tom.reyes@example.net> wrote:\n>\n> hey! we're doing tacos\n"))
    m.append(compose(BOB, ALICE, "Launch checklist", msgid="launch-1@northwind.example", minutes=700, headers=INBOX,
                     html="<html><body><p>Hi Alice,</p><p>Here is the <b>launch checklist</b>. Anything "
                          "missing?</p><ul><li>Docs</li><li>Pricing page</li><li>Support macros</li></ul>"
                          "<p>Bob</p></body></html>"))
    m.append(compose(ALICE, BOB, "Re: Launch checklist", msgid="launch-2@example.org", minutes=730, headers=SENT,
                     in_reply_to="launch-1@northwind.example",
                     html="<html><body><div>Looks complete to me. I'd add a rollback plan and a named owner for "
                          "each item.</div><div><br></div><div>Alice</div><div class=\"gmail_quote\"><div>On "
                          "Mon, Mar 3, 2025 Bob Chen wrote:</div><blockquote>Here is the launch checklist."
                          "</blockquote></div></body></html>"))
    m.append(compose(("Northwind Product", "product-list@lists.northwind.example"), "product@lists.northwind.example",
                     "[product] Weekly metrics", msgid="list-1@lists.northwind.example", minutes=800,
                     headers={**INBOX, "List-Id": "<product.lists.northwind.example>"},
                     text="Weekly metrics are up on the dashboard."))
    m.append(compose(("Gadget Weekly", "news@gadgets.example"), ALICE, "This week's best deals",
                     msgid="news-1@gadgets.example", minutes=810,
                     headers={**INBOX, "List-Unsubscribe": "<https://gadgets.example/unsub>",
                              "Precedence": "bulk"}, text="Ten gadgets you will love."))
    m.append(compose(("Mail Delivery Subsystem", "mailer-daemon@example.org"), ALICE,
                     "Delivery Status Notification (Failure)", msgid="bounce-1@example.org", minutes=820,
                     headers=INBOX, text="Address not found: jonas@beispel.de"))
    m.append(compose(ALICE, ("Accounts", "accounts@bookkeeping.example"), "Invoice payment",
                     msgid="invoice-1@example.org", minutes=900, headers=SENT,
                     text="Hello,\n\nPlease pay invoice 2025-031 from our account DE89 3704 0044 0532 0130 00. "
                          "For the deposit you can charge the company card 4111 1111 1111 1111 (exp 09/27).\n\n"
                          "Thanks,\nAlice" + SIGNATURE))
    m.append(compose(ALICE, BOB, "Re: Q2 roadmap review", msgid="roadmap-5@example.org", minutes=960,
                     headers=SENT, in_reply_to="roadmap-4@example.org",
                     text="\n\nOn Mon, Mar 3, 2025 at 10:35 AM Alice Martin <alice@example.org> wrote:\n> Sure - "
                          "she's at priya@northwind.example\n"))
    m.append(compose(ALICE, TOM, "Re: photos from the hike", msgid="hike-2@example.org", minutes=1000,
                     headers=SENT, in_reply_to="hike-1@example.net",
                     text="These are great, the one at the ridge is going on my wall.\n\nA."))
    m.append(compose(PRIYA, ALICE, "Staffing sheet", msgid="staff-1@northwind.example", minutes=1100,
                     headers=INBOX, text="Alice, the sheet is in the shared drive: "
                                         "https://drive.northwind.example/s/8f3kQ2x9LmZ7pW4vT1nR6yB5?key=a91Fq03Zt "
                                         "- edit access until Friday.\n\nPriya"))
    m.append(compose(ALICE, PRIYA, "RE: Staffing sheet", msgid="staff-2@example.org", minutes=1130,
                     headers=SENT,  # Outlook dropped In-Reply-To: matched by subject and quoted text
                     text="Thanks Priya, got it. I moved the two contractors to May so the totals match what I "
                          "told Bob.\n\nBest,\nAlice" + SIGNATURE + "\n\n________________________________\nFrom: "
                          "Priya Nair <priya@northwind.example>\nSent: Monday, March 3, 2025 7:20 PM\nTo: Alice "
                          "Martin\nSubject: Staffing sheet\n\nAlice, the sheet is in the shared drive: "
                          "https://drive.northwind.example/s/8f3kQ2x9LmZ7pW4vT1nR6yB5?key=a91Fq03Zt - edit access "
                          "until Friday.\n\nPriya\n"))
    m.append(compose(ALICE, BOB, "Re: Q2 roadmap review", msgid="roadmap-4@example.org", minutes=95,
                     headers={"X-Gmail-Labels": "Important"}, in_reply_to="roadmap-3@northwind.example",
                     text="Sure - she's at priya@northwind.example.\n\nAlice"))  # the same Message-ID again
    return m


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_mbox(OUT, messages())
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
