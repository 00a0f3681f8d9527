"""Answers VK documents badly or not at all, and input that is not what it seems."""

from __future__ import annotations

import httpx
import pytest

from orkesteri.networks.base import AdapterError, Draft
from orkesteri.networks.vk import adapter as vk_adapter
from orkesteri.networks.vk.forms import ConnectForm
from orkesteri.networks.vk.tests.conftest import adapter, png
from orkesteri.networks.vk.tests.server import VkState


def test_an_upload_address_that_is_not_a_url_is_an_adapter_error(vk: VkState) -> None:
    vk.base_url = "http://[::1"
    with pytest.raises(AdapterError):
        adapter().publish(Draft("Picture", images=(png(),)), "key-1")
    assert not vk.posts


@pytest.mark.parametrize(
    "answer",
    [
        {"error": {"error_code": [5], "error_msg": "odd"}},
        {"error": {"error_code": "²", "error_msg": "odd"}},
        {"response": {"groups": [{"id": "x", "is_admin": 1, "admin_level": "lots"}]}},
    ],
)
def test_answers_of_the_wrong_shape_are_adapter_errors(
    monkeypatch: pytest.MonkeyPatch, answer: dict[str, object]
) -> None:
    response = httpx.Response(200, json=answer)
    monkeypatch.setattr(vk_adapter, "_send", lambda *args, **kwargs: response)
    with pytest.raises(AdapterError):
        vk_adapter.VkAdapter.connect({"access_token": "alice-key", "group": "orkfriends"})
    if "error" in answer:
        with pytest.raises(AdapterError):
            adapter().delete("-42_1")


@pytest.mark.parametrize("token", ["kéy-with-accent", "токен", "a b"])
def test_the_form_refuses_keys_that_cannot_be_sent(token: str) -> None:
    form = ConnectForm(data={"access_token": token, "group": "orkfriends"})
    assert not form.is_valid()
    assert form.errors["access_token"]


@pytest.mark.parametrize("group", ["https://[x", "vk.com:abc/orkfriends"])
def test_the_form_refuses_addresses_that_are_not_links(group: str) -> None:
    form = ConnectForm(data={"access_token": "alice-key", "group": group})
    assert not form.is_valid()
    assert form.errors["group"]
