"""Bytes to text: UTF-8 first (with or without BOM), else the charset charset-normalizer detects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

SAMPLE_BYTES = 1024 * 1024  # charset-normalizer looks at this much; decoding then covers the whole file


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec name, e.g. "utf_8", "gb18030", "shift_jis"


class Undecodable(InputError):
    """A file that is not text in any charset ftcook can recognise."""


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> Decoded:
    """Decode ``data``: UTF-8 when it is valid UTF-8, else the most coherent charset charset-normalizer finds.

    >>> decode_bytes("北京是中国的首都。今天天气很好，我们去公园散步吧。".encode("gb18030")).encoding
    'gb18030'

    Detection needs some text: a few characters alone can read as another charset.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return Decoded(data.decode("utf-8"), "utf_8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:SAMPLE_BYTES] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Undecodable(path, "binary data, not text", hint="pass text files (.txt, .md, .html, .epub)")
    from charset_normalizer import from_bytes

    best = from_bytes(data[:SAMPLE_BYTES]).best()
    if best is None:
        raise Undecodable(path, "not text in any charset charset-normalizer recognises",
                          hint="convert it to UTF-8 (e.g. iconv -f <charset> -t utf-8)")
    try:
        return Decoded(data.decode(best.encoding), best.encoding)
    except UnicodeDecodeError as error:
        raise Undecodable(path, f"looks like {best.encoding} but byte {error.start} is not valid {best.encoding}",
                          hint="convert it to UTF-8 (e.g. iconv -f <charset> -t utf-8)") from None


def read_text(path: Path) -> Decoded:
    """The whole text of ``path`` (see ``decode_bytes``)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot read it ({error.strerror})") from None
    return decode_bytes(data, path)
