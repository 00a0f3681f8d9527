"""Mastodon status length against ../shared/conformance/mastodon (see the README there).

status-length.json is the server's validator spec and decides; status-length-client.json
is the web composer's test, kept for reference: where the server counts differently, the
server's answer is written down here with the reason.
"""

from __future__ import annotations

from typing import Any

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from orkesteri.lib.text import mastodon
from orkesteri.lib.text.mastodon import (
    countable_text,
    extract_mentions,
    status_length,
    too_long,
)
from orkesteri.lib.text.tests import conformance
from orkesteri.lib.text.tests.conformance import json_cases
from orkesteri.lib.text.units import codepoint_to_utf16

MAX_CHARS = 500  # the spec's limit, a stock server's max_characters


def cases(name: str) -> list[Any]:
    return json_cases("mastodon", name)


def require(case: dict[str, Any] | None) -> dict[str, Any]:
    return conformance.require(case, "mastodon")


@pytest.mark.parametrize("case", cases("status-length.json"))
def test_it_decides_like_the_server(case: dict[str, Any] | None) -> None:
    case = require(case)
    text = case["text"] or ""
    spoiler = case["spoiler_text"] or ""
    decision = too_long(
        text, MAX_CHARS, spoiler_text=spoiler, local=case["local"], reblog=case["reblog"]
    )
    assert decision is case["expected"]["error"]
    if "derived" in case:
        assert status_length(text, spoiler_text=spoiler) == case["derived"]["countable_length"]


# Client cases where the server counts differently, with the server's countable text.
_UA_BARE_DOMAIN = "the server shortens only URLs with a scheme; a bare domain is text"
SERVER_COUNTABLE_TEXT: dict[str, tuple[str | None, str]] = {
    "client-countable-03": (None, _UA_BARE_DOMAIN),
    "client-countable-05": (None, _UA_BARE_DOMAIN),
    "client-countable-14": ("@arnt", "the server shortens any @user@word, plausible host or not"),
    "client-ua-mention-32": (
        "@info་ཁྱབ་ངོས་ལེན་བརྟག་དཔྱད.com",
        "the Tibetan tsheg U+0F0B is punctuation, so the server's mention ends before it",
    ),
}
SERVER_MENTIONS: dict[str, list[tuple[int, int, str]]] = {
    # the server takes any word after the second @ as the domain
    "client-mentions-05": [(0, 10, "arnt@nope")],
}


@pytest.mark.parametrize("case", cases("status-length-client.json"))
def test_it_agrees_with_the_composer_where_the_server_does(case: dict[str, Any] | None) -> None:
    case = require(case)
    text = case["input"]
    if case["kind"] == "countable_text":
        want = case["expected_countable_text"]
        if case["id"] in SERVER_COUNTABLE_TEXT:
            server_text, _reason = SERVER_COUNTABLE_TEXT[case["id"]]
            want = text if server_text is None else server_text
        elif case["id"].startswith("client-ua-url-"):
            want = text  # _UA_BARE_DOMAIN
        assert countable_text(text) == want
        return
    remote = [m for m in extract_mentions(text) if "@" in m.value]
    got = [
        (codepoint_to_utf16(text, m.start), codepoint_to_utf16(text, m.end), m.value)
        for m in remote
    ]
    want_mentions = [
        (m["indices"][0], m["indices"][1], f"{m['username']}@{m['host']}")
        for m in case["expected_mentions"]
    ]
    assert got == SERVER_MENTIONS.get(case["id"], want_mentions)


def test_it_counts_the_content_warning_with_the_text() -> None:
    assert status_length("b" * 10, spoiler_text="a" * 5) == 15


def test_it_counts_a_blank_text_as_empty() -> None:
    assert status_length(" \n\t ") == 0
    assert status_length(" \n ", spoiler_text="cw") == 2


def test_it_uses_the_instance_url_length() -> None:
    assert status_length("see https://example.com/page", url_length=10) == 14


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("gopher://example.com/1/x", 23),  # schemes beyond http count as URLs on the server
        ("http://localhost:3000/x", len("http://localhost:3000/x")),  # no TLD: not a URL
        ("http://example.com/a?q=日本", 23),  # non-ASCII query
        ("(http://example.com/wiki/Foo_(bar))", 25),
        ("@first.last@example.com", len("@first.last")),
        ("@alice@example.com@x", len("@alice@example.com@x")),  # followed by @: not a mention
    ],
)
def test_it_applies_the_server_url_and_mention_rules(text: str, length: int) -> None:
    assert status_length(text) == length


def _oracle() -> regex.Pattern[str]:
    """The server's URL rule written as one regular expression, the way twitter-text writes
    it. It backtracks quadratically on long dotted runs, which is why the module scans
    differently; on short texts both must find the same URLs."""
    d = mastodon.DOMAIN_CHAR
    subdomain = rf"(?:(?:{d}(?:[_-]|{d})*)?{d}\.)"
    domain_name = rf"(?:(?:{d}(?:-|{d})*)?{d}\.)"
    preceding = "(?:[^A-Z0-9@＠$#＃\ufffe\ufeff\uffff]|^)"
    return regex.compile(
        rf"{preceding}(?P<url>(?P<scheme>{mastodon.SCHEME})?"
        rf"(?P<domain>{subdomain}*{domain_name}{mastodon.TLD}){mastodon.URL_TAIL})",
        regex.IGNORECASE | regex.MULTILINE,
        tlds=mastodon.twitter_tlds_flat(),
    )


URLISH = st.lists(
    st.sampled_from(
        [
            *("http://", "https://", "gopher://", "a", "b9", "日", "本", ".", "com", "co"),
            *("uk", "xn--p1ai", "-", "_", "/", "(", ")", "?", "=", "#", "@", " ", "\n", ":"),
            *("8080", "é", "\u202a", "!", "みんな", "ſ", "$"),
        ]
    ),
    max_size=24,
).map("".join)


@settings(max_examples=400)
@given(URLISH)
def test_the_url_scan_agrees_with_the_rule_as_one_regex(text: str) -> None:
    want = [
        (m.start("url"), m.end("url"), m["scheme"] is not None, m["domain"])
        for m in _oracle().finditer(text)
    ]
    got = [(m.start, m.end, m.has_scheme, m.domain) for m in mastodon._scan_urls(text)]
    assert got == want
