"""The author recipe: EPUB 2 and 3, text books, front/back matter, modes, chapter split, and untrusted EPUBs."""

import json
import re
import time
import zipfile
from pathlib import Path

import pytest

from conftest import invoke
from compose.books import chapter_xhtml, write_book
from ftcook.books.epub import read_epub
from ftcook.errors import InputError
from ftcook.pipeline import BuildSettings, build
from ftcook.runner.memorization import copied, grams, tokens


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def story(chapter: int, paragraphs: int = 6) -> list[str]:
    return [f"In chapter {chapter} the tide came in slowly, paragraph {p}, and Mara counted the lanterns on the "
            f"far shore while her father mended nets number {p} by the door of the little house." if p % 2 else
            f"“Are the boats in?” asked Mara, chapter {chapter} line {p}. “All of them,” said her father."
            for p in range(paragraphs)]


def novel(path: Path, chapters: int = 4, version: int = 3, **extra) -> Path:
    note = ('<p>See the note<sup><a epub:type="noteref" href="#n1">1</a></sup>.</p>'
            '<aside epub:type="footnote" id="n1"><p>SECRET FOOTNOTE TEXT.</p></aside>'
            '<span epub:type="pagebreak" title="7">7</span><span class="pagenum">[Pg 8]</span>')
    return write_book(path, "The Harbour", "Ada Lind",
                      [(f"Chapter {c}", chapter_xhtml(f"Chapter {c}", story(c), note if c == 1 else ""))
                       for c in range(1, chapters + 1)], version=version, rights="Public domain", **extra)


def run(tmp_path, sources, near_duplicates: float | None = 0.85, **options) -> tuple[dict, Path]:
    out = tmp_path / "ds"
    result = build(BuildSettings(recipe="author", sources=[Path(s) for s in sources], out=out, options=options, format="completion",
                                 valid_fraction=0.0, near_duplicates=near_duplicates))
    return result.manifest, out


def test_continue_mode_pairs_passages_without_markup_or_matter(tmp_path):
    # the fixture's chapters differ by numbers: which of them pass as near-duplicates depends on the MinHash
    # functions, and this test is about what extraction keeps
    manifest, out = run(tmp_path, [novel(tmp_path / "b.epub")], near_duplicates=None, passage_tokens="60")
    examples = rows(out / "train.jsonl")
    text = json.dumps(examples, ensure_ascii=False)
    for unwanted in ("SECRET FOOTNOTE", "[Pg 8]", "<p>", "Copyright", "About the Author", "Chapter 1\\n"):
        assert unwanted not in text
    assert "See the note." in text  # the marker "1" is gone, the sentence stays
    first = examples[0]
    assert first["system"] == "You are Ada Lind. Write in your own voice and style, as in The Harbour."
    assert first["prompt"].startswith("“Are the boats in?” asked Mara, chapter 1 line 0.")
    assert all(e["prompt"] != e["completion"] for e in examples)
    skipped = {s["id"].split(":", 1)[1]: s["reason"] for s in rows(out / "skipped.jsonl")
               if s["reason"] not in ("near_duplicate", "duplicate")}  # the fixture's chapters are alike
    assert skipped == {"EPUB/nav.xhtml": "front_matter", "EPUB/cover.xhtml": "front_matter",
                       "EPUB/titlepage.xhtml": "front_matter", "EPUB/copyright.xhtml": "front_matter",
                       "EPUB/about.xhtml": "back_matter"}
    (book,) = manifest["stats"]["books"]
    assert (book["title"], book["author"], book["language"], book["rights"]) == ("The Harbour", "Ada Lind", "en",
                                                                               "Public domain")
    ledger = manifest["ledger"]
    assert ledger["in"] == ledger["kept"] + ledger["skipped"]


def test_epub2_with_ncx_reads_like_epub3(tmp_path):
    _, three = run(tmp_path / "3", [novel(tmp_path / "b3.epub")], passage_tokens="60")
    _, two = run(tmp_path / "2", [novel(tmp_path / "b2.epub", version=2)], passage_tokens="60")
    assert rows(three / "train.jsonl") == rows(two / "train.jsonl")


def test_dialogue_mode_in_english_french_and_german(tmp_path):
    french = ["« Où vas-tu ? » demanda Marie.", "« Au port, répondit Paul. La mer est calme. »",
              "Il faisait nuit.", "— Tu reviendras ?", "— Demain matin."]
    german = ["„Kommst du mit?“ fragte Anna.", "„Gleich“, sagte Jonas."]
    book = write_book(tmp_path / "fr.epub", "Le Port", "Lise Martin",
                      [("Un", chapter_xhtml("Un", french)), ("Zwei", chapter_xhtml("Zwei", german))], language="fr")
    _, out = run(tmp_path, [book, novel(tmp_path / "b.epub", chapters=1)], mode="dialogue")
    pairs = [(e["prompt"], e["completion"]) for e in rows(out / "train.jsonl")]
    assert pairs[:3] == [("Où vas-tu ?", "Au port, répondit Paul. La mer est calme."), ("Tu reviendras ?", "Demain matin."),
                         ("Kommst du mit?", "Gleich")]
    assert ("Are the boats in? All of them,", "Are the boats in? All of them,") not in pairs


def test_whole_chapters_are_held_out(tmp_path):
    out = tmp_path / "ds"
    build(BuildSettings(recipe="author", sources=[novel(tmp_path / "b.epub", chapters=12)], out=out, options={"passage_tokens": "60"},
                        format="completion", valid_fraction=0.3))
    chapter = lambda e: re.search(r"chapter (\d+)", e["completion"]).group(1)  # noqa: E731
    train = {chapter(e) for e in rows(out / "train.jsonl")}
    valid = {chapter(e) for e in rows(out / "valid.jsonl")}
    assert valid and train and not train & valid


def test_text_books_honour_gutenberg_markers_and_chapters(tmp_path):
    body = "\n\n".join(["The Project Gutenberg eBook of The Harbour", "*** START OF THE PROJECT GUTENBERG EBOOK THE HARBOUR ***",
                        "CHAPTER I", *story(1), "CHAPTER II", *story(2),
                        "*** END OF THE PROJECT GUTENBERG EBOOK THE HARBOUR ***", "Section 1. General Terms of Use"])
    (tmp_path / "harbour.txt").write_text(body, encoding="utf-8")
    manifest, out = run(tmp_path, [tmp_path / "harbour.txt"], passage_tokens="60", author="Ada Lind")
    text = json.dumps(rows(out / "train.jsonl"))
    assert "Gutenberg" not in text and "General Terms" not in text and "CHAPTER" not in text
    assert manifest["stats"]["chapters"] == 2 and manifest["stats"]["passages"] >= 4 and manifest["ledger"]["kept"] >= 1


def test_builds_are_identical(tmp_path):
    book = novel(tmp_path / "b.epub")
    for name in ("one", "two"):
        build(BuildSettings(recipe="author", sources=[book], out=tmp_path / name, options={"passage_tokens": "60"}))
    for file in ("train.jsonl", "valid.jsonl", "skipped.jsonl"):
        assert (tmp_path / "one" / file).read_bytes() == (tmp_path / "two" / file).read_bytes()


def test_chapters_cut_in_helper_processes_give_the_same_files(tmp_path, monkeypatch):
    """A large book's chapters are cut in helper processes, in order: the files, the ledger and the stats are the
    same with one process and with three (the size threshold lowered so a small book counts as large)."""
    from ftcook.recipes import author

    monkeypatch.setattr(author, "PARALLEL_MIN_CHARS", 0)
    book = novel(tmp_path / "b.epub", chapters=6)
    text = tmp_path / "t.txt"
    text.write_text("\n\n".join(f"Chapter {c}\n\n" + "\n\n".join(story(c)) for c in range(1, 5)), encoding="utf-8")
    manifests = {}
    for jobs, batch_chars in (("1", 500_000), ("3", 1), ("3", 2_000)):  # a chapter a batch, and several
        monkeypatch.setattr(author, "BATCH_CHARS", batch_chars)
        monkeypatch.setattr(author, "FIRST_BATCH_CHARS", batch_chars // 2)
        name = f"{jobs}-{batch_chars}"
        manifests[name] = build(BuildSettings(recipe="author", sources=[book, text], out=tmp_path / name,
                                              options={"passage_tokens": "60", "jobs": jobs})).manifest
    for name in ("3-1", "3-2000"):
        for file in ("train.jsonl", "valid.jsonl", "skipped.jsonl"):
            assert (tmp_path / "1-500000" / file).read_bytes() == (tmp_path / name / file).read_bytes()
        assert manifests[name]["stats"] == manifests["1-500000"]["stats"]
        assert manifests[name]["ledger"] == manifests["1-500000"]["ledger"]
    assert manifests["1-500000"]["stats"]["chapters"] == 10
    batches = list(author._batches(list(author.Author({})._jobs(book))))
    assert len(batches) > 2  # 2,000 characters: several batches
    assert len(batches[0]) < len(batches[1])  # the first half as large: its passages come back sooner


# --- untrusted EPUBs --------------------------------------------------------------------------------------------

CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
             '</rootfiles></container>')


def opf(items: dict[str, str], title: str = "Raw", doctype: str = "") -> str:
    manifest = "".join(f'<item id="{i}" href="{href}" media-type="application/xhtml+xml"/>' for i, href in items.items())
    spine = "".join(f'<itemref idref="{i}"/>' for i in items)
    return (f'<?xml version="1.0"?>{doctype}<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
            f'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x'
            f'</dc:identifier><dc:title>{title}</dc:title><dc:language>en</dc:language><dc:creator>Ada</dc:creator>'
            f'</metadata><manifest>{manifest}</manifest><spine>{spine}</spine></package>')


def page(text: str, doctype: str = "") -> str:
    return (f'<?xml version="1.0"?>{doctype}<html xmlns="http://www.w3.org/1999/xhtml"><body><h2>Chapter</h2>'
            f'<p>{text}</p></body></html>')


def raw_epub(path: Path, files: dict[str, str | bytes], mimetype_first: bool = True) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        entries = [("mimetype", "application/epub+zip"), ("META-INF/container.xml", CONTAINER), *files.items()]
        if not mimetype_first:
            entries = entries[1:] + entries[:1]
        for name, data in entries:
            zf.writestr(name, data)
    return path


PROSE = ("The lamps along the harbour road were lit one by one, and the old man climbed his ladder slowly while "
         "the girl held it steady against the wind that came in from the sea.")


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LOCAL-FILE")
    doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    book = raw_epub(tmp_path / "xxe.epub", {"OEBPS/content.opf": opf({"c1": "c1.xhtml"}, "&xxe;", doctype),
                                            "OEBPS/c1.xhtml": page(PROSE + " &xxe; " + PROSE, doctype)})
    manifest, out = run(tmp_path, [book], passage_tokens="40", author="Ada")
    everything = "".join(p.read_text() for p in out.iterdir())
    assert "TOP-SECRET" not in everything and "TOP-SECRET" not in json.dumps(manifest)


def test_entity_expansion_bombs_do_not_expand(tmp_path):
    lol = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10))
    doctype = f"<!DOCTYPE x [{lol}]>"
    in_page = raw_epub(tmp_path / "page.epub", {"OEBPS/content.opf": opf({"c1": "c1.xhtml"}),
                                                "OEBPS/c1.xhtml": page(PROSE + " &l9; " + PROSE, doctype)})
    start = time.perf_counter()
    manifest, out = run(tmp_path, [in_page], passage_tokens="40", author="Ada")
    assert time.perf_counter() - start < 10
    assert "lollollol" not in (out / "train.jsonl").read_text() + json.dumps(manifest)
    in_package = raw_epub(tmp_path / "opf.epub", {"OEBPS/content.opf": opf({"c1": "c1.xhtml"}, "&l9;", doctype),
                                                  "OEBPS/c1.xhtml": page(PROSE)})
    start = time.perf_counter()
    result = invoke("build", "author", in_package, "-d", tmp_path / "ds2")
    assert time.perf_counter() - start < 10
    assert result.exit_code == 2 and "opf.epub: OEBPS/content.opf: the package document cannot be read" in result.output


def test_zip_bombs_are_refused(tmp_path):
    book = raw_epub(tmp_path / "zip.epub", {"OEBPS/content.opf": opf({"c1": "c1.xhtml"}),
                                            "OEBPS/c1.xhtml": page("x" * 5_000_000)})
    with pytest.raises(InputError, match="refused as a zip bomb"):
        read_epub(book)
    result = invoke("build", "author", book, "-d", tmp_path / "ds")
    assert result.exit_code == 2 and "zip.epub: OEBPS/c1.xhtml: decompresses to 5,000" in result.output


def test_path_traversal_names_are_ignored(tmp_path):
    outside = tmp_path / "outside.xhtml"
    outside.write_text(page("OUTSIDE-THE-BOOK"))
    book = raw_epub(tmp_path / "trav.epub", {
        "OEBPS/content.opf": opf({"c1": "c1.xhtml", "evil": f"../../../../../..{outside}"}),
        "OEBPS/c1.xhtml": page(PROSE), "../evil.xhtml": page("ZIP-SLIP")})
    parsed = read_epub(book)
    assert any("points outside the book" in p for p in parsed.problems)
    assert [d.name for d in parsed.documents] == ["OEBPS/c1.xhtml"]
    assert not (tmp_path.parent / "evil.xhtml").exists()


def test_drm_protected_books_say_so(tmp_path):
    encryption = ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                  'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod '
                  'Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><enc:CipherData><enc:CipherReference '
                  'URI="OEBPS/c1.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>')
    book = raw_epub(tmp_path / "drm.epub", {"META-INF/encryption.xml": encryption,
                                            "OEBPS/content.opf": opf({"c1": "c1.xhtml"}), "OEBPS/c1.xhtml": b"\x8f\x01"})
    result = invoke("build", "author", book, "-d", tmp_path / "ds")
    assert result.exit_code == 2 and "drm.epub: this book is DRM-protected" in result.output
    fonts = encryption.replace("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "http://www.idpf.org/2008/embedding") \
        .replace("OEBPS/c1.xhtml", "OEBPS/font.otf")
    ok = raw_epub(tmp_path / "fonts.epub", {"META-INF/encryption.xml": fonts, "OEBPS/content.opf": opf({"c1": "c1.xhtml"}),
                                            "OEBPS/c1.xhtml": page(PROSE)})
    assert read_epub(ok).documents  # obfuscated fonts are not DRM


def test_malformed_epubs_are_read_as_far_as_possible(tmp_path):
    (tmp_path / "notzip.epub").write_bytes(b"this is not a zip")
    result = invoke("build", "author", tmp_path / "notzip.epub", "-d", tmp_path / "ds")
    assert result.exit_code == 2 and "notzip.epub: not an EPUB (not a zip file)" in result.output
    no_opf = raw_epub(tmp_path / "noopf.epub", {"OEBPS/c1.xhtml": page(PROSE)})
    result = invoke("build", "author", no_opf, "-d", tmp_path / "ds")
    assert result.exit_code == 2 and "noopf.epub: no package document" not in result.output or "OEBPS/content.opf" in result.output
    messy = raw_epub(tmp_path / "messy.epub", {
        "OEBPS/content.opf": opf({"c1": "c1.xhtml", "c2": "c2.xhtml", "gone": "missing.xhtml"}),
        "OEBPS/c1.xhtml": "<html><body><h2>One</h2><p>" + PROSE + "<p>" + PROSE + " <b>unclosed",  # ill-formed
        "OEBPS/c2.xhtml": page(PROSE + " " + PROSE)}, mimetype_first=False)
    parsed = read_epub(messy)
    assert "OEBPS/missing.xhtml: listed in the book but missing from the zip" in parsed.problems
    assert "mimetype: not the first entry of the zip (read anyway)" in parsed.problems
    assert [d.name for d in parsed.documents] == ["OEBPS/c1.xhtml", "OEBPS/c2.xhtml"]
    manifest, out = run(tmp_path, [messy], passage_tokens="40", author="Ada")
    assert manifest["stats"]["books"][0]["problems"] == parsed.problems
    assert manifest["ledger"]["kept"] >= 1


def test_copied_ngrams_and_longest_run():
    source = tokens("the lamps along the harbour road were lit one by one and the old man climbed his ladder")
    seen = set(grams(source))
    share, longest = copied("so the lamps along the harbour road were lit one by one tonight", seen)
    assert longest == 11 and 0.5 < share < 1
    assert copied("nothing of the kind was written here at all by anyone", seen) == (0.0, 0)


def test_the_sample_book_builds(tmp_path):
    from ftcook.samples import SAMPLES

    manifest, out = run(tmp_path, [SAMPLES["author"].path], passage_tokens="96")
    assert manifest["stats"]["chapters"] == 6 and manifest["ledger"]["kept"] >= 8
    assert manifest["stats"]["books"][0]["author"] == "Mara Eskel"


def test_memorization_runs_on_a_tuned_local_model(tmp_path, tiny_model):
    pytest.importorskip("trl")
    out = tmp_path / "ds"
    build(BuildSettings(recipe="author", sources=[novel(tmp_path / "b.epub", chapters=6)], out=out, options={"passage_tokens": "60"},
                        valid_fraction=0.3))
    assert invoke("train", out, "--model", tiny_model, "--name", "lind", "-o", "max_steps=3", "-q").exit_code == 0
    result = invoke("eval", "memorization", "lind", "-n", "2", "--max-tokens", "12", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["samples"] == 2 and report["prompts_from"] == "valid.jsonl" and report["source_ngrams"] > 50
    assert 0 <= report["copied_share"] <= 1


from tiny import tiny_model  # noqa: E402,F401 - the fixture


def test_gutenberg_and_standard_ebooks_shapes(tmp_path):
    """The frames two big producers put around a book: Gutenberg's pg-header/pg-footer sections and licence
    document, Standard Ebooks' epub:type semantics (imprint, colophon, uncopyright) and endnotes."""
    gutenberg_chapter = ('<section id="pg-header"><p>The Project Gutenberg eBook of The Harbour</p><p>This ebook is '
                         'for the use of anyone anywhere.</p></section><h2>I</h2><p>' + PROSE + '</p><p>' + PROSE +
                         ' Again.</p><section id="pg-footer"><p>*** END OF THE PROJECT GUTENBERG EBOOK ***</p></section>')
    licence = ("<h2>THE FULL PROJECT GUTENBERG LICENSE</h2><p>To protect the Project Gutenberg-tm mission of "
               "promoting the free distribution of electronic works, by using or distributing this work (or any "
               "other work associated in any way with the phrase “Project Gutenberg”), you agree to comply with "
               "all the terms of the Full Project Gutenberg-tm License available with this file or online at "
               "www.gutenberg.org/license.</p>")
    book = raw_epub(tmp_path / "pg.epub", {
        "OEBPS/content.opf": opf({"c1": "c1.xhtml", "c2": "c2.xhtml", "lic": "licence.xhtml"}),
        "OEBPS/c1.xhtml": page("x").replace("<h2>Chapter</h2><p>x</p>", gutenberg_chapter),
        "OEBPS/c2.xhtml": page(PROSE + " The second chapter."),
        "OEBPS/licence.xhtml": page("x").replace("<h2>Chapter</h2><p>x</p>", licence)})
    manifest, out = run(tmp_path / "pg", [book], passage_tokens="40", author="Ada")
    text = (out / "train.jsonl").read_text()
    assert "Gutenberg" not in text and "anyone anywhere" not in text
    assert [s["reason"] for s in rows(out / "skipped.jsonl") if "licence" in s["id"]] == ["licence"]

    standard = {"OEBPS/content.opf": opf({"imprint": "imprint.xhtml", "c1": "chapter-1.xhtml",
                                          "c2": "chapter-2.xhtml", "notes": "endnotes.xhtml",
                                          "colophon": "colophon.xhtml", "unc": "uncopyright.xhtml"})}
    for name, kind, body in (("imprint", "imprint", "This ebook is the product of many hours of hard work."),
                             ("endnotes", "endnotes", "1. A note about the harbour."),
                             ("colophon", "colophon", "The Harbour was composed in Linux Libertine."),
                             ("uncopyright", "copyright-page", "May you do good and not evil.")):
        standard[f"OEBPS/{name}.xhtml"] = (f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/'
                                           f'2007/ops"><body epub:type="backmatter"><section epub:type="{kind}"><p>'
                                           f'{body}</p></section></body></html>')
    for number in (1, 2):
        standard[f"OEBPS/chapter-{number}.xhtml"] = page(f"{PROSE} Chapter {number} goes on. {PROSE}")
    se = raw_epub(tmp_path / "se.epub", standard)
    manifest, out = run(tmp_path / "se", [se], passage_tokens="40", author="Ada")
    reasons = {s["id"].split(":")[1]: s["reason"] for s in rows(out / "skipped.jsonl") if "matter" in s["reason"]}
    assert reasons == {"OEBPS/imprint.xhtml": "front_matter", "OEBPS/endnotes.xhtml": "back_matter",
                       "OEBPS/colophon.xhtml": "back_matter", "OEBPS/uncopyright.xhtml": "back_matter"}
    assert manifest["stats"]["chapters"] == 2


def test_the_prompt_holds_the_end_of_the_preceding_passage(tmp_path):
    """continue mode: the prompt is the last whole sentences of the passage before, within context_tokens (the
    loss covers only the passage written, so a shorter prompt is training time saved); 0 keeps it whole."""
    book = novel(tmp_path / "b.epub", chapters=2)
    _, short = run(tmp_path / "short", [book], passage_tokens="120", context_tokens="20")
    _, whole = run(tmp_path / "whole", [book], passage_tokens="120", context_tokens="0")
    short_rows, whole_rows = rows(short / "train.jsonl"), rows(whole / "train.jsonl")
    assert [r["completion"] for r in short_rows] == [r["completion"] for r in whole_rows]
    for cut, full in zip(short_rows, whole_rows):
        assert full["prompt"].endswith(cut["prompt"]) and len(cut["prompt"]) < len(full["prompt"])
        assert re.search(r"[.!?”]$", cut["prompt"]) and cut["prompt"][0].isupper() or cut["prompt"][0] == "“"
