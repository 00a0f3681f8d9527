"""X (Twitter) text rules: entities and weighted length as twitter-text v3 defines them.

Written from the published rules (the twitter-text README, "Counting characters" in the X
developer docs, https://docs.x.com/resources/fundamentals/counting-characters) and checked
against the twitter-text conformance data in ``../shared/conformance/twitter-text``.
No twitter-text code is copied; the TLD list and the weighted-length configs are its data,
shipped in ``data/`` (Apache-2.0, see ``data/README.md``).

Index units
    * ``Span`` (every ``extract_*_with_indices`` function) uses **code-point** offsets, that
      is Python ``str`` indices, like the conformance files (``extract.yml`` follows Ruby,
      whose strings index code points; the JavaScript runner converts from UTF-16 first).
    * ``Entity`` (``extract_entities``) uses **UTF-16 code units**, the unit X's API and the
      Java/JavaScript libraries report.
    * ``ParseResult`` ranges are inclusive UTF-16 indices into the text as given (before
      NFC normalisation), as the Java and JavaScript libraries report them.

Rules in brief
    * A mention is ``@`` + 1-20 of ``[A-Za-z0-9_]``, optionally ``/list-slug``; not after a
      letter, digit or one of ``_!#$%&*@``; not followed by ``@``, a Latin accented letter or
      ``://``.
    * A hashtag is ``#`` + letters, marks, digits and a few joiners with at least one letter
      or mark; not after a letter/digit or ``&``; not followed by ``#`` or ``://``; not
      inside a URL.
    * A cashtag is ``$`` + 1-6 ASCII letters, optionally ``.``/``_`` + 1-2 letters, after a
      space or the start, before a space, punctuation or the end.
    * A URL is an optional ``http(s)://``, a domain ending in a known TLD (or punycode),
      optional port, path and query. Without a protocol only the ASCII domains inside the
      match are taken, and not after ``-_./``. Domain labels are 1-63 characters once
      punycode-encoded; a whole URL is at most 4096 characters; a ``t.co`` link stops after
      its slug (40 characters at most) and query.
    * Weighted length: the text is NFC-normalised; each URL weighs ``transformedURLLength``;
      with ``emojiParsingEnabled`` each emoji sequence weighs ``defaultWeight``; any other
      code point weighs what the first config range holding it says, else ``defaultWeight``.
      Emoji sequences are the ones the ``emoji`` package knows (RGI, including minimally
      qualified and unqualified forms, as Twemoji does) plus single emoji-presentation
      characters; a text-presentation character alone (``©``, ``☺``) is not an emoji.

Where the twitter-text libraries disagree with each other, this module follows
    * Ruby and Java in counting ``"`` and the backtick as punctuation (so never part of a
      domain);
    * Java (and RFC 3490) in checking each label between ``.``, ``。``, ``．`` and ``｡``
      on its own, refusing ``xn--`` on a label that is not ASCII, and counting the encoded
      host and, only when none was written, ``https://`` towards the 4096 limit;
    * Java in weighing a character beyond U+FFFF by its code point (JavaScript looks at
      its low surrogate; the shipped configs give the same result either way);
    * JavaScript (Twemoji) in what an emoji is.
Long chains of dotted labels that never end in a valid domain still cost time quadratic
in their length, as they do in twitter-text; the start-position skip in
``_url_pattern`` and the dot-and-TLD pre-check keep ordinary and CJK text linear.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import emoji
import regex

from orkesteri.lib.text.tlds import twitter_tlds
from orkesteri.lib.text.units import drop_overlaps, utf16_length

__all__ = [
    "Entity",
    "EntityType",
    "ParseResult",
    "Span",
    "TextConfig",
    "WeightRange",
    "extract_cashtags",
    "extract_cashtags_with_indices",
    "extract_emoji_with_indices",
    "extract_entities",
    "extract_entities_with_indices",
    "extract_hashtags",
    "extract_hashtags_with_indices",
    "extract_mentions",
    "extract_mentions_or_lists_with_indices",
    "extract_mentions_with_indices",
    "extract_reply_screen_name",
    "extract_urls",
    "extract_urls_with_indices",
    "is_valid_hashtag",
    "is_valid_list",
    "is_valid_tweet",
    "is_valid_url",
    "is_valid_username",
    "load_config",
    "parse_tweet",
]

EntityType = Literal["hashtag", "mention", "list", "url", "cashtag"]

_DATA_DIR = Path(__file__).resolve().parent / "data"

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63
DEFAULT_PROTOCOL = "https://"

# ---------------------------------------------------------------------------------------
# Character sets (bodies of regex character classes).

# The spaces twitter-text knows: Unicode White_Space as of Unicode 6 (still with U+180E).
_SPACES = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# JavaScript's \s (WhiteSpace + LineTerminator), used after a cashtag.
_JS_SPACES = r"\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_INVALID = "\ufffe\ufeff\uffff"
_DIRECTIONAL = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LATIN_ACCENTS = (
    r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    r"\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = r"\u0400-\u04ff"
# All ASCII punctuation, as twitter-text's Ruby and Java define it (its JavaScript copy
# lacks '"' and the backtick).
_ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _class_body(chars: Iterable[str]) -> str:
    return "".join(re.escape(ch) for ch in chars)


def _char_escape(code_point: int) -> str:
    return f"\\U{code_point:08x}"


def _punct_except(keep: str) -> str:
    return _class_body(ch for ch in _ASCII_PUNCTUATION if ch not in keep)


_PUNCT = _class_body(_ASCII_PUNCTUATION)
_NOT_DOMAIN = _SPACES + _INVALID + _DIRECTIONAL
# A character that may appear in a domain label anywhere (not "-", "_" or ".").
_DOMAIN_CHAR = f"[^{_PUNCT}{_NOT_DOMAIN}]"
# Label characters including the inner separators a label may hold.
_SUBDOMAIN_RUN = f"[^{_punct_except('-_')}{_NOT_DOMAIN}]"
_DOMAIN_NAME_RUN = f"[^{_punct_except('-')}{_NOT_DOMAIN}]"

# ---------------------------------------------------------------------------------------
# TLDs: one trie-shaped alternation per list, so a lookup costs a few steps, not 1,500.


@cache
def _trie_char(ch: str) -> str:
    """A TLD character; tries are wrapped in ``(?ai:...)``, which folds ASCII letters only.

    JavaScript's non-Unicode ``/i`` also folds other letters to their simple upper case
    (Cyrillic and Greek TLDs), but never ``ſ`` to ``s`` or ``K`` (Kelvin) to ``k`` as
    Python's Unicode ``IGNORECASE`` does; hence ASCII folding plus explicit classes.
    """
    upper = ch.upper()
    if not ch.isascii() and upper != ch and len(upper) == 1 and not upper.isascii():
        return f"[{re.escape(ch)}{re.escape(upper)}]"
    return re.escape(ch)


TrieNode = dict[str, "TrieNode"]
_END = ""  # key marking that a word ends at this node


def _build_trie(words: Iterable[str]) -> TrieNode:
    root: TrieNode = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return root


def _trie_pattern(node: TrieNode) -> str:
    # Longer words first at each node (greedy "?"), as a reverse-sorted alternation would.
    branches = [
        _trie_char(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return f"(?:{body})?"
    return body


_TLD_END = r"(?=[^0-9a-zA-Z@+\-]|\Z)"
_GTLD = f"(?ai:{_trie_pattern(_build_trie(twitter_tlds()['generic']))}){_TLD_END}"
_CCTLD = f"(?ai:{_trie_pattern(_build_trie(twitter_tlds()['country']))}){_TLD_END}"
_PUNYCODE = r"(?:[xX][nN]--[\-0-9a-zA-Z]+)"
_TLD = f"(?:{_GTLD}|{_CCTLD}|{_PUNYCODE})"

# A label runs from its first character to the next "." and must start and end with a
# domain character; the run is possessive because a label's extent is fixed by the dot.
_SUBDOMAIN = rf"(?:(?={_DOMAIN_CHAR}){_SUBDOMAIN_RUN}++(?<={_DOMAIN_CHAR})\.)"
_DOMAIN_NAME = rf"(?:(?={_DOMAIN_CHAR}){_DOMAIN_NAME_RUN}++(?<={_DOMAIN_CHAR})\.)"
_DOMAIN = f"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}{_TLD})"

_PATH_CHAR = rf"[a-zA-Z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~&|@{_LATIN_ACCENTS}]"
_PATH_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END = rf"(?:[+\-a-zA-Z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|{_PATH_PARENS})"
_PATH_PART = (
    rf"(?:(?:{_PATH_CHAR}*(?:{_PATH_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
)
_QUERY_CHAR = r"[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-zA-Z0-9\-_&=#/]"
_QUERY = rf"\?{_QUERY_CHAR}*{_QUERY_END}"
_PROTOCOL = r"[hH][tT][tT][pP][sS]?://"
_URL_PRECEDING_CHAR = rf"[^A-Za-z0-9@＠$#＃{_INVALID}]"


def _url_pattern(skip_inside_runs: bool) -> re.Pattern[str]:
    # Without a protocol, a domain that starts right after a domain character, itself
    # after a character that may precede a URL, cannot match: the attempt one character
    # earlier had the same labels with a longer (still valid) first label, and failed.
    # Skipping those starts keeps runs of CJK text linear instead of quadratic.
    inside_run = rf"(?(3)|(?<!{_URL_PRECEDING_CHAR}{_DOMAIN_CHAR}))" if skip_inside_runs else ""
    return re.compile(
        rf"({_URL_PRECEDING_CHAR}|\A)"  # 1 before
        rf"(({_PROTOCOL})?"  # 2 url, 3 protocol
        rf"{inside_run}({_DOMAIN})"  # 4 domain
        r"(?::[0-9]+)?"  # port
        rf"(/{_PATH_PART}*)?"  # 5 path
        rf"(?:{_QUERY})?)"
    )


# twitter-text's URL pattern, tried at one position; then the same with the skip above,
# searched from the next position (where every earlier start has been tried).
_URL_AT = _url_pattern(skip_inside_runs=False)
_URL_AFTER = _url_pattern(skip_inside_runs=True)
# Every domain ends with a dot and a TLD: without one there is nothing to look for.
_DOT_TLD = re.compile(rf"\.{_TLD}")
_ASCII_DOMAIN = re.compile(rf"(?:[\-a-zA-Z0-9{_LATIN_ACCENTS}]+\.)+{_TLD}")
_TCO = re.compile(rf"[hH][tT][tT][pP][sS]?://[tT]\.[cC][oO]/([a-zA-Z0-9]+)(?:{_QUERY})?")
# RFC 3490 label separators: full stop, ideographic, fullwidth and halfwidth full stops.
_LABEL_SEPARATOR = re.compile("[.\u3002\uff0e\uff61]")

# ---------------------------------------------------------------------------------------
# Mentions, lists, replies, cashtags, hashtags.

_MENTION = re.compile(
    r"(\A|[^a-zA-Z0-9_!#$%&*@＠]|(?:\A|[^a-zA-Z0-9_+~.\-])[rR][tT]:?)"  # 1 before
    r"[@＠]([a-zA-Z0-9_]{1,20})"  # 2 screen name
    r"(/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"  # 3 list slug
)
_MENTION_END = re.compile(rf"[@＠{_LATIN_ACCENTS}]|://")
_REPLY = re.compile(rf"[{_SPACES}]*[@＠]([a-zA-Z0-9_]{{1,20}})")
_LIST = re.compile(r"[@＠][a-zA-Z0-9_]{1,20}/[a-zA-Z][a-zA-Z0-9_\-]{0,24}")

_CASHTAG = re.compile(
    rf"(?:\A|[{_SPACES}])\$([a-zA-Z]{{1,6}}(?:[._][a-zA-Z]{{1,2}})?)"
    rf"(?=\Z|[{_JS_SPACES}]|[{_PUNCT}])"
)

_HASHTAG_ALPHA = r"\p{L}\p{M}"
_HASHTAG_ALNUM = (
    _HASHTAG_ALPHA
    + r"\p{Nd}_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb"
    + r"\u3003\u0f0b\u0f0c\u00b7"
)
_HASHTAG = regex.compile(
    rf"(?:\A|[\ufe0e\ufe0f]|[^&{_HASHTAG_ALNUM}])"
    r"[#＃](?![\ufe0f\u20e3])"
    rf"([{_HASHTAG_ALNUM}]*[{_HASHTAG_ALPHA}][{_HASHTAG_ALNUM}]*)"
)
_HASHTAG_END = re.compile(r"[#＃]|://")

_INVALID_CHAR = re.compile(f"[{_INVALID}]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

# ---------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True, slots=True)
class Span:
    """An entity located by code-point offsets (Python ``str`` indices), end exclusive.

    ``value`` is the hashtag, screen name or cashtag without its sign, ``user/slug`` for a
    list, or the URL as written.
    """

    type: EntityType
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity located by UTF-16 code-unit offsets (X's own unit), end exclusive."""

    type: EntityType
    value: str
    start: int
    end: int


# ---------------------------------------------------------------------------------------
# URLs.


def _encoded_host_length(host: str) -> int | None:
    """Length of ``host`` once punycode-encoded, or None if a label is not a DNS label."""
    labels = _LABEL_SEPARATOR.split(host)
    total = len(labels) - 1
    for label in labels:
        if len(label) > MAX_DOMAIN_LABEL_LENGTH:
            return None  # encoding never shortens a label
        if label.isascii():
            size = len(label)
        elif label[:4].lower() == "xn--":
            return None  # an ACE prefix on a label that is not ASCII (RFC 3490 4.1)
        else:
            try:
                size = 4 + len(label.encode("punycode"))
            except UnicodeError:
                return None
        if not 1 <= size <= MAX_DOMAIN_LABEL_LENGTH:
            return None
        total += size
    return total


def _valid_url_length(url: str, has_protocol: bool, host: str) -> bool:
    encoded = _encoded_host_length(host)
    if encoded is None:
        return False
    length = len(url) + encoded - len(host)
    if not has_protocol:
        length += len(DEFAULT_PROTOCOL)
    return length <= MAX_URL_LENGTH


def extract_urls_with_indices(text: str, *, without_protocol: bool = True) -> list[Span]:
    """URLs in ``text``; ``without_protocol`` also takes bare domains like ``example.com``."""
    if not text or ("." if without_protocol else ":") not in text:
        return []
    if _DOT_TLD.search(text) is None:
        return []
    spans: list[Span] = []
    for match in _url_matches(text):
        before, url, protocol, domain, path = match.group(1, 2, 3, 4, 5)
        start, end = match.span(2)
        if not _valid_url_length(url, protocol is not None, domain):
            continue
        if protocol is None:
            if not without_protocol or before[-1:] in ("-", "_", ".", "/"):
                continue
            spans.extend(_ascii_domains(url, domain, start, end, path is not None))
            continue
        tco = _TCO.match(url)
        if tco is not None:
            if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group()
            end = start + len(url)
        spans.append(Span("url", url, start, end))
    return spans


def _url_matches(text: str) -> Iterator[re.Match[str]]:
    """What ``_URL_AT.finditer(text)`` would give, without its quadratic worst case."""
    position = 0
    size = len(text)
    while position < size:
        match = _URL_AT.match(text, position) or _URL_AFTER.search(text, position + 1)
        if match is None:
            return
        yield match
        position = match.end()


def _ascii_domains(url: str, domain: str, start: int, end: int, has_path: bool) -> list[Span]:
    """The ASCII domains inside a protocol-less match; the last one keeps the path.

    As twitter-text does, the last domain's URL becomes that domain plus everything after
    the matched domain, and its span runs to the end of the match.
    """
    found = [
        Span("url", m.group(), start + m.start(), start + m.end())
        for m in _ASCII_DOMAIN.finditer(domain)
    ]
    if found and has_path:
        last = found[-1]
        found[-1] = Span("url", last.value + url[len(domain) :], last.start, end)
    return found


def extract_urls(text: str, *, without_protocol: bool = True) -> list[str]:
    return [
        span.value for span in extract_urls_with_indices(text, without_protocol=without_protocol)
    ]


# ---------------------------------------------------------------------------------------
# Mentions, lists and replies.


def extract_mentions_or_lists_with_indices(text: str) -> list[Span]:
    """Mentions (``type="mention"``, value the screen name) and lists (``"user/slug"``)."""
    if not text or ("@" not in text and "＠" not in text):
        return []
    spans: list[Span] = []
    for match in _MENTION.finditer(text):
        if _MENTION_END.match(text, match.end()):
            continue
        name, slug = match.group(2, 3)
        if slug:
            spans.append(Span("list", name + slug, match.end(1), match.end()))
        else:
            spans.append(Span("mention", name, match.end(1), match.end()))
    return spans


def extract_mentions_with_indices(text: str) -> list[Span]:
    return [s for s in extract_mentions_or_lists_with_indices(text) if s.type == "mention"]


def extract_mentions(text: str) -> list[str]:
    return [span.value for span in extract_mentions_with_indices(text)]


def extract_reply_screen_name(text: str) -> str | None:
    """The screen name a text replies to: a mention preceded only by spaces."""
    match = _REPLY.match(text)
    if match is None or _MENTION_END.match(text, match.end()):
        return None
    return match.group(1)


# ---------------------------------------------------------------------------------------
# Hashtags and cashtags.


def extract_hashtags_with_indices(text: str, *, check_url_overlap: bool = True) -> list[Span]:
    if not text or ("#" not in text and "＃" not in text):
        return []
    spans: list[Span] = []
    for match in _HASHTAG.finditer(text):
        if _HASHTAG_END.match(text, match.end()):
            continue
        start = match.start(1) - 1
        spans.append(Span("hashtag", match.group(1), start, match.end()))
    if check_url_overlap and spans:
        urls = extract_urls_with_indices(text)
        if urls:
            kept = drop_overlaps([*spans, *urls])
            spans = [span for span in kept if span.type == "hashtag"]
    return spans


def extract_hashtags(text: str) -> list[str]:
    return [span.value for span in extract_hashtags_with_indices(text)]


def extract_cashtags_with_indices(text: str) -> list[Span]:
    if not text or "$" not in text:
        return []
    return [
        Span("cashtag", match.group(1), match.start(1) - 1, match.end())
        for match in _CASHTAG.finditer(text)
    ]


def extract_cashtags(text: str) -> list[str]:
    return [span.value for span in extract_cashtags_with_indices(text)]


# ---------------------------------------------------------------------------------------
# All entities.


def extract_entities_with_indices(text: str) -> list[Span]:
    """URLs, mentions, lists, hashtags and cashtags, in text order, without overlaps."""
    spans = [
        *extract_urls_with_indices(text),
        *extract_mentions_or_lists_with_indices(text),
        *extract_hashtags_with_indices(text, check_url_overlap=False),
        *extract_cashtags_with_indices(text),
    ]
    return drop_overlaps(spans) if spans else []


def extract_entities(text: str) -> list[Entity]:
    """All entities with UTF-16 offsets, the unit X reports and expects."""
    spans = extract_entities_with_indices(text)
    if not spans or text.isascii():
        return [Entity(s.type, s.value, s.start, s.end) for s in spans]
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    return [
        Entity(
            s.type,
            s.value,
            s.start + bisect_left(astral, s.start),
            s.end + bisect_left(astral, s.end),
        )
        for s in spans
    ]


# ---------------------------------------------------------------------------------------
# Emoji: a trie over the emoji package's sequences, walked from candidate start points.


def _emoji_sequences() -> list[str]:
    qualified = emoji.STATUS["fully_qualified"]
    return [
        sequence
        for sequence, data in emoji.EMOJI_DATA.items()
        # A lone text-presentation character (status "unqualified") is plain text.
        if len(sequence) > 1 or data["status"] <= qualified
    ]


_EMOJI_TRIE = _build_trie(_emoji_sequences())
_KEYCAP_BASES = frozenset("#*0123456789")


def _ranges_class(chars: Iterable[str]) -> re.Pattern[str]:
    """A class of ``chars`` as merged ranges: sre scans non-BMP members one by one."""
    code_points = sorted({ord(ch) for ch in chars})
    ranges: list[list[int]] = []
    for code_point in code_points:
        if ranges and code_point - ranges[-1][1] <= 64:  # a candidate filter may be loose
            ranges[-1][1] = code_point
        else:
            ranges.append([code_point, code_point])
    return re.compile(
        "[" + "".join(f"{_char_escape(a)}-{_char_escape(b)}" for a, b in ranges) + "]"
    )


_EMOJI_STARTS = [ch for ch in _EMOJI_TRIE if ch != _END]
# Where an emoji may start; keycap bases (digits, "#", "*") only when U+20E3 is present.
_EMOJI_START = _ranges_class(ch for ch in _EMOJI_STARTS if ch not in _KEYCAP_BASES)
_EMOJI_OR_KEYCAP_START = _ranges_class(_EMOJI_STARTS)


def extract_emoji_with_indices(text: str) -> list[tuple[int, int]]:
    """Code-point ``(start, end)`` of each emoji sequence, longest match first."""
    found: list[tuple[int, int]] = []
    if text.isascii():
        return found  # every emoji sequence holds a non-ASCII code point
    size = len(text)
    position = 0
    search = (_EMOJI_OR_KEYCAP_START if "\u20e3" in text else _EMOJI_START).search
    while (match := search(text, position)) is not None:
        start = index = match.start()
        node = _EMOJI_TRIE
        end = 0
        while index < size:
            next_node = node.get(text[index])
            if next_node is None:
                break
            node = next_node
            index += 1
            if _END in node:
                end = index
        if end:
            found.append((start, end))
            position = end
        else:
            position = start + 1
    return found


# ---------------------------------------------------------------------------------------
# Weighted length.


@dataclass(frozen=True, slots=True)
class WeightRange:
    start: int
    end: int
    weight: int


@dataclass(frozen=True)
class TextConfig:
    """twitter-text's weighted-length configuration (``config/v*.json``)."""

    version: int
    max_weighted_tweet_length: int
    scale: int
    default_weight: int
    transformed_url_length: int
    ranges: tuple[WeightRange, ...] = ()
    emoji_parsing_enabled: bool = False
    # (weight, class of the code points that weigh it) for weights other than the default.
    _weight_classes: tuple[tuple[int, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )
    # Weight of every ASCII code point when they all weigh the same, else None.
    _ascii_weight: int | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.scale <= 0 or self.max_weighted_tweet_length <= 0:
            raise ValueError("scale and maxWeightedTweetLength must be positive")
        weights = [self.default_weight, self.transformed_url_length]
        if min(weights + [r.weight for r in self.ranges]) < 0:
            raise ValueError("weights must not be negative")
        classes: dict[int, list[str]] = {}
        for start, end, weight in self._effective_ranges():
            if weight != self.default_weight:
                classes.setdefault(weight, []).append(f"{_char_escape(start)}-{_char_escape(end)}")
        object.__setattr__(
            self,
            "_weight_classes",
            tuple((w, re.compile("[" + "".join(parts) + "]")) for w, parts in classes.items()),
        )
        ascii_weights = {self.weight_of(cp) for cp in range(128)}
        object.__setattr__(
            self, "_ascii_weight", ascii_weights.pop() if len(ascii_weights) == 1 else None
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextConfig:
        return cls(
            version=int(data.get("version", 0)),
            max_weighted_tweet_length=int(data["maxWeightedTweetLength"]),
            scale=int(data["scale"]),
            default_weight=int(data["defaultWeight"]),
            transformed_url_length=int(data["transformedURLLength"]),
            ranges=tuple(
                WeightRange(int(r["start"]), int(r["end"]), int(r["weight"]))
                for r in data.get("ranges", ())
            ),
            emoji_parsing_enabled=bool(data.get("emojiParsingEnabled", False)),
        )

    def weight_of(self, code_point: int) -> int:
        for weight_range in self.ranges:
            if weight_range.start <= code_point <= weight_range.end:
                return weight_range.weight
        return self.default_weight

    def weight_of_text(self, text: str) -> int:
        """Sum of the per-code-point weights of ``text`` (no URL or emoji rules)."""
        if not text:
            return 0
        if self._ascii_weight is not None and text.isascii():
            return self._ascii_weight * len(text)
        total = self.default_weight * len(text)
        for weight, members in self._weight_classes:
            total += (weight - self.default_weight) * members.subn("", text)[1]
        return total

    def _effective_ranges(self) -> list[tuple[int, int, int]]:
        """The ranges cut so none overlaps an earlier one (the first range wins)."""
        taken: list[tuple[int, int]] = []
        pieces: list[tuple[int, int, int]] = []
        for weight_range in self.ranges:
            parts = [(max(weight_range.start, 0), min(weight_range.end, 0x10FFFF))]
            for low, high in taken:
                parts = [
                    piece
                    for start, end in parts
                    for piece in ((start, min(end, low - 1)), (max(start, high + 1), end))
                    if piece[0] <= piece[1]
                ]
            pieces.extend((start, end, weight_range.weight) for start, end in parts)
            taken.append((weight_range.start, weight_range.end))
        return pieces


@cache
def load_config(version: str = "v3") -> TextConfig:
    """The shipped twitter-text config ``v1``, ``v2`` or ``v3`` (the current default)."""
    if re.fullmatch(r"v[0-9]+", version) is None:
        raise ValueError(f"unknown twitter-text config version {version!r}")
    path = _DATA_DIR / f"twitter-config-{version}.json"
    if not path.is_file():
        raise ValueError(f"unknown twitter-text config version {version!r}")
    with path.open(encoding="utf-8") as handle:
        return TextConfig.from_dict(json.load(handle))


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What twitter-text's ``parseTweet`` reports; ranges are inclusive UTF-16 indices."""

    weighted_length: int
    permillage: int
    valid: bool
    display_range: tuple[int, int]
    valid_range: tuple[int, int]

    def as_twitter_dict(self) -> dict[str, int | bool]:
        """The result under twitter-text's own key names."""
        return {
            "weightedLength": self.weighted_length,
            "valid": self.valid,
            "permillage": self.permillage,
            "displayRangeStart": self.display_range[0],
            "displayRangeEnd": self.display_range[1],
            "validRangeStart": self.valid_range[0],
            "validRangeEnd": self.valid_range[1],
        }


def _weighted_items(text: str, config: TextConfig) -> list[tuple[int, int, int]]:
    """``(start, end, weight)`` of the URLs and emoji that weigh as a whole, in order.

    At any position a URL wins over an emoji; anything starting inside an earlier item is
    ignored, as the character-by-character walk of twitter-text does.
    """
    url_weight = config.transformed_url_length * config.scale
    candidates = [(s.start, 0, s.end, url_weight) for s in extract_urls_with_indices(text)]
    if config.emoji_parsing_enabled:
        candidates.extend(
            (start, 1, end, config.default_weight)
            for start, end in extract_emoji_with_indices(text)
        )
    if len(candidates) > 1:
        candidates.sort()
    items: list[tuple[int, int, int]] = []
    position = 0
    for start, _, end, weight in candidates:
        if start >= position:
            items.append((start, end, weight))
            position = end
    return items


def _last_valid_unit(text: str, items: list[tuple[int, int, int]], config: TextConfig) -> int:
    """UTF-16 index of the last unit before the first invalid character and the limit."""
    limit = config.max_weighted_tweet_length * config.scale
    invalid = _INVALID_CHAR.search(text)
    stop = len(text) if invalid is None else invalid.start()
    weight = 0
    units = 0
    position = 0
    # Weights are never negative, so the first item over the limit ends the valid range.
    for start, end, item_weight in [*items, (stop, stop, 0)]:
        start = min(start, stop)
        segment = text[position:start]
        segment_weight = config.weight_of_text(segment)
        if weight + segment_weight > limit:
            for character in segment:
                code_point = ord(character)
                weight += config.weight_of(code_point)
                if weight > limit:
                    break
                units += 2 if code_point > 0xFFFF else 1
            return max(units - 1, 0)
        weight += segment_weight + item_weight
        if start >= stop or weight > limit:
            units += utf16_length(segment)
            return max(units - 1, 0)
        units += utf16_length(text[position:end])
        position = end
    return max(units - 1, 0)  # not reached: the sentinel item returns


def parse_tweet(text: str, config: TextConfig | None = None) -> ParseResult:
    """Weighted length and validity of a post on X (twitter-text ``parseTweet``)."""
    if config is None:
        config = load_config()
    normalized = unicodedata.normalize("NFC", text)
    items = _weighted_items(normalized, config)
    weight = 0
    position = 0
    for start, end, item_weight in items:
        weight += config.weight_of_text(normalized[position:start]) + item_weight
        position = end
    weight += config.weight_of_text(normalized[position:])

    limit = config.max_weighted_tweet_length * config.scale
    has_invalid = _INVALID_CHAR.search(normalized) is not None
    text_units = utf16_length(text)
    display_end = text_units - 1 if text else 0
    if not has_invalid and weight <= limit:
        valid_end = display_end
    else:
        # Offsets are found in the normalised text and shifted by the length difference.
        valid_end = _last_valid_unit(normalized, items, config)
        valid_end += text_units - utf16_length(normalized)
    weighted_length = weight // config.scale
    return ParseResult(
        weighted_length=weighted_length,
        permillage=weighted_length * 1000 // config.max_weighted_tweet_length,
        valid=not has_invalid and 0 < weight <= limit,
        display_range=(0, display_end),
        valid_range=(0, valid_end),
    )


def is_valid_tweet(text: str, config: TextConfig | None = None) -> bool:
    """Not empty, no U+FFFE/U+FEFF/U+FFFF, and within the weighted limit."""
    return parse_tweet(text, config).valid


# ---------------------------------------------------------------------------------------
# Validation of single tokens.


def is_valid_username(text: str) -> bool:
    """``@name`` and nothing else."""
    if not text:
        return False
    names = extract_mentions(text)
    return len(names) == 1 and names[0] == text[1:]


def is_valid_list(text: str) -> bool:
    """``@name/slug`` and nothing else."""
    return bool(text) and _LIST.fullmatch(text) is not None


def is_valid_hashtag(text: str) -> bool:
    """``#tag`` and nothing else."""
    if not text:
        return False
    tags = extract_hashtags(text)
    return len(tags) == 1 and tags[0] == text[1:]


# RFC 3986 pieces, as twitter-text's URL validation uses them.
_V_UNRESERVED = rf"[a-zA-Z{_CYRILLIC}0-9\-._~]"
_V_PCT_ENCODED = r"%[0-9a-fA-F]{2}"
_V_SUB_DELIMS = r"[!$&'()*+,;=]"
_V_PCHAR = rf"(?:{_V_UNRESERVED}|{_V_PCT_ENCODED}|{_V_SUB_DELIMS}|[:|@])"
_V_USERINFO = rf"(?:{_V_UNRESERVED}|{_V_PCT_ENCODED}|{_V_SUB_DELIMS}|:)*"
_V_DEC_OCTET = r"(?:[0-9]|(?:[1-9][0-9])|(?:1[0-9]{2})|(?:2[0-4][0-9])|(?:25[0-5]))"
_V_IPV4 = rf"(?:{_V_DEC_OCTET}(?:\.{_V_DEC_OCTET}){{3}})"
_V_IPV6 = r"(?:\[[a-fA-F0-9:.]+\])"
_V_IP = f"(?:{_V_IPV4}|{_V_IPV6})"
_V_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_V_ALNUM = _V_LETTERS + "0123456789"


def _v_class(ascii_chars: str, wide: bool) -> str:
    """Those ASCII characters, and with ``wide`` every non-ASCII character too."""
    if wide:
        excluded = (chr(c) for c in range(128) if chr(c) not in ascii_chars)
        return f"[^{_class_body(excluded)}]"
    return f"[{_class_body(ascii_chars)}]"


def _v_segment(first: str, inner: str, last: str) -> str:
    return f"(?:{first}(?:{inner}*{last})?)"


def _v_domain(wide: bool) -> str:
    alnum = _v_class(_V_ALNUM, wide)
    subdomain = _v_segment(alnum, _v_class(_V_ALNUM + "_-", wide), alnum)
    domain = _v_segment(alnum, _v_class(_V_ALNUM + "-", wide), alnum)
    tld = _v_segment(_v_class(_V_LETTERS, wide), _v_class(_V_ALNUM + "-", wide), alnum)
    return rf"(?:(?:{subdomain}\.)*(?:{domain}\.){tld})"


_V_PORT = r"[0-9]{1,5}"
_V_AUTHORITY = re.compile(rf"(?:{_V_USERINFO}@)?(?:{_V_IP}|{_v_domain(False)})(?::{_V_PORT})?")
_V_UNICODE_AUTHORITY = re.compile(
    rf"(?:{_V_USERINFO}@)?(?:{_V_IP}|{_v_domain(True)})(?::{_V_PORT})?"
)
_V_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+\-.]*")
_V_HTTP = re.compile(r"[hH][tT][tT][pP][sS]?")
_V_PATH = re.compile(rf"(?:/{_V_PCHAR}*)*")
_V_QUERY = re.compile(rf"(?:{_V_PCHAR}|/|\?)*")
_V_PARTS = re.compile(
    r"(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#([^\n\r\u2028\u2029]*))?\Z"
)


def _first_match_is_whole(value: str, pattern: re.Pattern[str]) -> bool:
    """The leftmost match of ``pattern`` in ``value`` is all of ``value``."""
    match = pattern.search(value)
    return match is not None and match.group() == value


def is_valid_url(url: str, *, unicode_domains: bool = True, require_protocol: bool = True) -> bool:
    """A whole string is an http(s) URL (RFC 3986 shape; IDN hosts when ``unicode_domains``)."""
    if not url:
        return False
    parts = _V_PARTS.match(url)
    if parts is None:
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if require_protocol and (
        scheme is None
        or not _first_match_is_whole(scheme, _V_SCHEME)
        or _V_HTTP.fullmatch(scheme) is None
    ):
        return False
    if not _first_match_is_whole(path, _V_PATH):
        return False
    for optional in (query, fragment):
        if optional and not _first_match_is_whole(optional, _V_QUERY):
            return False
    pattern = _V_UNICODE_AUTHORITY if unicode_domains else _V_AUTHORITY
    return _first_match_is_whole(authority, pattern)
