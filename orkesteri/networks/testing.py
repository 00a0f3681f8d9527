"""`AdapterContract`: the tests every network's test module includes.

    class TestContract(AdapterContract):
        adapter_class = MastodonAdapter
        sample_credentials = {"access_token": "x"}
        sample_config = {"instance_url": "https://example.social"}

        @pytest.fixture
        def broken_adapter(self, teapot_url):
            return MastodonAdapter({"access_token": "x"}, {"instance_url": teapot_url})

`broken_adapter` must be an adapter whose network answers every request with something
the network never documents (the `teapot_url` fixture serves HTTP 418 with a non-JSON body);
publishing through it must raise AdapterError, not leak an SDK or HTTP exception.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from orkesteri.networks.base import (
    POST_METRICS,
    Adapter,
    AdapterError,
    Draft,
    Feature,
    Image,
    Limits,
    Receipt,
    Unsupported,
)
from orkesteri.networks.registry import ADAPTERS

# A 1×1 PNG, enough for problems() checks that never decode the image.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class _Teapot(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"<html>I am a teapot</html>"
        self.send_response(418)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """Serve `handler` on 127.0.0.1 (a free port) in a thread; `server.url` is its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def teapot_url() -> Iterator[str]:
    with running_server(_Teapot) as server:
        yield server.url  # type: ignore[attr-defined]


class _NoNetwork(Exception):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise _NoNetwork("problems() tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


class AdapterContract:
    adapter_class: ClassVar[type[Adapter]]
    sample_credentials: ClassVar[dict[str, Any]] = {}
    sample_config: ClassVar[dict[str, Any]] = {}

    def offline(self) -> Adapter:
        return self.adapter_class(self.sample_credentials, self.sample_config)

    def test_it_is_registered_under_its_kind(self) -> None:
        assert ADAPTERS[self.adapter_class.kind] is self.adapter_class
        assert self.adapter_class.label
        assert self.adapter_class.ConnectForm is not None

    def test_it_declares_limits(self) -> None:
        limits = self.adapter_class.default_limits
        assert isinstance(limits, Limits)
        assert limits.text.limit > 0
        if Feature.MEDIA in self.adapter_class.features:
            assert limits.max_images >= 1
            assert limits.image_types
        assert isinstance(self.offline().limits, Limits)

    @pytest.mark.usefixtures("no_network")
    def test_problems_does_no_io(self) -> None:
        adapter = self.offline()
        limit = adapter.limits.text.limit
        image = Image(PIXEL_PNG, "image/png", 1, 1, alt="A dot")
        drafts = [
            Draft("Hello #world https://example.com @someone"),
            Draft("x" * (limit + 1)),
            Draft(""),
            Draft("pictures", images=(image,) * (adapter.limits.max_images + 1)),
            Draft("reply", reply_to=Receipt("1")),
        ]
        assert adapter.problems(drafts[0]) == []
        assert adapter.problems(drafts[1])
        assert adapter.problems(drafts[2])
        assert adapter.problems(drafts[3])
        for draft in drafts:
            assert all(isinstance(p, str) and p for p in adapter.problems(draft))

    def test_unsupported_features_raise(self) -> None:
        adapter = self.offline()
        features = adapter.features
        if Feature.DELETE not in features:
            with pytest.raises(Unsupported):
                adapter.delete("1")
        if Feature.METRICS not in features:
            with pytest.raises(Unsupported):
                adapter.account_counts()
            with pytest.raises(Unsupported):
                adapter.fetch_samples([Receipt("1")])
        if Feature.OAUTH not in features:
            with pytest.raises(Unsupported):
                adapter.authorize_url({}, "http://127.0.0.1/cb", "state")
        if Feature.THREAD not in features:
            assert adapter.problems(Draft("reply", reply_to=Receipt("1")))
        if Feature.MEDIA not in features:
            image = Image(PIXEL_PNG, "image/png", 1, 1)
            assert adapter.problems(Draft("picture", images=(image,)))

    def test_it_declares_the_figures_it_gives(self) -> None:
        adapter_class = self.adapter_class
        assert isinstance(adapter_class.post_metrics, frozenset)
        assert adapter_class.post_metrics <= set(POST_METRICS)
        assert isinstance(adapter_class.samples_batch, int)
        assert adapter_class.samples_batch >= 1
        if Feature.METRICS not in adapter_class.features:
            assert not adapter_class.post_metrics

    def test_unknown_errors_map_to_adapter_error(self, broken_adapter: Adapter) -> None:
        with pytest.raises(AdapterError) as caught:
            broken_adapter.publish(Draft("Hello"), "contract-key-1")
        assert str(caught.value)
        assert "Traceback" not in str(caught.value)
