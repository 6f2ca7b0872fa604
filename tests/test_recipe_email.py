"""The email recipe: mailbox formats, threading, cleaning, skips with reasons, bad mailboxes, and the CLI."""

import gzip
import json
import mailbox
import random
from collections import Counter
from pathlib import Path

import pytest

from conftest import invoke
from compose.mail import compose, mbox_bytes, write_mbox
from ftcook.mail.message import decode_text, parse_mail
from ftcook.pipeline import BuildSettings, build

ME = ("Alice Martin", "alice@example.org")
BOB = ("Bob Chen", "bob@example.com")
HANS = ("Hans Müller", "hans@beispiel.de")
LI = ("李伟", "li@example.cn")
YUKI = ("佐藤 由紀", "yuki@example.jp")
OLGA = ("Ольга", "olga@example.ru")
SENT = {"X-Gmail-Labels": "Sent"}


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def examples(folder: Path) -> list[dict]:
    """train + valid as completion-format records, in the order the recipe made them."""
    return rows(folder / "train.jsonl") + rows(folder / "valid.jsonl")


def run(tmp_path, sources, **options) -> tuple[dict, Path]:
    out = tmp_path / "ds"
    settings = BuildSettings(recipe="email", sources=[Path(s) for s in sources], out=out, options={"me": ME[1], **options}, format="completion",
                             valid_fraction=0.0)
    result = build(settings)
    return result.manifest, out


def thread_mbox(path: Path) -> Path:
    """Replies in five languages, each quoting its message the way a common client does."""
    return write_mbox(path, [
        compose(BOB, ME, "Lunch on Friday", "Are you free for lunch on Friday?\n\nBob", msgid="b1@example.com"),
        compose(ME, BOB, "Re: Lunch on Friday", "Yes - 12:30 at the usual place?\n\nAlice\n\nOn Mon, Mar 3, 2025 at "
                "9:00 AM Bob Chen <bob@example.com> wrote:\n> Are you free for lunch on Friday?\n",
                msgid="a1@example.org", in_reply_to="b1@example.com", minutes=10, headers=SENT),
        compose(HANS, ME, "Termin", "Hallo Alice, passt dir Dienstag um 10 Uhr?\n\nGruß\nHans", msgid="h1@beispiel.de",
                minutes=20, charset="iso-8859-1"),
        compose(ME, HANS, "AW: Termin", "Hallo Hans, Dienstag passt gut.\n\nViele Grüße\nAlice\n\n"
                "-----Ursprüngliche Nachricht-----\nVon: Hans Müller <hans@beispiel.de>\nGesendet: Montag, 3. März "
                "2025 09:20\nAn: Alice Martin\nBetreff: Termin\n\nHallo Alice, passt dir Dienstag um 10 Uhr?\n",
                msgid="a2@example.org", in_reply_to="h1@beispiel.de", minutes=30, charset="iso-8859-1",
                headers=SENT),
        compose(LI, ME, "报告", "你好，报告什么时候能完成？", msgid="l1@example.cn", minutes=40, charset="gb2312"),
        compose(ME, LI, "回复：报告", "周三之前完成。\n\n在 2025年3月3日 周一 09:40，李伟 <li@example.cn> 写道：\n"
                "你好，报告什么时候能完成？\n", msgid="a3@example.org", in_reply_to="l1@example.cn", minutes=50,
                charset="gb2312", headers=SENT),
        compose(YUKI, ME, "会議", "明日の会議は何時からですか？", msgid="y1@example.jp", minutes=60,
                charset="iso-2022-jp"),
        compose(ME, YUKI, "Re: 会議", "午後二時からです。\n\n2025年3月3日(月) 10:00 佐藤 由紀 <yuki@example.jp>:\n"
                "> 明日の会議は何時からですか？\n", msgid="a4@example.org", in_reply_to="y1@example.jp", minutes=70,
                charset="iso-2022-jp", headers=SENT),
        compose(OLGA, ME, "Отчёт", "Привет! Ты прочитала отчёт?", msgid="o1@example.ru", minutes=80,
                charset="koi8-r"),
        compose(ME, OLGA, "Re: Отчёт", "Да, всё хорошо.\n\n3 марта 2025 г., Ольга написала:\n> Привет!\n",
                msgid="a5@example.org", in_reply_to="o1@example.ru", minutes=90, charset="koi8-r", headers=SENT),
        compose(ME, [BOB, HANS], "Offsite", "Hi both,\n\nthe offsite is on April 10.\n\nAlice", msgid="a6@example.org",
                minutes=100, headers=SENT),
    ])


def test_replies_in_five_languages_pair_with_what_they_answer(tmp_path):
    manifest, out = run(tmp_path, [thread_mbox(tmp_path / "mail.mbox")])
    got = [(e["prompt"].split("\n\n", 1)[-1] if "reply" in e["prompt"] else e["prompt"], e["completion"])
           for e in examples(out)]
    assert got == [
        ("Are you free for lunch on Friday?\n\nBob", "Yes - 12:30 at the usual place?\n\nAlice"),
        ("Hallo Alice, passt dir Dienstag um 10 Uhr?\n\nGruß\nHans", "Hallo Hans, Dienstag passt gut.\n\nViele Grüße\nAlice"),
        ("你好，报告什么时候能完成？", "周三之前完成。"),
        ("明日の会議は何時からですか？", "午後二時からです。"),
        ("Привет! Ты прочитала отчёт?", "Да, всё хорошо."),
        ("Write an email to Bob Chen, Hans Müller.\nSubject: Offsite", "Hi both,\n\nthe offsite is on April 10.\n\nAlice"),
    ]
    first = examples(out)[0]
    assert first["prompt"] == ("Write the reply to this email.\nFrom: Bob Chen\nSubject: Lunch on Friday\n\n"
                               "Are you free for lunch on Friday?\n\nBob")
    assert first["system"].startswith("You write emails as Alice Martin")
    ledger = manifest["ledger"]
    assert ledger == {"records": 11, "split_parts": 0, "in": 11, "kept": 6, "skipped": 5,
                      "skipped_by_reason": {"not_mine": 5}}
    assert manifest["stats"]["replies"] == 5 and manifest["stats"]["initiated"] == 1


def test_mode_and_context(tmp_path):
    box = write_mbox(tmp_path / "t.mbox", [
        compose(BOB, ME, "Plan", "First question?", msgid="1@x"),
        compose(ME, BOB, "Re: Plan", "First answer.", msgid="2@x", in_reply_to="1@x", minutes=1),
        compose(BOB, ME, "Re: Plan", "Second question?", msgid="3@x", in_reply_to="2@x", references=["1@x", "2@x"],
                minutes=2),
        compose(ME, BOB, "Re: Plan", "Second answer.", msgid="4@x", in_reply_to="3@x", minutes=3),
        compose(ME, BOB, "New idea", "What about a picnic?", msgid="5@x", minutes=4),
    ])
    _, out = run(tmp_path, [box], mode="replies", context="2")
    got = examples(out)
    assert [e["completion"] for e in got] == ["First answer.", "Second answer."]
    assert got[1]["prompt"].startswith("Earlier in the thread, Bob Chen wrote:\nFirst question?\n\n"
                                       "Earlier in the thread, Alice Martin wrote:\nFirst answer.\n\n"
                                       "Write the reply to this email.")
    skipped = rows(out / "skipped.jsonl")
    assert {"id": "t.mbox:message 5 (byte %d)" % 0, "reason": "other_mode"}.keys() <= skipped[-1].keys()
    assert skipped[-1]["reason"] == "other_mode"
    _, out = run(tmp_path, [box], mode="initiated")
    assert [e["completion"] for e in examples(out)] == ["What about a picnic?"]


def test_reply_matched_by_subject_and_quote_when_headers_are_gone(tmp_path):
    box = write_mbox(tmp_path / "t.mbox", [
        compose(BOB, ME, "Budget", "Can you approve the new budget for the design team by Thursday?", msgid="1@x"),
        compose(BOB, ME, "Budget", "Unrelated note about the budget meeting room.", msgid="2@x", minutes=1),
        compose(ME, BOB, "RE: Budget", "Approved.\n\n________________________________\nFrom: Bob Chen\nSent: Monday"
                "\nTo: Alice\nSubject: Budget\n\nCan you approve the new budget for the design team by Thursday?",
                msgid="3@x", minutes=5),
    ])
    manifest, out = run(tmp_path, [box])
    assert examples(out)[0]["prompt"].endswith("Can you approve the new budget for the design team by Thursday?")
    assert manifest["stats"]["matched_by_subject_and_quote"] == 1


def test_every_other_message_has_its_reason(tmp_path):
    invite = (b"From: Bob Chen <bob@example.com>\nTo: alice@example.org\nSubject: Invitation: Sync\n"
              b"Message-ID: <inv@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
              b"Content-Type: text/plain\n\nJoin us.\n--b\nContent-Type: text/calendar; method=REQUEST\n\n"
              b"BEGIN:VCALENDAR\nEND:VCALENDAR\n--b--\n")
    my_invite = invite.replace(b"From: Bob Chen <bob@example.com>", b"From: alice@example.org").replace(b"inv@x", b"inv2@x")
    box = write_mbox(tmp_path / "t.mbox", [
        compose(BOB, ME, "Out of office", "I am away.", msgid="1@x", headers={"Auto-Submitted": "auto-replied"}),
        compose(ME, BOB, "Automatic reply: Plan", "I am away until Monday.", msgid="2@x", headers={"X-Autoreply": "yes"}),
        compose(BOB, "list@lists.example", "[dev] Release", "Release is out.", msgid="3@x",
                headers={"List-Id": "<dev.lists.example>"}),
        compose(ME, "list@lists.example", "Re: [dev] Release", "Congrats!", msgid="4@x", in_reply_to="3@x",
                headers={"List-Id": "<dev.lists.example>"}),
        compose(("Shop", "news@shop.example"), ME, "Deals", "Buy now.", msgid="5@x", headers={"Precedence": "bulk"}),
        compose(("Mail Delivery Subsystem", "mailer-daemon@example.org"), ME, "Undeliverable: hi", "Failed.", msgid="6@x"),
        my_invite,
        compose(ME, BOB, "Re: Plan", "On Mon, Bob wrote:\n> Plan?\n", msgid="7@x", in_reply_to="nowhere@x"),
        compose(ME, BOB, "Re: Lost", "A reply to a mail that is not here.", msgid="8@x", in_reply_to="missing@x"),
        compose(ME, BOB, "Hello", "A mail I started.", msgid="9@x"),
        compose(ME, BOB, "Hello", "A mail I started.", msgid="9@x"),
    ])
    manifest, out = run(tmp_path, [box])
    skipped = rows(out / "skipped.jsonl")
    # your own list reply (4@x, with List-Id) is kept: list headers skip other people's mail only
    assert [s["reason"] for s in skipped] == ["auto_reply", "auto_reply", "mailing_list", "bulk",
                                              "bounce", "calendar_invite", "no_new_text", "parent_not_found",
                                              "duplicate_message"]
    assert skipped[0]["id"] == "t.mbox:message 1 (byte 0)"
    assert skipped[-1]["detail"] == "Message-ID <9@x>"
    ledger = manifest["ledger"]
    assert ledger["in"] == 11 == ledger["kept"] + ledger["skipped"] and ledger["kept"] == 2
    assert set(manifest["reasons"]) == set(ledger["skipped_by_reason"])


def test_signatures_and_closing_blocks(tmp_path):
    signature = "\n\nAlice Martin\nNorthwind Traders\n+1 415 555 0137"
    notes = ["The draft is ready.", "I moved the call to 3pm.", "Invoices are paid.", "See the attached plan."]
    box = write_mbox(tmp_path / "t.mbox", [
        compose(ME, BOB, f"Note {i}", f"{text}\n\nBest,\nAlice{signature}", msgid=f"{i}@x", minutes=i)
        for i, text in enumerate(notes)
    ] + [compose(ME, BOB, "Note rfc", "Short one.\n\nAlice\n-- \nAlice Martin | Northwind", msgid="r@x", minutes=9),
         compose(ME, BOB, "Note phone", "On my way.\n\nSent from my iPhone", msgid="p@x", minutes=10)])
    _, out = run(tmp_path, [box])
    completions = [e["completion"] for e in examples(out)]
    assert completions[:4] == [f"{text}\n\nBest,\nAlice" for text in notes]
    assert completions[4:] == ["Short one.\n\nAlice", "On my way."]
    _, out = run(tmp_path, [box], keep_signoff="false")
    assert [e["completion"] for e in examples(out)][:4] == notes


def test_html_only_mail_and_html_quotes(tmp_path):
    box = write_mbox(tmp_path / "t.mbox", [
        compose(BOB, ME, "Checklist", None, html="<html><head><style>p{color:red}</style><script>x()</script></head>"
                "<body><p>Hi Alice,</p><p>Here is the <b>checklist</b>:</p><ul><li>Docs</li><li>Pricing</li></ul>"
                "</body></html>", msgid="1@x"),
        compose(ME, BOB, "Re: Checklist", None, html="<div>Looks complete.</div><div class=\"gmail_quote\">On Mon "
                "Bob wrote:<blockquote>Here is the checklist</blockquote></div>", msgid="2@x", in_reply_to="1@x"),
    ])
    _, out = run(tmp_path, [box])
    (example,) = examples(out)
    assert example["prompt"].endswith("Hi Alice,\n\nHere is the checklist:\n\nDocs\nPricing")
    assert example["completion"] == "Looks complete."


@pytest.mark.parametrize("text, charset", [("Grüße aus Köln, ça va?", "iso-8859-1"), ("Привет, как дела?", "koi8-r"),
                                           ("你好，周末愉快！", "gb2312"), ("こんにちは、元気ですか？", "iso-2022-jp")])
def test_legacy_charsets_declared_undeclared_and_wrong(text, charset):
    declared = compose(BOB, ME, "x", text, msgid="1@x", charset=charset)
    assert parse_mail("m", "", declared).text == text
    raw = text.encode(charset)
    undeclared = b"From: bob@example.com\nSubject: x\nContent-Type: text/plain\n\n" + raw + b"\n"
    wrong = b"From: bob@example.com\nSubject: x\nContent-Type: text/plain; charset=us-ascii\n\n" + raw + b"\n"
    for data in (undeclared, wrong):
        parsed = parse_mail("m", "", data).text
        assert parsed and "\ufffd" not in parsed or charset == "iso-8859-1"
    assert decode_text(b"\xff\xfe\xfa broken", "no-such-charset")  # never raises


def test_a_one_part_message_keeps_lines_that_look_like_mime_boundaries():
    """Seen in the SpamAssassin corpus (81 of its 6,046 messages): a "--]" quote style or a "-----^" compiler
    message in a plain-text mail is not a MIME part, and what follows it is part of the text."""
    text = ("The build stops here:\n-------------------------------^\n*** Exit 1\nStop.\n\n"
            "Can anyone suggest a way around this?\n\nJim")
    raw = (b"From: Bob <bob@example.com>\nTo: me@example.org\nSubject: make fails\nMessage-ID: <1@x>\n"
           b"Content-Type: text/plain; charset=us-ascii\n\n" + text.encode() + b"\n")
    assert parse_mail("m", "", raw).text == text
    crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert parse_mail("m", "", crlf).text == text
    no_separator = b"From: bob@example.com\nSubject: x\nThis line is not a header.\n--x\nStill text.\n"
    assert "Still text." in parse_mail("m", "", no_separator).text  # not parsed the quick way; still all there


def test_format_flowed_and_named_text_parts():
    head = b"From: Bob <bob@example.com>\nSubject: x\nMessage-ID: <1@x>\nContent-Type: text/plain; charset=utf-8"
    flowed = parse_mail("m", "", head + b'; FORMAT="Flowed"; DelSp=Yes\n\nThis line goes \non here.\n')
    assert flowed.text == "This line goeson here."  # DelSp: the space before the break is the client's
    kept = parse_mail("m", "", head + b"; format=flowed\n\nThis line goes \non here.\n")
    assert kept.text == "This line goes on here."
    file = parse_mail("m", "", head + b'; Name="notes.txt"\n\nA file, not a message.\n')
    assert file.skip == "no_text_part" and not file.text  # a named text part is an attachment
    encoded = parse_mail("m", "", head + b"; name*=utf-8''n%C3%B6tes.txt\n\nA file.\n")
    assert encoded.skip == "no_text_part"


def test_only_the_headers_read_are_read():
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    from ftcook.mail.message import READ_HEADERS, parse_headers, read_headers

    transport = b"".join(b"Received: from relay%d.example by mx.example\n\t(Postfix) with ESMTPS; Mon, 3 Mar 2025\n"
                         b"X-Spam-Score: %d\nDKIM-Signature: v=1; a=rsa-sha256;\n b=abc%d\n" % (i, i, i)
                         for i in range(15))
    read = b"".join(b"%s: value of %s\n" % (name.title().encode(), name.encode()) for name in READ_HEADERS)
    head = transport[:200].split(b"\n\t")[0] + b"\n" + read.replace(b"To: ", b"TO: ") + transport + b"\n"
    parser = BytesHeaderParser(policy=compat32)
    folded = b"Subject:\r\n  wrapped\r\nFrom:   Bob\r\n <bob@x.org>\r\nTO: caf\xc3\xa9 <c@x.org>\r\n\r\n"
    mixed = b"X-A: 1\nFrom: bob@example.com\n\r\n"  # LF fields, a CRLF blank line (seen in the SpamAssassin corpus)
    for block in (head, folded, head.replace(b"\n", b"\r\n"), mixed):  # stored as the stdlib parser stores them
        assert read_headers(block).items() == [(k, v) for k, v in parser.parsebytes(block).items()
                                               if k.lower() in READ_HEADERS]
    assert len(read_headers(head).items()) == len(READ_HEADERS) and parse_headers("m", "", head + b"body\n").subject
    # parsed whole by the stdlib: a line it would take for the start of the body, a lone carriage return, a
    # continuation first, a blank line inside, no line end, no field that is read
    for odd in (b"X-A: 1\nnot a header line\nFrom: bob@example.com\n\n", b"X-A: 1\nFrom: a\rb@example.com\n\n",
                b" X-A: 1\nFrom: b@x.org\n\n", b"X-A: 1\n\nFrom: b@x.org\n\n", b"From: b@x.org", b"X-A: 1\nX-B: 2\n\n"):
        assert read_headers(odd).items() == parser.parsebytes(odd).items()
    assert parse_headers("m", "", b"X-A: 1\nnot a header line\nFrom: bob@example.com\n\nx").sender == ""
    # every header the module asks for is one the parser is handed
    import inspect
    import re

    from ftcook.mail import message

    source = inspect.getsource(message)
    asked = {name for pair in re.findall(r'\.get\("([a-z-]+)"\)|header\(\w+, "([a-z-]+)"\)', source) for name in pair
             if name} | set(message._SKIP_HEADERS)
    assert {"references", "in-reply-to", "list-id", "from"} <= asked <= set(READ_HEADERS)


def test_addresses_read_as_the_stdlib_reads_them():
    """The quick way for common forms gives what ``getaddresses`` gives, for every form (45,609 From/To/Cc
    values of the SpamAssassin corpus, the benchmarks' mail and random edits of them agreed when it was written)."""
    from email.utils import getaddresses

    from ftcook.mail.message import addresses

    forms = ['Person 30 <p30@company3.example>', 'p@x.org', '"Smith, John" <j@x.org>', 'Bob  Smith <b@x.org>',
             '"Bob  Smith" <b@x.org>', 'J. Smith <j@x.org>', "O'Neil <o@x.org>", 'Hans Müller <h@x.de>',
             '李伟 <li@example.cn>', '<a@x.org>', ' a@x.org ', 'Bob <b@x.org>, Ann <a@y.org>', 'a@x.org,\n b@y.org',
             'Bob Smith<b@x.org>', 'Dr. Bob Smith, Jr. <b@x.org>', 'a@x.org,,b@y.org', 'Bob\xa0Smith <b@x.org>',
             'Bob\f<b@x.org>', '"Bob\rS" <b@x.org>', '"Bob\\" S" <b@x.org>', 'a@x.org (Bob)', 'undisclosed:;',
             'Bob "the" Smith <b@x.org>', 'a..b@x.org', 'Bob <a@x.org', 'bob <>', '"" <a@x.org>', '@x.org', '']
    for form in forms:
        assert addresses(form) == getaddresses([form]), form


def test_mailbox_formats_and_several_sources_at_once(tmp_path):
    first = [compose(BOB, ME, "Q", "Question one?", msgid="1@x"),
             compose(ME, BOB, "Re: Q", "Answer one.", msgid="2@x", in_reply_to="1@x")]
    second = [compose(BOB, ME, "Q2", "Question two?", msgid="3@x"),
              compose(ME, BOB, "Re: Q2", "Answer two.", msgid="4@x", in_reply_to="3@x")]
    write_mbox(tmp_path / "inbox.mbox.gz", first)
    maildir = mailbox.Maildir(tmp_path / "Mail", create=True)
    sent = maildir.add_folder("Sent")  # Maildir++: Mail/.Sent
    maildir.add(second[0])
    sent.add(second[1])
    emls = tmp_path / "emls"
    emls.mkdir()
    (emls / "a.eml").write_bytes(compose(BOB, ME, "Q3", "Question three?", msgid="5@x"))
    (emls / "b.eml").write_bytes(compose(ME, BOB, "Re: Q3", "Answer three.", msgid="6@x", in_reply_to="5@x"))
    (emls / "notes.msf").write_bytes(b"// Thunderbird index")
    manifest, out = run(tmp_path, [tmp_path / "inbox.mbox.gz", tmp_path / "Mail", emls])
    assert sorted(e["completion"] for e in examples(out)) == ["Answer one.", "Answer three.", "Answer two."]
    assert {"unsupported_file": 1, "not_mine": 3} == manifest["ledger"]["skipped_by_reason"]
    assert any(s["id"].endswith("notes.msf") for s in rows(out / "skipped.jsonl"))


def test_who_is_me_is_asked_not_guessed(tmp_path):
    box = thread_mbox(tmp_path / "mail.mbox")
    result = invoke("build", "email", box, "-d", tmp_path / "ds")
    assert result.exit_code == 2
    assert "alice@example.org  (Alice Martin)" in result.output and "-o me=alice@example.org" in result.output
    assert not (tmp_path / "ds").exists()
    result = invoke("build", "email", box, "-d", tmp_path / "ds", "-o", "me=someone@else.org", "-o",
                    "me=*@example.org", "-q")
    assert result.exit_code == 0, result.output


def _bad_mailbox(path: Path) -> Path:
    good = [compose(BOB, ME, f"Q{i}", f"Question {i}?", msgid=f"q{i}@x", minutes=i) for i in range(3)]
    mine = [compose(ME, BOB, f"Re: Q{i}", f"Answer {i}.", msgid=f"a{i}@x", in_reply_to=f"q{i}@x", minutes=i + 1)
            for i in range(3)]
    broken_base64 = (b"From: alice@example.org\nTo: bob@example.com\nSubject: Re: Q0\nMessage-ID: <b64@x>\n"
                     b"In-Reply-To: <q0@x>\nContent-Type: text/plain; charset=utf-8\n"
                     b"Content-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQgdGhpcyBpcyBhX\n")
    no_headers = b"just some text\nwithout any header\n"
    big = compose(ME, BOB, "Re: Q1", "Here is the video.", msgid="big@x", in_reply_to="q1@x",
                  attachments=[("video.mp4", b"\x00\x01" * 10_000_000)])
    data = (mbox_bytes(good[:1] + mine[:1])
            + b"From \xff\xfe\xe9t\xe9 Mon Mar  3 09:00:00 2025\n" + broken_base64 + b"\n"
            + mbox_bytes([no_headers, big] + good[1:] + mine[1:]))
    cut = compose(ME, BOB, "Re: Q2", "A message cut in the midd", msgid="cut@x", in_reply_to="q2@x")
    path.write_bytes(data + b"From cut Mon Mar  3 09:00:00 2025\n" + cut[:cut.index(b"\n\n") + 1])
    return path


def test_a_bad_mailbox_is_read_past_every_bad_message(tmp_path):
    box = _bad_mailbox(tmp_path / "bad.mbox")
    with pytest.raises(UnicodeDecodeError):  # the stdlib stops here; ftcook does not
        for _ in mailbox.mbox(box):
            pass
    manifest, out = run(tmp_path, [box])
    assert sorted(e["completion"] for e in examples(out)) == ["Answer 0.", "Answer 1.", "Answer 2.", "Here is the video."]
    broken = [s for s in rows(out / "skipped.jsonl") if s["reason"] == "broken_message"]
    assert [(s["id"].split(" (")[0], s["detail"]) for s in broken] == [
        ("bad.mbox:message 3", "its base64 text cannot be decoded (truncated or damaged)"),
        ("bad.mbox:message 4", "no mail headers (is this part of another message? the mbox may be cut)"),
    ]
    cut = [s for s in rows(out / "skipped.jsonl") if s["id"].startswith("bad.mbox:message 10")]
    assert [s["reason"] for s in cut] == ["no_new_text"]  # headers only: the body was cut off
    ledger = manifest["ledger"]
    assert ledger["in"] == 10 == ledger["kept"] + ledger["skipped"]


def test_cli_build_preview_writes_nothing(tmp_path):
    box = write_mbox(tmp_path / "t.mbox", [
        compose(BOB, ME, "Call", "Call me on +1 415 555 0199 or mail carol@example.net.", msgid="1@x"),
        compose(ME, BOB, "Re: Call", "Will do. Carol is carol@example.net, and I am alice@example.org.", msgid="2@x",
                in_reply_to="1@x"),
    ])
    result = invoke("build", "email", box, "--preview", "3", "-o", "me=alice@example.org")
    assert result.exit_code == 0, result.output
    assert "<EMAIL_1>" in result.output and "<PHONE_1>" in result.output and "alice@example.org" in result.output
    assert "Only 1 examples had something to redact" in result.output
    assert not any(p.name != "t.mbox" for p in tmp_path.iterdir() if p.name != "home")
    result = invoke("build", "email", box, "--preview", "1", "--no-redact", "-o", "me=alice@example.org")
    assert result.exit_code == 2 and "--preview shows redacted examples" in result.output


def test_redaction_is_on_by_default_and_counted(tmp_path):
    box = write_mbox(tmp_path / "t.mbox", [
        compose(BOB, ME, "Call", "Call me on +1 415 555 0199 or mail carol@example.net.", msgid="1@x"),
        compose(ME, BOB, "Re: Call", "Carol is carol@example.net.", msgid="2@x", in_reply_to="1@x"),
    ])
    manifest, out = run(tmp_path, [box])
    (example,) = examples(out)
    assert example["prompt"].endswith("Call me on <PHONE_1> or mail <EMAIL_1>.")
    assert example["completion"] == "Carol is <EMAIL_1>."
    assert manifest["redaction"] == {"enabled": True, "examples": 1, "placeholders": {"EMAIL": 1, "PHONE": 1},
                                     "region": "auto", "left_phone_like": {"count": 0, "regions": {}, "examples": []}}
    result = invoke("build", "email", box, "-d", tmp_path / "plain", "--no-redact", "-o", "me=alice@example.org",
                    "--json")
    assert json.loads(result.output)["redaction"] == {"enabled": False}


def test_phone_numbers_without_country_code_are_read_for_the_mails_region(tmp_path):
    """A German local number in German mail from a .de sender: redacted without -o region (it stayed with the old
    default US). With -o region=US it stays, and the report says where it would be a phone number."""
    box = write_mbox(tmp_path / "t.mbox", [
        compose(("Jonas Weber", "jonas@beispiel.de"), ME, "Angebot", "Hallo Alice, bei Fragen erreichst du mich unter "
                "030 1234567. Viele Grüße, Jonas", msgid="1@x"),
        compose(ME, ("Jonas Weber", "jonas@beispiel.de"), "AW: Angebot", "Danke Jonas, ich rufe morgen an.",
                msgid="2@x", in_reply_to="1@x"),
        compose(("Sam Hill", "sam@example.co.uk"), ME, "Call", "Ring me on 020 7946 0018 tomorrow.", msgid="3@x"),
        compose(ME, ("Sam Hill", "sam@example.co.uk"), "Re: Call", "Will do, Sam.", msgid="4@x", in_reply_to="3@x"),
    ])
    manifest, out = run(tmp_path / "auto", [box])
    prompts = [e["prompt"] for e in examples(out)]
    assert "030 1234567" not in prompts[0] and "unter <PHONE_1>." in prompts[0]
    assert "on <PHONE_1> tomorrow" in prompts[1]  # English: the sender's .co.uk says GB
    assert manifest["redaction"]["left_phone_like"]["count"] == 0
    result = invoke("build", "email", box, "-d", tmp_path / "us", "-o", "me=alice@example.org", "-o", "region=US")
    assert result.exit_code == 0 and "030 1234567" in (tmp_path / "us" / "train.jsonl").read_text(encoding="utf-8") \
        + (tmp_path / "us" / "valid.jsonl").read_text(encoding="utf-8")
    text = " ".join(result.output.split())
    assert "left 2 numbers that would be phone numbers in IT (2), DE (1)" in text and "but not in US" in text
    assert "build again with -o region=auto" in text
    wrong = invoke("build", "email", box, "-d", tmp_path / "xx", "-o", "me=alice@example.org", "-o", "region=XX")
    assert wrong.exit_code == 2 and "'XX' is not a region for phone numbers: use 'auto'" in wrong.output
    assert "DE, DJ, DK" in wrong.output and not (tmp_path / "xx").exists()


def test_builds_are_identical(tmp_path):
    box = thread_mbox(tmp_path / "mail.mbox")
    for name in ("one", "two"):
        build(BuildSettings(recipe="email", sources=[box], out=tmp_path / name, options={"me": ME[1]}))
    for file in ("train.jsonl", "valid.jsonl", "skipped.jsonl"):
        assert (tmp_path / "one" / file).read_bytes() == (tmp_path / "two" / file).read_bytes()


def test_what_the_first_pass_reads_whole_changes_nothing(tmp_path, monkeypatch):
    """Your small messages are read whole in the first pass, the others when needed: the dataset, the skips and
    the ledger are the same whichever messages are read when."""
    from ftcook.recipes import email as recipe

    broken_body = compose(ME, BOB, "Re: Lunch on Friday", "x", msgid="bad@x", in_reply_to="b1@example.com",
                          minutes=5).replace(b"\n\neA==", b"\n\nSGVsbG8gd29ybGQgdGhpcyBpcyBhX")  # cut short
    box = thread_mbox(tmp_path / "mail.mbox")
    with box.open("ab") as f:
        f.write(mbox_bytes([
            broken_body,
            compose(BOB, ME, "Plan", "Which plan?", msgid="p1@x", minutes=200),
            compose(ME, BOB, "Re: Plan", "The first one.", msgid="p2@x", minutes=210, references=["p1@x"]),
            compose(BOB, ME, "Re: Plan", "Why that one?", msgid="p3@x", minutes=220, in_reply_to="p2@x",
                    references=["p1@x", "p2@x"]),
            compose(ME, BOB, "Re: Plan", "It is cheaper.", msgid="p4@x", minutes=230, in_reply_to="gone@x",
                    references=["p1@x", "p2@x", "p3@x"], attachments=[("plan.pdf", bytes(range(256)) * 200)]),
            compose(("=?utf-8?q?Alice_M=C3=A4rtin?=", ME[1]), BOB, "Encoded", "My name is encoded.", msgid="p5@x",
                    minutes=240),
        ]))
    outputs = []
    for whole in (0, recipe.WHOLE_BYTES, 10**9):
        monkeypatch.setattr(recipe, "WHOLE_BYTES", whole)
        out = tmp_path / f"out-{whole}"
        build(BuildSettings(recipe="email", sources=[box], out=out, options={"me": ME[1], "context": "2"}))
        outputs.append([(out / name).read_bytes() for name in ("train.jsonl", "valid.jsonl", "skipped.jsonl")])
    assert outputs[0] == outputs[1] == outputs[2]
    skipped = b"".join(outputs[0])
    assert b'"reason":"broken_message"' in skipped and b"base64" in skipped


def test_the_sample_mailbox_is_what_its_script_writes(tmp_path):
    import runpy

    script = Path(__file__).parent.parent / "scripts" / "make_email_sample.py"
    module = runpy.run_path(str(script))
    assert mbox_bytes(module["messages"]()) == module["OUT"].read_bytes()


def test_no_mail_and_nobody_called_me_are_clear_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    result = invoke("build", "email", tmp_path / "empty", "-d", tmp_path / "ds", "-o", "me=alice@example.org")
    assert result.exit_code == 2 and "empty: no mail found (mbox files, Maildir folders, .eml files)" in result.output
    box = thread_mbox(tmp_path / "mail.mbox")
    result = invoke("build", "email", box, "-d", tmp_path / "ds", "-o", "me=typo@example.org")
    assert result.exit_code == 2
    assert result.output.startswith("Error: None of the 11 messages is from typo@example.org. Which addresses")
    assert "-o me=alice@example.org" in result.output


def test_a_cut_gzip_mailbox_keeps_what_was_read(tmp_path):
    rng = random.Random(5)
    def words():
        return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(300))

    messages = [compose(BOB, ME, f"Q{i}", words(), msgid=f"q{i}@x", minutes=i) for i in range(30)]
    data = gzip.compress(mbox_bytes(messages))
    (tmp_path / "cut.mbox.gz").write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / "not.mbox.gz").write_bytes(b"plain text, not gzip")
    result = invoke("build", "email", tmp_path / "not.mbox.gz", "-d", tmp_path / "ds", "-o", "me=bob@example.com")
    assert result.exit_code == 2 and "not.mbox.gz: not a mailbox" in result.output
    manifest, out = run(tmp_path, [tmp_path / "cut.mbox.gz"], me="bob@example.com")
    assert manifest["counts"]["train"] >= 10
    last = rows(out / "skipped.jsonl")[-1]
    assert last["id"].startswith("cut.mbox.gz: unreadable after message ") and last["reason"] == "broken_message"


LIST = [("List-Id", "<netdev.vger.kernel.org>"), ("List-Post", "<mailto:netdev@vger.kernel.org>"),
        ("List-Unsubscribe", "<mailto:netdev+unsubscribe@vger.kernel.org>"), ("Precedence", "bulk")]
NETDEV = ("netdev list", "netdev@vger.kernel.org")
DIFF = ("---\n drivers/net/x.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
        "diff --git a/drivers/net/x.c b/drivers/net/x.c\nindex 1111111..2222222 100644\n--- a/drivers/net/x.c\n"
        "+++ b/drivers/net/x.c\n@@ -10,7 +10,7 @@ static int x_open(struct net_device *dev)\n-\treturn 0;\n"
        "+\treturn -ENOMEM;\n-- \n2.43.0\n")


def list_archive(path: Path) -> Path:
    """A mailing-list archive as a contributor downloads it: everything, their own posts included, is the list's
    copy with List-Id; a patch series from git send-email (cover letter, two patches threaded under it); a
    review of someone else's patch by the contributor; a reply to it by someone else."""
    git = [*LIST, ("X-Mailer", "git-send-email 2.43.0")]
    return write_mbox(path, [
        compose(BOB, NETDEV, "[PATCH net 1/1] net: x: free the ring on close", "The ring leaked on close.\n\n"
                "Signed-off-by: Bob Chen <bob@example.com>\n" + DIFF, msgid="p1@example.com", headers=git),
        compose(ME, NETDEV, "Re: [PATCH net 1/1] net: x: free the ring on close", "This frees it twice when open "
                "failed: keep the check in x_stop() instead.\n\nAlice\n\nOn Mon, Bob Chen wrote:\n> The ring leaked "
                "on close.\n", msgid="r1@example.org", in_reply_to="p1@example.com", minutes=10, headers=LIST),
        compose(BOB, NETDEV, "Re: [PATCH net 1/1] net: x: free the ring on close", "Right, v2 coming.\n\n> This "
                "frees it twice\n", msgid="r2@example.com", in_reply_to="r1@example.org", minutes=20, headers=LIST),
        compose(ME, NETDEV, "[PATCH net-next 0/2] net: y: two cleanups", "Two small cleanups in the y driver.\n\n"
                "Alice Martin (2):\n  net: y: drop dead code\n  net: y: use dev_err_probe\n\n drivers/net/y.c | 9 "
                "+-----\n", msgid="c0@example.org", minutes=30, headers=git),
        compose(ME, NETDEV, "[PATCH net-next 1/2] net: y: drop dead code", "The timeout branch cannot be reached "
                "since the rework of the reset path.\n\nSigned-off-by: Alice Martin <alice@example.org>\n" + DIFF,
                msgid="c1@example.org", in_reply_to="c0@example.org", minutes=31, headers=git),
        compose(ME, NETDEV, "[PATCH net-next 2/2] net: y: use dev_err_probe", "Use dev_err_probe() so a deferred "
                "probe is not logged as an error.\n\nSigned-off-by: Alice Martin <alice@example.org>\n" + DIFF,
                msgid="c2@example.org", in_reply_to="c0@example.org", minutes=32, headers=git),
    ])


def test_the_list_copy_of_your_own_reply_is_kept(tmp_path):
    manifest, out = run(tmp_path, [list_archive(tmp_path / "netdev.mbox")])
    kept = examples(out)
    assert [e["completion"].strip() for e in kept] == [
        "This frees it twice when open failed: keep the check in x_stop() instead.\n\nAlice"]
    assert "The ring leaked on close." in kept[0]["prompt"]
    skipped = Counter(s["reason"] for s in rows(out / "skipped.jsonl"))
    assert skipped == {"mailing_list": 2, "patch": 3}  # Bob's patch and reply; your cover letter and patches


def test_patches_can_keep_their_commit_message(tmp_path):
    manifest, out = run(tmp_path, [list_archive(tmp_path / "netdev.mbox")], patches="message")
    completions = [e["completion"].strip() for e in examples(out)]
    assert "The timeout branch cannot be reached since the rework of the reset path." in completions
    assert "Use dev_err_probe() so a deferred probe is not logged as an error." in completions
    assert "Two small cleanups in the y driver." in completions
    assert not any("diff --git" in c or "Signed-off-by" in c or "|" in c for c in completions)
    assert manifest["stats"]["patch_messages"] == 3


def test_an_mbox_read_by_the_helpers_is_read_as_this_process_reads_it(tmp_path, monkeypatch):
    """A plain mbox's messages are found here and read by the helper processes (``read_entries``): the bytes are
    what splitting the file gives, for short and long messages, LF and CRLF, ``>From`` lines, header blocks longer
    than the first read of a long message; and a build is the same as of that mailbox gzipped (read here)."""
    from ftcook.mail import sources
    from ftcook.recipes import email as recipe

    monkeypatch.setattr(sources, "HEAD_BYTES", 64)  # long header blocks take several reads
    rng = random.Random(11)
    messages = []
    for i in range(60):
        sender, to = (ME, BOB) if i % 2 else (BOB, ME)
        body = " ".join(rng.choice(["word", "From here", "\n>From there", "\n\n", "text"]) for _ in range(rng.choice((5, 900))))
        data = compose(sender, to, f"Re: Topic {i // 2}" if i % 2 else f"Topic {i // 2}", body, msgid=f"m{i}@x",
                       in_reply_to=f"m{i - 1}@x" if i % 2 else None, minutes=i,
                       headers={"X-Long": "y" * rng.choice((10, 300)), **(SENT if i % 2 else {})})
        messages.append(data.replace(b"\n", b"\r\n") if i % 7 == 3 else data)
    box = write_mbox(tmp_path / "mail.mbox", messages)
    for entry in (b"From x\nA: 1\n\r\n\nbody\n", b"From x\r\nA: 1\r\n\r\nbody\r\n", b"From x\nA: 1\nB: 2\n\nb\n",
                  b"From x\nA: 1\nB: 2\n", b"From x"):  # a beginning shows the header block, or says it may not
        whole = sources._head(entry, 0, len(entry))
        assert {sources._head(entry[:n], 0, n, whole=False) for n in range(len(entry))} <= {None, whole}
    for heads_above in (None, 0, 200, recipe.WHOLE_BYTES):
        entries = list(sources.split_mbox(box.open("rb"), heads_above))
        read = sources.read_entries(sources.MailSource(box, "mbox", ""), [(s, e) for s, e, _ in entries], heads_above)
        assert list(read) == [data for _, _, data in entries]
    (tmp_path / "gz").mkdir()
    (tmp_path / "gz" / "mail.mbox.gz").write_bytes(gzip.compress(box.read_bytes()))
    monkeypatch.setattr(recipe, "WHOLE_BYTES", 2000)  # short and long ones of yours
    outputs = []
    for source, jobs in ((box, "1"), (box, "3"), (tmp_path / "gz" / "mail.mbox.gz", "3")):
        out = tmp_path / f"out-{len(outputs)}"
        build(BuildSettings(recipe="email", sources=[source], out=out, options={"me": ME[1], "jobs": jobs}))
        outputs.append(b"".join((out / name).read_bytes() for name in ("train.jsonl", "valid.jsonl", "skipped.jsonl")))
    assert outputs[0] == outputs[1] == outputs[2].replace(b"mail.mbox.gz:", b"mail.mbox:")
    assert outputs[0].count(b'"reason":"not_mine"') >= 20


def test_the_index_gives_back_the_mail_it_was_given():
    """Messages are read back from the thread index several times a build, by a shortcut past ``Mail.__init__``:
    what comes back equals what went in, recipients as tuples, and is a ``Mail`` like any other."""
    from dataclasses import replace

    from ftcook.mail.message import Mail, headers_only
    from ftcook.mail.store import MailIndex, stored

    mails = [parse_mail("box:message 1", "Inbox", compose(BOB, [ME, ("", "carl@example.net")], "Re: Plan",
                                                           "Fine by me.\n\n> Plan?", msgid="b@x", in_reply_to="a@x")),
             parse_mail("box:message 2", "Sent", compose(ME, BOB, "Plan", "Plan?", msgid="a@x"))]
    assert mails[0].to and not mails[1].cc
    with MailIndex() as index:
        for pos, mail in enumerate(mails):
            index.add(pos, stored(headers_only(mail), (0, pos), mail), mail.sender == ME[1])
        index.use_whole([0, 1])
        back = [index.at(0), index.by_id("a@x")]
    assert back == mails and all(type(m) is Mail for m in back)
    assert back[0].to == [(ME[0], ME[1]), ("", "carl@example.net")] and isinstance(back[0].to[0], tuple)
    assert replace(back[1], subject="x").subject == "x" and back[1].references == []


def test_the_thread_index_answers_alike_in_memory_and_in_a_file(tmp_path, monkeypatch):
    """The thread index keeps its messages in memory up to ``MEMORY_BYTES``, then moves them into a SQLite file:
    a build gives the same files with the index in memory, in a file from the first message, or moved mid-way
    (duplicates, replies found by Message-ID, by subject and quote, thread context, a message without headers)."""
    from importlib.resources import files

    from ftcook.mail import store

    sample = (files("ftcook.samples") / "email" / "sample.mbox").read_bytes()
    box = thread_mbox(tmp_path / "mail.mbox")
    with box.open("ab") as f:
        f.write(sample + mbox_bytes([
            compose(ME, BOB, "Budget", "Can you send the budget?", msgid="q0@x", minutes=290),  # yours: no match
            compose(BOB, ME, "Budget", "Can you send the budget?", msgid="q1@x", minutes=300),
            compose(ME, BOB, "Re: Budget", "Here it is.\n\n> Can you send the budget?", msgid="q2@x", minutes=310),
            compose(BOB, ME, "Budget", "Can you send the budget?", msgid="q1@x", minutes=300),  # a second copy
            b"just some text\nwithout any header\n",
        ]))
    moved = []
    real_moved = store._File.moved
    monkeypatch.setattr(store._File, "moved", classmethod(lambda cls, memory: moved.append(len(memory.rows))
                                                          or real_moved.__func__(cls, memory)))
    outputs = []
    for budget in (store.MEMORY_BYTES, 0, 12_000):
        monkeypatch.setattr(store, "MEMORY_BYTES", budget)
        out = tmp_path / f"out-{budget}"
        build(BuildSettings(recipe="email", sources=[box], out=out, options={"me": ME[1], "context": "2"}))
        outputs.append([(out / name).read_bytes() for name in ("train.jsonl", "valid.jsonl", "skipped.jsonl")])
        outputs[-1].append(json.loads((out / "manifest.json").read_text())["stats"])
    assert moved[0] == 1 and 5 < moved[1] < 30  # from the first message; after some
    assert outputs[0] == outputs[1] == outputs[2]
    stats, skipped = outputs[0][3], outputs[0][2]
    assert stats["matched_by_subject_and_quote"] >= 1 and stats["matched_by_in_reply_to"] >= 5
    assert b'"reason":"duplicate_message"' in skipped and b'"reason":"broken_message"' in skipped


def test_a_move_into_the_file_that_fails_leaves_no_file(tmp_path, monkeypatch):
    """Moving the thread index into its file can fail (a full disk, Ctrl-C): the error stands, no file is left."""
    import sqlite3
    import tempfile

    from ftcook.mail import store
    from ftcook.mail.message import headers_only

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mail = parse_mail("box:message 1", "Inbox", compose(BOB, ME, "Plan", "Plan?", msgid="a@x"))
    index = store.MailIndex(memory_bytes=0)
    monkeypatch.setattr(store, "_INSERT", "INSERT INTO nowhere VALUES (?, ?, ?, ?, ?, ?, ?)")
    with pytest.raises(sqlite3.OperationalError), index:
        index.add(0, store.stored(headers_only(mail), (0, 0)), False)
    assert list(tmp_path.iterdir()) == []


def test_mail_is_parsed_with_compat32_and_the_modern_policy_is_not_loaded():
    """The parsers and header-only messages use ``compat32`` (the stdlib's default), which is several times faster
    than ``policy.default``; importing ``email.policy`` for it would load the modern header parser too, 30 ms of
    every email build's start."""
    import email.policy
    import subprocess
    import sys

    from ftcook.mail import me, message

    assert message._PARSER.parser.policy is message._HEADER_PARSER.parser.policy is email.policy.compat32
    assert me._HEADERS.parser.policy is message.read_headers(b"From: a@x\n\n").policy is email.policy.compat32
    code = "import sys, ftcook.cli, ftcook.recipes.email; print('email.policy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
