"""Worker liveness, read by /healthz."""

from __future__ import annotations

import time

from huey import crontab
from huey.contrib.djhuey import HUEY, on_startup, periodic_task

HEARTBEAT_KEY = "worker-heartbeat"


def beat() -> None:
    HUEY.put(HEARTBEAT_KEY, time.time())


@on_startup()
def heartbeat_on_start() -> None:
    beat()


@periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    beat()


def last_heartbeat() -> float | None:
    value = HUEY.get(HEARTBEAT_KEY, peek=True)
    return float(value) if value is not None else None
