"""Record building without any server: record keys, facets, link cards."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orkesteri.networks.bluesky import conf, records


def test_it_derives_the_same_valid_tid_from_the_same_key() -> None:
    tid = records.tid_from_key("delivery-1")
    assert tid == records.tid_from_key("delivery-1")
    assert tid != records.tid_from_key("delivery-2")
    assert records.is_tid(tid)


@given(st.text())
def test_every_key_gives_a_valid_tid_in_the_past_window(key: str) -> None:
    tid = records.tid_from_key(key)
    assert records.is_tid(tid)
    value = 0
    for char in tid:
        value = value * 32 + conf.TID_ALPHABET.index(char)
    microseconds = value >> 10
    assert conf.TID_EPOCH_US <= microseconds < conf.TID_EPOCH_US + (1 << conf.TID_SPAN_BITS)


def test_it_knows_a_tid_when_it_sees_one() -> None:
    assert records.is_tid("3jzfcijpj2z2a")
    assert not records.is_tid("kjzfcijpj2z2a")  # first character beyond "j": top bit set
    assert not records.is_tid("3jzfcijpj2z2")
    assert not records.is_tid("3jzfcijpj2z21")


def test_it_builds_facets_with_utf8_byte_offsets() -> None:
    text = "Moi 👋 @alice.test katso https://example.com/ö #Häme"
    dids = {"alice.test": "did:plc:alice"}

    facets = records.build_facets(text, dids.get)

    encoded = text.encode()
    spans = {encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f for f in facets}
    assert spans["@alice.test"]["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}
    ]
    assert spans["https://example.com/ö"]["features"][0]["uri"] == "https://example.com/ö"
    assert spans["#Häme"]["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "Häme"}]


def test_it_leaves_unresolvable_mentions_as_text_and_asks_once_per_handle() -> None:
    asked: list[str] = []

    def resolve(handle: str) -> str | None:
        asked.append(handle)
        return None

    facets = records.build_facets("@ghost.test and @Ghost.test again", resolve)

    assert facets == []
    assert asked == ["ghost.test"]


def test_it_reads_open_graph_tags_for_the_card() -> None:
    html = """<html><head><title>Fallback</title>
        <meta property="og:title" content="  The  title ">
        <meta name="description" content="Plain description">
        <meta property="og:image" content="/img/card.jpg"></head></html>"""

    card = records.parse_card("https://example.com/post/1", html)

    assert card.title == "The title"
    assert card.description == "Plain description"
    assert card.image_url == "https://example.com/img/card.jpg"


def test_it_titles_a_card_with_the_url_when_the_page_has_no_title() -> None:
    card = records.parse_card("https://example.com/file.pdf", "%PDF-1.7 binary")
    assert (card.title, card.description, card.image_url) == (
        "https://example.com/file.pdf",
        "",
        "",
    )


def test_it_shortens_long_card_texts() -> None:
    html = f'<meta property="og:description" content="{"word " * 500}">'
    card = records.parse_card("https://example.com", html)
    assert len(card.description) == conf.MAX_CARD_DESCRIPTION
    assert card.description.endswith("…")


def test_it_sniffs_image_types() -> None:
    assert records.sniff_image_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert records.sniff_image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert records.sniff_image_type(b"<html>") is None


def test_a_page_the_html_parser_chokes_on_still_gets_a_card() -> None:
    card = records.parse_card("https://example.com/a", "<html><![foo[bar]]><title>x</title>")
    assert (card.url, card.title) == ("https://example.com/a", "https://example.com/a")


def test_an_unusable_card_image_address_is_dropped() -> None:
    for image in ("http://[bad/", "javascript:alert(1)", "data:image/png;base64,AAAA"):
        page = f'<meta property="og:title" content="T"><meta property="og:image" content="{image}">'
        assert records.parse_card("https://example.com/", page).image_url == ""
    page = '<meta property="og:image" content="/img/card.png">'
    assert records.parse_card("https://example.com/a/", page).image_url == (
        "https://example.com/img/card.png"
    )
