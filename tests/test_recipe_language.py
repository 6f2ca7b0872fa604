"""The language recipe: scripts, charsets, chunking within the budget, language filtering, modes."""

import json
from pathlib import Path

import pytest
from texts import AR, EN, JA, RU, ZH

from conftest import invoke
from ftcook.pipeline import BuildSettings, build
from ftcook.text.segment import graphemes, sentences
from ftcook.tokens import get_counter


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def texts(out: Path) -> list[str]:
    return [r["messages"][-1]["content"] for r in rows(out / "train.jsonl") + rows(out / "valid.jsonl")]


def run(tmp_path, *sources, **options) -> tuple[Path, dict]:
    out = tmp_path / "ds"
    result = build(BuildSettings(recipe="language", sources=list(sources), out=out, options={k: str(v) for k, v in options.items()},
                                 valid_fraction=0.0, near_duplicates=0.85))
    return out, result.manifest


def test_one_line_per_paragraph_chinese_becomes_one_empty_prompt_chunk(tmp_path):
    novel = tmp_path / "novel.txt"
    novel.write_text("".join(f"\u3000\u3000{p}\n" for p in ZH), encoding="utf-8")  # indented lines, no blank lines
    out, manifest = run(tmp_path, novel)
    assert rows(out / "train.jsonl") == [{"messages": [{"role": "assistant", "content": "\n\n".join(ZH)}]}]
    assert manifest["ledger"] == {"records": 1, "split_parts": 0, "in": 1, "kept": 1, "skipped": 0,
                                  "skipped_by_reason": {}}
    stats = manifest["stats"]["languages"]["all"]
    assert stats["chars"] == len("\n\n".join(ZH)) and stats["tokens_per_char"] > 1  # Chinese costs >1 token/char


def test_chunks_stay_within_the_budget_and_never_cut_a_sentence(tmp_path):
    long_paragraph = "".join(ZH * 6)  # one paragraph far over the budget: cut between sentences only
    novel = tmp_path / "long.txt"
    novel.write_text(long_paragraph + "\n", encoding="utf-8")
    out, manifest = run(tmp_path, novel, max_tokens=120)
    counter = get_counter("cl100k_base")
    chunks = [r["messages"][-1]["content"] for r in rows(out / "train.jsonl")]
    duplicates = manifest["ledger"]["skipped_by_reason"].get("duplicate", 0)
    assert len(chunks) > 3 and all(counter.count(c) <= 120 for c in chunks)
    all_sentences = set(sentences(long_paragraph))
    for chunk in chunks:  # every chunk is whole sentences of the source
        assert "".join(sentences(chunk)) == chunk and set(sentences(chunk)) <= all_sentences
    assert duplicates > 0  # the repeated sentences come round again as the same chunks
    assert manifest["ledger"]["in"] == manifest["ledger"]["kept"] + manifest["ledger"]["skipped"]


def test_a_sentence_longer_than_the_budget_is_skipped_not_cut(tmp_path):
    path = tmp_path / "run_on.txt"
    path.write_text("短句。" + "这是一个没有句号的很长的句子" * 30 + "。\n", encoding="utf-8")
    out, manifest = run(tmp_path, path, max_tokens=50)
    skipped = rows(out / "skipped.jsonl")
    assert [s["reason"] for s in skipped] == ["too_long"]
    assert skipped[0]["id"] == f"{path.as_posix()}:line 1, sentence 2"
    assert texts(out) == ["短句。"]


def test_gb18030_and_shift_jis_files_are_decoded(tmp_path):
    (tmp_path / "zh_gb.txt").write_bytes("\n\n".join(ZH).encode("gb18030"))
    (tmp_path / "ja_sjis.txt").write_bytes("\n\n".join(JA).encode("shift_jis"))
    out, manifest = run(tmp_path, tmp_path / "zh_gb.txt", tmp_path / "ja_sjis.txt")
    assert texts(out) == ["\n\n".join(ZH), "\n\n".join(JA)]


def test_an_undecodable_file_is_skipped_with_a_reason(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("\n\n".join(EN), encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(bytes(range(256)) * 4)
    out, manifest = run(tmp_path, good, bad)
    assert [(s["id"], s["reason"]) for s in rows(out / "skipped.jsonl")] == [(bad.as_posix(), "undecodable")]
    assert manifest["ledger"]["kept"] == 1


@pytest.mark.parametrize("lang, expected", [("zh", ZH), ("ru", RU), ("ar", AR), ("en", EN), ("ja", JA)])
def test_lang_keeps_one_language_of_a_mixed_file(tmp_path, lang, expected):
    mixed = tmp_path / "mixed.md"
    blocks = [ZH, RU, AR, EN, JA]
    mixed.write_text("\n\n".join("\n\n".join(b) for b in blocks), encoding="utf-8")
    # a budget of about one block's size puts each language in chunks of its own
    out = tmp_path / "ds"
    result = build(BuildSettings(recipe="language", sources=[tmp_path / "mixed.md"], out=out, options={"lang": lang, "max_tokens": "40"},
                                 valid_fraction=0.0))
    kept = texts(out)
    block = "\n\n".join(expected)
    assert kept and all(sentence.strip() in block for chunk in kept for sentence in sentences(chunk))
    off = [s for s in rows(out / "skipped.jsonl") if s["reason"] == "off_language"]
    assert off and all(s["detail"].endswith(f"not {lang}") for s in off)
    assert result.manifest["stats"]["languages"][lang]["chars"] == sum(len(k) for k in kept)


def test_continue_mode_prompts_with_the_previous_chunk(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("\n\n".join(EN), encoding="utf-8")
    out, _ = run(tmp_path, path, max_tokens=40, mode="continue")
    examples = [r["messages"] for r in rows(out / "train.jsonl")]
    assert examples[0] == [{"role": "assistant", "content": EN[0]}]  # the first chunk has nothing before it
    assert examples[1] == [{"role": "user", "content": EN[0]}, {"role": "assistant", "content": EN[1]}]


def test_html_and_folders(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.html").write_text(f"<html><head><title>x</title></head><body><p>{RU[0]}</p><script>var x;"
                                   f"</script><p>{RU[1]}</p></body></html>", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD.txt").write_text("ref: refs/heads/main")  # hidden folders are not sources
    out, manifest = run(tmp_path, folder)
    assert texts(out) == [f"{RU[0]}\n\n{RU[1]}"]
    assert manifest["ledger"]["skipped_by_reason"] == {"unsupported_file": 1}


def test_epub_chapters_in_reading_order(tmp_path):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("ftcook-test")
    book.set_title("Test")
    book.set_language("ja")
    chapters = []
    for number, text in enumerate(JA, 1):
        chapter = epub.EpubHtml(title=f"c{number}", file_name=f"c{number}.xhtml", lang="ja")
        chapter.content = f"<html><body><h1>第{number}章</h1><p>{text}</p></body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = chapters
    epub.write_epub(str(tmp_path / "book.epub"), book)
    out, _ = run(tmp_path, tmp_path / "book.epub", max_tokens=80)
    joined = "\n\n".join(texts(out))
    assert [joined.index(t) for t in JA] == sorted(joined.index(t) for t in JA)
    assert "第1章" in joined


def test_grapheme_clusters_are_never_split():
    assert graphemes("👩‍👩‍👧 ok") == ["👩‍👩‍👧", " ", "o", "k"]


def test_unknown_language_code_is_a_clear_error(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("text", encoding="utf-8")
    result = invoke("build", "language", path, "--out", tmp_path / "ds", "-o", "lang=xx")
    assert result.exit_code == 2
    assert result.output.startswith("Error: Recipe 'language', option lang: Value error, 'xx' is not an ISO "
                                    "639-1 code lingua detects; use one of: af, ar,")


def test_a_broken_epub_is_skipped_as_unreadable(tmp_path):
    (tmp_path / "broken.epub").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "ok.txt").write_text(EN[0], encoding="utf-8")
    out, manifest = run(tmp_path, tmp_path / "broken.epub", tmp_path / "ok.txt")
    skipped = rows(out / "skipped.jsonl")
    assert [(s["id"], s["reason"]) for s in skipped] == [((tmp_path / "broken.epub").as_posix(), "unreadable")]
    assert skipped[0]["detail"].startswith("not a readable EPUB")


def test_a_chapter_title_starts_a_chunk_and_never_ends_one(tmp_path):
    """The shape of a Chinese e-text novel: indented lines, no blank lines, a title line between chapters. Each
    chapter fits the budget with room for the next title, which used to end the chunk before it."""
    titles = ["第五回 发矫诏诸镇应曹公　破关兵三英战吕布", "第六回 焚金阙董卓行凶　匿玉玺孙坚背约"]
    novel = tmp_path / "novel.txt"
    novel.write_text("".join(f"{title}\n" + "".join(f"\u3000\u3000{p}\n" for p in ZH[:2]) for title in titles),
                     encoding="utf-8")
    out, manifest = run(tmp_path, novel, max_tokens=400)
    chunks = texts(out)
    assert len(chunks) == 2, chunks
    for title, chunk in zip(titles, sorted(chunks)):
        assert chunk.startswith(title + "\n\n") and title not in chunk[len(title):]
    assert not any(chunk.rstrip().endswith(t) for chunk in chunks for t in titles)


def test_markdown_and_html_headings_start_chunks(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# One\n\nFirst chapter text.\n\n## Two\n\nSecond chapter text.\n", encoding="utf-8")
    html = tmp_path / "page.html"
    html.write_text("<h2>Uno</h2><p>Primer capítulo.</p><h2>Dos</h2><p>Segundo capítulo.</p>", encoding="utf-8")
    out, _ = run(tmp_path, page, html, max_tokens=400)
    assert sorted(texts(out)) == sorted(["# One\n\nFirst chapter text.", "## Two\n\nSecond chapter text.",
                                         "Uno\n\nPrimer capítulo.", "Dos\n\nSegundo capítulo."])


from tiny import tiny_bpe_model  # noqa: E402,F401 - the fixture


def test_a_language_dataset_trains_and_answers(tmp_path, tiny_bpe_model):
    """Text with no prompt trains as plain language-model text (no chat template) and answers as a continuation
    (issue: what a new user hit, item 1)."""
    from ftcook.state import open_state

    (tmp_path / "novel.txt").write_text("\n\n".join(EN * 3), encoding="utf-8")
    built = invoke("build", "language", tmp_path / "novel.txt", "-d", tmp_path / "ds", "-o", "max_tokens=40",
                   "--near-duplicates", "1")
    assert built.exit_code == 0, built.output
    trained = invoke("train", tmp_path / "ds", "--model", tiny_bpe_model, "--name", "lang", "-o", "max_steps=2", "-q")
    assert trained.exit_code == 0, trained.output
    with open_state() as state:
        assert state.model("lang").metrics["format"] == "text"
    answer = invoke("ask", "lang", "The river", "--max-tokens", "5")
    assert answer.exit_code == 0 and answer.output.strip()
    style = invoke("eval", "memorization", "lang", "-n", "1", "--max-tokens", "8")
    assert style.exit_code == 0, style.output


def test_a_file_cut_inside_its_last_character_keeps_its_text(tmp_path):
    """The first bytes of a UTF-8 novel end in half a character: the text is kept, the cut is in the ledger (it
    was the whole file skipped as undecodable)."""
    data = "\n\n".join(ZH).encode("utf-8")
    (tmp_path / "cut.txt").write_bytes(data[:-1])
    result = build(BuildSettings(recipe="language", sources=[tmp_path / "cut.txt"], out=tmp_path / "ds",
                                 options={"max_tokens": "60"}, valid_fraction=0.0))
    skipped = [json.loads(line) for line in (tmp_path / "ds" / "skipped.jsonl").read_text().splitlines()]
    assert [s["reason"] for s in skipped] == ["cut_at_end"] and "last 2 bytes" in skipped[0]["detail"]
    kept = "".join(json.loads(line)["messages"][-1]["content"]
                   for line in (tmp_path / "ds" / "train.jsonl").read_text().splitlines())
    assert ZH[-1][:-1].replace(" ", "") in kept.replace(" ", "").replace("\n", "") and result.ledger.kept >= 1
