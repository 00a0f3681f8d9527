"""Telegram Bot API text rules: length after entity parsing, HTML parse mode, entities.

* A message text may hold 1-4096 characters and a media caption 0-1024, both counted
  *after entities parsing* (https://core.telegram.org/bots/api#sendmessage,
  https://core.telegram.org/bots/api#sendphoto): markup does not count, only the text
  it leaves. Limits are data of the network adapter; this module only measures.
* Telegram counts in UTF-16 code units: ``MessageEntity.offset`` and ``length`` are
  "in UTF-16 code units" (https://core.telegram.org/bots/api#messageentity), so a
  character beyond U+FFFF such as most emoji counts 2.
* HTML parse mode (https://core.telegram.org/bots/api#html-style) knows only the tags
  ``b strong i em u ins s strike del span.tg-spoiler tg-spoiler a[href] tg-emoji[emoji-id]
  code pre blockquote[expandable]``, the named entities ``&lt; &gt; &amp; &quot;`` and all
  numeric entities; every other ``<``, ``>`` and ``&`` must be escaped. ``parse_html``
  follows these rules and raises ``TelegramHtmlError`` where the Bot API answers
  "Can't parse entities".

Telegram also trims leading and trailing whitespace of a message; ``measure_telegram``
does not, so its count is never lower than Telegram's.

``extract_entities`` finds what Telegram links by itself. The Bot API names these entity
types but not their exact syntax, so the rules are the documented shapes:
``@username`` (5-32 of ``a-z``, ``0-9``, ``_``), ``#hashtag`` and ``$USD`` (1-8 capitals),
each optionally followed by ``@chatusername``, and URLs (``http(s)://`` or a bare host
whose last label is a real TLD).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from orkesteri.lib.text.simple import find_urls
from orkesteri.lib.text.units import codepoint_to_utf16, utf16_length, utf16_to_codepoint


class TelegramHtmlError(ValueError):
    """The text is not valid Telegram HTML; the message says where and why."""


@dataclass(frozen=True)
class TelegramEntity:
    """A ``MessageEntity``: ``offset`` and ``length`` in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    @property
    def end(self) -> int:
        return self.offset + self.length


@dataclass(frozen=True)
class TelegramMeasure:
    length: int
    limit: int

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def measure_telegram(text: str, limit: int) -> TelegramMeasure:
    """Length of a plain text (no parse mode) in UTF-16 code units, against ``limit``."""
    return TelegramMeasure(length=utf16_length(text), limit=limit)


def measure_telegram_html(html: str, limit: int) -> TelegramMeasure:
    """Length of an HTML parse mode text after entity parsing. Raises TelegramHtmlError."""
    plain, _ = parse_html(html)
    return measure_telegram(plain, limit)


def html_escape(text: str) -> str:
    """Escape plain text for HTML parse mode (also safe inside a quoted attribute)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def entity_text(text: str, entity: TelegramEntity) -> str:
    """The part of ``text`` an entity covers."""
    start = utf16_to_codepoint(text, entity.offset)
    return text[start : utf16_to_codepoint(text, entity.end)]


# --- HTML parse mode -----------------------------------------------------------------------

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED_TAGS = {*_SIMPLE_TAGS, "span", "a", "tg-emoji"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = regex.compile(r"[a-zA-Z0-9-]+")
_ATTRIBUTE = regex.compile(
    r"\s*(?P<name>[a-zA-Z0-9_-]+)(?:\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s>\"']+)))?"
)
_CHAR_REFERENCE = regex.compile(
    r"&(?:#(?P<dec>[0-9]{1,8})|#[xX](?P<hex>[0-9a-fA-F]{1,8})|(?P<name>[a-zA-Z]+));"
)
_USER_LINK = regex.compile(r"tg://user\?id=(?P<id>[0-9]+)", regex.IGNORECASE)


@dataclass
class _OpenTag:
    name: str
    entity_type: str | None
    start: int  # UTF-16 offset in the plain text
    html_offset: int
    attributes: dict[str, str] = field(default_factory=dict)
    language: str | None = None


def parse_html(html: str) -> tuple[str, list[TelegramEntity]]:
    """Plain text and entities of a Bot API HTML parse mode text.

    Entities come sorted by offset, outer before inner; empty ones are dropped, as the
    Bot API drops them.
    """
    plain: list[str] = []
    position = 0  # UTF-16 length of the plain text so far
    stack: list[_OpenTag] = []
    entities: list[TelegramEntity] = []
    index = 0
    while index < len(html):
        char = html[index]
        if char == "<":
            index = _parse_tag(html, index, position, stack, entities)
            continue
        if char == "&":
            decoded, index = _decode_reference(html, index)
        else:
            next_special = _next_special(html, index)
            decoded, index = html[index:next_special], next_special
        plain.append(decoded)
        position += utf16_length(decoded)
    if stack:
        tag = stack[-1]
        raise TelegramHtmlError(
            f'Can\'t find end tag corresponding to start tag "{tag.name}" '
            f"at character {tag.html_offset}"
        )
    entities.sort(key=lambda e: (e.offset, -e.length))
    return "".join(plain), entities


def _next_special(html: str, index: int) -> int:
    ends = [found for found in (html.find("<", index), html.find("&", index)) if found != -1]
    return min(ends) if ends else len(html)


def _decode_reference(html: str, index: int) -> tuple[str, int]:
    match = _CHAR_REFERENCE.match(html, index)
    if match is None:
        return "&", index + 1  # a bare "&" stays as it is
    if match["name"] is not None:
        name = match["name"].lower()
        if name not in _NAMED_ENTITIES:
            return "&", index + 1
        return _NAMED_ENTITIES[name], match.end()
    code = int(match["dec"]) if match["dec"] is not None else int(match["hex"], 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "&", index + 1
    return chr(code), match.end()


def _parse_tag(
    html: str, index: int, position: int, stack: list[_OpenTag], entities: list[TelegramEntity]
) -> int:
    if html.startswith("</", index):
        return _parse_end_tag(html, index, position, stack, entities)
    name_match = _TAG_NAME.match(html, index + 1)
    if name_match is None:
        raise TelegramHtmlError(f'Unescaped "<" at character {index}; write &lt; instead')
    name = name_match.group().lower()
    if name not in _SUPPORTED_TAGS:
        raise TelegramHtmlError(f'Unsupported start tag "{name}" at character {index}')
    attributes, end = _parse_attributes(html, name_match.end(), index)
    entity_type = _entity_type(name, attributes, index)
    stack.append(_OpenTag(name, entity_type, position, index, attributes))
    return end


def _parse_attributes(html: str, index: int, tag_offset: int) -> tuple[dict[str, str], int]:
    attributes: dict[str, str] = {}
    while True:
        rest = regex.match(r"\s*>", html[index:])
        if rest:
            return attributes, index + rest.end()
        match = _ATTRIBUTE.match(html, index)
        if match is None or match.end() == index:
            raise TelegramHtmlError(f"Unclosed start tag at character {tag_offset}")
        value = match["dq"] if match["dq"] is not None else match["sq"] or match["bare"] or ""
        attributes[match["name"].lower()] = _unescape_attribute(value)
        index = match.end()


def _unescape_attribute(value: str) -> str:
    out = []
    index = 0
    while index < len(value):
        if value[index] == "&":
            decoded, index = _decode_reference(value, index)
            out.append(decoded)
        else:
            out.append(value[index])
            index += 1
    return "".join(out)


def _entity_type(name: str, attributes: dict[str, str], index: int) -> str | None:
    if name == "span":
        if attributes.get("class") != "tg-spoiler":
            raise TelegramHtmlError(f'Tag "span" must have class "tg-spoiler" at character {index}')
        return "spoiler"
    if name == "a":
        href = attributes.get("href", "")
        if not href:
            return None
        return "text_mention" if _USER_LINK.fullmatch(href) else "text_link"
    if name == "tg-emoji":
        if not attributes.get("emoji-id", "").isdigit():
            raise TelegramHtmlError(
                f'Tag "tg-emoji" needs a numeric "emoji-id" at character {index}'
            )
        return "custom_emoji"
    if name == "blockquote" and "expandable" in attributes:
        return "expandable_blockquote"
    return _SIMPLE_TAGS[name]


def _parse_end_tag(
    html: str, index: int, position: int, stack: list[_OpenTag], entities: list[TelegramEntity]
) -> int:
    match = regex.compile(r"</([a-zA-Z0-9-]+)\s*>").match(html, index)
    if match is None:
        raise TelegramHtmlError(f"Unclosed end tag at character {index}")
    name = match[1].lower()
    if not stack:
        raise TelegramHtmlError(f'Unexpected end tag "{name}" at character {index}')
    tag = stack.pop()
    if tag.name != name:
        raise TelegramHtmlError(
            f'Unmatched end tag at character {index}, expected "</{tag.name}>", found "</{name}>"'
        )
    parent = stack[-1] if stack else None
    if tag.name == "code" and parent is not None and parent.name == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        css_class = tag.attributes.get("class", "")
        if css_class.startswith("language-") and parent.language is None:
            parent.language = css_class.removeprefix("language-")
        return match.end()
    if tag.entity_type is not None and position > tag.start:
        entities.append(_entity(tag, position))
    return match.end()


def _entity(tag: _OpenTag, position: int) -> TelegramEntity:
    length = position - tag.start
    if tag.entity_type == "text_link":
        return TelegramEntity("text_link", tag.start, length, url=tag.attributes["href"])
    if tag.entity_type == "text_mention":
        user = _USER_LINK.fullmatch(tag.attributes["href"])
        assert user is not None
        return TelegramEntity("text_mention", tag.start, length, user_id=int(user["id"]))
    if tag.entity_type == "custom_emoji":
        emoji_id = tag.attributes["emoji-id"]
        return TelegramEntity("custom_emoji", tag.start, length, custom_emoji_id=emoji_id)
    if tag.entity_type == "pre":
        return TelegramEntity("pre", tag.start, length, language=tag.language)
    assert tag.entity_type is not None
    return TelegramEntity(tag.entity_type, tag.start, length)


# --- entities Telegram finds in the text by itself ------------------------------------------

# Usernames: 5-32 characters of a-z, 0-9 and underscores
# (https://core.telegram.org/bots/api#messageentity: "mention" is @username).
_USERNAME = r"[A-Za-z0-9_]{5,32}"
_MENTION = regex.compile(rf"(?<![A-Za-z0-9_@])@{_USERNAME}(?![A-Za-z0-9_])")
# "#hashtag or #hashtag@chatusername" and "$USD or $USD@chatusername".
_HASHTAG = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{Nd}}_#])#(?P<tag>[\p{{L}}\p{{M}}\p{{Nd}}_\u00b7\u200c]{{1,256}})"
    rf"(?:@{_USERNAME})?(?![\p{{L}}\p{{M}}\p{{Nd}}_])"
)
_CASHTAG = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{Nd}}_$])\$[A-Z]{{1,8}}(?:@{_USERNAME})?(?![\p{{L}}\p{{M}}\p{{Nd}}_])"
)


def extract_entities(text: str) -> list[TelegramEntity]:
    """Mentions, hashtags, cashtags and URLs, with UTF-16 offsets, sorted by offset."""
    found: list[tuple[str, int, int]] = []
    if "@" in text:
        found += [("mention", m.start(), m.end()) for m in _MENTION.finditer(text)]
    if "#" in text:
        found += [
            ("hashtag", m.start(), m.end())
            for m in _HASHTAG.finditer(text)
            if not m["tag"].isdigit()
        ]
    if "$" in text:
        found += [("cashtag", m.start(), m.end()) for m in _CASHTAG.finditer(text)]
    found += [("url", start, end) for start, end in find_urls(text)]
    found.sort(key=lambda item: item[1])
    entities: list[TelegramEntity] = []
    last_end = -1
    for kind, start, end in found:
        if start < last_end:
            continue  # inside a URL, for example
        offset = codepoint_to_utf16(text, start)
        entities.append(TelegramEntity(kind, offset, utf16_length(text[start:end])))
        last_end = end
    return entities
