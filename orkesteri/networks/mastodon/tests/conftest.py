"""The local Mastodon server and an adapter connected to it, for the adapter's tests."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from orkesteri.networks.mastodon.adapter import MastodonAdapter
from orkesteri.networks.mastodon.tests.server import MastodonState, serve


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    with serve() as running:
        yield running


@pytest.fixture
def state(server: ThreadingHTTPServer) -> MastodonState:
    return server.state  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def url(server: ThreadingHTTPServer) -> str:
    return str(server.url)  # type: ignore[attr-defined]


@pytest.fixture
def adapter(url: str) -> MastodonAdapter:
    connection = MastodonAdapter.connect({"instance_url": url, "access_token": "valid-token"})
    return MastodonAdapter(connection.credentials, connection.config)
