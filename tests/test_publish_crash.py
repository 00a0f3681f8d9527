"""Workers killed mid-send never make a second remote post (DESIGN.md §5).

50 posts to 4 channels (200 deliveries): Mastodon (dedupes by Idempotency-Key), VK (dedupes
by `guid`), the built-in feed (unique per key) and Telegram (no dedupe). The three network
servers are the local stateful ones of orkesteri/networks/*/tests/server.py, running in this
process and answering 30 ms late, so a kill often lands between "the network has the post"
and "the row says published". Real `orkesteri worker` processes send; each is SIGKILLed at a
seeded random moment once the servers have seen a few posts, then restarted. Before each
restart "ten minutes pass": the sweeper's `recover_abandoned(now + 10 min)` settles the
sends the dead worker left `publishing`, channel leases (2 min) run out, and `sweep()`
enqueues what is due. On PostgreSQL with Redis, two workers race for the same queue.

Afterwards, counted on the servers: each delivery to a deduping network was published
exactly once; each Telegram delivery was published once or is `unknown` (posted once or
not at all), never two remote posts.

The worker processes must share the test's database. On PostgreSQL that is pytest-django's
test database; on SQLite pytest-django's test database lives in memory, out of other
processes' reach, so this test gives the processes a fresh SQLite file of their own and never
touches the ORM in the pytest process: every database step runs in a child (this file run
as a script: `setup`, `worker`, `report`). The VK and Telegram API addresses are module
constants (their `conf.py`) that the adapter tests monkeypatch; the `worker` command sets
them in the child and then runs exactly what `orkesteri worker` runs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

SEED = 20261126
POSTS = 50
KILLS = 4
ANSWER_DELAY_S = 0.03
NETWORKS = ("mastodon", "vk", "feed", "telegram")
DEDUPING = {"mastodon", "vk", "feed"}
HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]


def marker(number: int) -> str:
    return f"[{number:03d}]"


# --- the child processes (this file run as a script) --------------------------------------


def child_setup(mastodon_url: str) -> None:
    """Migrate, then a workspace with the four channels and POSTS posts due now."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from orkesteri.channels.actions import save_connection
    from orkesteri.networks.base import Connection
    from orkesteri.networks.feed.adapter import FeedAdapter
    from orkesteri.networks.telegram.tests import server as telegram
    from orkesteri.networks.vk.tests.server import GROUP_ID
    from orkesteri.publishing import actions
    from orkesteri.testing import make_user
    from orkesteri.workspaces.actions import create_workspace

    alice = make_user("alice@example.com", "Alice Owner")
    acme = create_workspace(alice, "Acme Coffee", slug="acme", timezone_name="Europe/Helsinki")
    connections = {
        "mastodon": Connection(
            "109000000000000001",
            "@alice",
            {"access_token": "valid-token"},
            {"instance_url": mastodon_url},
        ),
        "vk": Connection(
            str(GROUP_ID),
            "Orkesteri Friends",
            {"access_token": "alice-key"},
            {"group_id": GROUP_ID, "photos": True},
        ),
        "feed": FeedAdapter.connect({"title": "Acme news"}),
        "telegram": Connection(
            str(telegram.PUBLIC_CHANNEL),
            "Orkesteri News",
            {"bot_token": telegram.TOKEN},
            {
                "chat_id": telegram.PUBLIC_CHANNEL,
                "username": "orkesteri_news",
                "chat_type": "channel",
            },
        ),
    }
    ids = [save_connection(acme, alice, n, c).pk for n, c in connections.items()]
    for number in range(POSTS):
        data = actions.PostInput(text=f"Fresh roast {marker(number)}", channel_ids=ids)
        actions.schedule_post(actions.create_post(acme, alice, data), alice, None)


def ten_minutes_pass() -> int:
    """What the sweeper does once a dead worker's sends are stale and its leases ran out."""
    from django.utils import timezone

    from orkesteri.channels.models import Channel
    from orkesteri.publishing import engine
    from orkesteri.publishing.models import Delivery

    later = timezone.now() + timedelta(minutes=10)
    abandoned = Delivery.objects.filter(status=Delivery.Status.PUBLISHING).count()
    engine.recover_abandoned(later)
    Channel.objects.filter(busy_until__lt=later).update(busy_until=None)
    engine.sweep()
    return abandoned


def child_worker(vk_url: str, telegram_url: str, recover: bool) -> int:
    """`orkesteri worker` with VK and Telegram pointed at the local servers."""
    from orkesteri.networks.registry import ADAPTERS
    from orkesteri.networks.telegram import conf as telegram_conf
    from orkesteri.networks.vk import conf as vk_conf

    vk_conf.API_BASE_URL = vk_url
    telegram_conf.API_URL = telegram_url
    # The networks' publish rates would hold 50 posts at once for minutes here, and they are
    # not what this test is about (test_engine and test_publish_rates cover them).
    for adapter in set(ADAPTERS.values()):
        adapter.default_limits = dataclasses.replace(adapter.default_limits, rate=None)
    abandoned = ten_minutes_pass() if recover else 0
    print(f"ready {abandoned}", flush=True)
    os.dup2(2, 1)  # the console email backend writes to stdout, which nobody reads now
    from orkesteri.cli import main

    return main(["worker"])


def child_report(wait_s: float) -> None:
    """Every delivery's state and the feed's entries, once nothing is in flight."""
    from orkesteri.networks.feed.models import FeedEntry
    from orkesteri.publishing.models import Delivery

    S = Delivery.Status
    busy = (S.SCHEDULED, S.RETRYING, S.PUBLISHING)
    deadline = time.monotonic() + wait_s
    while Delivery.objects.filter(status__in=busy).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    deliveries = [
        {
            "marker": re.findall(r"\[\d{3}\]", d.post.text)[0],
            "network": d.channel.network,
            "status": d.status,
            "remote_id": d.remote_id,
            "error": d.last_error,
        }
        for d in Delivery.objects.select_related("post", "channel")
    ]
    feed = [{"text": e.content, "id": str(e.entry_id)} for e in FeedEntry.objects.all()]
    print(json.dumps({"deliveries": deliveries, "feed": feed}))


def child_main(argv: list[str]) -> int:
    import django

    django.setup()
    command, args = argv[0], argv[1:]
    if command == "setup":
        child_setup(args[0])
    elif command == "worker":
        return child_worker(args[0], args[1], recover=args[2:] == ["--recover"])
    elif command == "report":
        child_report(float(args[0]))
    return 0


# --- the network servers -----------------------------------------------------------------


class AnswersLate(BaseHTTPRequestHandler):
    """Does the work, then waits before answering: the window a kill should hit."""

    def send_response(self, code: int, message: str | None = None) -> None:
        time.sleep(ANSWER_DELAY_S)
        super().send_response(code, message)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Networks:
    mastodon_url: str
    vk_url: str
    telegram_url: str
    # network → (text, the id the adapter reports as remote_id) of every post it holds
    remote_posts: Callable[[], dict[str, list[tuple[str, str]]]]


@contextmanager
def running_networks() -> Iterator[Networks]:
    from orkesteri.networks.mastodon.tests.server import MastodonHandler, MastodonState
    from orkesteri.networks.telegram.tests.server import PUBLIC_CHANNEL, BotApiHandler, BotApiState
    from orkesteri.networks.testing import running_server
    from orkesteri.networks.vk.tests.server import VkHandler, VkState

    mastodon = MastodonState()
    vk, telegram = VkState(), BotApiState()
    with ExitStack() as stack:
        servers = [
            stack.enter_context(running_server(type(name, (AnswersLate, handler), attrs)))
            for name, handler, attrs in (
                ("Mastodon", MastodonHandler, {"state": mastodon}),
                ("Vk", VkHandler, {}),
                ("Telegram", BotApiHandler, {}),
            )
        ]
        urls = [str(server.url) for server in servers]  # type: ignore[attr-defined]
        servers[1].state, servers[2].state = vk, telegram  # type: ignore[attr-defined]
        vk.base_url, telegram.url = urls[1], f"{urls[2]}/bot"

        def remote_posts() -> dict[str, list[tuple[str, str]]]:
            with mastodon.lock, vk.lock:
                statuses = [(s["text"], s["id"]) for s in mastodon.statuses.values()]
                walls = [(p["text"], f"{o}_{i}") for (o, i), p in vk.posts.items()]
            messages = [
                (m.get("text", ""), f"{PUBLIC_CHANNEL}:{m['message_id']}")
                for m in telegram.posts(PUBLIC_CHANNEL)
            ]
            return {"mastodon": statuses, "vk": walls, "telegram": messages}

        yield Networks(urls[0], f"{urls[1]}/method/", f"{urls[2]}/bot", remote_posts)


# --- the test ----------------------------------------------------------------------------


@pytest.fixture
def child_env(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[dict[str, str], int]]:
    """The worker processes' environment and how many workers race; the queue is emptied after."""
    env, racing = worker_environment(request, tmp_path)
    yield env, racing
    if env.get("ORKESTERI_REDIS_URL"):
        from huey import RedisHuey

        RedisHuey(env["ORKESTERI_QUEUE_NAME"], url=env["ORKESTERI_REDIS_URL"]).flush()


def worker_environment(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[dict[str, str], int]:
    """The test's database (see the module docstring), a queue of its own, local networks."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORKESTERI_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="orkesteri.settings",
        ORKESTERI_DATA_DIR=str(tmp_path / "data"),
        ORKESTERI_SECRET_KEY="crash-test",
        ORKESTERI_ALLOW_PRIVATE_NETWORKS="1",
        ORKESTERI_WORKER_THREADS="4",
        ORKESTERI_LOG_LEVEL="WARNING",
        ORKESTERI_EMAIL_BACKEND="console",
        ORKESTERI_QUEUE_NAME=f"crash-{uuid.uuid4().hex[:12]}",
    )
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return env, 1  # a fresh SQLite file in the data dir, set up by the `setup` child
    request.getfixturevalue("transactional_db")  # the test database exists and is emptied
    from django.db import connection

    test_db = connection.settings_dict
    credentials = quote(str(test_db.get("USER") or ""), safe="")
    if test_db.get("PASSWORD"):
        credentials += ":" + quote(str(test_db["PASSWORD"]), safe="")
    host = f"{test_db.get('HOST') or '127.0.0.1'}:{test_db.get('PORT') or 5432}"
    env["ORKESTERI_DATABASE_URL"] = f"postgresql://{credentials}@{host}/{test_db['NAME']}"
    if settings.REDIS_URL:
        env["ORKESTERI_REDIS_URL"] = settings.REDIS_URL
        return env, 2
    return env, 1


def child(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-P", str(HERE), *args], env=env, cwd=ROOT, text=True, **kwargs
    )


def run_child(env: dict[str, str], *args: str) -> str:
    process = child(env, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-3000:]
    return out


def start_workers(
    env: dict[str, str], networks: Networks, count: int, recover: bool, log: Path
) -> tuple[list[subprocess.Popen[str]], int]:
    """`count` workers; the first settles what the last ones left before any starts."""
    workers, abandoned = [], 0
    for number in range(count):
        flags = ["--recover"] if recover and number == 0 else []
        worker = child(
            env,
            "worker",
            networks.vk_url,
            networks.telegram_url,
            *flags,
            stdout=subprocess.PIPE,
            stderr=log.open("a"),
        )
        assert worker.stdout is not None
        ready = worker.stdout.readline().split()
        assert ready and ready[0] == "ready", f"worker did not start, see {log}"
        abandoned += int(ready[1])
        workers.append(worker)
    return workers, abandoned


def sent_so_far(networks: Networks) -> int:
    return sum(len(posts) for posts in networks.remote_posts().values())


def kill_mid_stream(
    workers: list[subprocess.Popen[str]], networks: Networks, rng: random.Random
) -> None:
    """SIGKILL every worker once the networks have taken a few more posts (or 20 s passed)."""
    target = sent_so_far(networks) + rng.randint(1, 12)
    deadline = time.monotonic() + 20
    while sent_so_far(networks) < target and time.monotonic() < deadline:
        time.sleep(0.005)
    for worker in workers:
        time.sleep(rng.uniform(0, 0.04))
        worker.send_signal(signal.SIGKILL)
    for worker in workers:
        worker.wait(10)


def test_it_never_posts_twice_when_workers_are_killed_mid_send(
    child_env: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    env, racing = child_env
    rng = random.Random(SEED)
    log = tmp_path / "workers.log"
    abandoned = 0
    with running_networks() as networks:
        run_child(env, "setup", networks.mastodon_url)
        for cycle in range(KILLS):
            workers, settled = start_workers(env, networks, racing, cycle > 0, log)
            abandoned += settled
            try:
                kill_mid_stream(workers, networks, rng)
            finally:
                for worker in workers:
                    worker.kill()
                    worker.wait()
        workers, settled = start_workers(env, networks, racing, True, log)
        abandoned += settled
        try:
            report = json.loads(run_child(env, "report", "45"))
        finally:
            for worker in workers:
                worker.kill()
                worker.wait()
        remote = networks.remote_posts()
    remote["feed"] = [(entry["text"], entry["id"]) for entry in report["feed"]]

    outcome: dict[str, int] = {}
    for delivery in report["deliveries"]:
        key = f"{delivery['network']} {delivery['status']}"
        outcome[key] = outcome.get(key, 0) + 1
    print(f"{racing} worker(s), {abandoned} sends abandoned by killed workers, {outcome}")
    assert abandoned > 0, "no kill caught a send in flight; the recovery was not exercised"
    assert len(report["deliveries"]) == POSTS * len(NETWORKS)
    for network, posts in remote.items():
        counts: dict[str, int] = {}
        for text, _id in posts:
            for found in re.findall(r"\[\d{3}\]", text):
                counts[found] = counts.get(found, 0) + 1
        twice = sorted(m for m, n in counts.items() if n > 1)
        assert not twice, f"{network} has two posts of {twice}"
    for delivery in report["deliveries"]:
        network, wanted = delivery["network"], delivery["marker"]
        ids = [i for text, i in remote[network] if wanted in text]
        what = f"{network} {wanted}: {delivery['status']} {delivery['error']!r}, remote {ids}"
        if delivery["status"] == "published":
            assert ids == [delivery["remote_id"]], what
        else:
            assert network not in DEDUPING, what
            assert delivery["status"] == "unknown", what


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
