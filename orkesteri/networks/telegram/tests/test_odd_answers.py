"""Answers the Bot API documents badly or not at all: never a crash, never a silent double post."""

from __future__ import annotations

import json
import logging

import pytest

from orkesteri.networks.base import AdapterError, Draft
from orkesteri.networks.telegram.forms import ConnectForm
from orkesteri.networks.telegram.tests.conftest import PHOTO, channel
from orkesteri.networks.telegram.tests.server import TOKEN, BotApiState


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_while_sending_is_an_unknown_outcome(api: BotApiState, status: int) -> None:
    api.inject("sendMessage", status, "Bad Gateway")
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert caught.value.unknown_outcome


def test_an_album_answer_without_messages_is_an_unknown_outcome(api: BotApiState) -> None:
    api.inject("sendMediaGroup", raw=json.dumps({"ok": True, "result": []}).encode())
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Two", images=(PHOTO, PHOTO)), "key-1")
    assert caught.value.unknown_outcome


def test_a_message_answer_of_the_wrong_shape_is_an_adapter_error(api: BotApiState) -> None:
    api.inject("sendMessage", raw=json.dumps({"ok": True, "result": "sent"}).encode())
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert caught.value.unknown_outcome


def test_a_member_count_that_is_not_a_number_is_left_out(api: BotApiState) -> None:
    api.inject("getChatMemberCount", raw=json.dumps({"ok": True, "result": "many"}).encode())
    counts = channel().account_counts()
    assert counts.values == {}
    assert counts.note


@pytest.mark.parametrize("chat", ["https://[x", "t.me/c/²/5", "https://t.me:abc/news"])
def test_the_form_refuses_addresses_that_are_not_links(chat: str) -> None:
    form = ConnectForm(data={"bot_token": TOKEN, "chat": chat})
    assert not form.is_valid()
    assert form.errors["chat"]


def test_the_bot_token_never_reaches_the_log(api: BotApiState) -> None:
    """httpx logs every request URL at INFO, and the Bot API puts the token in the URL path;
    settings.LOGGING keeps network clients at WARNING."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign, assignment]
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        channel().publish(Draft("Hello"), "key-1")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    secret = TOKEN.split(":")[1]
    assert not [r for r in records if secret in r.getMessage()]
