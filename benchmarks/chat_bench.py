"""Benchmark ``ftcook build chat`` against chat-miner's parsers in the same run (issue: the chat recipe, item 7).

    pip install chat-miner          # the baseline (pandas, polars, dateutil); not one of ftcook's dependencies
    python benchmarks/chat_bench.py [--mb 100] [--shapes whatsapp_android,whatsapp_ios_group,telegram]

No package in the registries ships real chat exports (chat-miner's sdist and whatsapp-chat-parser's npm tarballs
were checked: code only), so the exports are generated under bench-data/chat/ once, in the apps' own formats
(tests/compose/chats.py writes them), in several shapes:

- whatsapp_android: a one-to-one Android export (US English, 12-hour clock), messages in bursts, some over
  several lines, media and deleted messages, days apart;
- whatsapp_ios_group: an iOS group export (German dates, 24-hour clock, U+200E marks) of six people;
- telegram: a Telegram Desktop full export (chats.list) of 40 chats, text as strings and as entity lists,
  replies, stickers and service messages;
- telegram_chat: the same kind of messages as one chat's export ("Export chat history" in a chat's menu: the
  chat's name, type, id and messages at the top level).

Each run is a separate process, timed with nothing watching it (the best of ``--repeat`` runs, the commands
taking turns), then run once more for its peak memory (the process tree's, sampled from /proc):
- the baseline: chat-miner's ``WhatsAppParser`` / ``TelegramJsonParser`` ``parse_file()``: parsing only, into
  its list of messages (timestamp, author, text), nothing else. chat-miner reads one chat of a full Telegram
  export (the one named), so on the full export the baseline loads the JSON once and has chat-miner's parser
  parse every chat's messages (its ``_parse_raw_messages``): the same messages ftcook reads;
- naive, same work (needs datasketch too): chat-miner's parsing, then what ftcook also does, each the plain way
  (as ``author_bench.py`` and ``language_bench.py`` measure those recipes): media and deleted lines left out,
  sessions cut at a 4-hour gap, a sender's messages within 10 minutes merged into one turn, each of Ada's turns
  that answers someone as an example (what the others said since her last turn as the prompt, up to 8 earlier
  turns within 512 tokens, tiktoken per turn, as context), the other people's names, phone numbers and addresses
  replaced by regular expressions, NFC, exact duplicates by a set, near-duplicates with datasketch's MinHashLSH
  at 0.85, a hash split, JSON Lines out, and a check that counts every written example's tokens again;
- ``ftcook build chat FILE -o me=Ada --out ...``: the whole recipe - two passes over the export, turns, sessions,
  context, the privacy gate, deduplication, the token budget, the split, the files and the check.

Goal (the chat recipe's issue): ftcook at least 3x faster than the baseline's parsing alone; peak memory at most
300 MB whatever the size. The same-work ratio is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test-data writers
from check_bench import Cmd, best_of_each  # noqa: E402

from compose.chats import telegram_message, whatsapp_line  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data" / "chat"
WORDS = ("ok yes no maybe tonight tomorrow lunch dinner coffee train late early sorry thanks great cool love "
         "haha lol see you soon where are we meeting what time did you see the game that movie was amazing "
         "can you send me the photos from the trip i'll call you later running ten minutes behind the kids are "
         "asleep finally weekend plans beach hike rain again work was long the meeting ran over").split()
PEOPLE = ["Sam Lee", "Mia Chen", "Jonas Weber", "Priya Nair", "Tom Reyes"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(max(1, int(rng.expovariate(1 / 7))))]
    return " ".join(words) + rng.choice(("", "", "!", "?", " 😂", " 👍", "!!"))


def conversation(rng: random.Random, people: list[str], until_bytes: int, write) -> int:
    """Messages in bursts, sessions days apart, until ``until_bytes`` were written; returns the message count."""
    when, written, count = datetime(2021, 1, 1, 8, 0), 0, 0
    while written < until_bytes:
        when += timedelta(hours=rng.choice((1, 5, 20, 30, 60)))
        for _ in range(rng.randint(2, 30)):
            who = "Ada" if rng.random() < 0.45 else rng.choice(people)
            for _ in range(1 if rng.random() < 0.6 else rng.randint(2, 4)):  # several messages in a row
                when += timedelta(seconds=rng.randint(5, 400))
                roll = rng.random()
                text = ("<Media omitted>" if roll < 0.04 else "This message was deleted" if roll < 0.05 else
                        "\n".join(sentence(rng) for _ in range(rng.randint(2, 4))) if roll < 0.12 else sentence(rng))
                written += write(when, who, text)
                count += 1
    return count


def make_whatsapp(path: Path, style: str, people: list[str], size: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        def write(when, who, text):
            line = whatsapp_line(style, when, who, text, mark=text == "<Media omitted>") + "\n"
            f.write(line.replace("<Media omitted>", "image omitted") if style.startswith("ios") else line)
            return len(line.encode())

        conversation(rng, people, size, write)


def make_telegram(path: Path, size: int, seed: int, chats: int = 40) -> None:
    """A full export of ``chats`` chats; with ``chats=1``, one chat's own export."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        if chats > 1:
            f.write('{"about": "Here is the data you requested.", "chats": {"about": "All chats.", "list": [')
        number = 0
        ids = {name: f"user{100 + i}" for i, name in enumerate(PEOPLE)} | {"Ada": "user1"}
        for chat in range(chats):
            people = [PEOPLE[chat % len(PEOPLE)]] if chat % 4 else rng.sample(PEOPLE, 3)
            f.write(("," if chat else "") + json.dumps({"name": f"chat {chat}", "type": "personal_chat",
                                                        "id": 5000 + chat})[:-1] + ', "messages": [')
            first = True

            def write(when, who, text):
                nonlocal number, first
                number += 1
                extra = {}
                if text == "<Media omitted>":
                    text, extra = "", {"media_type": "sticker", "sticker_emoji": "😀", "file": "stickers/s.webp"}
                elif rng.random() < 0.1:
                    text = [text.split(" ")[0] + " ", {"type": "link", "text": "https://example.org/x"}]
                elif rng.random() < 0.05:
                    extra = {"reply_to_message_id": max(1, number - rng.randint(1, 50))}
                row = json.dumps(telegram_message(number, when, who, ids[who], text, **extra), ensure_ascii=False)
                f.write(("" if first else ",") + row)
                first = False
                return len(row.encode())

            conversation(rng, people, size // chats, write)
            f.write("]}")
        if chats > 1:
            f.write("]}}")


SHAPES = {
    "whatsapp_android": ("WhatsApp Chat with Sam Lee.txt", lambda p, n: make_whatsapp(p, "android_us", PEOPLE[:1],
                                                                                         n, 1), "WhatsAppParser"),
    "whatsapp_ios_group": ("_chat.txt", lambda p, n: make_whatsapp(p, "ios_de", PEOPLE, n, 2), "WhatsAppParser"),
    "telegram": ("result.json", lambda p, n: make_telegram(p, n, 3), "TelegramJsonParser"),
    "telegram_chat": ("result.json", lambda p, n: make_telegram(p, n, 4, chats=1), "TelegramJsonParser"),
}

BASELINE = """
import logging, sys
logging.disable(logging.CRITICAL)
import tqdm, functools
tqdm.tqdm.__init__ = functools.partialmethod(tqdm.tqdm.__init__, disable=True)
from chatminer import chatparsers
kind, path = sys.argv[1], sys.argv[2]
parser = getattr(chatparsers, kind)(path, **({"chat_name": "chat 0"} if kind == "TelegramJsonParser" else {}))
if kind == "TelegramJsonParser" and '"chats": {' in open(path, encoding="utf-8").read(300):
    import json
    with open(path, encoding="utf-8") as f:
        export = json.load(f)
    for chat in export["chats"]["list"]:  # every chat, as ftcook reads them
        parser._raw_messages = chat["messages"]
        parser._parse_raw_messages()
else:
    parser.parse_file()
print(len(parser.parsed_messages._parsed_messages))
"""

SAME_WORK = BASELINE.replace("parser.parse_file()\n", "parser.parse_file()\n    chats = [(path, parser.parsed_messages._parsed_messages)]\n"
                             ).replace("    for chat in export", "    chats = []\n    for chat in export").replace(
    "        parser._parse_raw_messages()\n",
    "        before = len(parser.parsed_messages._parsed_messages)\n        parser._parse_raw_messages()\n"
    "        chats.append((chat['name'], parser.parsed_messages._parsed_messages[before:]))\n").rsplit("print(", 1)[0] + r"""
import hashlib, json, re, unicodedata
from datetime import timedelta
from datasketch import MinHash, MinHashLSH
from ftcook.tokens import _load_tiktoken  # tiktoken's cl100k_base, from the files bundled with ftcook (offline)
enc = _load_tiktoken("cl100k_base")
ME, GAP, MERGE = "Ada", timedelta(hours=4), timedelta(minutes=10)
NOT_TEXT = re.compile(r"^\W*(<Media omitted>|(image|video|audio|sticker|GIF|document) omitted|This message was deleted"
                      r"|Bild weggelassen|Diese Nachricht wurde gelöscht)\W*$")
PHONE = re.compile(r"\+?\d[\d ()./-]{7,}\d")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
people = sorted({m.author for _, found in chats for m in found if m.author != ME}, key=len, reverse=True)
number = {name: f"<PERSON_{i}>" for i, name in enumerate(people, 1)}
NAMES = re.compile("|".join(map(re.escape, people)) or "(?!)")
tokens = {}


def redact(text):
    text = NAMES.sub(lambda m: number[m.group(0)], text)
    return EMAIL.sub("<EMAIL>", PHONE.sub("<PHONE>", text))


def turns(messages):  # a sender's consecutive messages within MERGE as one turn, sessions cut at GAP
    session, last = [], None
    for m in messages:
        text = m.message.strip()
        if not text or NOT_TEXT.match(text):
            continue
        if last is not None and m.timestamp - last.timestamp > GAP:
            yield session
            session = []
        if session and session[-1][0] == m.author and m.timestamp - last.timestamp <= MERGE:
            session[-1][1].append(text)
        else:
            session.append((m.author, [text]))
        last = m
    if session:
        yield session


def count(turn):
    key = id(turn)
    if key not in tokens:
        tokens[key] = len(enc.encode("\n".join(turn[1])))
    return tokens[key]


def examples(session):
    for i, (who, texts) in enumerate(session):
        if who != ME:
            continue
        start = i
        while start > 0 and session[start - 1][0] != ME:
            start -= 1
        if start == i:
            continue
        prompt = "\n".join(f"{w}: {t}" for w, ts in session[start:i] for t in ts)
        budget, context = 512 - len(enc.encode(prompt)), []
        for turn in reversed(session[max(0, start - 8):start]):
            budget -= count(turn)
            if budget < 0:
                break
            context.insert(0, {"role": "assistant", "content": "\n".join(turn[1])} if turn[0] == ME else
                           {"role": "user", "content": "\n".join(f"{turn[0]}: {t}" for t in turn[1])})
        while context and context[0]["role"] == "assistant":
            context.pop(0)
        yield context + [{"role": "user", "content": prompt}, {"role": "assistant", "content": "\n".join(texts)}]


seen, lsh, kept = set(), MinHashLSH(threshold=0.85, num_perm=64), 0
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for chat, found in chats:
        tokens.clear()
        for session in turns(found):
            for messages in examples(session):
                for message in messages:
                    message["content"] = unicodedata.normalize("NFC", redact(message["content"]))
                line = json.dumps({"messages": messages}, ensure_ascii=False)
                if line in seen:
                    continue
                seen.add(line)
                text = messages[-1]["content"]
                if len(text) >= 50:
                    m = MinHash(num_perm=64)
                    m.update_batch([text[i:i + 5].encode() for i in range(len(text) - 4)])
                    if lsh.query(m):
                        continue
                    lsh.insert(kept, m)
                kept += 1
                side = "valid" if hashlib.blake2b(line.encode(), digest_size=8).digest()[0] < 26 else "train"
                out.write(line[:-1] + f', "side": "{side}"}}\n')
total = 0
with open(sys.argv[3], encoding="utf-8") as f:  # the check: every example's tokens counted again
    for line in f:
        for message in json.loads(line)["messages"]:
            total += 3 + len(enc.encode(message["role"])) + len(enc.encode(message["content"]))
print(kept)
"""


def measure_shape(shape: str, mb: int, repeat: int, baselines: bool) -> dict:
    """The export of ``shape`` (written once), then each run on it: its row of the table."""
    name, make, kind = SHAPES[shape]
    folder = DATA / f"{shape}-{mb}mb"
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"writing {path} ...", flush=True)
        make(path, mb * 1024 * 1024)
    row = {"shape": shape, "mb": path.stat().st_size / 1e6}
    with tempfile.TemporaryDirectory() as tmp:
        cmds = [Cmd([sys.executable, "-m", "ftcook", "build", "chat", str(path), "-o", "me=Ada", "--out",
                     str(Path(tmp) / "ds"), "-q"], None, (0, 1))]
        if baselines:
            cmds += [Cmd([sys.executable, "-c", BASELINE, kind, str(path)], None, (0, 1)),
                     Cmd([sys.executable, "-c", SAME_WORK, kind, str(path), str(Path(tmp) / "n.jsonl")], None, (0, 1))]
        (seconds, peak, _), *others = best_of_each(cmds, repeat)
    row.update(ftcook_s=seconds, ftcook_mb=peak)
    if baselines:
        (base_s, base_mb, base_out), (same_s, same_mb, same_out) = others
        row.update(baseline_s=base_s, baseline_mb=base_mb, baseline_messages=int(base_out.strip() or 0),
                   same_s=same_s, same_mb=same_mb, same_examples=int(same_out.strip() or 0))
    print(row, flush=True)
    return row


def table(rows: list[dict]) -> None:
    print("\n| shape | MB | chat-miner parse s (MB) | naive same work s (MB) | ftcook s (MB) "
          "| ftcook vs parse alone | ftcook vs same work |")
    print("|---|---|---|---|---|---|---|")
    nan = float("nan")
    for r in rows:
        parse = f"{r['baseline_s'] / r['ftcook_s']:.2f}x" if "baseline_s" in r else "-"
        same = f"{r['same_s'] / r['ftcook_s']:.2f}x" if "same_s" in r else "-"
        print(f"| {r['shape']} | {r['mb']:.0f} | {r.get('baseline_s', nan):.1f} ({r.get('baseline_mb', nan):,.0f}) | "
              f"{r.get('same_s', nan):.1f} ({r.get('same_mb', nan):,.0f}) | {r['ftcook_s']:.1f} "
              f"({r['ftcook_mb']:,.0f}) | {parse} | {same} |")
    print("\nGoal (issue 15): ftcook at least 3x faster than the baseline's parsing alone, peak memory at most 300 MB."
          "\nAlso printed: the same work done the naive way (its ratio is what issue 18 measures for author and "
          "language).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each command (the best is kept)")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    try:
        import chatminer  # noqa: F401
        import datasketch  # noqa: F401
        baselines = True
    except ImportError:
        print("chat-miner or datasketch is not installed (pip install chat-miner datasketch): measuring ftcook "
              "alone")
        baselines = False
    table([measure_shape(shape, args.mb, args.repeat, baselines) for shape in args.shapes.split(",")])


if __name__ == "__main__":
    main()
