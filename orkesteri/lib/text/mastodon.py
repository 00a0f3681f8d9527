"""Mastodon status length, as the server counts it when it accepts or rejects a status.

Mastodon documents the limit per instance: ``GET /api/v2/instance`` returns
``configuration.statuses.max_characters`` (500 on a stock server) and
``characters_reserved_per_url`` (23); see
https://docs.joinmastodon.org/entities/Instance/#statuses. Both are data of the adapter.

How the server counts (its status length validator; see ../shared/conformance/mastodon/README.md
for the full description this module is written from):

1. content warning + the *countable text* of the status, as one string;
2. the countable text is the status text with every URL replaced by ``url_length`` characters
   and every remote mention ``@user@domain`` replaced by ``@user``; a text that is only
   whitespace counts as empty;
3. the length is the number of extended grapheme clusters.

URLs are found with twitter-text's URL rule as Mastodon patches it: a scheme is required
(``http``, ``https``, ``dat``, ``dweb``, ``ipfs``, ``ipns``, ``ssb``, ``gopher``, ``gemini``),
the host must end in a known TLD (twitter-text's list) or be punycode, the path may hold any
character but whitespace, ``<``, ``>``, ``(``, ``)`` and ``?`` (balanced parentheses are fine)
and may not end in punctuation such as ``.,;:!?*"'`` (plus a few more), the query may hold
non-ASCII characters, and a URL whose length (with its host in punycode) exceeds 4096 is not
a URL. Mentions are ``@`` + username (``[a-z0-9_]`` runs joined by ``.`` or ``-``) and an
optional ``@domain`` of word characters; not after ``=``, ``/`` or a word character, not
followed by ``@``, a Latin accented letter or ``://``, and not with a domain over 253
characters. Overlapping URLs and mentions keep the first one.

Hashtags do not change the count; ``extract_hashtags`` lists them for the composer by the
server's linking rule: ``#`` not after ``=``, ``/``, ``)`` or a letter or digit, then word
characters that hold a letter, with ``_``, ``·``, ``・`` or ZWNJ allowed inside.

Offsets here are in code points (Python ``str`` indices), as the server's are.
"""

from __future__ import annotations

import stringprep
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import regex

from orkesteri.lib.text.tlds import twitter_tlds
from orkesteri.lib.text.units import drop_overlaps, grapheme_count

EntityType = Literal["url", "mention", "hashtag"]

URL_PLACEHOLDER_LENGTH = 23  # default characters_reserved_per_url
MAX_URL_LENGTH = 4096  # twitter-text's limit for an extracted URL
MAX_DOMAIN_LENGTH = 253  # longest domain of a remote mention the server shortens

_DATA = Path(__file__).parent / "data"

# twitter-text's character classes, which the URL rule is built from.
_UNICODE_SPACES = (
    "\u0009-\u000d\u0020\u0085\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
_INVALID_CHARS = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ASCII_PUNCTUATION = r"!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"
_CONTROL = r"\x00-\x1f\x7f"
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0264\u0268\u0269\u026f\u0270\u0272\u0289\u028b\u02bb\u0300-\u036f"
    "\u1e00-\u1eff"
)
# Characters Mastodon allows in a URL query besides ASCII (RFC 3987 ucschar and iprivate).
_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd\U00040000-\U0004fffd"
    "\U00050000-\U0005fffd\U00060000-\U0006fffd\U00070000-\U0007fffd\U00080000-\U0008fffd"
    "\U00090000-\U0009fffd\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd\ue000-\uf8ff\U000f0000-\U000ffffd"
    "\U00100000-\U0010fffd"
)

# Ruby's [[:word:]] and [[:alpha:]] (Onigmo, Unicode strings).
_WORD = r"\p{L}\p{M}\p{Nd}\p{Pc}"
_ALPHA = r"\p{Alphabetic}"


@dataclass(frozen=True)
class Entity:
    """A URL, mention or hashtag; ``start``/``end`` are code point offsets (end exclusive).

    ``value`` is the URL, the mention without ``@`` (``user`` or ``user@domain``) or the
    hashtag without ``#``.
    """

    type: EntityType
    value: str
    start: int
    end: int


@cache
def twitter_tlds_flat() -> tuple[str, ...]:
    """twitter-text's TLD list, which the Mastodon server's URL rule uses, as one list."""
    return tuple(sorted({t.lower() for group in twitter_tlds().values() for t in group}))


_DOMAIN_EXCLUDED = f"{_ASCII_PUNCTUATION}{_CONTROL}{_UNICODE_SPACES}{_INVALID_CHARS}{_DIRECTIONAL}"
DOMAIN_CHAR = f"[^{_DOMAIN_EXCLUDED}]"
# A run of domain characters, "_" and "-": the stuff host labels are made of.
_LABEL_RUN = regex.compile(
    f"[^{_ASCII_PUNCTUATION.replace('_', '').replace(chr(92) + '-', '')}"
    f"{_CONTROL}{_UNICODE_SPACES}{_INVALID_CHARS}{_DIRECTIONAL}]+"
)
SCHEME = r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
_SCHEME = regex.compile(SCHEME, regex.IGNORECASE)
# A TLD from the list, not followed by an ASCII letter, digit, "@", "+" or "-"; or punycode.
# \L<tlds> is the regex package's named list: one set look-up, not 1,500 alternatives.
TLD = r"(?:\L<tlds>(?=[^0-9a-z@+-]|$)|xn--[0-9a-z-]+)"
# Characters that may not stand right before a URL (case-insensitively, as in Ruby: the
# long s and the Kelvin sign fold to ASCII letters).
_NOT_BEFORE_URL = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@＠$#＃\u017f\u212a"
    + _INVALID_CHARS
)


def _url_tail_pattern() -> str:
    """Port, path and query of a URL, as Mastodon patches twitter-text's rule."""
    path_char = r"[^\p{White_Space}<>()?]"
    # twitter-text's own path characters, still used for a closing "(...)" of a path
    # (Mastodon's patch of the ending characters refers to twitter-text's parentheses).
    twitter_path_char = rf"[a-z\p{{Cyrillic}}0-9!*';:=+,.$/%#\[\]\-\u2013_~&|@{_LATIN_ACCENTS}]"
    parens = rf"\((?:{path_char}+|{path_char}*\({path_char}+\){path_char}*)\)"
    twitter_parens = (
        rf"\((?:{twitter_path_char}+|{twitter_path_char}*\({twitter_path_char}+\)"
        rf"{twitter_path_char}*)\)"
    )
    path_end = rf"(?:[^\p{{White_Space}}()?!*\"'「」<>;:=,.$%\[\]~&|@]|{twitter_parens})"
    path = rf"(?:{path_char}*(?:{parens}{path_char}*)*{path_end}|{path_char}+/)"
    query_char = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_UCHARS}]"
    query_end = rf"[a-z0-9_&=#/\-{_UCHARS}]"
    return rf"(?::[0-9]+)?(?:/{path}*)?(?:\?{query_char}*{query_end})?"


URL_TAIL = _url_tail_pattern()
_URL_TAIL = regex.compile(URL_TAIL, regex.IGNORECASE)


@cache
def _tld_regex() -> regex.Pattern[str]:
    return regex.compile(TLD, regex.IGNORECASE | regex.MULTILINE, tlds=twitter_tlds_flat())


@dataclass(frozen=True)
class _UrlMatch:
    start: int
    end: int
    has_scheme: bool
    domain: str


class _Hosts:
    """Where hosts can start and end in a text, computed once per text.

    The rule's host is ``subdomain* domain_name TLD`` with greedy subdomains: from a start
    position, the host runs to the *last* label whose following TLD matches. Matching that
    with backtracking costs time quadratic in the number of labels; looking it up here,
    computed right to left over the label runs, is linear.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        runs = [(m.start(), m.end()) for m in _LABEL_RUN.finditer(text)]
        self.runs = runs
        self.run_at: dict[int, int] = {}
        self.last_underscore: list[int] = []
        self.label_ok: list[bool] = []
        self.tld_end: list[int | None] = []
        self.deeper: list[int | None] = [None] * len(runs)
        tld = _tld_regex()
        for start, end in runs:
            self.last_underscore.append(text.rfind("_", start, end))
            ok = end < len(text) and text[end] == "." and text[end - 1] not in "_-"
            self.label_ok.append(ok)
            found = tld.match(text, end + 1) if ok else None
            self.tld_end.append(found.end() if found else None)
        for index in range(len(runs) - 2, -1, -1):
            start, end = runs[index + 1]
            if self.label_ok[index] and start == runs[index][1] + 1 and text[start] not in "_-":
                self.deeper[index] = self._best(index + 1, start)

    def host_end(self, position: int) -> int | None:
        """End of the host starting at ``position``, or None when none starts there."""
        if position >= len(self.text) or self.text[position] in "_-":
            return None
        index = self._run_index(position)
        return None if index is None else self._best(index, position)

    def _best(self, index: int, position: int) -> int | None:
        if not self.label_ok[index]:
            return None
        if self.deeper[index] is not None:
            return self.deeper[index]
        if self.last_underscore[index] >= position:
            return None  # "_" may be in a subdomain, not in the label before the TLD
        return self.tld_end[index]

    def _run_index(self, position: int) -> int | None:
        if not self.run_at:
            for index, (start, end) in enumerate(self.runs):
                for inside in range(start, end):
                    self.run_at[inside] = index
        return self.run_at.get(position)

    def starts(self) -> list[int]:
        """Positions where a URL may start, in the order the rule tries them."""
        text = self.text
        found = {m.start() for m in _SCHEME.finditer(text)}
        for index, (start, end) in enumerate(self.runs):
            if not self.label_ok[index]:
                continue
            found.update(
                position
                for position in range(start, end)
                if position == 0 or text[position - 1] not in _NOT_BEFORE_URL
            )
        # The rule tries "preceding character, then URL" before "line start, then URL",
        # so at the very beginning a URL at 1 is tried before a URL at 0.
        return sorted(found, key=lambda position: (position - 1, 0) if position else (0, 1))


def _scan_urls(text: str) -> list[_UrlMatch]:
    """Every URL twitter-text's scan finds, with or without a scheme, in order."""
    hosts = _Hosts(text)
    matches = []
    position = 0
    for start in hosts.starts():
        if start < position:
            continue
        after_allowed = start - 1 >= position and text[start - 1] not in _NOT_BEFORE_URL
        if not (after_allowed or start == 0):
            continue
        match = _match_url_at(text, hosts, start)
        if match is not None:
            matches.append(match)
            position = match.end
    return matches


def _match_url_at(text: str, hosts: _Hosts, start: int) -> _UrlMatch | None:
    scheme = _SCHEME.match(text, start)
    host_start = scheme.end() if scheme else start
    host_end = hosts.host_end(host_start)
    if host_end is None and scheme:
        scheme, host_start = None, start
        host_end = hosts.host_end(start)
    if host_end is None:
        return None
    tail = _URL_TAIL.match(text, host_end)
    end = tail.end() if tail else host_end
    return _UrlMatch(start, end, scheme is not None, text[host_start:host_end])


# t.co links end after their slug (twitter-text's unpatched query characters apply).
_TCO_URL = regex.compile(
    r"^https?://t\.co/(?P<slug>[a-z0-9]+)(?:\?[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]*[a-z0-9\-_&=#/])?",
    regex.IGNORECASE,
)
_MAX_TCO_SLUG_LENGTH = 40

_MENTION = regex.compile(
    rf"(?<![=/{_WORD}])@(?P<name>[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*"
    rf"(?:@[{_WORD}]+(?:[.-]+[{_WORD}]+)*)?)",
    regex.IGNORECASE,
)
_AFTER_MENTION = regex.compile(rf"[@＠{_LATIN_ACCENTS}]|://")

_HASHTAG_SEPARATORS = "_\u00b7\u30fb\u200c"
_HASHTAG = regex.compile(
    rf"(?<![=/)\p{{Alphabetic}}\p{{Nd}}])#(?P<name>"
    rf"[{_WORD}_][{_WORD}{_HASHTAG_SEPARATORS}]*[{_ALPHA}{_HASHTAG_SEPARATORS}]"
    rf"[{_WORD}{_HASHTAG_SEPARATORS}]*[{_WORD}_]"
    rf"|[{_WORD}_]*[{_ALPHA}][{_WORD}_]*)",
    regex.IGNORECASE,
)
_BLANK = regex.compile(r"\p{White_Space}*")


def status_length(
    text: str, url_length: int = URL_PLACEHOLDER_LENGTH, spoiler_text: str = ""
) -> int:
    """Characters a status counts against the instance's ``max_characters``.

    ``spoiler_text`` is the content warning, which counts towards the same limit.
    """
    return grapheme_count(spoiler_text + countable_text(text, url_length))


def too_long(
    text: str,
    max_characters: int,
    *,
    spoiler_text: str = "",
    url_length: int = URL_PLACEHOLDER_LENGTH,
    local: bool = True,
    reblog: bool = False,
) -> bool:
    """The server's decision: does the status exceed ``max_characters``?

    Only statuses written on the instance itself (``local``) that are not reblogs are
    checked; statuses we publish are always local originals.
    """
    if not local or reblog:
        return False
    return status_length(text, url_length, spoiler_text) > max_characters


def countable_text(text: str, url_length: int = URL_PLACEHOLDER_LENGTH) -> str:
    """The text the server measures: URLs as ``url_length`` x's, remote mentions as @user."""
    if _BLANK.fullmatch(text):
        return ""
    pieces = []
    position = 0
    for entity in drop_overlaps(extract_urls(text) + extract_mentions(text)):
        pieces.append(text[position : entity.start])
        if entity.type == "url":
            pieces.append("x" * url_length)
        else:
            pieces.append("@" + entity.value.split("@", 1)[0])
        position = entity.end
    pieces.append(text[position:])
    return "".join(pieces)


def extract_urls(text: str) -> list[Entity]:
    """URLs the server shortens: a scheme is required (protocol-less domains are text)."""
    if ":" not in text:
        return []
    urls = []
    for match in _scan_urls(text):
        if not match.has_scheme:
            continue
        url = text[match.start : match.end]
        tco = _TCO_URL.match(url)
        if tco:
            if len(tco["slug"]) > _MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group()
        if not _is_valid_domain(len(url), match.domain):
            continue
        urls.append(Entity("url", url, match.start, match.start + len(url)))
    return urls


def _is_valid_domain(url_length: int, domain: str) -> bool:
    """twitter-text's check: the host converts to punycode and the URL stays ≤ 4096."""
    # The Ruby library converts with libidn (IDNA 2003, unassigned code points refused);
    # Python's "idna" codec is IDNA 2003 too but allows unassigned code points.
    if not domain.isascii() and any(stringprep.in_table_a1(char) for char in domain):
        return False
    try:
        ascii_length = len(domain.encode("idna"))
    except UnicodeError:
        return False
    return url_length + max(ascii_length - len(domain), 0) <= MAX_URL_LENGTH


def extract_mentions(text: str) -> list[Entity]:
    """Local (``@user``) and remote (``@user@domain``) mentions."""
    if "@" not in text and "＠" not in text:
        return []
    mentions = []
    for match in _MENTION.finditer(text):
        if _AFTER_MENTION.match(text, match.end()):
            continue
        name = match["name"]
        _, _, domain = name.partition("@")
        if len(domain) > MAX_DOMAIN_LENGTH:
            continue
        mentions.append(Entity("mention", name, match.start(), match.end()))
    return mentions


def extract_hashtags(text: str) -> list[Entity]:
    """Hashtags as the server links them (``#`` not after ``=``, ``/``, ``)`` or a letter)."""
    if "#" not in text:
        return []
    tags = []
    for match in _HASHTAG.finditer(text):
        name = match["name"]
        end = match.end()
        if text.startswith("://", end):
            # "#tagname" glued to "https://..." keeps the URL's scheme out of the tag.
            trimmed = regex.match(r"(.+)(https?)\Z", name, regex.DOTALL)
            if trimmed:
                name = trimmed[1]
                end -= len(trimmed[2])
        tags.append(Entity("hashtag", name, match.start(), end))
    return tags


def extract_entities(text: str) -> list[Entity]:
    """URLs, mentions and hashtags, without overlaps, sorted by ``start``."""
    return drop_overlaps(extract_urls(text) + extract_mentions(text) + extract_hashtags(text))
