"""Pure helpers that build parts of Bluesky records: no I/O, easy to test.

Records are plain dicts in their JSON form, as the lexicons describe them
(https://atproto.com/specs/data-model), so what is sent is exactly what is read here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from orkesteri.lib.text.bluesky import Facet, detect_facets
from orkesteri.networks.base import Image
from orkesteri.networks.bluesky import conf

FACET = "app.bsky.richtext.facet"


def tid_from_key(key: str) -> str:
    """A valid TID that is always the same for the same Delivery key.

    app.bsky.feed.post records must have a TID record key (lexicon `"key": "tid"`; the PDS
    refuses other keys for it), so the idempotency key is hashed into one: 44 bits become
    the microseconds after conf.TID_EPOCH_US and 10 bits the clock id.
    """
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    timestamp = conf.TID_EPOCH_US + (number >> 10) % (1 << conf.TID_SPAN_BITS)
    value = (timestamp << 10) | (number & 0x3FF)
    return "".join(
        conf.TID_ALPHABET[(value >> (5 * shift)) & 31] for shift in reversed(range(conf.TID_LENGTH))
    )


def is_tid(text: str) -> bool:
    """TID syntax of https://atproto.com/specs/tid (first character 2–7 or a–j)."""
    return (
        len(text) == conf.TID_LENGTH
        and all(char in conf.TID_ALPHABET for char in text)
        and conf.TID_ALPHABET.index(text[0]) < 16
    )


def build_facets(text: str, resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """app.bsky.richtext.facet entries for links, tags and mentions found in `text`.

    `resolve` turns a handle into a DID, or None when it does not resolve: such a mention
    stays plain text, as in the official app.
    """
    facets = []
    dids: dict[str, str | None] = {}
    for facet in detect_facets(text):
        feature = _feature(facet, resolve, dids)
        if feature is not None:
            index = {"byteStart": facet.byte_start, "byteEnd": facet.byte_end}
            facets.append({"index": index, "features": [feature]})
    return facets


def _feature(
    facet: Facet, resolve: Callable[[str], str | None], dids: dict[str, str | None]
) -> dict[str, str] | None:
    if facet.type == "link":
        return {"$type": f"{FACET}#link", "uri": facet.value}
    if facet.type == "tag":
        return {"$type": f"{FACET}#tag", "tag": facet.value}
    handle = facet.value.lower()
    if handle not in dids:
        dids[handle] = resolve(handle)
    did = dids[handle]
    return None if did is None else {"$type": f"{FACET}#mention", "did": did}


def image_embed(images: list[tuple[Image, dict[str, Any]]]) -> dict[str, Any]:
    """app.bsky.embed.images from (image, uploaded blob) pairs."""
    return {
        "$type": "app.bsky.embed.images",
        "images": [
            {
                "$type": "app.bsky.embed.images#image",
                "image": blob,
                "alt": image.alt,
                "aspectRatio": {"width": max(image.width, 1), "height": max(image.height, 1)},
            }
            for image, blob in images
        ],
    }


def external_embed(card: LinkCard, thumb: dict[str, Any] | None) -> dict[str, Any]:
    external: dict[str, Any] = {
        "uri": card.url,
        "title": card.title,
        "description": card.description,
    }
    if thumb is not None:
        external["thumb"] = thumb
    return {"$type": "app.bsky.embed.external", "external": external}


def reply_ref(data: dict[str, Any]) -> dict[str, Any]:
    """app.bsky.feed.post#replyRef from a Receipt's data (the parent's uri and cid)."""
    parent = {"uri": data["uri"], "cid": data["cid"]}
    root = {"uri": data.get("root_uri") or data["uri"], "cid": data.get("root_cid") or data["cid"]}
    return {"root": root, "parent": parent}


def receipt_data(uri: str, cid: str, reply: dict[str, Any] | None) -> dict[str, str]:
    root = reply["root"] if reply else {"uri": uri, "cid": cid}
    return {"uri": uri, "cid": cid, "root_uri": root["uri"], "root_cid": root["cid"]}


# --- link cards ------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkCard:
    url: str
    title: str
    description: str = ""
    image_url: str = ""


class _MetaParser(HTMLParser):
    """Collects <meta property|name=… content=…> and the <title> of a page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta":
            name = (values.get("property") or values.get("name") or "").lower()
            if name and name not in self.meta and values.get("content"):
                self.meta[name] = values["content"]
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse_card(url: str, html: str) -> LinkCard:
    """The card the page at `url` describes (Open Graph first, then <title>/description)."""
    parser = _MetaParser()
    try:
        parser.feed(html)
    except AssertionError:  # html.parser gives up on some malformed markup (<![x[…]]>)
        return LinkCard(url=url, title=url)
    meta = parser.meta
    title = meta.get("og:title") or meta.get("twitter:title") or parser.title
    description = (
        meta.get("og:description") or meta.get("twitter:description") or meta.get("description", "")
    )
    image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image", "")
    return LinkCard(
        url=url,
        title=_clean(title, conf.MAX_CARD_TITLE) or url,
        description=_clean(description, conf.MAX_CARD_DESCRIPTION),
        image_url=_absolute(url, image.strip()),
    )


def _absolute(base: str, url: str) -> str:
    """`url` resolved against the page's address; "" if it is not a usable http(s) URL."""
    try:
        absolute = urljoin(base, url) if url else ""
    except ValueError:  # e.g. "http://[bad/"
        return ""
    return absolute if absolute.startswith(("http://", "https://")) else ""


def _clean(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sniff_image_type(data: bytes) -> str | None:
    """The MIME type of JPEG, PNG, WebP or GIF bytes, from their magic numbers."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None
