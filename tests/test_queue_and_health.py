from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import Client
from huey.contrib.djhuey import HUEY

from orkesteri.accounts.tasks import send_email
from orkesteri.core import tasks as core_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_queue() -> Iterator[None]:
    """The configured backend (SQLite file, or Redis with ORKESTERI_REDIS_URL), not memory."""
    HUEY.immediate = False
    HUEY.flush()
    try:
        yield
    finally:
        HUEY.flush()
        HUEY.immediate = True


def test_a_task_waits_in_the_queue_until_a_worker_takes_it(real_queue: None) -> None:
    send_email("queued@example.com", "Queued", "Body")
    assert HUEY.pending_count() == 1
    assert mail.outbox == []
    task = HUEY.dequeue()
    assert task is not None
    HUEY.execute(task)
    assert [m.to for m in mail.outbox] == [["queued@example.com"]]
    assert HUEY.pending_count() == 0


def test_healthz_reports_database_and_queue(real_queue: None) -> None:
    send_email("queued@example.com", "Queued", "Body")
    body = Client().get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["queue"]["pending"] == 1
    assert body["queue"]["worker"] == "not seen"
    core_tasks.beat()
    body = Client().get("/healthz").json()
    assert body["queue"]["worker"] == "running"
    assert body["queue"]["worker_seen_seconds_ago"] < 60


def test_healthz_is_503_when_the_queue_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> float:
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr("orkesteri.core.views.last_heartbeat", broken)
    r = Client().get("/healthz")
    assert r.status_code == 503
    assert r.json()["queue"] == {"status": "error", "error": "ConnectionError"}
    assert "unreachable" not in r.content.decode(), "details go to the log only"


def test_heartbeat_is_stored_in_the_queue_backend(real_queue: None) -> None:
    assert core_tasks.last_heartbeat() is None
    core_tasks.beat()
    seen = core_tasks.last_heartbeat()
    assert seen is not None and abs(seen - time.time()) < 60
