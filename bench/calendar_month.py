"""Calendar benchmark: the month view's server time with 5,000 posts over 20 channels.

DESIGN.md §10 target: server p95 ≤ 150 ms. Builds a workspace in a fresh SQLite database in a
temporary directory (or, with --configured-db, in the database the settings point at: use a
scratch one), fills one month, then times the month view through Django's test Client
(routing, middleware, session, queries, template) — everything but the network. Prints p50,
p95 and the queries per request; `--json` prints {"posts", "channels", "requests", "p50_ms",
"p95_ms", "max_ms", "cpu_p50_ms", "cpu_p95_ms", "queries"}.

    .venv/bin/python bench/calendar_month.py [--json] [--posts 5000] [--channels 20] [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2031-03-15"  # any month; it is in the future, so the posts are movable


def setup_django(configured_db: bool) -> None:
    if not configured_db:
        scratch = tempfile.mkdtemp(prefix="orkesteri-bench-")
        os.environ["ORKESTERI_DATA_DIR"] = scratch
        os.environ.pop("ORKESTERI_DATABASE_URL", None)
    os.environ.setdefault("ORKESTERI_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orkesteri.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fill(posts: int, channels: int) -> tuple[Any, str]:
    """A workspace in Europe/Helsinki with `channels` feed channels and `posts` in one month."""
    from django.core.management import call_command

    from orkesteri.channels.actions import connect_channel
    from orkesteri.publishing.models import Delivery, Post, Variant
    from orkesteri.testing import make_user
    from orkesteri.workspaces.actions import create_workspace

    call_command("migrate", verbosity=0)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    user = make_user(f"bench-{stamp}@example.com", "Bench Owner")
    ws = create_workspace(
        user, "Bench Coffee", slug=f"bench-{stamp}"[:50], timezone_name="Europe/Helsinki"
    )
    chans = [connect_channel(ws, user, "feed", {"title": f"Channel {i}"}) for i in range(channels)]
    rng = random.Random(4)
    start = datetime(2031, 3, 1, tzinfo=UTC)
    pillars = ["Coffee", "Tea", "Team", "Events", "Offers", ""]
    made = Post.objects.bulk_create(
        Post(
            workspace=ws,
            author=user,
            text=f"Post {n}: fresh roast of the day\nwith a second line",
            pillar=rng.choice(pillars),
            campaign=rng.choice(["Spring", "", ""]),
            status=Post.Status.SCHEDULED,
            scheduled_at=start + timedelta(minutes=rng.randrange(31 * 24 * 60)),
        )
        for n in range(posts)
    )
    picks = [rng.sample(chans, rng.randint(1, 3)) for _ in made]
    variants = Variant.objects.bulk_create(
        Variant(post=p, channel=c) for p, cs in zip(made, picks, strict=True) for c in cs
    )
    Delivery.objects.bulk_create(
        Delivery(
            post_id=v.post_id,
            variant=v,
            channel_id=v.channel_id,
            status=Delivery.Status.SCHEDULED,
            due_at=v.post.scheduled_at,
        )
        for v in variants
    )
    return user, ws.slug


def measure(user: Any, slug: str, requests: int) -> dict[str, float]:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    url = f"/w/{slug}/calendar/?view=month&on={MONTH}"
    for _ in range(3):  # warm up: templates, the feed token, connections
        assert client.get(url).status_code == 200
    queries: list[str] = []

    def count(run: Any, sql: str, *args: Any) -> Any:
        queries.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(count):
        client.get(url)
    times, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    return {
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "max_ms": round(max(times), 1),
        # CPU time of this process: what the figure would be on an otherwise idle machine.
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p95_ms": percentile(cpu, 95),
        "queries": len(queries),
    }


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    if p == 50:
        return round(statistics.median(ordered), 1)
    return round(ordered[max(0, round(p / 100 * len(ordered)) - 1)], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--configured-db", action="store_true", help="use the configured database, not a temp one"
    )
    args = parser.parse_args()
    setup_django(args.configured_db)
    user, slug = fill(args.posts, args.channels)
    figures = {"posts": args.posts, "channels": args.channels, "requests": args.requests}
    figures.update(measure(user, slug, args.requests))
    if args.json:
        print(json.dumps(figures))
        return
    print(f"Calendar month view, {args.posts} posts over {args.channels} channels")
    print(f"  p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms")
    print(f"  CPU time: p50 {figures['cpu_p50_ms']} ms, p95 {figures['cpu_p95_ms']} ms")
    print(f"  {figures['queries']} queries per request (target: p95 ≤ 150 ms)")


if __name__ == "__main__":
    main()
