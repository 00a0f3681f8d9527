"""Bluesky text rules: post length and rich-text facets.

A post's ``text`` is limited twice by the ``app.bsky.feed.post`` lexicon: ``maxGraphemes``
(extended grapheme clusters) and ``maxLength`` (for lexicon strings, UTF-8 bytes); see
https://atproto.com/specs/lexicon#string and https://docs.bsky.app/docs/advanced-guides/post-richtext.
The limits are data of the network adapter; this module only measures.

Links, mentions and hashtags are not markup: they are *facets*, each a UTF-8 byte range
(``byteStart`` inclusive, ``byteEnd`` exclusive) with a feature (``app.bsky.richtext.facet``
lexicon: ``#mention`` with a DID, ``#link`` with a URI, ``#tag`` with the tag without ``#``).
Clients find them in the text themselves; ``detect_facets`` finds the same ones the official
Bluesky client finds, following the detection rules described in
https://docs.bsky.app/docs/advanced-guides/post-richtext ("Producing facets") and the
behaviour pinned by ../shared/conformance/bluesky (see its README):

* mention: ``@`` at the start, after whitespace or after ``(``; then the longest run of
  ``[A-Za-z0-9.-]`` that ends on an (ASCII) word boundary; kept when it is a syntactically
  valid handle (https://atproto.com/specs/handle) that ends in a known TLD or in ``.test``.
  The value is the handle: the adapter resolves it to a DID (unresolvable ones are dropped).
* link: at the start, after whitespace or after ``(``: ``http://`` or ``https://`` and the
  non-space characters after it, or a bare domain ``[a-z][a-z0-9]*(\\.[a-z0-9]+)+`` with a
  known TLD and the non-space characters after it (the URI gets ``https://``). Then one
  trailing ``. , ; : ! ?`` is dropped, and a trailing ``)`` when the URI has no ``(``.
* tag: ``#`` or ``＃`` at the start or after whitespace, then the run of characters up to
  whitespace or an invisible separator; the run must not start with U+FE0F and must hold a
  character that is not an ASCII digit or punctuation; trailing punctuation is dropped;
  at most 64 graphemes (``app.bsky.richtext.facet#tag`` ``maxGraphemes``).
* cashtag: ``$``, an ASCII letter and up to four ASCII letters or digits, at the start or
  after whitespace or ``(``, followed by whitespace, the end, or ``. , ; : ! ? ) " ' ’``;
  it is a tag facet whose value keeps the ``$`` and is upper-cased.

"Whitespace" is JavaScript's ``\\s`` (the official client is JavaScript), and "known TLD"
is the npm ``tlds`` list the client uses (data/bluesky-tlds.json, see BLUESKY-TLDS.md),
compared case-sensitively as the client does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import regex

from orkesteri.lib.text.tlds import bluesky_tlds
from orkesteri.lib.text.units import codepoint_to_utf8, grapheme_count, utf8_length

FacetType = Literal["mention", "link", "tag"]

# ECMAScript WhiteSpace and LineTerminator: what `\s` matches in JavaScript.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# Invisible characters that end a tag: soft hyphen, word joiner, hair space, zero-width
# space / non-joiner / joiner, and the combining enclosing screen U+20E2.
_TAG_STOPS = frozenset(JS_WHITESPACE + "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2")
_TAG_MAX_GRAPHEMES = 64  # app.bsky.richtext.facet#tag: maxGraphemes 64
_HANDLE_MAX_LENGTH = 253  # https://atproto.com/specs/handle

_WS = regex.escape(JS_WHITESPACE)
_ASCII_WORD = "A-Za-z0-9_"
_MENTION = regex.compile(
    rf"(?:\A|(?<=[{_WS}(]))@(?P<handle>[A-Za-z0-9.-]+)"
    # a word boundary as JavaScript's `\b` sees it (ASCII word characters only)
    rf"(?:(?<=[{_ASCII_WORD}])(?![{_ASCII_WORD}])|(?<![{_ASCII_WORD}])(?=[{_ASCII_WORD}]))"
)
_LINK = regex.compile(
    rf"(?:^|(?<=[{_WS}(]))"
    rf"(?P<uri>https?://[^{_WS}]+|(?P<domain>[a-z][a-z0-9]*(?:\.[a-z0-9]+)+)[^{_WS}]*)",
    regex.IGNORECASE | regex.MULTILINE,
)
_TAG_START = regex.compile(rf"(?:\A|(?<=[{_WS}]))[#＃]")
_CASHTAG = regex.compile(
    rf"(?:\A|(?<=[{_WS}(]))\$(?P<symbol>[A-Za-z][A-Za-z0-9]{{0,4}})"
    rf"(?=[{_WS}.,;:!?)\"'’]|\Z)"
)
_PUNCTUATION = regex.compile(r"\p{P}")
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+\Z")
_HANDLE = regex.compile(
    r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)


@dataclass(frozen=True)
class Facet:
    """One detected facet. ``value`` is the handle (mention), URI (link) or tag (tag)."""

    type: FacetType
    byte_start: int
    byte_end: int
    value: str
    cashtag: bool = False


@dataclass(frozen=True)
class BlueskyMeasure:
    graphemes: int
    utf8_bytes: int
    max_graphemes: int
    max_bytes: int

    @property
    def fits(self) -> bool:
        return self.graphemes <= self.max_graphemes and self.utf8_bytes <= self.max_bytes


def measure_bluesky(text: str, max_graphemes: int, max_bytes: int) -> BlueskyMeasure:
    """Length of a post text in both of Bluesky's units, against both limits."""
    return BlueskyMeasure(
        graphemes=grapheme_count(text),
        utf8_bytes=utf8_length(text),
        max_graphemes=max_graphemes,
        max_bytes=max_bytes,
    )


def has_known_tld(domain: str) -> bool:
    """True when the last label of ``domain`` is a known TLD (and something precedes it)."""
    _, dot, tld = domain.rpartition(".")
    return bool(dot) and tld in bluesky_tlds()


def is_valid_handle(handle: str) -> bool:
    """Handle syntax of https://atproto.com/specs/handle (ASCII labels, 2+ of them, ≤253)."""
    return len(handle) <= _HANDLE_MAX_LENGTH and _HANDLE.fullmatch(handle) is not None


def detect_facets(text: str) -> list[Facet]:
    """Mentions, links, tags and cashtags in ``text``, sorted by ``byte_start``."""
    found: list[Facet] = []
    found.extend(_mentions(text))
    found.extend(_links(text))
    found.extend(_tags(text))
    found.extend(_cashtags(text))
    found.sort(key=lambda facet: facet.byte_start)
    return found


def _facet(text: str, kind: FacetType, start: int, end: int, value: str, **kw: bool) -> Facet:
    byte_start = codepoint_to_utf8(text, start)
    byte_end = byte_start + utf8_length(text[start:end])
    return Facet(kind, byte_start, byte_end, value, **kw)


def _mentions(text: str) -> list[Facet]:
    if "@" not in text:
        return []
    facets = []
    for match in _MENTION.finditer(text):
        handle = match["handle"]
        if not (has_known_tld(handle) or handle.endswith(".test")):
            continue
        if not is_valid_handle(handle):
            continue  # cannot resolve to a DID anyway
        facets.append(_facet(text, "mention", match.start(), match.end(), handle))
    return facets


def _links(text: str) -> list[Facet]:
    if "." not in text:
        return []
    facets = []
    for match in _LINK.finditer(text):
        uri = match["uri"]
        domain = match["domain"]
        if domain is None:
            # The scheme branch matched case-insensitively, but only a lower-case
            # "http" prefix is taken as a link by the reference client.
            if not uri.startswith("http"):
                continue
        else:
            if not has_known_tld(domain):
                continue
            uri = f"https://{uri}"
        end = match.end()
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        facets.append(_facet(text, "link", match.start(), end, uri))
    return facets


def _tags(text: str) -> list[Facet]:
    if "#" not in text and "＃" not in text:
        return []
    facets = []
    position = 0
    while match := _TAG_START.search(text, position):
        start = match.start()
        run_end = match.end()
        while run_end < len(text) and text[run_end] not in _TAG_STOPS:
            run_end += 1
        position = run_end
        tag = text[match.end() : run_end]
        if not tag or tag[0] == "\ufe0f" or not _has_tag_character(tag):
            continue
        tag = _TRAILING_PUNCTUATION.sub("", tag)
        if not tag or grapheme_count(tag) > _TAG_MAX_GRAPHEMES:
            continue
        facets.append(_facet(text, "tag", start, match.end() + len(tag), tag))
    return facets


def _has_tag_character(run: str) -> bool:
    """A tag needs one character that is not an ASCII digit or punctuation."""
    return any(not ("0" <= char <= "9" or _PUNCTUATION.match(char)) for char in run)


def _cashtags(text: str) -> list[Facet]:
    if "$" not in text:
        return []
    return [
        _facet(text, "tag", match.start(), match.end(), "$" + match["symbol"].upper(), cashtag=True)
        for match in _CASHTAG.finditer(text)
    ]
