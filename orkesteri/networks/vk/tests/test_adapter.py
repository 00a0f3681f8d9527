from __future__ import annotations

from typing import Any

import pytest

from orkesteri.networks.base import (
    AdapterError,
    AuthExpired,
    Draft,
    Feature,
    Image,
    RateLimited,
    Receipt,
    Rejected,
    Unsupported,
)
from orkesteri.networks.testing import PIXEL_PNG, AdapterContract
from orkesteri.networks.vk import conf
from orkesteri.networks.vk.adapter import VkAdapter, guid_for
from orkesteri.networks.vk.forms import ConnectForm
from orkesteri.networks.vk.tests.conftest import CONFIG, adapter, png
from orkesteri.networks.vk.tests.server import GROUP_ID, VkState


class TestContract(AdapterContract):
    adapter_class = VkAdapter
    sample_credentials = {"access_token": "alice-key"}
    sample_config = CONFIG

    @pytest.fixture
    def broken_adapter(self, teapot_url: str, monkeypatch: pytest.MonkeyPatch) -> VkAdapter:
        monkeypatch.setattr(conf, "API_BASE_URL", teapot_url + "/method/")
        return VkAdapter({"access_token": "alice-key"}, CONFIG)


# connecting


def test_it_connects_a_community_with_an_editors_key(vk: VkState) -> None:
    connection = VkAdapter.connect({"access_token": "alice-key", "group": "orkfriends"})
    assert connection.account_id == str(GROUP_ID)
    assert connection.display_name == "Orkesteri Friends"
    assert connection.url == "https://vk.com/orkfriends"
    assert connection.credentials == {"access_token": "alice-key"}
    assert connection.config == {
        "group_id": GROUP_ID,
        "screen_name": "orkfriends",
        "photos": True,
        "stats": True,
    }


def test_it_notes_whether_the_key_may_read_statistics(vk: VkState) -> None:
    connection = VkAdapter.connect({"access_token": "no-stats-key", "group": "orkfriends"})
    assert connection.config["stats"] is False
    assert connection.config["photos"] is True


def test_it_connects_by_community_number(vk: VkState) -> None:
    connection = VkAdapter.connect({"access_token": "alice-key", "group": str(GROUP_ID)})
    assert connection.account_id == str(GROUP_ID)


def test_it_refuses_a_revoked_key(vk: VkState) -> None:
    with pytest.raises(AuthExpired, match="no longer accepts"):
        VkAdapter.connect({"access_token": "revoked-key", "group": "orkfriends"})


def test_it_refuses_a_community_key_with_an_explanation(vk: VkState) -> None:
    with pytest.raises(AuthExpired, match="community key"):
        VkAdapter.connect({"access_token": "community-key", "group": "orkfriends"})


def test_it_refuses_a_key_without_the_wall_right(vk: VkState) -> None:
    with pytest.raises(AuthExpired, match="wall right"):
        VkAdapter.connect({"access_token": "no-wall-key", "group": "orkfriends"})


def test_it_connects_a_key_without_photos_but_holds_back_images(vk: VkState) -> None:
    connection = VkAdapter.connect({"access_token": "no-photos-key", "group": "orkfriends"})
    assert connection.config["photos"] is False
    channel = VkAdapter(connection.credentials, connection.config)
    assert channel.problems(Draft("Text only")) == []
    assert any("photos right" in p for p in channel.problems(Draft("x", images=(png(),))))


def test_it_refuses_a_moderator(vk: VkState) -> None:
    with pytest.raises(AuthExpired, match="not an administrator or editor"):
        VkAdapter.connect({"access_token": "charlie-key", "group": "orkfriends"})


def test_it_refuses_an_outsider(vk: VkState) -> None:
    with pytest.raises(AuthExpired, match="not an administrator or editor"):
        VkAdapter.connect({"access_token": "bob-key", "group": "orkfriends"})


def test_it_reports_an_unknown_community(vk: VkState) -> None:
    with pytest.raises(Rejected, match="no community nosuchgroup"):
        VkAdapter.connect({"access_token": "alice-key", "group": "nosuchgroup"})


def test_it_reports_a_deleted_community(vk: VkState) -> None:
    with pytest.raises(Rejected, match="deleted or blocked"):
        VkAdapter.connect({"access_token": "alice-key", "group": "gonegroup"})


def test_it_reports_an_unreachable_vk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "API_BASE_URL", "http://127.0.0.1:9/method/")
    with pytest.raises(AdapterError, match="Could not reach VK") as caught:
        VkAdapter.connect({"access_token": "alice-key", "group": "orkfriends"})
    assert not caught.value.permanent
    assert not caught.value.unknown_outcome


def test_it_refuses_a_private_address_when_the_guard_is_on(vk: VkState, settings: Any) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(AdapterError, match="may not connect") as caught:
        VkAdapter.connect({"access_token": "alice-key", "group": "orkfriends"})
    assert caught.value.permanent


def test_it_verifies_a_stored_channel(vk: VkState) -> None:
    assert adapter().verify().account_id == str(GROUP_ID)
    vk.tokens["alice-key"].revoked = True
    with pytest.raises(AuthExpired):
        adapter().verify()


# the connect form


@pytest.mark.parametrize(
    ("typed", "group"),
    [
        ("https://vk.com/orkfriends", "orkfriends"),
        ("vk.com/orkfriends", "orkfriends"),
        ("https://m.vk.com/club42", "42"),
        ("public42", "42"),
        ("@orkfriends", "orkfriends"),
        ("-42", "42"),
        ("42", "42"),
    ],
)
def test_it_reads_the_community_from_what_the_user_typed(typed: str, group: str) -> None:
    form = ConnectForm(data={"access_token": "k", "group": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["group"] == group


@pytest.mark.parametrize("typed", ["https://example.com/orkfriends", "ftp://vk.com/x", "a b"])
def test_it_refuses_what_is_not_a_community(typed: str) -> None:
    form = ConnectForm(data={"access_token": "k", "group": typed})
    assert not form.is_valid()
    assert "group" in form.errors


def test_it_takes_the_key_from_the_pasted_address() -> None:
    pasted = "https://oauth.vk.com/blank.html#access_token=vk1.a.abc&expires_in=0&user_id=1"
    form = ConnectForm(data={"access_token": pasted, "group": "orkfriends"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["access_token"] == "vk1.a.abc"


def test_it_hides_the_key_field_and_explains_every_field() -> None:
    form = ConnectForm()
    assert form.fields["access_token"].widget.input_type == "password"
    assert all(field.help_text for field in form.fields.values())


# publishing


def test_it_publishes_text_with_entities_as_the_community(vk: VkState) -> None:
    text = "Hello #orkesteri https://example.com @durov 👋"
    receipt = adapter().publish(Draft(text), "delivery-1")
    owner_id, post_id = -GROUP_ID, receipt.data["post_id"]
    assert receipt.remote_id == f"{owner_id}_{post_id}"
    assert receipt.url == f"https://vk.com/wall-{GROUP_ID}_{post_id}"
    post = vk.posts[(owner_id, post_id)]
    assert post["text"] == text
    assert post["from_id"] == owner_id
    sent = vk.params_of("wall.post")[0]
    assert sent["from_group"] == "1"
    assert sent["guid"] == guid_for("delivery-1")
    assert sent["v"] == "5.199"


def test_it_publishes_images_through_the_wall_upload(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Pictures", images=(png(), png())), "delivery-2")
    post = vk.posts[(-GROUP_ID, receipt.data["post_id"])]
    attachments = post["attachments"].split(",")
    assert len(attachments) == 2
    assert all(a.startswith(f"photo-{GROUP_ID}_") for a in attachments)
    assert all(p["data"] == PIXEL_PNG for p in vk.photos.values())
    assert vk.params_of("photos.getWallUploadServer")[0]["group_id"] == str(GROUP_ID)


def test_it_publishes_a_link_card(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Read this", link="https://example.com/a"), "d-link")
    post = vk.posts[(-GROUP_ID, receipt.data["post_id"])]
    assert post["attachments"] == "https://example.com/a"


def test_it_says_alt_text_is_not_shown_on_vk() -> None:
    problems = adapter().problems(Draft("Picture", images=(png(alt="A dot"),)))
    assert any("alt text" in p for p in problems)
    assert Feature.ALT_TEXT not in VkAdapter.features


def test_it_holds_back_images_vk_refuses() -> None:
    huge = Image(PIXEL_PNG, "image/png", 10_000, 5_000)
    sliver = Image(PIXEL_PNG, "image/png", 2_100, 100)
    webp = Image(PIXEL_PNG, "image/webp", 1, 1)
    assert any("width plus height" in p for p in adapter().problems(Draft("x", images=(huge,))))
    assert any("too narrow" in p for p in adapter().problems(Draft("x", images=(sliver,))))
    assert any("image/webp" in p for p in adapter().problems(Draft("x", images=(webp,))))


def test_it_allows_ten_images_and_no_more() -> None:
    assert adapter().problems(Draft("x", images=(png(),) * 10)) == []
    assert adapter().problems(Draft("x", images=(png(),) * 11))


def test_it_counts_text_against_the_documented_limit() -> None:
    assert adapter().problems(Draft("я" * conf.MAX_TEXT)) == []
    assert adapter().problems(Draft("я" * (conf.MAX_TEXT + 1)))


def test_it_refuses_replies(vk: VkState) -> None:
    with pytest.raises(Unsupported):
        adapter().publish(Draft("reply", reply_to=Receipt("-42_1")), "d-reply")
    assert vk.posts == {}


def test_it_does_not_send_a_draft_with_problems(vk: VkState) -> None:
    with pytest.raises(Rejected):
        adapter().publish(Draft(""), "d-empty")
    assert vk.calls == []


def test_it_returns_the_same_post_when_a_publish_is_retried(vk: VkState) -> None:
    first = adapter().publish(Draft("Once"), "delivery-3")
    again = adapter().publish(Draft("Once"), "delivery-3")
    assert again.remote_id == first.remote_id
    assert len(vk.posts) == 1
    assert VkAdapter.idempotent


def test_it_retries_after_a_timeout_without_posting_twice(vk: VkState, settings: Any) -> None:
    settings.HTTP_TIMEOUT_S = 1
    vk.inject("wall.post", delay=2.5)
    with pytest.raises(AdapterError) as caught:
        adapter().publish(Draft("Slow"), "delivery-4")
    assert caught.value.unknown_outcome
    assert not isinstance(caught.value, Rejected | AuthExpired)
    receipt = adapter().publish(Draft("Slow"), "delivery-4")
    assert list(vk.posts) == [(-GROUP_ID, receipt.data["post_id"])]


def test_it_makes_different_posts_for_different_deliveries(vk: VkState) -> None:
    adapter().publish(Draft("Same text"), "delivery-5")
    adapter().publish(Draft("Same text"), "delivery-6")
    assert len(vk.posts) == 2


def test_guid_is_short_and_plain() -> None:
    guid = guid_for("workspace:1/delivery:2/version:3 ünïcode")
    assert len(guid) == conf.GUID_LENGTH
    assert guid.isalnum()
    assert guid == guid_for("workspace:1/delivery:2/version:3 ünïcode")


# deleting and reading back


def test_it_deletes_a_post(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Bye"), "delivery-7")
    adapter().delete(receipt.remote_id)
    assert vk.posts == {}
    adapter().delete(receipt.remote_id)  # already gone is fine


def test_it_deletes_by_bare_post_id(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Bye"), "delivery-8")
    adapter().delete(str(receipt.data["post_id"]))
    assert vk.posts == {}


def test_it_refuses_a_malformed_post_id() -> None:
    with pytest.raises(Rejected):
        adapter().delete("not-a-post")


def test_it_reads_followers_and_posts(vk: VkState) -> None:
    adapter().publish(Draft("One"), "delivery-1")
    assert adapter().account_counts().values == {"followers": 1234, "posts": 1}


def test_it_reads_post_numbers(vk: VkState) -> None:
    receipt = adapter().publish(Draft("Count me"), "delivery-9")
    counts = adapter().post_counts(receipt)
    assert counts.values == {"likes": 5, "reposts": 2, "replies": 3, "views": 100}


def test_it_says_when_a_post_is_gone(vk: VkState) -> None:
    with pytest.raises(Rejected, match="no longer on VK"):
        adapter().post_counts(Receipt(f"-{GROUP_ID}_999"))


# error mapping


def test_it_maps_a_revoked_key_at_publish(vk: VkState) -> None:
    vk.tokens["alice-key"].revoked = True
    with pytest.raises(AuthExpired):
        adapter().publish(Draft("x"), "d-5")


def test_it_maps_a_community_key_at_publish(vk: VkState) -> None:
    with pytest.raises(AuthExpired, match="community key"):
        adapter("community-key").publish(Draft("x"), "d-27")


@pytest.mark.parametrize(("code", "wait"), [(6, 1.0), (9, 900.0), (29, 3600.0)])
def test_it_slows_down_on_rate_limits(vk: VkState, code: int, wait: float) -> None:
    vk.inject("wall.post", code=code)
    with pytest.raises(RateLimited) as caught:
        adapter().publish(Draft("x"), "d-rate")
    assert caught.value.retry_after == wait
    assert not caught.value.permanent


def test_it_honours_retry_after_on_http_429(vk: VkState) -> None:
    vk.inject("wall.post", status=429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        adapter().publish(Draft("x"), "d-429")
    assert caught.value.retry_after == 30


def test_it_explains_a_captcha(vk: VkState) -> None:
    vk.inject("wall.post", code=14)
    with pytest.raises(AdapterError, match="captcha") as caught:
        adapter().publish(Draft("x"), "d-14")
    assert caught.value.permanent


@pytest.mark.parametrize("code", [7, 15, 200, 203])
def test_it_asks_for_a_reconnect_when_access_is_denied(vk: VkState, code: int) -> None:
    vk.inject("wall.post", code=code)
    with pytest.raises(AuthExpired, match="administrator or editor"):
        adapter().publish(Draft("x"), "d-access")


def test_it_maps_a_missing_wall_right_at_publish(vk: VkState) -> None:
    with pytest.raises(AuthExpired):
        adapter("no-wall-key").publish(Draft("x"), "d-7")


@pytest.mark.parametrize("code", [100, 214, 222])
def test_it_rejects_what_vk_refuses(vk: VkState, code: int) -> None:
    vk.inject("wall.post", code=code)
    with pytest.raises(Rejected):
        adapter().publish(Draft("x"), "d-rejected")


@pytest.mark.parametrize("code", [1, 10])
def test_it_treats_internal_errors_as_passing(vk: VkState, code: int) -> None:
    vk.inject("wall.post", code=code)
    with pytest.raises(AdapterError) as caught:
        adapter().publish(Draft("x"), "d-internal")
    assert not caught.value.permanent
    assert not isinstance(caught.value, Rejected | AuthExpired | RateLimited)


def test_it_marks_a_5xx_on_publish_as_unknown_outcome(vk: VkState) -> None:
    vk.inject("wall.post", status=502)
    with pytest.raises(AdapterError) as caught:
        adapter().publish(Draft("x"), "d-502")
    assert not caught.value.permanent
    assert caught.value.unknown_outcome


def test_it_treats_a_5xx_on_reading_as_passing(vk: VkState) -> None:
    vk.inject("groups.getById", status=503)
    with pytest.raises(AdapterError) as caught:
        adapter().account_counts()
    assert not caught.value.permanent
    assert not caught.value.unknown_outcome


def test_it_survives_malformed_json(vk: VkState) -> None:
    vk.inject("wall.post", malformed=True)
    with pytest.raises(AdapterError, match="cannot read") as caught:
        adapter().publish(Draft("x"), "d-json")
    assert caught.value.unknown_outcome


def test_it_maps_errors_while_uploading(vk: VkState) -> None:
    vk.inject("photos.saveWallPhoto", code=121)
    with pytest.raises(Rejected, match="image"):
        adapter().publish(Draft("x", images=(png(),)), "d-upload")
    assert vk.posts == {}


def test_it_maps_a_missing_photos_right_at_upload(vk: VkState) -> None:
    with pytest.raises(AuthExpired):
        adapter("no-photos-key", photos=True).publish(Draft("x", images=(png(),)), "d-photo")
