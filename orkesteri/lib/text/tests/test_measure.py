"""measure(): one shape of answer for every counting scheme (what check-text prints)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orkesteri.lib.text import Measurement, TextRules, measure
from orkesteri.lib.text.simple import Unit

X = TextRules("twitter", limit=280)
BLUESKY = TextRules("bluesky", limit=300, max_bytes=3000)
MASTODON = TextRules("mastodon", limit=500)
TELEGRAM = TextRules("telegram", limit=4096, html=True)
THREADS = TextRules("simple", limit=500, max_links=5)
ALL = [X, BLUESKY, MASTODON, TELEGRAM, THREADS]


def kinds(m: Measurement) -> list[tuple[str, str]]:
    return [(e.type, e.value) for e in m.entities]


def test_x_counts_urls_as_23_and_reports_utf16_offsets() -> None:
    m = measure("😀 #launch https://example.com/a/very/long/path/indeed @orkesteri", X)
    assert m.length == 2 + 1 + 7 + 1 + 23 + 1 + 10
    assert kinds(m) == [
        ("hashtag", "launch"),
        ("url", "https://example.com/a/very/long/path/indeed"),
        ("mention", "orkesteri"),
    ]
    assert m.entities[0].start == 3  # the emoji is two UTF-16 units
    assert m.ok


def test_x_over_the_limit_names_both_numbers() -> None:
    m = measure("a" * 281, X)
    assert not m.ok
    assert m.problems == ("The text is 281 long; the most is 280.",)


def test_bluesky_counts_graphemes_and_bytes_with_byte_offsets() -> None:
    m = measure("👩‍👩‍👧 see example.com #tag", BLUESKY)
    assert m.length == 1 + 1 + 3 + 1 + 11 + 1 + 4
    url = next(e for e in m.entities if e.type == "url")
    assert url.value == "https://example.com"
    assert url.start == len("👩‍👩‍👧 see ".encode())
    assert ("hashtag", "tag") in kinds(m)


def test_bluesky_has_a_byte_limit_too() -> None:
    m = measure("👩‍👩‍👧" * 200, BLUESKY)  # 200 graphemes, 3,600 bytes
    assert m.length == 200
    assert m.problems == ("The text is 3600 bytes long; the most is 3000.",)


def test_mastodon_counts_the_local_part_of_remote_mentions() -> None:
    m = measure("hi @alice@mastodon.example", MASTODON)
    assert m.length == len("hi @alice")
    assert kinds(m) == [("mention", "alice@mastodon.example")]


def test_telegram_counts_after_parsing_the_html() -> None:
    m = measure("<b>Bold</b> and <a href='https://example.com'>a link</a>", TELEGRAM)
    assert m.length == len("Bold and a link")
    assert m.ok


def test_telegram_broken_html_is_a_problem_not_a_crash() -> None:
    m = measure("<b>unclosed", TELEGRAM)
    assert not m.ok
    assert m.problems


def test_caps_on_links_are_reported() -> None:
    text = " ".join(f"https://example.com/{i}" for i in range(6))
    m = measure(text, THREADS)
    assert m.problems == ("Links: 6; the most is 5.",)


def test_utf16_units_for_simple_networks() -> None:
    rules = TextRules("simple", limit=3, unit=Unit.UTF16)
    assert measure("😀😀", rules).problems == ("The text is 4 long; the most is 3.",)


def test_as_dict_is_the_check_text_shape() -> None:
    d = measure("#a", X).as_dict()
    assert set(d) == {"length", "limit", "ok", "entities", "problems"}
    assert d["entities"] == [{"type": "hashtag", "value": "a", "start": 0, "end": 2}]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_measure_never_raises(text: str) -> None:
    for rules in ALL:
        m = measure(text, rules)
        assert m.length >= 0
        assert m.ok == (not m.problems)
