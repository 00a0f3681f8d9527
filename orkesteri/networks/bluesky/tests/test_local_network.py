"""End to end against the real local AT Protocol network (see conftest.py)."""

from __future__ import annotations

import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from atproto import models
from atproto_client.exceptions import BadRequestError

from orkesteri.networks.base import AdapterError, AuthExpired, Connection, Draft, Image, Receipt
from orkesteri.networks.bluesky import conf
from orkesteri.networks.bluesky.adapter import BlueskyAdapter
from orkesteri.networks.bluesky.tests.conftest import Account, LocalNetwork, eventually
from orkesteri.networks.testing import running_server


def png(width: int, height: int) -> bytes:
    raw = b"".join(b"\x00" + bytes((200, 30, 90)) * width for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def key() -> str:
    return f"delivery-{uuid.uuid4()}"


def stored(account: Account, receipt: Receipt) -> Any:
    """The post record as the PDS holds it."""
    return account.client.com.atproto.repo.get_record(
        models.ComAtprotoRepoGetRecord.Params(
            repo=account.did,
            collection=conf.POST_COLLECTION,
            rkey=receipt.remote_id.rsplit("/")[-1],
        )
    ).value


def connect(network: LocalNetwork, handle: str, password: str) -> Connection:
    return BlueskyAdapter.connect(
        {"service_url": network.pds_url, "handle": handle, "app_password": password}
    )


# connecting


def test_it_connects_with_an_app_password(
    local_network: LocalNetwork, author: Account, author_connection: Connection
) -> None:
    assert author_connection.account_id == author.did
    assert author_connection.display_name == f"@{author.handle}"
    assert author_connection.url == f"https://bsky.app/profile/{author.handle}"
    assert author_connection.config["service_url"] == local_network.pds_url
    assert author_connection.credentials["app_password"] == author.app_password
    assert author_connection.credentials["session"].startswith(f"{author.handle}:::{author.did}")


def test_it_refuses_a_wrong_app_password(local_network: LocalNetwork, author: Account) -> None:
    with pytest.raises(AuthExpired) as caught:
        connect(local_network, author.handle, "wrong-wrong-wrong-wrong")
    assert "app password was refused" in str(caught.value)


def test_it_names_an_unknown_handle(local_network: LocalNetwork) -> None:
    with pytest.raises(AdapterError) as caught:
        connect(local_network, "nobody-here.test", "abcd-efgh-ijkl-mnop")
    assert "knows no account @nobody-here.test" in str(caught.value)
    assert caught.value.permanent


def test_it_says_when_the_address_is_not_a_bluesky_server(teapot_url: str, author: Account) -> None:
    with pytest.raises(AdapterError) as caught:
        BlueskyAdapter.connect(
            {"service_url": teapot_url, "handle": author.handle, "app_password": "x"}
        )
    assert f"{teapot_url} does not answer as a Bluesky server" in str(caught.value)


def test_it_says_when_the_server_is_unreachable(author: Account) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    with pytest.raises(AdapterError) as caught:
        BlueskyAdapter.connect(
            {"service_url": closed, "handle": author.handle, "app_password": "x"}
        )
    assert f"Could not reach {closed}" in str(caught.value)
    assert not caught.value.unknown_outcome


def test_it_refuses_a_private_address_when_the_guard_is_on(
    settings: Any, local_network: LocalNetwork, author: Account
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(AdapterError) as caught:
        connect(local_network, author.handle, author.app_password)
    assert f"{local_network.pds_url} is a private or local address" in str(caught.value)
    assert caught.value.permanent


def test_it_verifies_and_replaces_a_dead_session_from_the_app_password(
    author_connection: Connection,
) -> None:
    handle, did, access, refresh, pds = author_connection.credentials["session"].split(":::")
    tampered = ":::".join([handle, did, access[:-4] + "AAAA", refresh, pds])
    adapter = BlueskyAdapter(
        {**author_connection.credentials, "session": tampered}, author_connection.config
    )

    assert adapter.verify().account_id == did
    assert adapter.credentials["session"] != tampered
    assert BlueskyAdapter(adapter.credentials, adapter.config).verify().account_id == did


def test_it_asks_to_reconnect_when_the_app_password_was_revoked(
    local_network: LocalNetwork, make_account: Callable[[], Account]
) -> None:
    account = make_account()
    connection = connect(local_network, account.handle, account.app_password)
    account.client.com.atproto.server.revoke_app_password(
        models.ComAtprotoServerRevokeAppPassword.Data(name="Orkesteri")
    )
    handle, did, access, refresh, pds = connection.credentials["session"].split(":::")
    dead = ":::".join([handle, did, access[:-4] + "AAAA", refresh, pds])
    adapter = BlueskyAdapter({**connection.credentials, "session": dead}, connection.config)

    with pytest.raises(AuthExpired) as caught:
        adapter.publish(Draft("never posted"), key())
    assert "App passwords" in str(caught.value)


# publishing


def test_it_publishes_text_with_links_mentions_and_tags(
    author_adapter: BlueskyAdapter, author: Account, reader: Account
) -> None:
    text = f"Hi @{reader.handle} and @ghost.test 👋 #launch https://example.com/a?b=1."
    receipt = author_adapter.publish(Draft(text, options={"language": "fi"}), key())

    rkey = receipt.remote_id.rsplit("/")[-1]
    assert receipt.remote_id == f"at://{author.did}/app.bsky.feed.post/{rkey}"
    assert receipt.url == f"https://bsky.app/profile/{author.handle}/post/{rkey}"
    assert receipt.data["root_uri"] == receipt.remote_id
    record = stored(author, receipt)
    assert record.text == text
    assert record.langs == ["fi"]
    encoded = text.encode()
    found = {
        encoded[f.index.byte_start : f.index.byte_end].decode(): f.features[0]
        for f in record.facets
    }
    assert found[f"@{reader.handle}"].did == reader.did
    assert "@ghost.test" not in found  # unresolvable: stays plain text
    assert found["#launch"].tag == "launch"
    assert found["https://example.com/a?b=1"].uri == "https://example.com/a?b=1"


def test_it_publishes_a_thread(author_adapter: BlueskyAdapter, author: Account) -> None:
    first = author_adapter.publish(Draft("1/3 a thread"), key())
    second = author_adapter.publish(Draft("2/3", reply_to=first), key())
    third = author_adapter.publish(Draft("3/3", reply_to=second), key())

    reply = stored(author, third).reply
    assert (reply.parent.uri, reply.parent.cid) == (second.remote_id, second.data["cid"])
    assert (reply.root.uri, reply.root.cid) == (first.remote_id, first.data["cid"])
    assert third.data["root_uri"] == first.remote_id
    assert stored(author, second).reply.root.uri == first.remote_id


def test_it_publishes_images_with_alt_text_and_aspect_ratio(
    author_adapter: BlueskyAdapter, author: Account
) -> None:
    images = (
        Image(png(4, 3), "image/png", 4, 3, alt="A magenta rectangle"),
        Image(png(2, 5), "image/png", 2, 5, alt="A tall one"),
    )
    receipt = author_adapter.publish(Draft("Two pictures", images=images), key())

    embedded = stored(author, receipt).embed.images
    assert [i.alt for i in embedded] == ["A magenta rectangle", "A tall one"]
    assert [(i.aspect_ratio.width, i.aspect_ratio.height) for i in embedded] == [(4, 3), (2, 5)]
    blob = author.client.com.atproto.sync.get_blob(
        models.ComAtprotoSyncGetBlob.Params(did=author.did, cid=embedded[0].image.ref.link)
    )
    assert bytes(blob) == images[0].data


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/card.png":
            body, kind = png(6, 3), "image/png"
        else:
            body = (
                b"<html><head><title>Plain title</title>"
                b'<meta property="og:title" content="The launch &amp; more">'
                b'<meta property="og:description" content="All about it.">'
                b'<meta property="og:image" content="/card.png"></head><body>x</body></html>'
            )
            kind = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    with running_server(_Page) as server:
        yield f"{server.url}/launch"  # type: ignore[attr-defined]


def test_it_publishes_a_link_card(
    author_adapter: BlueskyAdapter, author: Account, page_url: str
) -> None:
    receipt = author_adapter.publish(Draft("Read this", link=page_url), key())

    external = stored(author, receipt).embed.external
    assert external.uri == page_url
    assert external.title == "The launch & more"
    assert external.description == "All about it."
    assert external.thumb.mime_type == "image/png"


def test_it_still_posts_a_card_when_the_page_cannot_be_read(
    author_adapter: BlueskyAdapter, author: Account
) -> None:
    link = "http://127.0.0.1:9/gone"
    receipt = author_adapter.publish(Draft("Read this", link=link), key())

    external = stored(author, receipt).embed.external
    assert (external.uri, external.title) == (link, link)
    assert external.thumb is None


def test_it_deletes_a_post(author_adapter: BlueskyAdapter, author: Account) -> None:
    receipt = author_adapter.publish(Draft("Short-lived"), key())

    author_adapter.delete(receipt.remote_id)

    with pytest.raises(BadRequestError) as caught:
        stored(author, receipt)
    assert caught.value.response is not None
    assert caught.value.response.content.error == "RecordNotFound"  # type: ignore[union-attr]


def test_it_does_not_post_twice_when_a_publish_is_retried(
    author_adapter: BlueskyAdapter, author: Account
) -> None:
    marker = uuid.uuid4().hex
    delivery = key()
    first = author_adapter.publish(Draft(f"Once only {marker}"), delivery)
    again = BlueskyAdapter(author_adapter.credentials, author_adapter.config).publish(
        Draft(f"Once only {marker}"), delivery
    )

    assert again == first
    listed = author.client.com.atproto.repo.list_records(
        models.ComAtprotoRepoListRecords.Params(
            repo=author.did, collection=conf.POST_COLLECTION, limit=100
        )
    )
    assert [r.uri for r in listed.records if marker in r.value.text] == [first.remote_id]


# reading back


def test_it_reads_likes_and_followers_from_the_appview(
    local_network: LocalNetwork, make_account: Callable[[], Account], reader: Account
) -> None:
    account = make_account()
    connection = connect(local_network, account.handle, account.app_password)
    adapter = BlueskyAdapter(connection.credentials, connection.config)
    receipt = adapter.publish(Draft("Like me"), key())
    eventually(
        lambda: reader.client.get_posts([receipt.remote_id]), lambda answer: len(answer.posts) == 1
    )
    reader.client.like(receipt.remote_id, receipt.data["cid"])
    reader.client.follow(account.did)

    post = eventually(lambda: adapter.post_counts(receipt), lambda c: c.values.get("likes") == 1)
    profile = eventually(adapter.account_counts, lambda c: c.values.get("followers") == 1)

    assert post.values == {"likes": 1, "reposts": 0, "replies": 0, "quotes": 0}
    assert profile.values["followers"] == 1
    assert profile.values["following"] == 0


def test_it_samples_many_posts_and_lists_the_history(
    local_network: LocalNetwork, make_account: Callable[[], Account], reader: Account
) -> None:
    account = make_account()
    connection = connect(local_network, account.handle, account.app_password)
    adapter = BlueskyAdapter(connection.credentials, connection.config)
    first = adapter.publish(Draft("First for the history"), key())
    second = adapter.publish(Draft("Second for the history"), key())
    deleted = adapter.publish(Draft("Deleted soon"), key())
    theirs = reader.client.send_post("Worth a repost")
    uris = [first.remote_id, second.remote_id, deleted.remote_id, theirs.uri]
    eventually(lambda: reader.client.get_posts(uris), lambda answer: len(answer.posts) == 4)
    reader.client.like(first.remote_id, first.data["cid"])
    reader.client.repost(first.remote_id, first.data["cid"])
    account.client.repost(theirs.uri, theirs.cid)
    adapter.delete(deleted.remote_id)

    samples = eventually(
        lambda: adapter.fetch_samples([first, second, deleted]),
        lambda s: (
            s.posts.get(first.remote_id, {}).get("reposts") == 1
            and s.posts[first.remote_id].get("likes") == 1
            and deleted.remote_id in s.gone
        ),
    )
    posts = eventually(
        lambda: adapter.recent_posts(10),
        lambda found: [p.remote_id for p in found] == [second.remote_id, first.remote_id],
    )

    assert samples.posts[first.remote_id] == {"likes": 1, "reposts": 1, "replies": 0, "quotes": 0}
    assert samples.gone == {deleted.remote_id}
    assert samples.account["posts"] >= 2
    assert [p.remote_id for p in posts] == [second.remote_id, first.remote_id]
    assert posts[1].text == "First for the history"
    assert posts[1].data["cid"] == first.data["cid"]
    assert posts[1].url == first.url
