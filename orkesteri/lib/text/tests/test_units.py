"""Counting primitives, and properties every network's rules must keep on any text."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from orkesteri.lib.text import bluesky, mastodon, simple, telegram
from orkesteri.lib.text.units import (
    codepoint_to_utf8,
    codepoint_to_utf16,
    from_utf16_code_units,
    grapheme_count,
    graphemes,
    has_lone_surrogates,
    utf8_length,
    utf8_slice,
    utf8_to_codepoint,
    utf8_to_utf16,
    utf16_length,
    utf16_to_codepoint,
    utf16_to_utf8,
)

FAMILY = "👨\u200d👩\u200d👧\u200d👧"

# Well-formed text, weighted towards what the rules care about.
texts = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from([*"@#＃$.:/()?!,- \n\u200b\u20e2\ufe0f\u20e3", FAMILY, "🦋", "é"]),
        st.sampled_from(["http://", "https://", "example.com", "bsky.app", "@a.test", "#tag"]),
    )
).map("".join)
# Any str, lone surrogates included (a str can hold them; JSON and forms should not).
any_strings = st.lists(
    st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr), st.sampled_from(["😀", "#"]))
).map("".join)


def test_it_counts_graphemes_with_unicode_15_1_rules() -> None:
    # GB9c (Indic conjuncts) came with regex 2024.7.24; older releases say 4.
    assert grapheme_count("नमस्ते") == 3, f"regex {regex.__version__} predates Unicode 15.1"
    assert grapheme_count(FAMILY) == 1
    assert grapheme_count("🇫🇮🇸🇪") == 2
    assert grapheme_count("e\u0301") == 1
    assert grapheme_count("a\r\nb") == 3


def test_it_counts_bytes_and_utf16_units() -> None:
    assert (utf8_length("😀"), utf16_length("😀"), len("😀")) == (4, 2, 1)
    assert (utf8_length(FAMILY), utf16_length(FAMILY)) == (25, 11)
    assert utf8_length("\ud83d") == 3  # lone surrogate, as U+FFFD
    assert utf16_length("\ud83d") == 1


def test_it_converts_offsets() -> None:
    text = "a😀b"
    assert [codepoint_to_utf16(text, i) for i in range(4)] == [0, 1, 3, 4]
    assert [codepoint_to_utf8(text, i) for i in range(4)] == [0, 1, 5, 6]
    assert utf16_to_utf8(text, 3) == 5
    assert utf8_to_utf16(text, 5) == 3
    assert utf8_slice(text, 1, 5) == "😀"


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (utf16_to_codepoint, 2),
        (utf8_to_codepoint, 2),
        (utf16_to_codepoint, 9),
        (codepoint_to_utf8, -1),
    ],
)
def test_it_refuses_offsets_inside_a_character(call: object, argument: int) -> None:
    with pytest.raises(ValueError):
        call("a😀b", argument)  # type: ignore[operator]


def test_it_builds_text_from_utf16_code_units() -> None:
    assert from_utf16_code_units([0xD83D, 0xDE00]) == "😀"
    lone = from_utf16_code_units([0xDC00])
    assert has_lone_surrogates(lone)
    assert not has_lone_surrogates("😀")


@given(texts, st.data())
def test_offset_conversions_round_trip(text: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(text)))
    assert utf8_to_codepoint(text, codepoint_to_utf8(text, index)) == index
    assert utf16_to_codepoint(text, codepoint_to_utf16(text, index)) == index
    assert utf8_to_utf16(text, codepoint_to_utf8(text, index)) == codepoint_to_utf16(text, index)


@given(any_strings)
def test_lengths_agree_and_are_never_negative(text: str) -> None:
    assert utf8_length(text) == codepoint_to_utf8(text, len(text)) >= 0
    assert utf16_length(text) == codepoint_to_utf16(text, len(text)) >= len(text)
    clusters = graphemes(text)
    assert "".join(clusters) == text
    assert grapheme_count(text) == len(clusters) <= len(text)


@given(texts)
def test_facet_byte_slices_hold_what_they_name(text: str) -> None:
    facets = bluesky.detect_facets(text)
    assert [f.byte_start for f in facets] == sorted(f.byte_start for f in facets)
    for facet in facets:
        assert 0 <= facet.byte_start < facet.byte_end <= utf8_length(text)
        covered = utf8_slice(text, facet.byte_start, facet.byte_end)
        if facet.type == "mention":
            assert covered == "@" + facet.value
        elif facet.type == "link":
            assert facet.value in (covered, "https://" + covered)
        elif facet.cashtag:
            assert covered.upper() == facet.value
        else:
            assert covered[0] in "#＃" and covered[1:] == facet.value


@given(texts)
def test_mastodon_entities_hold_what_they_name(text: str) -> None:
    for entity in mastodon.extract_entities(text):
        covered = text[entity.start : entity.end]
        assert covered == (entity.value if entity.type == "url" else covered[0] + entity.value)


@given(texts)
def test_telegram_entities_hold_what_they_name(text: str) -> None:
    for entity in telegram.extract_entities(text):
        covered = telegram.entity_text(text, entity)
        assert covered
        assert entity.type != "mention" or covered[0] == "@"
        assert entity.type != "hashtag" or covered[0] == "#"
        assert entity.type != "cashtag" or covered[0] == "$"


@given(any_strings)
def test_measuring_never_raises(text: str) -> None:
    assert bluesky.measure_bluesky(text, 300, 3000).graphemes >= 0
    bluesky.detect_facets(text)
    assert mastodon.status_length(text, spoiler_text=text[:3]) >= 0
    assert telegram.measure_telegram(text, 4096).length >= 0
    telegram.extract_entities(text)
    for unit in simple.Unit:
        assert simple.measure_simple(text, 500, unit, max_links=5).length >= 0


@given(any_strings)
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert telegram.parse_html(telegram.html_escape(text)) == (text, [])
