"""Benchmark ``ftcook build author`` against the common approach, in the same run (issue: the author recipe).

    python benchmarks/author_bench.py [--chapters 200]

Generates an EPUB 3 under bench-data/author/ once: 200 chapters, about 5 MB of text (paragraphs of prose with
dialogue, italics, footnotes and page-number spans), plus cover, title, contents, copyright and about pages.
Then measures, each as a separate process (best of three unwatched runs; memory from one more run):

- the common approach: ``ebooklib.epub.read_epub`` and ``BeautifulSoup(content, "html.parser").get_text()``
  for every document - text with markup removed, nothing else (no matter skipped, no passages, no output);
- ``ftcook build author book.epub --out ...``: safety checks, extraction with footnotes and page numbers
  removed, front/back matter skipped, passages within the token budget, deduplication, split, the check.

Goal: ftcook no slower than 1.5× the common approach, peak memory ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test-data writers
from check_bench import measure, timed  # noqa: E402

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


def _run(cmd: list[str], repeat: int = 3) -> tuple[float, float, str]:
    best, out = float("inf"), ""
    for _ in range(repeat):
        seconds, out = timed(cmd, ok_codes=(0, 1))
        best = min(best, seconds)
    _, peak, _ = measure(cmd, ok_codes=(0, 1))
    return best, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapters", type=int, default=200)
    args = parser.parse_args()
    book = DATA / f"novel-{args.chapters}.epub"
    if not book.exists():
        print(f"generating {book} ...", flush=True)
        generate(book, args.chapters)
    base_t, base_rss, chars = _run([sys.executable, "-c", BASELINE, str(book)])
    ft_t, ft_rss, _ = _run([sys.executable, "-m", "ftcook", "build", "author", str(book), "--out",
                            str(DATA / "out"), "-q"])
    print(f"\nbook: {book.name}, {args.chapters} chapters, {int(chars) / 1e6:.1f} M characters of text "
          f"({book.stat().st_size / 1e6:.1f} MB EPUB)")
    print(f"{'':44} {'seconds':>8} {'peak memory':>12} {'vs. baseline':>13}")
    print(f"{'ebooklib + BeautifulSoup get_text':44} {base_t:8.2f} {base_rss:9.0f} MB {1:12.2f}×")
    print(f"{'ftcook build author':44} {ft_t:8.2f} {ft_rss:9.0f} MB {ft_t / base_t:12.2f}×")
    ok = ft_t <= 1.5 * base_t and ft_rss <= 300
    print(f"\ngoal: at most 1.5× the baseline's time and ≤ 300 MB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
