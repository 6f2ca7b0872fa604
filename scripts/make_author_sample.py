"""Writes ftcook/samples/author/the-lamplighter.epub: "The Lamplighter of Vell", a short novella written for the
ftcook project and dedicated to the public domain (CC0 1.0). An EPUB 3 book with a cover page, title page,
contents, copyright page, six chapters with dialogue and a footnote, and an about-the-author page, so the
author recipe's cookbook page runs as written. Run ``python scripts/make_author_sample.py``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test-data writers
from compose.books import chapter_xhtml, write_book  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "ftcook" / "samples" / "author" / "the-lamplighter.epub"
RIGHTS = "Written for the ftcook project and dedicated to the public domain (CC0 1.0)."

CHAPTERS = [
    ("I. The Town Without Electricity", [
        "Vell was the last town on the coast that still lit its streets by hand. Every evening, when the sea turned "
        "the colour of pewter, Oren Hask took his ladder and his brass can of oil and walked the nine streets from "
        "the chapel to the harbour, and one by one the lamps woke behind him like small patient animals.",
        "He had done it for thirty-one years. He knew which lamps smoked and which sulked, which glass was cracked "
        "and which hook was loose, and he knew that the lamp outside the widow Brann's house would not light unless "
        "you spoke to it first.",
        "“Good evening,” he said to it, as he said every night.",
        "“You talk to them,” said a voice behind him. “My mother said you would.”",
        "He turned. A girl of perhaps eleven stood in the road with her hands in the pockets of a coat too large "
        "for her. She had the Brann chin and the Brann way of standing, as if the ground had been put there for "
        "her convenience.",
        "“Your mother is right,” said Oren. “It is only polite. They work all night and nobody thanks them.”",
    ]),
    ("II. Ilse", [
        "Her name was Ilse, and she came back the next evening, and the one after that. She did not ask to carry "
        "the ladder. She asked questions instead, which Oren found heavier.",
        "“Why oil? The city has wires.”",
        "“The city is a long way off,” said Oren, “and wires do not care who is under them.”",
        "“Lamps don't care either.”",
        "“No,” he admitted, climbing. “But I do, and I am attached to the lamps. That is nearly the same thing.”",
        "She considered this with the seriousness of a magistrate. Below them the harbour gathered its boats in "
        "for the night, and the gulls went quiet one by one, as if someone were counting them down.",
        "“When you are old,” Ilse said at last, “who will do it?”",
        "Oren did not answer. He trimmed the wick, lit it, and watched the flame stand up straight, and for a long "
        "moment he let the question hang in the air between them like the smell of oil.",
    ]),
    ("III. The Letter", [
        "The letter from the council arrived in spring, on paper so white it looked offended to be in Vell. The "
        "town would be connected to the grid by autumn. The lamps would be replaced. The council thanked Mr. Hask "
        "for his long and faithful service.*",
        "Oren read it twice at his kitchen table and then folded it into quarters and put it under the sugar tin, "
        "where he kept things he did not intend to think about.",
        "That evening he lit the lamps more slowly than usual. Ilse noticed, because Ilse noticed everything.",
        "“You're sad,” she said.",
        "“I am old,” said Oren. “From the outside it looks the same.”",
        "“It doesn't,” she said. “Old is slower on the ladder. Sad is slower on the ground.”",
    ]),
    ("IV. The Storm", [
        "The storm came in the second week of October, out of the west, with a sound like a train that would not "
        "stop arriving. The new poles had been raised along the harbour road but the wires were not yet hung, and "
        "the old lamps were still the only light in Vell.",
        "Oren went out at dusk with his coat buttoned to the throat. The rain came sideways. Twice the ladder "
        "slid on the cobbles, and twice a small hand caught it and held it.",
        "“Go home,” he shouted over the wind.",
        "“Somebody has to hold the ladder,” Ilse shouted back. “You said the lamps don't care. I do.”",
        "They did all nine streets. At the harbour the boats were straining at their ropes, and the fishermen "
        "coming in by the light of the last lamp said afterwards that without it they would have missed the "
        "channel entirely and put the Margit on the rocks below the chapel.",
    ]),
    ("V. The Council", [
        "The council came down from the city in November to see the town it had nearly lost. They stood in the "
        "chapel in good coats and listened to the fishermen, and to the widow Brann, and finally to a girl of "
        "eleven who had asked to speak and had not been refused quickly enough.",
        "“The wires are fine,” Ilse told them. “Keep the wires. But the lamps should stay on the harbour road, "
        "because storms don't read your letters.”",
        "There was a silence of the kind that happens when grown people realise they have been corrected.",
        "“And who,” asked the chairman, not unkindly, “would light them?”",
        "Ilse looked at Oren, who was studying his boots with great attention, and then back at the chairman.",
        "“He will,” she said. “And then I will. He's teaching me to talk to them.”",
    ]),
    ("VI. Nine Streets", [
        "The wires were hung in December and the town lit up all at once, with a sound like a held breath let "
        "go. People stood in their doorways and admired it, as was only fair.",
        "But on the harbour road nine lamps remained, and every evening, when the sea turned the colour of pewter, "
        "two figures walked down from the chapel with a ladder between them.",
        "“Good evening,” said Ilse to the lamp outside her mother's house.",
        "It lit on the first try. Oren pretended not to be surprised, and failed, and did not mind.",
    ]),
]
FOOTNOTE = ('<p>The letter was signed by a deputy clerk<sup><a epub:type="noteref" href="#n1">1</a></sup>, which Oren '
            'took as a second insult.</p><aside epub:type="footnote" id="n1"><p>Not the clerk himself, who was on '
            'holiday.</p></aside>')


def main() -> None:
    chapters = []
    for number, (title, paragraphs) in enumerate(CHAPTERS):
        extra = FOOTNOTE if number == 2 else ""
        chapters.append((title, chapter_xhtml(title, paragraphs, extra)))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_book(OUT, "The Lamplighter of Vell", "Mara Eskel", chapters, rights=RIGHTS)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
