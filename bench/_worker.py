"""`orkesteri worker` with the VK adapter pointed at a local stub (bench/publish.py).

    python bench/_worker.py http://127.0.0.1:PORT/method/ [--shared-tls-context]

The VK API's address is a module constant (orkesteri/networks/vk/conf.py, "read it at call
time"), which the adapter tests monkeypatch; a worker process cannot be reached that way,
so this sets it and then runs exactly what `.venv/bin/orkesteri worker` runs.

`--shared-tls-context` applies, in this process only, the change the benchmark proposes for
orkesteri/lib/http.py: build the TLS context (which parses the CA bundle) once per process
instead of twice per `http.client()`. It exists to measure that proposal; by default the
worker runs the code as it is.
"""

from __future__ import annotations

import functools
import ssl
import sys


def share_tls_context() -> None:
    import httpcore
    import httpx

    from orkesteri.lib import http

    @functools.cache
    def context(verify: bool | str) -> ssl.SSLContext:
        return httpx.create_ssl_context(verify=verify, trust_env=False)

    def init(self: http.GuardedTransport, verify: bool | str = True) -> None:
        shared = context(verify)
        httpx.HTTPTransport.__init__(self, verify=shared, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=shared, network_backend=http.GuardedBackend()
        )

    http.GuardedTransport.__init__ = init  # type: ignore[method-assign]


def main() -> int:
    from orkesteri import settings
    from orkesteri.networks.vk import conf

    conf.API_BASE_URL = sys.argv[1]
    if "--shared-tls-context" in sys.argv[2:]:
        share_tls_context()
    settings.activate()
    from orkesteri.cli import main as orkesteri

    return orkesteri(["worker"])


if __name__ == "__main__":
    sys.exit(main())
