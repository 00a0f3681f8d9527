"""twitter-text conformance (../shared/conformance/twitter-text) and properties of the rules.

Every case of extract.yml, validate.yml (except the legacy 140-character ``tweets``
section) and tlds.yml runs as its own test, named ``<file>/<section>/<number>-<description>``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from orkesteri.lib.text import twitter
from orkesteri.lib.text.tests.conformance import SHARED, missing
from orkesteri.lib.text.tlds import twitter_tlds

CONFORMANCE_DIR = SHARED / "twitter-text"

EXTRACT_SECTIONS = (
    "mentions",
    "mentions_with_indices",
    "mentions_or_lists_with_indices",
    "replies",
    "urls",
    "urls_with_indices",
    "urls_with_directional_markers",
    "tco_urls_with_params",
    "hashtags",
    "hashtags_from_astral",
    "hashtags_with_indices",
    "cashtags",
    "cashtags_with_indices",
)
VALIDATE_SECTIONS = (
    "usernames",
    "lists",
    "hashtags",
    "urls",
    "urls_without_protocol",
    "WeightedTweetsCounterTest",
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)
# Which config each weighted-length section was written for.
SECTION_CONFIG = {
    "WeightedTweetsCounterTest": "v2",
    "WeightedTweetsWithDiscountedEmojiCounterTest": "v3",
    "UnicodeDirectionalMarkerCounterTest": "v3",
}


def _load(name: str) -> dict[str, list[dict[str, Any]]]:
    path = CONFORMANCE_DIR / name
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["tests"]


def _case_id(file: str, section: str, number: int, description: str) -> str:
    # Non-ASCII words (the TLDs of tlds.yml) are spelled in punycode to stay readable.
    words = " ".join(
        w if w.isascii() else "xn--" + w.encode("punycode").decode("ascii")
        for w in description.split()
    )
    words = re.sub(r"[^0-9A-Za-z]+", "-", words).strip("-")[:60]
    return f"{file}/{section}/{number:03d}-{words}"


def _cases(file: str, sections: tuple[str, ...]) -> list[Any]:
    tests = _load(file)
    if not tests:
        return [pytest.param(file, "", {}, id=f"{file}-missing")]
    params = []
    for section in sections:
        assert section in tests, f"{file} has no section {section!r}"
        for number, case in enumerate(tests[section], start=1):
            case_id = _case_id(file, section, number, str(case.get("description", "")))
            params.append(pytest.param(file, section, case, id=case_id))
    return params


def _require_data(file: str) -> None:
    if (CONFORMANCE_DIR / file).is_file():
        return
    missing(CONFORMANCE_DIR / file)


# ---------------------------------------------------------------------------------------
# extract.yml


def _indexed(spans: list[twitter.Span], key: str) -> list[dict[str, Any]]:
    return [{key: s.value, "indices": [s.start, s.end]} for s in spans]


def _mentions_or_lists(text: str) -> list[dict[str, Any]]:
    found = []
    for span in twitter.extract_mentions_or_lists_with_indices(text):
        name, _, slug = span.value.partition("/")
        found.append(
            {
                "screen_name": name,
                "list_slug": f"/{slug}" if span.type == "list" else "",
                "indices": [span.start, span.end],
            }
        )
    return found


EXTRACTORS: dict[str, Any] = {
    "mentions": twitter.extract_mentions,
    "mentions_with_indices": lambda t: _indexed(
        twitter.extract_mentions_with_indices(t), "screen_name"
    ),
    "mentions_or_lists_with_indices": _mentions_or_lists,
    "replies": twitter.extract_reply_screen_name,
    "urls": twitter.extract_urls,
    "urls_with_indices": lambda t: _indexed(twitter.extract_urls_with_indices(t), "url"),
    "urls_with_directional_markers": lambda t: _indexed(
        twitter.extract_urls_with_indices(t), "url"
    ),
    "tco_urls_with_params": twitter.extract_urls,
    "hashtags": twitter.extract_hashtags,
    "hashtags_from_astral": twitter.extract_hashtags,
    "hashtags_with_indices": lambda t: _indexed(
        twitter.extract_hashtags_with_indices(t), "hashtag"
    ),
    "cashtags": twitter.extract_cashtags,
    "cashtags_with_indices": lambda t: _indexed(
        twitter.extract_cashtags_with_indices(t), "cashtag"
    ),
}


@pytest.mark.parametrize(("file", "section", "case"), _cases("extract.yml", EXTRACT_SECTIONS))
def test_extract(file: str, section: str, case: dict[str, Any]) -> None:
    _require_data(file)
    assert EXTRACTORS[section](case["text"]) == case["expected"]


# ---------------------------------------------------------------------------------------
# validate.yml


def _validate(section: str, text: str) -> Any:
    if section == "usernames":
        return twitter.is_valid_username(text)
    if section == "lists":
        return twitter.is_valid_list(text)
    if section == "hashtags":
        return twitter.is_valid_hashtag(text)
    if section == "urls":
        return twitter.is_valid_url(text)
    if section == "urls_without_protocol":
        return twitter.is_valid_url(text, require_protocol=False)
    config = twitter.load_config(SECTION_CONFIG[section])
    return twitter.parse_tweet(text, config).as_twitter_dict()


@pytest.mark.parametrize(("file", "section", "case"), _cases("validate.yml", VALIDATE_SECTIONS))
def test_validate(file: str, section: str, case: dict[str, Any]) -> None:
    _require_data(file)
    assert _validate(section, case["text"]) == case["expected"]


# ---------------------------------------------------------------------------------------
# tlds.yml


@pytest.mark.parametrize(("file", "section", "case"), _cases("tlds.yml", ("country", "generic")))
def test_tld(file: str, section: str, case: dict[str, Any]) -> None:
    _require_data(file)
    assert twitter.extract_urls(case["text"]) == case["expected"]


def test_it_ships_the_tld_list_of_the_conformance_data() -> None:
    _require_data("tld_lib.yml")
    with (CONFORMANCE_DIR / "tld_lib.yml").open(encoding="utf-8") as handle:
        upstream = yaml.safe_load(handle)
    shipped = twitter_tlds()
    assert shipped["country"] == tuple(upstream["country"])
    assert shipped["generic"] == tuple(upstream["generic"])


def test_it_ships_the_configs_of_the_conformance_data() -> None:
    for version in ("v1", "v2", "v3"):
        _require_data(f"config-{version}.json")
        upstream = (CONFORMANCE_DIR / f"config-{version}.json").read_text(encoding="utf-8")
        config = twitter.load_config(version)
        assert config == twitter.TextConfig.from_dict(yaml.safe_load(upstream))


# ---------------------------------------------------------------------------------------
# Behaviour beyond the conformance files.


def test_it_counts_against_v3_by_default() -> None:
    assert twitter.parse_tweet("👨‍👩‍👧‍👦").weighted_length == 2
    assert twitter.load_config().max_weighted_tweet_length == 280


def test_it_rejects_unknown_config_versions() -> None:
    with pytest.raises(ValueError):
        twitter.load_config("../v3")
    with pytest.raises(ValueError):
        twitter.load_config("v99")


def test_it_reports_entities_in_utf16_units() -> None:
    text = "😷 #tag @name http://example.com $CASH"
    entities = twitter.extract_entities(text)
    assert [(e.type, e.value, e.start, e.end) for e in entities] == [
        ("hashtag", "tag", 3, 7),
        ("mention", "name", 8, 13),
        ("url", "http://example.com", 14, 32),
        ("cashtag", "CASH", 33, 38),
    ]
    units = text.encode("utf-16-le")
    covered = [units[e.start * 2 : e.end * 2].decode("utf-16-le") for e in entities]
    assert covered == ["#tag", "@name", "http://example.com", "$CASH"]


def test_it_drops_entities_that_overlap_a_url() -> None:
    entities = twitter.extract_entities("see http://example.com/#tag and @bob/friends")
    assert [(e.type, e.value) for e in entities] == [
        ("url", "http://example.com/#tag"),
        ("list", "bob/friends"),
    ]


def test_it_counts_emoji_as_twemoji_does() -> None:
    v3 = twitter.load_config("v3")
    assert twitter.parse_tweet("©", v3).weighted_length == 1  # text presentation
    assert twitter.parse_tweet("©️", v3).weighted_length == 2
    assert twitter.parse_tweet("✌︎", v3).weighted_length == 4  # text presentation selector
    assert twitter.parse_tweet("🇫🇮", v3).weighted_length == 2
    assert twitter.parse_tweet("1", v3).weighted_length == 1


def test_it_marks_whitespace_only_text_valid_as_twitter_text_does() -> None:
    assert twitter.parse_tweet(" ").valid
    assert not twitter.parse_tweet("").valid
    assert not twitter.is_valid_tweet("ok\ufeff")


def test_it_validates_urls_with_and_without_unicode_domains() -> None:
    assert twitter.is_valid_url("http://☃.net/")
    assert not twitter.is_valid_url("http://☃.net/", unicode_domains=False)
    assert twitter.is_valid_url("example.com", require_protocol=False)
    assert not twitter.is_valid_url("example.com")


# ---------------------------------------------------------------------------------------
# Properties.

ALPHABET = st.sampled_from(
    [
        *"ab1_-.:/#@$＃＠ &?=()",
        *("http://", "https://", ".com", ".jp", "t.co/", "RT", "日本", "é", " "),
        *("\U0001f637", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\xa9", "\ufe0f"),
        *("\u200d", "\ufeff", "\U00020021", "\u20e3", "\U0001f3fd"),
    ]
)
TEXTS = st.lists(ALPHABET, max_size=40).map("".join) | st.text(max_size=80)


@given(TEXTS)
def test_every_span_slices_back_to_its_text(text: str) -> None:
    for span in twitter.extract_hashtags_with_indices(text):
        assert text[span.start : span.end] in (f"#{span.value}", f"＃{span.value}")
    for span in twitter.extract_mentions_or_lists_with_indices(text):
        assert text[span.start + 1 : span.end] == span.value
    for span in twitter.extract_cashtags_with_indices(text):
        assert text[span.start : span.end] == f"${span.value}"
    for span in twitter.extract_urls_with_indices(text):
        if span.value.lower().startswith(("http://", "https://")):
            assert text[span.start : span.end] == span.value


@given(TEXTS)
def test_entities_are_ordered_and_disjoint(text: str) -> None:
    entities = twitter.extract_entities(text)
    limit = len(text.encode("utf-16-le", "surrogatepass")) // 2
    previous_end = 0
    for entity in entities:
        assert previous_end <= entity.start < entity.end <= limit
        previous_end = entity.end


@given(TEXTS, st.sampled_from(["v1", "v2", "v3"]))
def test_parse_never_raises_and_stays_in_range(text: str, version: str) -> None:
    result = twitter.parse_tweet(text, twitter.load_config(version))
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    assert result.weighted_length >= 0
    assert result.display_range == (0, max(units - 1, 0))
    assert 0 <= result.valid_range[1] <= result.display_range[1] or not text


@given(st.text(alphabet=st.characters(blacklist_characters="\ufeff\ufffe\uffff"), max_size=60))
def test_appending_a_letter_never_shortens_the_text(text: str) -> None:
    # A letter can join a URL or an emoji sequence, so compare against a separated letter.
    before = twitter.parse_tweet(text).weighted_length
    assert twitter.parse_tweet(text + " x").weighted_length >= before


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _walk_like_twitter_text(text: str, config: twitter.TextConfig) -> dict[str, int | bool]:
    """twitter-text's parseTweet loop, one character or entity at a time: the oracle."""
    normalized = unicodedata.normalize("NFC", text)
    urls = {s.start: s.end for s in twitter.extract_urls_with_indices(normalized)}
    emoji = dict(twitter.extract_emoji_with_indices(normalized))
    limit = config.max_weighted_tweet_length * config.scale
    weight, valid, last_valid, unit, index = 0, True, 0, -1, 0
    while index < len(normalized):
        if index in urls:
            end = urls[index]
            weight += config.transformed_url_length * config.scale
        elif config.emoji_parsing_enabled and index in emoji:
            end = emoji[index]
            weight += config.default_weight
        else:
            end = index + 1
            weight += config.weight_of(ord(normalized[index]))
            valid = valid and normalized[index] not in "\ufffe\ufeff\uffff"
        unit += _utf16(normalized[index:end])
        index = end
        if valid and weight <= limit:
            last_valid = unit
    weighted_length = weight // config.scale
    return {
        "weightedLength": weighted_length,
        "valid": valid and 0 < weight <= limit,
        "permillage": weighted_length * 1000 // config.max_weighted_tweet_length,
        "displayRangeStart": 0,
        "displayRangeEnd": max(_utf16(text) - 1, 0),
        "validRangeStart": 0,
        "validRangeEnd": last_valid + _utf16(text) - _utf16(normalized),
    }


LONG_TEXTS = st.lists(ALPHABET | st.sampled_from(["x" * 50, "日本語" * 20]), max_size=60).map(
    "".join
)


@given(LONG_TEXTS | TEXTS, st.sampled_from(["v1", "v2", "v3"]))
def test_parse_agrees_with_a_character_by_character_walk(text: str, version: str) -> None:
    config = twitter.load_config(version)
    assert twitter.parse_tweet(text, config).as_twitter_dict() == _walk_like_twitter_text(
        text, config
    )


@given(TEXTS)
def test_url_search_finds_what_a_plain_scan_finds(text: str) -> None:
    plain = [(m.span(), m.groups()) for m in twitter._URL_AT.finditer(text)]
    assert [(m.span(), m.groups()) for m in twitter._url_matches(text)] == plain
