"""Length-limit networks: units, caps and the entities the caps count."""

from __future__ import annotations

import pytest

from orkesteri.lib.text.simple import Unit, extract_entities, find_urls, length_in, measure_simple

FAMILY = "👨\u200d👩\u200d👧\u200d👧"


@pytest.mark.parametrize(
    ("text", "unit", "length"),
    [
        ("hei 😀", Unit.CODE_POINTS, 5),
        ("hei 😀", Unit.UTF16, 6),
        ("hei 😀", Unit.UTF8_BYTES, 8),
        ("hei 😀", Unit.GRAPHEMES, 5),
        (FAMILY, Unit.CODE_POINTS, 7),
        (FAMILY, Unit.GRAPHEMES, 1),
        # Threads: characters, but an emoji counts its UTF-8 bytes
        ("hei 😀", Unit.EMOJI_UTF8, 8),
        ("✨", Unit.EMOJI_UTF8, 3),
        (FAMILY, Unit.EMOJI_UTF8, 25),
        ("🇫🇮", Unit.EMOJI_UTF8, 8),
        ("naïve e\u0301", Unit.EMOJI_UTF8, 8),  # accents are not emoji: code points
        ("Привет", Unit.EMOJI_UTF8, 6),
    ],
)
def test_it_counts_in_the_networks_unit(text: str, unit: Unit, length: int) -> None:
    assert length_in(text, unit) == length


def test_it_checks_the_limit() -> None:
    assert measure_simple("a" * 500, 500).fits
    assert measure_simple("a" * 501, 500).problems == ("too_long",)
    assert not measure_simple("😀" * 126, 500, Unit.EMOJI_UTF8).fits


def test_it_caps_unique_links() -> None:
    text = " ".join(f"https://example.com/{n}" for n in range(5)) + " https://example.com/0"
    measure = measure_simple(text, 500, max_links=5)
    assert (measure.links, measure.fits) == (5, True)
    over = measure_simple(text + " www.example.org", 500, max_links=5)
    assert over.problems == ("too_many_links",)


def test_it_caps_hashtags_and_mentions() -> None:
    text = " ".join(f"#tag{n}" for n in range(31)) + " @brand @shop.fi"
    measure = measure_simple(text, 2200, max_hashtags=30, max_mentions=20)
    assert (measure.hashtags, measure.mentions) == (31, 2)
    assert measure.problems == ("too_many_hashtags",)


def test_it_finds_urls_a_reader_sees() -> None:
    text = "Read example.com/a, (https://fi.wikipedia.org/wiki/Sauna_(rakennus)) not file.txt!"
    assert [text[s:e] for s, e in find_urls(text)] == [
        "example.com/a",
        "https://fi.wikipedia.org/wiki/Sauna_(rakennus)",
    ]


def test_it_skips_entities_inside_urls_and_emails() -> None:
    text = "https://example.com/#frag/@user mail me@example.com #kahvi #2024"
    assert [(e.type, e.value) for e in extract_entities(text)] == [
        ("url", "https://example.com/#frag/@user"),
        ("hashtag", "kahvi"),
    ]
