from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import pytest

from orkesteri.lib import http
from orkesteri.networks.base import (
    AdapterError,
    AuthExpired,
    Draft,
    Feature,
    Image,
    RateLimited,
    Receipt,
    Rejected,
)
from orkesteri.networks.telegram import conf
from orkesteri.networks.telegram.adapter import TelegramAdapter
from orkesteri.networks.telegram.forms import ConnectForm
from orkesteri.networks.telegram.tests.conftest import CHANNEL_CONFIG, PHOTO, channel
from orkesteri.networks.telegram.tests.server import (
    BOT_USERNAME,
    NEW_SUPERGROUP,
    OLD_GROUP,
    PRIVATE_CHAT,
    PRIVATE_GROUP,
    PUBLIC_CHANNEL,
    REVOKED_TOKEN,
    TOKEN,
    BotApiState,
)
from orkesteri.networks.testing import PIXEL_PNG, AdapterContract

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
GROUP_CONFIG = {"chat_id": PRIVATE_GROUP, "username": "", "chat_type": "supergroup"}


class TestContract(AdapterContract):
    adapter_class = TelegramAdapter
    sample_credentials = {"bot_token": TOKEN}
    sample_config = CHANNEL_CONFIG

    @pytest.fixture
    def broken_adapter(self, teapot_url: str, monkeypatch: pytest.MonkeyPatch) -> TelegramAdapter:
        monkeypatch.setattr(conf, "API_URL", f"{teapot_url}/bot")
        return TelegramAdapter({"bot_token": TOKEN}, CHANNEL_CONFIG)


def group() -> TelegramAdapter:
    return TelegramAdapter({"bot_token": TOKEN}, GROUP_CONFIG)


def free_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/bot"


# --- the connect form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "chat"),
    [
        ("@orkesteri_news", "@orkesteri_news"),
        ("orkesteri_news", "@orkesteri_news"),
        ("https://t.me/orkesteri_news", "@orkesteri_news"),
        ("t.me/orkesteri_news", "@orkesteri_news"),
        ("https://t.me/s/orkesteri_news", "@orkesteri_news"),
        ("https://telegram.me/orkesteri_news/15", "@orkesteri_news"),
        ("https://t.me/c/1000000003/25", "-1001000000003"),
        (" -1001000000003 ", "-1001000000003"),
    ],
)
def test_it_accepts_every_way_of_naming_a_chat(entered: str, chat: str) -> None:
    form = ConnectForm(data={"bot_token": TOKEN, "chat": entered})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"bot_token": TOKEN, "chat": chat}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"bot_token": "not-a-token", "chat": "@orkesteri_news"}, "bot_token", "BotFather"),
        ({"bot_token": TOKEN, "chat": "https://t.me/+AbCdEfGh123"}, "chat", "Invite links"),
        ({"bot_token": TOKEN, "chat": "https://t.me/joinchat/AbCd"}, "chat", "Invite links"),
        ({"bot_token": TOKEN, "chat": "https://example.com/news"}, "chat", "t.me link"),
        ({"bot_token": TOKEN, "chat": "@ab"}, "chat", "not a Telegram username"),
        ({"bot_token": TOKEN, "chat": ""}, "chat", "required"),
    ],
)
def test_it_explains_what_is_wrong_in_the_form(
    data: dict[str, str], field: str, words: str
) -> None:
    form = ConnectForm(data=data)
    assert not form.is_valid()
    assert words in " ".join(str(error) for error in form.errors[field])


def test_it_hides_the_token_field_and_explains_every_field() -> None:
    form = ConnectForm()
    assert form.fields["bot_token"].widget.input_type == "password"
    assert all(f.help_text for f in form.fields.values())
    assert TelegramAdapter.ConnectForm is ConnectForm
    assert "BotFather" in str(TelegramAdapter.help_text)


# --- connecting ----------------------------------------------------------------------------


def test_it_connects_a_public_channel(api: BotApiState) -> None:
    connection = TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@orkesteri_news"})
    assert connection.account_id == str(PUBLIC_CHANNEL)
    assert connection.display_name == "Orkesteri News (@orkesteri_news)"
    assert connection.url == "https://t.me/orkesteri_news"
    assert connection.credentials == {"bot_token": TOKEN}
    assert connection.config == CHANNEL_CONFIG
    assert api.methods() == ["getMe", "getChat", "getChatMember"]


def test_it_connects_a_private_group_by_its_id(api: BotApiState) -> None:
    connection = TelegramAdapter.connect({"bot_token": TOKEN, "chat": str(PRIVATE_GROUP)})
    assert connection.account_id == str(PRIVATE_GROUP)
    assert connection.display_name == "Team Room"
    assert connection.url == ""
    assert connection.config == GROUP_CONFIG


def test_it_refuses_a_revoked_token(api: BotApiState) -> None:
    with pytest.raises(AuthExpired) as caught:
        TelegramAdapter.connect({"bot_token": REVOKED_TOKEN, "chat": "@orkesteri_news"})
    assert "revoked" in str(caught.value)
    assert "@BotFather" in str(caught.value)
    assert REVOKED_TOKEN not in str(caught.value)


def test_it_asks_for_the_post_messages_right(api: BotApiState) -> None:
    with pytest.raises(Rejected) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@not_our_news"})
    assert str(caught.value) == (
        f"Add @{BOT_USERNAME} as an administrator of the channel with the 'Post messages'"
        " right, then try again."
    )


def test_it_asks_to_add_the_bot_to_a_group_where_it_cannot_write(api: BotApiState) -> None:
    api.chats[PRIVATE_GROUP].members_can_send = False
    with pytest.raises(Rejected) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": str(PRIVATE_GROUP)})
    assert f"@{BOT_USERNAME}" in str(caught.value)
    assert "group" in str(caught.value)


def test_it_accepts_a_group_the_bot_administers(api: BotApiState) -> None:
    api.chats[PRIVATE_GROUP].members_can_send = False
    api.chats[PRIVATE_GROUP].bot_status = "administrator"
    connection = TelegramAdapter.connect({"bot_token": TOKEN, "chat": str(PRIVATE_GROUP)})
    assert connection.account_id == str(PRIVATE_GROUP)


def test_it_refuses_an_unknown_chat(api: BotApiState) -> None:
    with pytest.raises(Rejected) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@nobody_here"})
    assert "cannot find" in str(caught.value)


def test_it_refuses_a_chat_with_a_person(api: BotApiState) -> None:
    with pytest.raises(Rejected) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": str(PRIVATE_CHAT)})
    assert "private conversation" in str(caught.value)


def test_it_asks_to_add_back_a_kicked_bot(api: BotApiState) -> None:
    with pytest.raises(AuthExpired) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@kicked_news"})
    assert "Add the bot back" in str(caught.value)


def test_it_asks_to_reconnect_a_group_that_became_a_supergroup(api: BotApiState) -> None:
    with pytest.raises(AdapterError) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": str(OLD_GROUP)})
    assert caught.value.permanent
    assert "Reconnect" in str(caught.value)
    assert str(NEW_SUPERGROUP) in str(caught.value)


def test_it_reports_an_unreachable_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "API_URL", free_port_url())
    with pytest.raises(AdapterError) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@orkesteri_news"})
    assert not caught.value.permanent
    assert "Could not reach Telegram" in str(caught.value)


def test_it_reports_a_server_that_is_not_telegram(teapot_url: str, monkeypatch: Any) -> None:
    monkeypatch.setattr(conf, "API_URL", f"{teapot_url}/bot")
    with pytest.raises(AdapterError) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@orkesteri_news"})
    assert "418" in str(caught.value)
    assert not caught.value.permanent


def test_it_does_not_reach_private_addresses(api: BotApiState, settings: Any) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(AdapterError) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@orkesteri_news"})
    assert caught.value.permanent
    assert "127.0.0.1" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert api.calls == []


def test_it_verifies_a_stored_channel(api: BotApiState) -> None:
    connection = channel().verify()
    assert connection.account_id == str(PUBLIC_CHANNEL)
    api.chats[PUBLIC_CHANNEL].can_post = False
    with pytest.raises(Rejected):
        channel().verify()


def test_the_constructor_does_no_io(api: BotApiState) -> None:
    TelegramAdapter({"bot_token": TOKEN}, CHANNEL_CONFIG)
    assert api.calls == []


# --- publishing text -------------------------------------------------------------------------


def test_it_publishes_user_text_literally(api: BotApiState) -> None:
    text = "<b>x</b> & <script> #launch https://example.com/a?b=1&c=2"
    receipt = channel().publish(Draft(text), "key-1")
    [post] = api.posts()
    assert post["text"] == text
    assert post["_parse_mode"] == "HTML"
    assert not any(e["type"] == "bold" for e in post["entities"])
    assert {e["type"] for e in post["entities"]} == {"hashtag", "url"}
    assert receipt.remote_id == f"{PUBLIC_CHANNEL}:1"
    assert receipt.url == "https://t.me/orkesteri_news/1"
    assert receipt.data == {"chat_id": PUBLIC_CHANNEL, "message_ids": [1]}


def test_the_local_api_refuses_bad_markup_like_telegram(api: BotApiState) -> None:
    answer = http.post(f"{api.url}{TOKEN}/sendMessage", data={
        "chat_id": PUBLIC_CHANNEL, "text": "<script>", "parse_mode": "HTML"
    })  # fmt: skip
    assert answer.status_code == 400
    assert "can't parse entities" in answer.json()["description"]


def test_it_links_posts_of_private_groups_nowhere(api: BotApiState) -> None:
    receipt = group().publish(Draft("Hello team"), "key-1")
    assert receipt.remote_id == f"{PRIVATE_GROUP}:1"
    assert receipt.url == ""
    assert api.posts(PRIVATE_GROUP)[0]["text"] == "Hello team"


def test_it_allows_4096_characters_of_text_without_images() -> None:
    adapter = channel()
    assert adapter.problems(Draft("a" * 1025)) == []
    assert adapter.problems(Draft("a" * 4096)) == []
    assert adapter.problems(Draft("a" * 4097))


def test_it_counts_escaped_characters_once(api: BotApiState) -> None:
    text = "<&>" * 1365  # 4095 characters, 18k once escaped
    assert channel().problems(Draft(text)) == []
    channel().publish(Draft(text), "key-1")
    assert api.posts()[0]["text"] == text


def test_silent_posts_do_not_notify(api: BotApiState) -> None:
    channel().publish(Draft("Quiet please", options={"silent": True}), "key-1")
    channel().publish(Draft("Loud"), "key-2")
    quiet, loud = api.posts()
    assert quiet["_disable_notification"] is True
    assert loud["_disable_notification"] is False


def test_it_replies_to_its_own_previous_post(api: BotApiState) -> None:
    first = channel().publish(Draft("1/2 The news"), "key-1")
    second = channel().publish(Draft("2/2 More", reply_to=first), "key-2")
    assert api.posts()[1]["_reply_to"] == 1
    assert second.remote_id == f"{PUBLIC_CHANNEL}:2"


def test_it_refuses_to_reply_to_another_chats_post(api: BotApiState) -> None:
    draft = Draft("reply", reply_to=Receipt(f"{PRIVATE_GROUP}:1"))
    assert channel().problems(draft)
    with pytest.raises(Rejected):
        channel().publish(draft, "key-1")
    assert api.calls == []


def test_it_explains_a_reply_to_a_deleted_post(api: BotApiState) -> None:
    with pytest.raises(Rejected) as caught:
        channel().publish(Draft("reply", reply_to=Receipt(f"{PUBLIC_CHANNEL}:99")), "key-1")
    assert "no longer exists" in str(caught.value)


def test_it_does_not_send_a_draft_with_problems(api: BotApiState) -> None:
    with pytest.raises(Rejected) as caught:
        channel().publish(Draft(""), "key-1")
    assert "empty" in str(caught.value)
    assert api.calls == []


def test_it_works_when_called_from_async_code(api: BotApiState) -> None:
    async def from_a_running_loop() -> Receipt:
        return channel().publish(Draft("From async"), "key-1")

    # In a thread of its own: the test runner's thread may already hold a loop.
    receipts: list[Receipt] = []
    thread = threading.Thread(target=lambda: receipts.append(asyncio.run(from_a_running_loop())))
    thread.start()
    thread.join()
    assert receipts[0].remote_id == f"{PUBLIC_CHANNEL}:1"


def test_it_is_not_idempotent() -> None:
    assert TelegramAdapter.idempotent is False


# --- publishing images -------------------------------------------------------------------------


def test_it_publishes_a_photo_with_its_caption(api: BotApiState) -> None:
    receipt = channel().publish(Draft("A <photo> & more", images=(PHOTO,)), "key-1")
    [post] = api.posts()
    assert post["caption"] == "A <photo> & more"
    assert api.files[post["photo"][0]["file_id"]] == PIXEL_PNG
    assert api.methods() == ["sendPhoto"]
    assert receipt.url == "https://t.me/orkesteri_news/1"


def test_it_publishes_a_photo_without_text(api: BotApiState) -> None:
    channel().publish(Draft("", images=(PHOTO,)), "key-1")
    assert "caption" not in api.posts()[0]


def test_it_publishes_an_album_with_the_caption_on_the_first_photo(api: BotApiState) -> None:
    jpeg = Image(JPEG, "image/jpeg", 600, 800)
    draft = Draft("Our album", images=(PHOTO, jpeg, PHOTO), options={"silent": True})
    receipt = channel().publish(draft, "key-1")
    first, second, third = api.posts()
    assert first["caption"] == "Our album"
    assert "caption" not in second and "caption" not in third
    assert first["media_group_id"] == second["media_group_id"] == third["media_group_id"]
    assert api.files[second["photo"][0]["file_id"]] == JPEG
    assert all(post["_disable_notification"] for post in (first, second, third))
    assert api.methods() == ["sendMediaGroup"]
    assert receipt.remote_id == f"{PUBLIC_CHANNEL}:1"
    assert receipt.data == {"chat_id": PUBLIC_CHANNEL, "message_ids": [1, 2, 3]}


def test_a_caption_may_hold_1024_characters() -> None:
    adapter = channel()
    assert adapter.problems(Draft("a" * 1024, images=(PHOTO,))) == []
    assert adapter.problems(Draft("a" * 1025, images=(PHOTO,)))


def test_it_takes_at_most_ten_photos() -> None:
    adapter = channel()
    assert adapter.problems(Draft("ten", images=(PHOTO,) * 10)) == []
    assert adapter.problems(Draft("eleven", images=(PHOTO,) * 11))


def test_it_checks_photo_sizes_and_shapes() -> None:
    adapter = channel()
    huge = Image(PIXEL_PNG, "image/png", 8000, 4000)
    narrow = Image(PIXEL_PNG, "image/png", 2100, 100)
    heavy = Image(b"\x89PNG" + b"\x00" * conf.MAX_PHOTO_BYTES, "image/png", 10, 10)
    gif = Image(PIXEL_PNG, "image/gif", 10, 10)
    for image in (huge, narrow, heavy, gif):
        assert adapter.problems(Draft("x", images=(image,))), image.width


def test_it_says_telegram_has_no_alt_text() -> None:
    adapter = channel()
    assert Feature.ALT_TEXT not in adapter.features
    problems = adapter.problems(Draft("x", images=(Image(PIXEL_PNG, "image/png", 1, 1, "A dot"),)))
    assert any("alt text" in problem for problem in problems)


# --- deleting and counting ----------------------------------------------------------------------


def test_it_deletes_a_post(api: BotApiState) -> None:
    receipt = channel().publish(Draft("Oops"), "key-1")
    channel().delete(receipt.remote_id)
    assert api.posts() == []
    channel().delete(receipt.remote_id)  # already gone: nothing to do
    assert api.methods() == ["sendMessage", "deleteMessage", "deleteMessage"]


def test_it_deletes_every_photo_of_an_album(api: BotApiState) -> None:
    receipt = channel().publish(Draft("Album", images=(PHOTO, PHOTO, PHOTO)), "key-1")
    channel().delete(receipt.remote_id, receipt.data)
    assert api.posts() == []
    assert api.calls[-1] == ("deleteMessages", {
        "chat_id": str(PUBLIC_CHANNEL), "message_ids": "[1, 2, 3]"
    })  # fmt: skip


def test_it_refuses_to_delete_another_chats_post(api: BotApiState) -> None:
    with pytest.raises(Rejected):
        channel().delete(f"{PRIVATE_GROUP}:1")
    assert api.calls == []


def test_it_explains_that_old_posts_cannot_be_deleted(api: BotApiState) -> None:
    receipt = channel().publish(Draft("Old news"), "key-1")
    api.inject("deleteMessage", 400, "Bad Request: message can't be deleted for everyone")
    with pytest.raises(Rejected) as caught:
        channel().delete(receipt.remote_id)
    assert "48 hours" in str(caught.value)


def test_it_reads_the_number_of_subscribers(api: BotApiState) -> None:
    assert channel().account_counts().values == {"followers": 1234}
    assert api.methods() == ["getChatMemberCount"]


# --- errors -----------------------------------------------------------------------------------


def test_a_revoked_token_needs_reconnecting(api: BotApiState) -> None:
    with pytest.raises(AuthExpired) as caught:
        channel(REVOKED_TOKEN).publish(Draft("Hello"), "key-1")
    assert "revoked" in str(caught.value)


def test_a_removed_bot_needs_adding_back(api: BotApiState) -> None:
    api.chats[PUBLIC_CHANNEL].bot_status = "kicked"
    with pytest.raises(AuthExpired) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert "Add the bot back" in str(caught.value)


def test_lost_rights_need_fixing(api: BotApiState) -> None:
    api.chats[PUBLIC_CHANNEL].can_post = False
    with pytest.raises(AuthExpired) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert "need administrator rights" in str(caught.value)


@pytest.mark.parametrize(
    ("description", "words"),
    [
        ("Bad Request: chat not found", "cannot find this chat"),
        ("Bad Request: message is too long", "at most 4096"),
        ("Bad Request: message caption is too long", "at most 1024"),
        ("Bad Request: wrong file identifier/HTTP URL specified", "JPEG or PNG"),
        ("Bad Request: IMAGE_PROCESS_FAILED", "JPEG or PNG"),
        ("Bad Request: something new", "something new"),
    ],
)
def test_refusals_tell_what_to_fix(api: BotApiState, description: str, words: str) -> None:
    api.inject("*", 400, description)
    with pytest.raises(Rejected) as caught:
        channel().publish(Draft("Hello", images=(PHOTO,)), "key-1")
    assert words in str(caught.value)
    assert caught.value.permanent


def test_a_forbidden_answer_means_adding_the_bot_back(api: BotApiState) -> None:
    api.inject("sendMessage", 403, "Forbidden: bot is not a member of the channel chat")
    with pytest.raises(AuthExpired):
        channel().publish(Draft("Hello"), "key-1")


def test_flood_control_says_when_to_retry(api: BotApiState) -> None:
    api.inject("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RateLimited) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert caught.value.retry_after == 7
    assert "7 seconds" in str(caught.value)
    assert api.posts() == []


def test_a_migrated_group_needs_reconnecting(api: BotApiState) -> None:
    api.inject("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
               migrate_to_chat_id=NEW_SUPERGROUP)  # fmt: skip
    with pytest.raises(AdapterError) as caught:
        group().publish(Draft("Hello"), "key-1")
    assert caught.value.permanent
    assert str(NEW_SUPERGROUP) in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_later(api: BotApiState, status: int) -> None:
    api.inject("sendMessage", status, "Internal Server Error")
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert type(caught.value) is AdapterError
    assert not caught.value.permanent
    # A gateway error may come after Telegram delivered the message (test_odd_answers.py).
    assert caught.value.unknown_outcome is (status == 502)


def test_an_unreadable_answer_to_a_post_is_an_unknown_outcome(api: BotApiState) -> None:
    api.inject("sendMessage", 200, raw=b'{"ok": true, "result": {"message_')
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert caught.value.unknown_outcome
    assert "Traceback" not in str(caught.value)


def test_an_unreadable_answer_elsewhere_is_just_an_error(api: BotApiState) -> None:
    api.inject("getMe", 200, raw=b"<html>maintenance</html>")
    with pytest.raises(AdapterError) as caught:
        TelegramAdapter.connect({"bot_token": TOKEN, "chat": "@orkesteri_news"})
    assert not caught.value.unknown_outcome


def test_an_answer_missing_fields_is_an_error(api: BotApiState) -> None:
    api.inject("sendMessage", 200, raw=b'{"ok": true, "result": {"message_id": 5}}')
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert caught.value.unknown_outcome


def test_a_timeout_after_sending_is_an_unknown_outcome(api: BotApiState, settings: Any) -> None:
    settings.HTTP_TIMEOUT_S = 0.3
    api.inject("sendMessage", delay=3)
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert caught.value.unknown_outcome
    assert "may or may not" in str(caught.value)
    assert len(api.posts()) == 1  # it was published after all: the user must check


def test_a_timeout_elsewhere_is_retried_later(api: BotApiState, settings: Any) -> None:
    settings.HTTP_TIMEOUT_S = 0.3
    api.inject("getChatMemberCount", delay=3)
    with pytest.raises(AdapterError) as caught:
        channel().account_counts()
    assert not caught.value.unknown_outcome
    assert not caught.value.permanent


def test_a_refused_connection_never_sent_the_post(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "API_URL", free_port_url())
    with pytest.raises(AdapterError) as caught:
        channel().publish(Draft("Hello"), "key-1")
    assert not caught.value.unknown_outcome
