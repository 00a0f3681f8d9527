"""Per-network text rules: length, limits and entities.

`measure(text, rules)` is the one entry point for the composer, the worker and the
`check-text` command. `TextRules` is data: each network adapter declares its own (STYLE.md
rule 3), so nothing here knows a network's limits. The counting schemes are the networks'
own, each in its module: twitter.py (weighted length), bluesky.py (graphemes and UTF-8 bytes),
mastodon.py (URLs count 23, remote mentions their local part), telegram.py (UTF-16 after HTML
entity parsing) and simple.py (code points or UTF-16 with link and hashtag caps).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from orkesteri.lib.text import bluesky, mastodon, simple, telegram, twitter

Counter = Literal["twitter", "bluesky", "mastodon", "telegram", "simple"]
OffsetUnit = Literal["utf16", "utf8", "code_points"]


@dataclass(frozen=True)
class TextRules:
    """How one network counts a post's text, and its limits."""

    counter: Counter
    limit: int
    max_bytes: int | None = None  # bluesky: a second limit, in UTF-8 bytes
    url_length: int = 23  # mastodon: what any URL counts as
    unit: simple.Unit = simple.Unit.CODE_POINTS  # simple: the unit of `limit`
    html: bool = False  # telegram: the text is HTML parse mode, counted after parsing
    max_links: int | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None
    twitter_config: str = "v3"


@dataclass(frozen=True)
class TextEntity:
    """`value` is the name without its sign (#, @, $); offsets are in the network's unit."""

    type: str  # hashtag, mention, url, cashtag, list
    value: str
    start: int
    end: int

    @classmethod
    def of(cls, type: str, value: str, start: int, end: int) -> TextEntity:
        if type in {"hashtag", "mention", "cashtag"}:
            value = value.lstrip("#＃@$")
        return cls(type, value, start, end)


@dataclass(frozen=True)
class Measurement:
    length: int
    limit: int
    offset_unit: OffsetUnit
    entities: tuple[TextEntity, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "limit": self.limit,
            "ok": self.ok,
            "entities": [
                {"type": e.type, "value": e.value, "start": e.start, "end": e.end}
                for e in self.entities
            ],
            "problems": list(self.problems),
        }


def measure(text: str, rules: TextRules) -> Measurement:
    return _COUNTERS[rules.counter](text, rules)


def too_long(length: int, limit: int) -> str:
    return _("The text is %(length)s long; the most is %(limit)s.") % {
        "length": length,
        "limit": limit,
    }


def _caps(rules: TextRules, entities: list[TextEntity]) -> list[str]:
    counts = (
        (len({e.value for e in entities if e.type == "url"}), rules.max_links,
         gettext_noop("Links: %(count)s; the most is %(cap)s.")),
        (sum(1 for e in entities if e.type == "hashtag"), rules.max_hashtags,
         gettext_noop("Hashtags: %(count)s; the most is %(cap)s.")),
        (sum(1 for e in entities if e.type == "mention"), rules.max_mentions,
         gettext_noop("Mentions: %(count)s; the most is %(cap)s.")),
    )  # fmt: skip
    return [
        _(message) % {"count": count, "cap": cap}  # translated only when it is said
        for count, cap, message in counts
        if cap is not None and count > cap
    ]


def _entities(found: Iterable[Any]) -> list[TextEntity]:
    """From any rule module's entities (type, value, start, end)."""
    return [TextEntity.of(e.type, e.value, e.start, e.end) for e in found]


def _result(
    length: int,
    rules: TextRules,
    unit: OffsetUnit,
    entities: list[TextEntity],
    other_problems: Iterable[str] = (),
) -> Measurement:
    problems = [too_long(length, rules.limit)] if length > rules.limit else []
    problems += [*other_problems, *_caps(rules, entities)]
    return Measurement(length, rules.limit, unit, tuple(entities), tuple(problems))


def _twitter(text: str, rules: TextRules) -> Measurement:
    parsed = twitter.parse_tweet(text, twitter.load_config(rules.twitter_config))
    invalid = not parsed.valid and parsed.weighted_length <= rules.limit and text.strip()
    other = [_("The text contains characters this network does not accept.")] if invalid else []
    entities = _entities(twitter.extract_entities(text))
    return _result(parsed.weighted_length, rules, "utf16", entities, other)


_FACET_TYPES = {"link": "url", "tag": "hashtag", "mention": "mention"}


def _bluesky(text: str, rules: TextRules) -> Measurement:
    max_bytes = rules.max_bytes or 10 * rules.limit
    measured = bluesky.measure_bluesky(text, rules.limit, max_bytes)
    entities = [
        TextEntity.of(
            "cashtag" if f.cashtag else _FACET_TYPES[f.type], f.value, f.byte_start, f.byte_end
        )
        for f in bluesky.detect_facets(text)
    ]
    too_many_bytes = measured.utf8_bytes > max_bytes
    other = (
        [
            _("The text is %(bytes)s bytes long; the most is %(max)s.")
            % {"bytes": measured.utf8_bytes, "max": max_bytes}
        ]
        if too_many_bytes
        else []
    )
    return _result(measured.graphemes, rules, "utf8", entities, other)


def _mastodon(text: str, rules: TextRules) -> Measurement:
    length = mastodon.status_length(text, url_length=rules.url_length)
    return _result(length, rules, "code_points", _entities(mastodon.extract_entities(text)))


def _telegram(text: str, rules: TextRules) -> Measurement:
    plain = text
    if rules.html:
        try:
            plain, _parsed = telegram.parse_html(text)
        except telegram.TelegramHtmlError as e:
            return Measurement(0, rules.limit, "utf16", (), (str(e),))
    entities = [
        TextEntity.of(e.type, telegram.entity_text(plain, e), e.offset, e.offset + e.length)
        for e in telegram.extract_entities(plain)
    ]
    return _result(telegram.measure_telegram(plain, rules.limit).length, rules, "utf16", entities)


def _simple(text: str, rules: TextRules) -> Measurement:
    length = simple.length_in(text, rules.unit)
    return _result(length, rules, "code_points", _entities(simple.extract_entities(text)))


_COUNTERS = {
    "twitter": _twitter,
    "bluesky": _bluesky,
    "mastodon": _mastodon,
    "telegram": _telegram,
    "simple": _simple,
}
