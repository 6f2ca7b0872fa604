"""Benchmark ``ftcook build email`` against the plain stdlib loop, in the same run (issue: the email recipe).

    python benchmarks/email_bench.py [--mb 100] [--memory-mb 1000]

Generates a realistic synthetic mbox under bench-data/email/ once (newsletters and notifications, list posts, threads between "me" and 40 people, replies
quoting what they answer in the common clients' styles, signatures, HTML alternatives and HTML-only mail, PDF
attachments, list mail, newsletters, auto-replies, and text in UTF-8, ISO-8859-1, KOI8-R, GB2312 and
ISO-2022-JP), then measures, each as a separate process:

- (a) the plain stdlib loop most scripts use, as the issue names it: iterate ``mailbox.mbox``, then
  ``email.message_from_bytes(message.as_bytes(), policy=email.policy.default)`` + ``get_body().get_content()``
  for every message (the issue measured about 240 messages/s for it on this machine). It only reads bodies: no
  threading, no cleaning, no redaction, no output. The goal's ratio is against (a).
- the same loop written with ``mailbox.get_bytes`` (no parse by mailbox itself), printed for reference: the
  fastest way to write (a) with the stdlib.
- ``ftcook build email ... -o me=...``: the whole recipe and pipeline (threading, quote/signature stripping,
  redaction, deduplication, the check of train.jsonl).

Prints messages/s of both, the ratio and peak memory (PSS of the process tree). Each command runs three times timed with
nothing watching it, the commands taking turns (the best time is printed, as timeit does), then once more with
memory sampled from /proc (which costs CPU). With ``--memory-mb`` it also
builds a mailbox of that size and reports ftcook's peak memory on it. Goal: ≥ 4× on 100 MB, ≤ 300 MB on 1 GB.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test-data writers
from check_bench import Cmd, best_of, best_of_each  # noqa: E402 - one way of measuring for every benchmark

from compose.mail import compose, mbox_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data" / "email"
ME = ("Dana Whitfield", "dana@example.org")
BULK = 0.40  # share of newsletters and notifications among new threads (a typical personal inbox has more)
LISTS = 0.10  # share of mailing-list posts

# (a) the loop the issue names, as scripts write it: iterate the mbox, re-parse each message with policy.default
BASELINE = r"""
import email, email.policy, mailbox, sys
n = 0
for message in mailbox.mbox(sys.argv[1], create=False):
    msg = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        body.get_content()
    n += 1
print(n)
"""
# (a') a faster way to write (a), for reference: mailbox's raw bytes instead of its parsed messages
BASELINE_BYTES = BASELINE.replace("for message in mailbox.mbox(sys.argv[1], create=False):\n    msg = "
                                  "email.message_from_bytes(message.as_bytes(),",
                                  "box = mailbox.mbox(sys.argv[1], create=False)\nfor key in box.iterkeys():\n"
                                  "    msg = email.message_from_bytes(box.get_bytes(key),")

WORDS = {
    "utf-8": "the plan for next week looks good but we should check the budget with finance before we commit to "
             "the new vendor and I still need the numbers from last quarter to finish the report".split(),
    "iso-8859-1": "können wir uns nächste Woche treffen um die Präsentation für den Kunden durchzugehen ich habe "
                  "noch Fragen zur Größe des Projekts und zum Zeitplan".split(),
    "koi8-r": "давайте встретимся на следующей неделе чтобы обсудить план проекта и бюджет у меня есть вопросы по "
              "срокам и по отчёту за прошлый квартал".split(),
    "gb2312": "我们下周开会讨论项目计划和预算 请把上个季度的数据发给我 我需要完成报告 谢谢 另外 供应商的合同 还需要 再看一下".split(),
    "iso-2022-jp": "来週の会議で プロジェクトの計画と 予算について 話し合いましょう 先月の データを 送ってください 報告書を "
                   "仕上げる 必要があります".split(),
}
JOIN = {"gb2312": "", "iso-2022-jp": ""}


def _text(rng: random.Random, charset: str, sentences: int) -> str:
    words = WORDS[charset]
    glue = JOIN.get(charset, " ")
    out = []
    for _ in range(sentences):
        sentence = glue.join(rng.choice(words) for _ in range(rng.randint(6, 18)))
        out.append(sentence[:1].upper() + sentence[1:] + ("。" if glue == "" else "."))
    return "\n\n".join(glue.join(out[i:i + 3]) for i in range(0, len(out), 3))


def _quote(text: str, style: int, who: str) -> str:
    if style == 0:
        return f"\n\nOn Mon, Mar 3, 2025 at 9:00 AM {who} wrote:\n" + "\n".join("> " + l for l in text.split("\n"))
    if style == 1:
        return (f"\n\n-----Original Message-----\nFrom: {who}\nSent: Monday, March 3, 2025 9:00 AM\nTo: Dana\n"
                f"Subject: plan\n\n{text}")
    return f"\n\nAm 03.03.2025 um 09:00 schrieb {who}:\n" + "\n".join("> " + l for l in text.split("\n"))


def _attachments(rng: random.Random, pdf: bytes) -> list[tuple[str, bytes]]:
    """A quarter of personal mail carries a file (median ~120 KB, a few MB at most), so the mailbox averages
    ~75 KB per message, the figure usually quoted for business mail."""
    if rng.random() >= 0.25:
        return []
    size = min(int(rng.lognormvariate(11.7, 1.0)), len(pdf))
    return [(rng.choice(("report.pdf", "photo.jpg", "slides.pptx", "budget.xlsx")), pdf[:size])]


def _newsletter(rng: random.Random, text: str) -> str:
    """A marketing mail's HTML: nested tables, inline styles, tracking links and images (20-60 KB)."""
    cell = ('<td style="padding:12px 18px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:22px;'
            'color:#333333"><a href="https://click.shop.example/t/{n}?u=8f3kQ2x9LmZ7pW4vT1nR6yB5" style="color:'
            '#0a66c2;text-decoration:none">{t}</a><img src="https://img.shop.example/p/{n}.jpg" width="120" '
            'alt=""></td>')
    rows = "".join("<tr>" + cell.format(n=rng.randint(1, 10**6), t=text[:80]) * 3 + "</tr>"
                   for _ in range(rng.randint(25, 80)))
    return f'<html><head><style>td{{font-size:14px}}</style></head><body><table width="600">{rows}</table></body></html>'


_OUTLOOK_STYLE = "<style><!--\n" + "".join(
    f"@font-face {{font-family:\"Font {i}\"; panose-1:2 11 6 4 2 2 2 2 2 4;}}\n"
    f"p.MsoStyle{i}, li.MsoStyle{i}, div.MsoStyle{i} {{mso-style-priority:{i}; margin:0cm; font-size:11.0pt; "
    f"font-family:\"Calibri\",sans-serif; mso-fareast-language:EN-US;}}\n" for i in range(60)) + "--></style>"


def _html(text: str, outlook: bool = False) -> str:
    """The HTML alternative mail clients send: Gmail's styled divs with the quote in a blockquote, or Outlook's
    (``outlook``), which carries ~15 KB of style definitions in every message."""
    body, _, quoted = text.partition("\n\nOn Mon")
    style = 'style="font-family:Arial,Helvetica,sans-serif;font-size:small;color:#222222"'
    parts = "".join(f"<div {style}>{p.replace(chr(10), '<br>')}</div><div><br></div>" for p in body.split("\n\n"))
    if quoted:
        parts += ('<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon' + quoted.split("\n")[0] +
                  '</div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                  'rgb(204,204,204);padding-left:1ex">' + "<br>".join(quoted.split("\n")[1:]) + "</blockquote></div>")
    head = _OUTLOOK_STYLE if outlook else ""
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html">{head}</head><body><div dir="ltr">'
            f'{parts}</div></body></html>')


def _transport_headers(rng: random.Random, thread: int) -> list[tuple[str, str]]:
    """What a delivered Gmail message carries above its own headers: Received chain, DKIM, ARC."""
    sig = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(344))
    headers = [("Received", f"from mail-{hop}.x.example (mail-{hop}.x.example. [209.85.220.{hop}]) by "
                             f"mx.google.com with SMTPS id {sig[hop:hop + 20]} for <{ME[1]}> (Google Transport "
                             f"Security); Mon, 03 Mar 2025 09:0{hop}:00 -0800 (PST)") for hop in range(6)]
    return headers + list({
        "Delivered-To": ME[1], "Return-Path": f"<bounce-{thread}@mail.example>",
        "ARC-Seal": f"i=1; a=rsa-sha256; t=1740992400; cv=none; d=google.com; s=arc-20240605; b={sig}",
        "ARC-Message-Signature": f"i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com; s=arc-20240605; "
                                 f"h=to:subject:message-id:date:from:mime-version:dkim-signature; bh={sig[:44]}; b={sig}",
        "ARC-Authentication-Results": "i=1; mx.google.com; dkim=pass header.i=@x.example; spf=pass; dmarc=pass",
        "Authentication-Results": "mx.google.com; dkim=pass header.i=@x.example; spf=pass smtp.mailfrom=x.example",
        "DKIM-Signature": f"v=1; a=rsa-sha256; c=relaxed/relaxed; d=x.example; s=s1; t=1740992400; "
                          f"h=to:subject:message-id:date:from:mime-version:from:to:cc:subject:date; bh={sig[:44]}; b={sig}",
        "X-Google-Smtp-Source": sig[:88], "X-Gm-Message-State": sig[:120],
    }.items())


def generate(path: Path, megabytes: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    people = [(f"Person {i}", f"person{i}@company{i % 7}.example") for i in range(40)]
    signature = "\n\nDana Whitfield\nHead of Operations, Example Org\n+1 415 555 0142"
    charsets = list(WORDS)
    pdf = rng.randbytes(2_000_000)
    size = count = thread = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        while size < megabytes * 1_000_000:
            thread += 1
            person = rng.choice(people)
            charset = rng.choices(charsets, weights=(70, 10, 7, 7, 6))[0]
            subject = f"Plan {thread}"
            first = _text(rng, charset, rng.randint(2, 9))
            received = _transport_headers(rng, thread)
            kind = rng.random()
            batch = []
            if kind < BULK:  # newsletters, receipts, notifications: HTML-heavy, List-Unsubscribe
                shop = f"news@shop{thread % 23}.example"
                batch.append(compose(("Shop", shop), ME, f"Deals for you #{thread}", first,
                                     msgid=f"n{thread}@shop.example", minutes=thread, charset="utf-8",
                                     headers=received + [("List-Unsubscribe", "<mailto:unsub@shop.example>")],
                                     html=_newsletter(rng, first)))
            elif kind < BULK + LISTS:  # mailing-list posts
                batch.append(compose(person, "team@lists.example", f"[team] {subject}", first,
                                     msgid=f"l{thread}@lists.example", minutes=thread, charset=charset,
                                     headers=received + [("List-Id", "<team.lists.example>")], html=_html(first)))
            elif kind < BULK + LISTS + 0.02:
                batch.append(compose(person, ME, f"Automatic reply: {subject}", "I am out of the office.",
                                     msgid=f"a{thread}@x.example", minutes=thread,
                                     headers={"Auto-Submitted": "auto-replied"}))
            else:
                attachments = _attachments(rng, pdf)
                outlook = rng.random() < 0.4  # this thread's people use Outlook
                html_only = rng.random() < 0.1
                batch.append(compose(person, ME, subject, None if html_only else first, msgid=f"m{thread}@x.example",
                                     minutes=thread, charset=charset, headers=received, attachments=attachments,
                                     html=_html(first, outlook) if html_only or rng.random() < 0.7 else None))
                previous, last_id, refs = first, f"m{thread}@x.example", [f"m{thread}@x.example"]
                for turn in range(rng.choice((0, 0, 1, 1, 2, 3))):
                    mine = turn % 2 == 0
                    sender, to = (ME, person) if mine else (person, ME)
                    body = _text(rng, charset, rng.randint(1, 6))
                    if mine:
                        body += "\n\nBest,\nDana" + signature
                    body += _quote(previous, rng.randint(0, 2), sender[0] if not mine else person[0])
                    msgid = f"r{thread}-{turn}@{'example.org' if mine else 'x.example'}"
                    batch.append(compose(sender, to, f"Re: {subject}", body, msgid=msgid, minutes=thread + turn + 1,
                                         in_reply_to=last_id, references=list(refs), charset=charset,
                                         attachments=_attachments(rng, pdf),
                                         html=_html(body, outlook) if rng.random() < 0.7 else None,
                                         headers=received + [("X-Gmail-Labels", "Sent" if mine else "Inbox")]))
                    previous, last_id = body, msgid
                    refs.append(msgid)
                if rng.random() < 0.15:  # a mail I started
                    batch.append(compose(ME, person, f"Idea {thread}", _text(rng, charset, rng.randint(2, 6))
                                         + "\n\nDana" + signature, msgid=f"i{thread}@example.org",
                                         minutes=thread, charset=charset, headers={"X-Gmail-Labels": "Sent"}))
            data = mbox_bytes(batch)
            f.write(data)
            size += len(data)
            count += len(batch)
    return count


def generate_small(path: Path, megabytes: int, seed: int = 12) -> int:
    """Many short plain-text messages (~3.4 KB with their headers), half of them yours: a personal account's
    conversations, or a mailing-list archive you write to. Threads of 2-8 messages alternate between you and one
    of 60 people, replies quote what they answer; received mail carries the transport headers, sent mail not."""
    rng = random.Random(seed)
    people = [(f"Person {i}", f"person{i}@company{i % 9}.example") for i in range(60)]
    charsets = list(WORDS)
    size = count = thread = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        while size < megabytes * 1_000_000:
            thread += 1
            person = rng.choice(people)
            charset = rng.choices(charsets, weights=(80, 8, 5, 4, 3))[0]
            previous, last_id, refs, batch = None, None, [], []
            mine_first = rng.random() < 0.5
            for turn in range(rng.randint(2, 8)):
                mine = (turn % 2 == 0) == mine_first
                sender, to = (ME, person) if mine else (person, ME)
                body = _text(rng, charset, rng.randint(2, 7)) + ("\n\nBest,\nDana" if mine else "")
                if previous is not None and rng.random() < 0.8:
                    body += _quote(previous, rng.randint(0, 2), person[0] if mine else ME[0])
                msgid = f"s{thread}-{turn}@{'example.org' if mine else 'x.example'}"
                headers = [("X-Gmail-Labels", "Sent")] if mine else _transport_headers(rng, thread)
                batch.append(compose(sender, to, f"{'Re: ' if turn else ''}Note {thread}", body, msgid=msgid,
                                     minutes=thread * 10 + turn, in_reply_to=last_id, references=list(refs) or None,
                                     charset=charset, headers=headers))
                previous, last_id = body, msgid
                refs.append(msgid)
            data = mbox_bytes(batch)
            f.write(data)
            size += len(data)
            count += len(batch)
    return count


#: shape -> (file name stem, generator, default MB); every shape is measured and printed
SHAPES = {
    "large": ("mail", generate, 100),  # ~70 KB messages: HTML, attachments, newsletters
    "small": ("small", generate_small, 30),  # ~3.4 KB plain-text messages, half yours
}


def _mailbox(megabytes: int, shape: str = "large") -> tuple[Path, int]:
    stem, make, _ = SHAPES[shape]
    path = DATA / f"{stem}-{megabytes}mb.mbox"
    count_file = path.with_suffix(".count")
    if not path.exists() or not count_file.exists():
        print(f"generating {megabytes} MB of mail in {path} ...", flush=True)
        count_file.write_text(str(make(path, megabytes)))
    return path, int(count_file.read_text())


def _ftcook(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "ftcook", "build", "email", str(path), "--out", str(out), "-q",
            "-o", f"me={ME[1]}"]


def _runs(path: Path, count: int) -> list[tuple[float, float]]:
    """(seconds, peak memory) of the two loops and ftcook on ``path``, taking turns (``best_of_each``), checking
    the loops' message counts."""
    loops = [Cmd([sys.executable, "-c", code, str(path)], None, (0, 1)) for code in (BASELINE, BASELINE_BYTES)]
    results = best_of_each([*loops, Cmd(_ftcook(path, DATA / "out"), None, (0, 1))])
    for _, _, out in results[:2]:
        assert int(out) == count, (out, count)
    return [(best, peak) for best, peak, _ in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--mb", type=int, help="size of every shape's mailbox (default: large 100, small 30)")
    parser.add_argument("--memory-mb", type=int, default=0, help="also measure ftcook's memory on a large-shape "
                                                                 "mailbox of this size")
    args = parser.parse_args()
    rows, ok = [], True
    for shape in args.shapes.split(","):
        path, count = _mailbox(args.mb or SHAPES[shape][2], shape)
        base, raw, ours = _runs(path, count)
        rows.append((shape, path, count, base, raw, ours))
        ok = ok and base[0] / ours[0] >= 4
    print(f"\n{os.cpu_count()} cores")
    print("| shape | mailbox | run | seconds | messages/s | peak memory | ratio |")
    print("|---|---|---|---|---|---|---|")
    for shape, path, count, base, raw, ours in rows:
        where = f"{path.name}, {path.stat().st_size / 1e6:.1f} MB, {count:,} messages"
        for label, (seconds, peak) in (("(a) stdlib loop: mailbox.mbox + policy.default", base),
                                       ("(a) written with mailbox.get_bytes", raw), ("(b) ftcook build email", ours)):
            print(f"| {shape} | {where} | {label} | {seconds:.2f} | {count / seconds:,.0f} | {peak:,.0f} MB | "
                  f"{base[0] / seconds:.2f}x |")
            where = ""
    if args.memory_mb:
        big, big_count = _mailbox(args.memory_mb)
        big_t, big_rss, _ = best_of(_ftcook(big, DATA / "out-big"), ok_codes=(0, 1), repeat=1)
        print(f"| large | {big.name}, {big_count:,} messages | (b) ftcook build email | {big_t:.2f} | "
              f"{big_count / big_t:,.0f} | {big_rss:,.0f} MB | - |")
        ok = ok and big_rss <= 300
    print("\ngoal >= 4x the stdlib loop on every shape" + (" and <= 300 MB on the large mailbox" if args.memory_mb
                                                           else "") + f": {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
