"""Benchmark ``ftcook build author`` against the common approach, in the same run (issue: the author recipe).

    python benchmarks/author_bench.py [--chapters 200]

Generates an EPUB 3 under bench-data/author/ once: 200 chapters, about 5 MB of text (paragraphs of prose with
dialogue, italics, footnotes and page-number spans), plus cover, title, contents, copyright and about pages.
Then measures, each as a separate process (best of three unwatched runs; memory from one more run):

- the common approach: ``ebooklib.epub.read_epub`` and ``BeautifulSoup(content, "html.parser").get_text()``
  for every document - text with markup removed, nothing else (no matter skipped, no passages, no output);
- naive, same work: the common approach plus what ftcook also does, each the plain way: paragraphs of each
  document's text packed into passages of at most 256 tokens (tiktoken per paragraph) with the last 96 tokens
  of text before each as its prompt, NFC normalising, exact duplicates with a set of texts, near-duplicates with
  datasketch as its documentation shows (MinHash of character 5-grams with ``update_batch`` and the default SHA-1
  hash, MinHashLSH at 0.85), a hash split, JSON Lines out, and a check that counts every written example's
  tokens again;
- ``ftcook build author book.epub --out ...``: safety checks, extraction with footnotes and page numbers
  removed, front/back matter skipped, passages within the token budget, deduplication, split, the check.

Goals: ftcook no slower than 1.5× the common approach (which does a fraction of the work), at least 3× faster
than the same work done the naive way, peak memory ≤ 300 MB.
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
from check_bench import best_of  # noqa: E402

from compose.books import write_book  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data" / "author"

BASELINE = r"""
import sys, warnings
warnings.filterwarnings("ignore")
import ebooklib
from bs4 import BeautifulSoup
from ebooklib import epub
book = epub.read_epub(sys.argv[1], {"ignore_ncx": True})
chars = 0
for item in book.get_items_of_type(ebooklib.ITEM_DOCUMENT):
    chars += len(BeautifulSoup(item.get_content(), "html.parser").get_text())
print(chars)
"""

SAME_WORK = BASELINE.replace("chars = 0\n", "").rsplit("for item in", 1)[0] + r"""
import hashlib, json, unicodedata
from datasketch import MinHash, MinHashLSH
from ftcook.tokens import _load_tiktoken  # tiktoken's cl100k_base, from the files bundled with ftcook (offline)
enc = _load_tiktoken("cl100k_base")
seen, lsh, kept = set(), MinHashLSH(threshold=0.85, num_perm=64), 0


def passages(text):
    chunk, tokens = [], 0
    for para in (p.strip() for p in text.split("\n") if p.strip()):
        n = len(enc.encode(para))
        if chunk and tokens + n > 256:
            yield "\n\n".join(chunk)
            chunk, tokens = [], 0
        chunk.append(para)
        tokens += n
    if chunk:
        yield "\n\n".join(chunk)


with open(sys.argv[2], "w", encoding="utf-8") as out:
    for item in book.get_items_of_type(ebooklib.ITEM_DOCUMENT):
        before = ""
        for text in passages(BeautifulSoup(item.get_content(), "html.parser").get_text()):
            text = unicodedata.normalize("NFC", text)
            prompt = enc.decode(enc.encode(before)[-96:])
            before = text
            if text in seen:
                continue
            seen.add(text)
            m = MinHash(num_perm=64)
            m.update_batch([text[i:i + 5].encode() for i in range(max(1, len(text) - 4))])
            if lsh.query(m):
                continue
            lsh.insert(kept, m)
            kept += 1
            side = "valid" if hashlib.blake2b(text.encode(), digest_size=8).digest()[0] < 26 else "train"
            out.write(json.dumps({"messages": [{"role": "user", "content": prompt},
                                               {"role": "assistant", "content": text}], "side": side},
                                 ensure_ascii=False) + "\n")
total = 0
with open(sys.argv[2], encoding="utf-8") as f:  # the check: every example's tokens counted again
    for line in f:
        for message in json.loads(line)["messages"]:
            total += 3 + len(enc.encode(message["role"])) + len(enc.encode(message["content"]))
print(kept)
"""

WORDS = ("the harbour lamps were lit one by one while the old man climbed his ladder and the girl held it steady "
         "against a wind that came in from the grey sea over the stones of the quiet town where boats knocked "
         "softly at the pier and gulls slept on the roofs of houses that had stood for a hundred years").split()


def generate(path: Path, chapters: int, seed: int = 3) -> None:
    rng = random.Random(seed)

    def sentence() -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
        return " ".join(words).capitalize() + rng.choice((".", ".", ".", "?", "!"))

    bodies = []
    for number in range(1, chapters + 1):
        parts = [f"<h2>Chapter {number}</h2>"]
        for p in range(rng.randint(70, 85)):
            if p % 4 == 1:
                parts.append(f"<p>“{sentence()}” said Mara. “{sentence()}”</p>")
            elif p % 9 == 3:
                parts.append(f"<p>{sentence()} <i>{sentence()}</i><sup><a epub:type=\"noteref\" href=\"#n{p}\">{p}"
                             f"</a></sup> {sentence()}</p><aside epub:type=\"footnote\" id=\"n{p}\"><p>{sentence()}"
                             f"</p></aside><span epub:type=\"pagebreak\" title=\"{number * 10 + p}\"/>")
            else:
                parts.append("<p>" + " ".join(sentence() for _ in range(rng.randint(3, 7))) + "</p>")
        bodies.append((f"Chapter {number}", "".join(parts)))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_book(path, "A Generated Novel", "Ada Lind", bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapters", type=int, default=200)
    args = parser.parse_args()
    book = DATA / f"novel-{args.chapters}.epub"
    if not book.exists():
        print(f"generating {book} ...", flush=True)
        generate(book, args.chapters)
    base_t, base_rss, chars = best_of([sys.executable, "-c", BASELINE, str(book)], ok_codes=(0, 1))
    same_t, same_rss, _ = best_of([sys.executable, "-c", SAME_WORK, str(book), str(DATA / "naive-same.jsonl")],
                                  ok_codes=(0, 1))
    ft_t, ft_rss, _ = best_of([sys.executable, "-m", "ftcook", "build", "author", str(book), "--out",
                            str(DATA / "out"), "-q"], ok_codes=(0, 1))
    print(f"\nbook: {book.name}, {args.chapters} chapters, {int(chars) / 1e6:.1f} M characters of text "
          f"({book.stat().st_size / 1e6:.1f} MB EPUB), {os.cpu_count()} cores")
    print("| run | seconds | peak memory | time against the common approach | ftcook's speed-up |")
    print("|---|---|---|---|---|")
    for label, seconds, peak in (("ebooklib + BeautifulSoup get_text (the common approach)", base_t, base_rss),
                                 ("naive, same work", same_t, same_rss), ("ftcook build author", ft_t, ft_rss)):
        print(f"| {label} | {seconds:.2f} | {peak:,.0f} MB | {seconds / base_t:.2f}x | {seconds / ft_t:.2f}x |")
    ok = ft_t <= 1.5 * base_t and same_t / ft_t >= 3 and ft_rss <= 300
    print(f"\ngoals: at most 1.5x the common approach's time, at least 3x faster than the same work done the "
          f"naive way, <= 300 MB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
