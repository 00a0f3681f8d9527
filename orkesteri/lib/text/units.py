"""Counting primitives shared by the per-network text rules.

Networks count a text in different units, and report entity offsets in different units:

* code points: Python's own ``len(str)`` and ``str`` indices;
* UTF-16 code units: X and Telegram (JavaScript and Java string lengths);
* UTF-8 bytes: Bluesky facets (``app.bsky.richtext.facet#byteSlice``) and lexicon
  ``maxLength`` (https://atproto.com/specs/lexicon#string-formats);
* extended grapheme clusters: Bluesky ``maxGraphemes`` and Mastodon's status length
  (https://unicode.org/reports/tr29/).

Graphemes come from the ``regex`` package's ``\\X``, which follows current Unicode rules,
including the Unicode 15.1 rule GB9c (Indic conjuncts: ``नमस्ते`` is 3 graphemes, not 4),
from regex 2024.7.24 on.
Python's own ``unicodedata`` lags behind (14.0 in Python 3.11), so nothing here uses it.

Lone surrogates (which a ``str`` can hold but well-formed text cannot) are counted as one
code point each: 1 UTF-16 unit and 3 UTF-8 bytes, as if replaced by U+FFFD, which is what
JavaScript's ``TextEncoder`` does and what Bluesky's lexicon length check expects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

import regex

_GRAPHEME = regex.compile(r"\X", regex.DOTALL)
_SURROGATE = regex.compile(r"[\ud800-\udfff]")


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text``, in order."""
    return _GRAPHEME.findall(text)


def grapheme_count(text: str) -> int:
    """Number of extended grapheme clusters (what a reader calls characters)."""
    if text.isascii():
        # ASCII has one multi-code-point cluster: CR LF (GB3).
        return len(text) - text.count("\r\n")
    return sum(1 for _ in _GRAPHEME.finditer(text))


def utf8_length(text: str) -> int:
    """Length in UTF-8 bytes; a lone surrogate counts 3 bytes (as U+FFFD)."""
    return len(text.encode("utf-8", "surrogatepass"))


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: characters beyond U+FFFF count 2."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def has_lone_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _check_index(text: str, index: int) -> None:
    if not 0 <= index <= len(text):
        raise ValueError(f"code point offset {index} is outside 0..{len(text)}")


def codepoint_to_utf8(text: str, index: int) -> int:
    """UTF-8 byte offset of the code point offset ``index``."""
    _check_index(text, index)
    return utf8_length(text[:index])


def codepoint_to_utf16(text: str, index: int) -> int:
    """UTF-16 code unit offset of the code point offset ``index``."""
    _check_index(text, index)
    return utf16_length(text[:index])


def utf8_to_codepoint(text: str, offset: int) -> int:
    """Code point offset of the UTF-8 byte offset ``offset``.

    Raises ValueError when the offset falls inside a character's byte sequence.
    """
    data = text.encode("utf-8", "surrogatepass")
    if not 0 <= offset <= len(data):
        raise ValueError(f"UTF-8 offset {offset} is outside 0..{len(data)}")
    if offset < len(data) and data[offset] & 0xC0 == 0x80:
        raise ValueError(f"UTF-8 offset {offset} splits a character")
    return len(data[:offset].decode("utf-8", "surrogatepass"))


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Code point offset of the UTF-16 code unit offset ``offset``.

    Raises ValueError when the offset falls between the two halves of a surrogate pair.
    """
    if text.isascii():
        if not 0 <= offset <= len(text):
            raise ValueError(f"UTF-16 offset {offset} is outside 0..{len(text)}")
        return offset
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            if units > offset:
                raise ValueError(f"UTF-16 offset {offset} splits a surrogate pair")
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    if units == offset:
        return len(text)
    if units > offset:
        raise ValueError(f"UTF-16 offset {offset} splits a surrogate pair")
    raise ValueError(f"UTF-16 offset {offset} is outside 0..{units}")


def utf16_to_utf8(text: str, offset: int) -> int:
    """UTF-8 byte offset of the UTF-16 code unit offset ``offset``.

    This is the conversion Bluesky clients written in JavaScript make when they turn
    string indices into facet byte slices.
    """
    return codepoint_to_utf8(text, utf16_to_codepoint(text, offset))


def utf8_to_utf16(text: str, offset: int) -> int:
    """UTF-16 code unit offset of the UTF-8 byte offset ``offset``."""
    return codepoint_to_utf16(text, utf8_to_codepoint(text, offset))


def utf8_slice(text: str, byte_start: int, byte_end: int) -> str:
    """The text between two UTF-8 byte offsets (a Bluesky facet's ``byteSlice``)."""
    return text[utf8_to_codepoint(text, byte_start) : utf8_to_codepoint(text, byte_end)]


def from_utf16_code_units(units: list[int]) -> str:
    """Build a ``str`` from UTF-16 code units, keeping lone surrogates as they are."""
    data = b"".join(unit.to_bytes(2, "little") for unit in units)
    return data.decode("utf-16-le", "surrogatepass")


class HasSpan(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


Spanned = TypeVar("Spanned", bound=HasSpan)


def drop_overlaps(items: Iterable[Spanned]) -> list[Spanned]:
    """In order of start (stable), each item that does not overlap the one kept before it."""
    kept: list[Spanned] = []
    for item in sorted(items, key=lambda i: i.start):
        if kept and kept[-1].end > item.start:
            continue
        kept.append(item)
    return kept
