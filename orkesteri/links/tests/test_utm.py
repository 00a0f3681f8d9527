"""UTM tags per GA4's conventions (docs/links.md), added to a post's link at send time."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.publishing import engine
from orkesteri.publishing.engine import add_utm, utm_campaign
from orkesteri.workspaces.models import Workspace

from .conftest import make_post

pytestmark = pytest.mark.django_db


def query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_it_tags_source_medium_campaign_and_content() -> None:
    url = add_utm("https://acme.example/a", source="mastodon", campaign="Autumn", content="post-7")
    assert url == (
        "https://acme.example/a?utm_source=mastodon&utm_medium=social&utm_campaign=autumn"
        "&utm_content=post-7"
    )


def test_it_replaces_the_links_own_utm_parameters_and_keeps_the_others() -> None:
    url = add_utm(
        "https://acme.example/a?x=1&utm_source=newsletter&UTM_Medium=email&utm_term=beans"
        "&q=a%20b&empty=",
        source="bluesky",
        campaign="",
        content="post-1",
    )
    assert url == (
        "https://acme.example/a?x=1&q=a%20b&empty=&utm_source=bluesky&utm_medium=social"
        "&utm_content=post-1"
    )


def test_the_fragment_stays_at_the_end() -> None:
    url = add_utm("https://acme.example/menu#drinks", source="vk", campaign="x", content="post-2")
    assert urlsplit(url).fragment == "drinks"
    assert url.endswith("&utm_content=post-2#drinks")


def test_an_empty_campaign_is_left_out() -> None:
    url = add_utm("https://acme.example/", source="feed", campaign="  ", content="post-3")
    assert [k for k, _v in query(url)] == ["utm_source", "utm_medium", "utm_content"]


@pytest.mark.parametrize(
    ("campaign", "value"),
    [
        ("Autumn Sale 2026", "autumn-sale-2026"),
        ("Kesä-ale!", "kesä-ale"),
        ("Осень / Зима", "осень-зима"),
        ("Summer_fun", "summer_fun"),
        ("ＦＵＬＬ width", "full-width"),  # NFKC: the same campaign however it was typed
        ("!!!", ""),
    ],
)
def test_a_campaign_becomes_a_stable_lower_case_value(campaign: str, value: str) -> None:
    assert utm_campaign(campaign) == value


def test_a_unicode_campaign_is_percent_encoded_as_utf8() -> None:
    url = add_utm("https://acme.example/", source="telegram", campaign="Kesä", content="")
    assert "utm_campaign=kes%C3%A4" in url
    assert dict(query(url))["utm_campaign"] == "kesä"


def test_without_the_toggle_the_link_is_sent_as_written(
    acme: Workspace, alice: User, feed: Channel
) -> None:
    post = make_post(acme, alice, feed, link="https://acme.example/?utm_source=x", campaign="A")
    assert engine.link_of(post, feed) == "https://acme.example/?utm_source=x"


def test_link_of_names_the_network_and_the_post(
    acme: Workspace, alice: User, feed: Channel
) -> None:
    post = make_post(acme, alice, feed, link="https://acme.example/", utm=True, campaign="Beans")
    assert dict(query(engine.link_of(post, feed))) == {
        "utm_source": "feed",
        "utm_medium": "social",
        "utm_campaign": "beans",
        "utm_content": f"post-{post.pk}",
    }


def test_an_address_that_cannot_be_parsed_is_left_alone(
    acme: Workspace, alice: User, feed: Channel
) -> None:
    assert engine.tag_link("https://[::1/x", feed, campaign="", post_id=1) == "https://[::1/x"
