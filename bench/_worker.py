"""`orkesteri worker` with the VK adapter pointed at a local stub (bench/publish.py).

    python bench/_worker.py http://127.0.0.1:PORT/method/

The VK API's address is a module constant (orkesteri/networks/vk/conf.py, "read it at call
time"), which the adapter tests monkeypatch; a worker process cannot be reached that way,
so this sets it and then runs exactly what `.venv/bin/orkesteri worker` runs.
"""

from __future__ import annotations

import sys


def main() -> int:
    from orkesteri import settings
    from orkesteri.networks.vk import conf

    conf.API_BASE_URL = sys.argv[1]
    settings.activate()
    from orkesteri.cli import main as orkesteri

    return orkesteri(["worker"])


if __name__ == "__main__":
    sys.exit(main())
