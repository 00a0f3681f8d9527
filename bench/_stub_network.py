"""A fast stub of the VK API for bench/publish.py, run as its own process.

    python bench/_stub_network.py --latency-ms 50   # prints "port <n>" once listening

It answers `wall.post` like orkesteri/networks/vk/tests/server.py (one post per `guid`, the
same post_id again for a repeated guid) after `--latency-ms`, and remembers, per guid, how
many times it was posted and when the first request arrived (the remote receive time the
bench measures lateness with). `groups.getById` answers one community; anything else answers
an empty response. GET /_stats returns {"posts": {guid: [count, first_receive_unix_s]}}.

A thread per connection, HTTP/1.1 keep-alive (the raw httpx loop reuses connections; the
VK adapter opens one per call) and a deep listen backlog, so a few hundred concurrent
senders are not refused.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

GROUP = {"id": 42, "name": "Bench", "screen_name": "bench", "members_count": 1, "type": "page"}


class Posts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_guid: dict[str, list[float]] = {}  # guid → [count, first receive time]
        self.next_id = 0

    def post(self, guid: str, received: float) -> int:
        with self.lock:
            seen = self.by_guid.get(guid)
            if seen is None:
                self.next_id += 1
                self.by_guid[guid] = [1, received, self.next_id]
                return self.next_id
            seen[0] += 1
            return int(seen[2])


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096

    def __init__(self, address: tuple[str, int], latency_s: float) -> None:
        super().__init__(address, Handler)
        self.latency_s = latency_s
        self.posts = Posts()


class Handler(BaseHTTPRequestHandler):
    server: StubServer
    protocol_version = "HTTP/1.1"
    # The status line and headers go out in one write and the body in another; with Nagle's
    # algorithm on, the body waits for the client's delayed ACK (40 ms on Linux): every
    # request took 44 ms longer than --latency-ms, the raw loop's ceiling included.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/_stats":
            with self.server.posts.lock:
                stats = {g: [int(v[0]), v[1]] for g, v in self.server.posts.by_guid.items()}
            self._answer({"posts": stats})
            return
        self._answer({"response": {}})

    def do_POST(self) -> None:
        received = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        method = urlsplit(self.path).path.rsplit("/", 1)[-1]
        if self.server.latency_s:
            time.sleep(self.server.latency_s)
        if method == "wall.post":
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
            post_id = self.server.posts.post(params.get("guid", ""), received)
            self._answer({"response": {"post_id": post_id}})
        elif method == "groups.getById":
            self._answer({"response": {"groups": [GROUP], "profiles": []}})
        else:
            self._answer({"response": {}})

    def _answer(self, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    server = StubServer(("127.0.0.1", args.port), args.latency_ms / 1000)
    print(f"port {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
