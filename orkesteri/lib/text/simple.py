"""Networks whose text rule is a length limit in some unit, plus optional caps.

The limits are parameters: each network adapter declares its own (STYLE.md rule 3).
What the networks document, for the adapters that declare them:

* Threads: text posts are "limited to 500 characters", and "emojis are counted as the
  number of UTF-8 bytes" (https://developers.facebook.com/docs/threads/posts, Limitations):
  ``Unit.EMOJI_UTF8``. Posts with more than 5 links fail with
  ``THREADS_API__LINK_LIMIT_EXCEEDED``; "all unique URLs found in the text field are counted
  as links" (https://developers.facebook.com/docs/threads/create-posts/text-attachments):
  ``max_links=5``, counted by ``links`` (unique URLs).
* LinkedIn: a post's ``commentary`` holds up to 3000 characters
  (https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api).
  The unit is not documented; LinkedIn's services are Java, so ``Unit.UTF16`` (an emoji
  counts 2) is the safe reading.
* Instagram: a caption holds at most 2,200 characters, 30 hashtags and 20 @ tags
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
  ``caption``): ``max_hashtags=30``, ``max_mentions=20``; unit not documented, ``Unit.UTF16``
  is the safe reading.
* VK: ``wall.post``'s ``message`` is documented without a unit or limit
  (https://dev.vk.com/method/wall.post); ``Unit.CODE_POINTS``, and the limit
  orkesteri/networks/vk/conf.py explains.

``Unit.UTF16`` never under-counts against a code point or grapheme limit, which is why it is
the reading where a network is silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import regex

from orkesteri.lib.text.bluesky import has_known_tld
from orkesteri.lib.text.units import grapheme_count, graphemes, utf8_length, utf16_length

SimpleEntityType = Literal["url", "hashtag", "mention"]


class Unit(StrEnum):
    CODE_POINTS = "code_points"
    UTF16 = "utf16"
    GRAPHEMES = "graphemes"
    UTF8_BYTES = "utf8_bytes"
    # characters as code points, but a grapheme holding an emoji counts its UTF-8 bytes
    EMOJI_UTF8 = "emoji_utf8"


@dataclass(frozen=True)
class SimpleEntity:
    """A URL, hashtag or mention; ``start``/``end`` are code point offsets (end exclusive)."""

    type: SimpleEntityType
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class SimpleMeasure:
    length: int
    limit: int
    unit: Unit
    links: int  # unique URLs
    hashtags: int
    mentions: int
    max_links: int | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None

    @property
    def problems(self) -> tuple[str, ...]:
        """Codes of the rules the text breaks: too_long, too_many_links/hashtags/mentions."""
        broken = []
        if self.length > self.limit:
            broken.append("too_long")
        for name, count, cap in (
            ("links", self.links, self.max_links),
            ("hashtags", self.hashtags, self.max_hashtags),
            ("mentions", self.mentions, self.max_mentions),
        ):
            if cap is not None and count > cap:
                broken.append(f"too_many_{name}")
        return tuple(broken)

    @property
    def fits(self) -> bool:
        return not self.problems


def measure_simple(
    text: str,
    limit: int,
    unit: Unit = Unit.CODE_POINTS,
    *,
    max_links: int | None = None,
    max_hashtags: int | None = None,
    max_mentions: int | None = None,
) -> SimpleMeasure:
    """Length of ``text`` in ``unit`` against ``limit``, and its links, hashtags, mentions."""
    entities = extract_entities(text)
    return SimpleMeasure(
        length=length_in(text, unit),
        limit=limit,
        unit=unit,
        links=len({e.value for e in entities if e.type == "url"}),
        hashtags=sum(1 for e in entities if e.type == "hashtag"),
        mentions=sum(1 for e in entities if e.type == "mention"),
        max_links=max_links,
        max_hashtags=max_hashtags,
        max_mentions=max_mentions,
    )


_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")


def length_in(text: str, unit: Unit) -> int:
    if unit is Unit.CODE_POINTS:
        return len(text)
    if unit is Unit.UTF16:
        return utf16_length(text)
    if unit is Unit.GRAPHEMES:
        return grapheme_count(text)
    if unit is Unit.UTF8_BYTES:
        return utf8_length(text)
    if text.isascii():
        return len(text)
    return sum(
        utf8_length(cluster) if _EMOJI.search(cluster) else len(cluster)
        for cluster in graphemes(text)
    )


_WORD = r"\p{L}\p{M}\p{Nd}\p{Pc}"
_HASHTAG = regex.compile(rf"(?<![{_WORD}#&/])[#＃](?P<tag>[{_WORD}\u200c\u200d]+)")
_MENTION = regex.compile(rf"(?<![{_WORD}@./])@(?P<name>[{_WORD}](?:[{_WORD}.]*[{_WORD}])?)")
_URL = regex.compile(
    rf"(?<![{_WORD}@.\-/])"
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)?"
    r"(?P<host>(?:[\p{L}\p{M}\p{Nd}](?:[\p{L}\p{M}\p{Nd}-]*[\p{L}\p{M}\p{Nd}])?\.)+"
    r"[\p{L}\p{M}\p{Nd}-]*\p{L}[\p{L}\p{M}\p{Nd}-]*)"
    r"(?::[0-9]{1,5})?"
    r"(?P<rest>[/?#][^\s<>\"]*)?",
    regex.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'\"*"


def find_urls(text: str, schemes: tuple[str, ...] = ("http", "https")) -> list[tuple[int, int]]:
    """Code point spans of the URLs a reader sees in ``text``.

    A URL has one of ``schemes`` followed by ``://`` and a host name, or is a bare host name
    whose last label is a real TLD ("example.com/page", but not "file.txt"). Trailing
    sentence punctuation, and closing parentheses the URL does not open, are left out.
    """
    if "." not in text:
        return []
    spans = []
    for match in _URL.finditer(text):
        scheme = match["scheme"]
        if scheme is None:
            if not has_known_tld(match["host"].lower()):
                continue
        elif scheme[:-3].lower() not in schemes:
            continue
        spans.append(
            (match.start(), _trim_url_end(text, match.start(), match.end("host"), match.end()))
        )
    return spans


def _trim_url_end(text: str, start: int, host_end: int, end: int) -> int:
    while end > host_end:
        last = text[end - 1]
        unbalanced = last == ")" and text.count(")", start, end) > text.count("(", start, end)
        if last not in _URL_TRAILING and not unbalanced:
            break
        end -= 1
    return end


def extract_entities(text: str) -> list[SimpleEntity]:
    """URLs, hashtags and mentions, sorted by ``start``; nothing inside a URL counts."""
    found = [SimpleEntity("url", text[s:e], s, e) for s, e in find_urls(text)]
    if "#" in text or "＃" in text:
        found += [
            SimpleEntity("hashtag", m["tag"], m.start(), m.end())
            for m in _HASHTAG.finditer(text)
            if not m["tag"].isdigit()
        ]
    if "@" in text:
        found += [
            SimpleEntity("mention", m["name"], m.start(), m.end()) for m in _MENTION.finditer(text)
        ]
    found.sort(key=lambda e: (e.start, e.type != "url"))
    kept: list[SimpleEntity] = []
    for entity in found:
        if kept and entity.start < kept[-1].end:
            continue
        kept.append(entity)
    return kept
