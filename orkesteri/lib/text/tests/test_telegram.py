"""Telegram: HTML parse mode, UTF-16 counting and entities.

The HTML cases are the examples of https://core.telegram.org/bots/api#html-style; the
expected offsets were counted by hand in UTF-16 code units, as MessageEntity counts them.
"""

from __future__ import annotations

import pytest

from orkesteri.lib.text.telegram import (
    TelegramEntity,
    TelegramHtmlError,
    entity_text,
    extract_entities,
    html_escape,
    measure_telegram,
    measure_telegram_html,
    parse_html,
)


def spans(text: str, entities: list[TelegramEntity]) -> list[tuple[str, int, int, str]]:
    return [(e.type, e.offset, e.length, entity_text(text, e)) for e in entities]


def test_it_parses_the_nested_example() -> None:
    html = (
        "<b>bold <i>italic bold <s>italic bold strikethrough "
        '<span class="tg-spoiler">italic bold strikethrough spoiler</span></s> '
        "<u>underline italic bold</u></i> bold</b>"
    )
    text, entities = parse_html(html)
    assert text == (
        "bold italic bold italic bold strikethrough italic bold strikethrough spoiler "
        "underline italic bold bold"
    )
    assert [(e.type, e.offset, e.length) for e in entities] == [
        ("bold", 0, 103),
        ("italic", 5, 93),
        ("strikethrough", 17, 59),
        ("spoiler", 43, 33),
        ("underline", 77, 21),
    ]


@pytest.mark.parametrize(
    ("html", "text", "entity"),
    [
        ("<b>bold</b>, <strong>bold</strong>", "bold, bold", ("bold", 0, 4)),
        ("<i>italic</i>", "italic", ("italic", 0, 6)),
        ("<em>italic</em>", "italic", ("italic", 0, 6)),
        ("<u>underline</u>", "underline", ("underline", 0, 9)),
        ("<ins>underline</ins>", "underline", ("underline", 0, 9)),
        ("<s>strike</s>", "strike", ("strikethrough", 0, 6)),
        ("<strike>strike</strike>", "strike", ("strikethrough", 0, 6)),
        ("<del>strike</del>", "strike", ("strikethrough", 0, 6)),
        ("<tg-spoiler>spoiler</tg-spoiler>", "spoiler", ("spoiler", 0, 7)),
        ("<code>inline fixed-width code</code>", "inline fixed-width code", ("code", 0, 23)),
        ("<pre>pre-formatted</pre>", "pre-formatted", ("pre", 0, 13)),
        ("<blockquote>Block quotation</blockquote>", "Block quotation", ("blockquote", 0, 15)),
        (
            "<blockquote expandable>Expandable</blockquote>",
            "Expandable",
            ("expandable_blockquote", 0, 10),
        ),
    ],
)
def test_it_parses_each_tag(html: str, text: str, entity: tuple[str, int, int]) -> None:
    parsed, entities = parse_html(html)
    assert parsed == text
    assert (entities[0].type, entities[0].offset, entities[0].length) == entity


def test_it_parses_links_mentions_custom_emoji_and_code_languages() -> None:
    html = (
        '<a href="http://www.example.com/">inline URL</a> '
        '<a href="tg://user?id=123456789">inline mention of a user</a> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> '
        '<pre><code class="language-python">print("hi")</code></pre>'
    )
    text, entities = parse_html(html)
    assert text == 'inline URL inline mention of a user 👍 print("hi")'
    link, mention, emoji, pre = entities
    assert (link.type, link.offset, link.length, link.url) == (
        "text_link",
        0,
        10,
        "http://www.example.com/",
    )
    assert (mention.type, mention.offset, mention.user_id) == ("text_mention", 11, 123456789)
    assert (emoji.type, emoji.offset, emoji.length) == ("custom_emoji", 36, 2)  # 👍 is 2 units
    assert emoji.custom_emoji_id == "5368324170671202286"
    assert (pre.type, pre.offset, pre.length, pre.language) == ("pre", 39, 11, "python")


def test_it_counts_offsets_in_utf16_after_astral_characters() -> None:
    text, entities = parse_html("😀🇫🇮 <b>tervé 𝕏</b> &#128512;<i>!</i>")
    assert text == "😀🇫🇮 tervé 𝕏 😀!"
    # 😀 2 + 🇫🇮 4 + space = 7; "tervé 𝕏" = 6 + 2 = 8; " " + 😀 = 3
    assert spans(text, entities) == [("bold", 7, 8, "tervé 𝕏"), ("italic", 18, 1, "!")]
    assert measure_telegram(text, 4096).length == 19


def test_it_decodes_only_the_supported_entities() -> None:
    text, _ = parse_html("&lt;b&gt; &amp; &quot; &#65;&#x42; &nbsp; & x")
    assert text == '<b> & " AB &nbsp; & x'


def test_it_measures_html_after_parsing() -> None:
    html = "<b>" + "a" * 4096 + "</b>"
    assert measure_telegram_html(html, 4096).fits
    assert not measure_telegram_html(html + "😀", 4096).fits
    assert measure_telegram("😀" * 2048, 4096).fits
    assert not measure_telegram("😀" * 2049, 4096).fits


def test_it_drops_empty_entities() -> None:
    assert parse_html("a<b></b>b") == ("ab", [])


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<x>a</x>", 'Unsupported start tag "x"'),
        ("<b>a", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>a</i>", 'expected "</b>", found "</i>"'),
        ("1 < 2", 'Unescaped "<"'),
        ("<span>a</span>", 'class "tg-spoiler"'),
        ("<b", "Unclosed start tag"),
        ("a</b>", 'Unexpected end tag "b"'),
    ],
)
def test_it_rejects_what_the_bot_api_rejects(html: str, message: str) -> None:
    with pytest.raises(TelegramHtmlError, match=message):
        parse_html(html)


def test_it_escapes_text_for_html() -> None:
    raw = 'a < b && c > "d"'
    assert html_escape(raw) == "a &lt; b &amp;&amp; c &gt; &quot;d&quot;"
    assert parse_html(f"<b>{html_escape(raw)}</b>")[0] == raw


def test_it_finds_mentions_hashtags_cashtags_and_urls() -> None:
    text = "😀 @durov_news #новости #2024 $USD $usd @abc https://t.me/s/x?y=1. example.com, a.txt"
    assert spans(text, extract_entities(text)) == [
        ("mention", 3, 11, "@durov_news"),
        ("hashtag", 15, 8, "#новости"),
        ("cashtag", 30, 4, "$USD"),
        ("url", 45, 20, "https://t.me/s/x?y=1"),
        ("url", 67, 11, "example.com"),
    ]


def test_it_keeps_hashtags_with_a_chat_username_and_skips_emails() -> None:
    text = "#news@durov_chat mail me@example.com"
    assert spans(text, extract_entities(text)) == [("hashtag", 0, 16, "#news@durov_chat")]
