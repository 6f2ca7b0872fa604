"""Benchmark ``ftcook build language`` against the naive loop, in the same run (issue: the language recipe).

    python benchmarks/language_bench.py [--mb 100] [--max-tokens 1024]

Generates ~100 MB of mixed-language text (Chinese, Japanese, Russian, Arabic, English; blank-line separated
paragraphs, ~2 MB files like a shelf of novels) under bench-data/language/ once, then measures, each as a separate process:

- naive loop (the issue's baseline): read each whole file, split on "\\n\\n", count tokens one chunk at a
  time with tiktoken, pack chunks into the same token budget, write JSON Lines. It does less than ftcook: no
  sentence segmentation, no normalising, no deduplication, no ledger, no check.
- naive, same work: the naive loop plus what ftcook also does, each the plain way: NFC normalising, exact
  duplicates with a set of texts, near-duplicates with datasketch as its documentation shows (MinHash of
  character 5-grams with ``update_batch`` and the default SHA-1 hash, MinHashLSH at 0.85), a hash split, and a
  check that counts every written example's tokens again one at a time. ``--skip-same-work`` leaves it out.
- ftcook: ``ftcook build language bench-data/language --out ... -q`` - the whole pipeline, near-duplicate
  search and the check of train.jsonl included.

Prints MB/s, wall time (the best of ``--repeat`` runs with nothing watching), peak memory of the process tree
(one more run) and the ratio. Goals: ≥ 2× the naive loop, ≥ 3× the same work done naively, ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_bench import Cmd, best_of_each  # noqa: E402 - one way of measuring for every benchmark

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data" / "language"

SEEDS = {
    "zh": "清晨的港口很安静渔船在绳索旁轻轻摇晃老渔夫坐在码头上慢慢地修补他的渔网她沿着河岸走了很久一边走一边数着"
          "岸边还亮着的灯笼天快亮的时候风渐渐停了村子里的孩子们最喜欢听他讲故事每到晚上他们就围坐在火堆旁",
    "ja": "朝の港はとても静かで漁船はロープのそばで静かに揺れていた年老いた漁師は桟橋に座り網を繕っていた彼女は"
          "川沿いを長い間歩きまだ灯っている提灯を数えた夜が明けるころ風はだんだん弱くなった",
    "ru": "утренняя гавань была тихой и лодки мягко покачивались у причала старый рыбак сидел на пирсе и чинил сети "
          "она долго шла вдоль реки считала фонари которые ещё горели на берегу к рассвету ветер совсем стих",
    "ar": "كان الميناء هادئا في الصباح الباكر وكانت القوارب تتمايل بهدوء قرب الرصيف جلس الصياد العجوز يصلح شباكه "
          "مشت طويلا على ضفة النهر وهي تعد الفوانيس التي ما زالت مضاءة ومع بزوغ الفجر هدأت الريح تماما",
    "en": "the harbour was quiet before dawn and the boats rocked gently against their ropes the old fisherman sat "
          "on the pier mending his nets she walked along the river for a long time counting the lanterns that "
          "still burned on the bank by daybreak the wind had dropped completely",
}
ENDS = {"zh": "。", "ja": "。", "ru": ".", "ar": ".", "en": "."}

# The naive loop: each whole file, split on "\n\n", tokens counted one chunk at a time, packed to the budget.
_NAIVE_LOOP = r"""
import json, sys
from pathlib import Path
from ftcook.tokens import _load_tiktoken
enc = _load_tiktoken("cl100k_base")
budget = int(sys.argv[2])


def chunks(folder):
    for path in sorted(Path(folder).glob("*.txt")):
        chunk, tokens = [], 0
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            n = len(enc.encode(para + "\n\n"))
            if chunk and tokens + n > budget:
                yield "\n\n".join(chunk)
                chunk, tokens = [], 0
            chunk.append(para)
            tokens += n
        if chunk:
            yield "\n\n".join(chunk)
"""

BASELINE = _NAIVE_LOOP + r"""
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for text in chunks(sys.argv[1]):
        out.write(json.dumps({"prompt": "", "completion": text}, ensure_ascii=False) + "\n")
"""

SAME_WORK = _NAIVE_LOOP + r"""
import hashlib, unicodedata
from datasketch import MinHash, MinHashLSH
seen, lsh, kept = set(), MinHashLSH(threshold=0.85, num_perm=64), 0
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for text in chunks(sys.argv[1]):
        text = unicodedata.normalize("NFC", text).strip()
        if not text or text in seen:
            continue
        seen.add(text)
        m = MinHash(num_perm=64)
        m.update_batch([text[i:i + 5].encode() for i in range(max(1, len(text) - 4))])
        if lsh.query(m):
            continue
        lsh.insert(kept, m)
        kept += 1
        side = "valid" if hashlib.blake2b(text.encode(), digest_size=8).digest()[0] < 26 else "train"
        out.write(json.dumps({"messages": [{"role": "assistant", "content": text}], "side": side},
                             ensure_ascii=False) + "\n")
total = 0
with open(sys.argv[3], encoding="utf-8") as f:  # the check: every example's tokens counted again
    for line in f:
        for message in json.loads(line)["messages"]:
            total += 3 + len(enc.encode(message["role"])) + len(enc.encode(message["content"]))
print(total)
"""


def sentence(rng: random.Random, lang: str) -> str:
    seed = SEEDS[lang]
    if lang in ("zh", "ja"):
        return "".join(rng.choice(seed) for _ in range(rng.randint(8, 40))) + ENDS[lang]
    words = seed.split()
    return " ".join(rng.choice(words) for _ in range(rng.randint(5, 20))).capitalize() + ENDS[lang]


def generate(megabytes: int, seed: int = 11) -> None:
    marker = DATA / f".complete-{megabytes}-2mb-files"
    if marker.exists():
        return
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    rng = random.Random(seed)
    langs = list(SEEDS)
    files = max(1, megabytes // 2)  # ~2 MB each, the size of a long novel
    per_file = megabytes * 1024 * 1024 // files
    for number in range(files):
        lang = langs[number % len(langs)]
        size = 0
        with open(DATA / f"{number:02d}-{lang}.txt", "w", encoding="utf-8") as f:
            while size < per_file:
                joiner = "" if lang in ("zh", "ja") else " "
                paragraph = joiner.join(sentence(rng, lang) for _ in range(rng.randint(2, 8))) + "\n\n"
                f.write(paragraph)
                size += len(paragraph.encode())
    marker.touch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument("--skip-same-work", action="store_true", help="do not run the slow 'naive, same work'")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each command (the best is kept)")
    args = parser.parse_args()
    generate(args.mb)
    size_mb = sum(p.stat().st_size for p in DATA.glob("*.txt")) / 1e6
    out = ROOT / "bench-data" / "language-out"
    cmds = [Cmd([sys.executable, "-c", BASELINE, str(DATA), str(args.max_tokens),
                 str(ROOT / "bench-data" / "language-naive.jsonl")]),
            Cmd([sys.executable, "-m", "ftcook", "build", "language", str(DATA), "--out", str(out), "-q", "-o",
                 f"max_tokens={args.max_tokens}"])]
    if not args.skip_same_work:
        cmds.append(Cmd([sys.executable, "-c", SAME_WORK, str(DATA), str(args.max_tokens),
                         str(ROOT / "bench-data" / "language-naive-same.jsonl")]))
    (base_t, base_rss, _), (ftcook_t, ftcook_rss, _), *same = best_of_each(cmds, args.repeat)
    print(f"input: {size_mb:.1f} MB of text in {len(list(DATA.glob('*.txt')))} files (zh, ja, ru, ar, en)")
    print(f"{'':32} {'seconds':>8} {'MB/s':>8} {'peak RSS':>10} {'ratio':>7}")
    print(f"{'naive loop (the baseline)':32} {base_t:8.2f} {size_mb / base_t:8.2f} {base_rss:7.0f} MB {1:7.2f}×")
    if not args.skip_same_work:
        same_t, same_rss, _ = same[0]
        print(f"{'naive, same work':32} {same_t:8.2f} {size_mb / same_t:8.2f} {same_rss:7.0f} MB "
              f"{base_t / same_t:7.2f}×")
    print(f"{'ftcook build language':32} {ftcook_t:8.2f} {size_mb / ftcook_t:8.2f} {ftcook_rss:7.0f} MB "
          f"{base_t / ftcook_t:7.2f}×")
    ok = base_t / ftcook_t >= 2 and ftcook_rss <= 300
    if not args.skip_same_work:
        print(f"ftcook against the naive version of the same work: {same_t / ftcook_t:.2f}× faster")
        ok = ok and same_t / ftcook_t >= 3
    print(f"\ngoals ≥ 2× the naive loop, ≥ 3× the same work done naively, ≤ 300 MB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
