"""The fake PDS + AppView (server.py) with an adapter signed in to it, for the unit tests;
and the real local AT Protocol network (PLC + PDS + AppView) for end-to-end tests.

Start it with `MODE=full bash ../shared/scripts/local-bluesky.sh` (from the repository root;
.ci/run does this). ORKESTERI_TEST_BLUESKY_PDS and ORKESTERI_TEST_BLUESKY_APPVIEW point
elsewhere. Without the network the end-to-end tests are skipped, except under CI=true,
where a missing network is a failure.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from atproto import Client, models
from atproto_client.exceptions import AtProtocolError

from orkesteri.networks.base import AdapterError, Connection
from orkesteri.networks.bluesky.adapter import BlueskyAdapter
from orkesteri.networks.bluesky.tests import server
from orkesteri.networks.bluesky.tests.server import FakePds, State, fake_pds, session_string

T = TypeVar("T")

START_HINT = (
    "start it with `MODE=full bash ../shared/scripts/local-bluesky.sh` from the repository "
    "root, or point ORKESTERI_TEST_BLUESKY_PDS / ORKESTERI_TEST_BLUESKY_APPVIEW at one"
)
# The AppView indexes the PDS's firehose asynchronously: reads that depend on it poll.
APPVIEW_DEADLINE_S = 30.0


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakePds]:
    with fake_pds() as running:
        yield running


@pytest.fixture
def pds(fake_server: FakePds) -> tuple[str, State]:
    """The fake server's address and its state, reset for the test."""
    return fake_server.url, fake_server.reset()


@pytest.fixture
def state(pds: tuple[str, State]) -> State:
    return pds[1]


@pytest.fixture
def adapter(pds: tuple[str, State]) -> BlueskyAdapter:
    url, state = pds
    credentials = {"session": session_string(state, url), "app_password": server.PASSWORD}
    return BlueskyAdapter(credentials, {"service_url": url})


@dataclass(frozen=True)
class LocalNetwork:
    pds_url: str
    appview_url: str


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    app_password: str
    client: Client  # logged in with the main password, for setting up and reading back


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/xrpc/_health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def local_network() -> LocalNetwork:
    network = LocalNetwork(
        pds_url=os.environ.get("ORKESTERI_TEST_BLUESKY_PDS", "http://127.0.0.1:2583"),
        appview_url=os.environ.get("ORKESTERI_TEST_BLUESKY_APPVIEW", "http://127.0.0.1:2584"),
    )
    missing = [url for url in (network.pds_url, network.appview_url) if not _healthy(url)]
    if missing:
        message = f"the local Bluesky network does not answer at {', '.join(missing)}: {START_HINT}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return network


@pytest.fixture(scope="session")
def make_account(local_network: LocalNetwork) -> Callable[[], Account]:
    """Creates a fresh account (handle ending in .test) with an app password."""

    def make() -> Account:
        handle = f"o{uuid.uuid4().hex[:10]}.test"
        password = f"pw-{uuid.uuid4().hex}"
        anonymous = Client(base_url=local_network.pds_url)
        created = anonymous.com.atproto.server.create_account(
            models.ComAtprotoServerCreateAccount.Data(
                handle=handle, email=f"{handle}@example.com", password=password
            )
        )
        client = Client(base_url=local_network.pds_url)
        client.login(handle, password, fetch_bsky_profile=False)
        # like() and follow() take the repo from `me`, which login fills only from the AppView
        client.me = models.AppBskyActorDefs.ProfileViewDetailed(did=created.did, handle=handle)
        app_password = client.com.atproto.server.create_app_password(
            models.ComAtprotoServerCreateAppPassword.Data(name="Orkesteri")
        ).password
        return Account(handle, created.did, app_password, client)

    return make


@pytest.fixture(scope="session")
def author(make_account: Callable[[], Account]) -> Account:
    return make_account()


@pytest.fixture(scope="session")
def reader(make_account: Callable[[], Account]) -> Account:
    return make_account()


@pytest.fixture(scope="session")
def author_connection(local_network: LocalNetwork, author: Account) -> Connection:
    return BlueskyAdapter.connect(
        {
            "service_url": local_network.pds_url,
            "handle": author.handle,
            "app_password": author.app_password,
        }
    )


@pytest.fixture
def author_adapter(author_connection: Connection) -> BlueskyAdapter:
    return BlueskyAdapter(author_connection.credentials, author_connection.config)


def eventually(read: Callable[[], T], ok: Callable[[T], bool]) -> T:
    """Poll `read` until `ok` holds (the AppView lags the PDS); the last value otherwise."""
    deadline = time.monotonic() + APPVIEW_DEADLINE_S
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = read()
            if ok(last):
                return last
        except (AtProtocolError, AdapterError):
            pass
        time.sleep(0.2)
    return last
