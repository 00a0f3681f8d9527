"""Analytics benchmark: ingestion and the dashboards' server time over a big history.

DESIGN.md §10 target: a dashboard over 100 channels × 2 years, server p95 ≤ 150 ms. Builds a
scratch install (bench/_scratch.py), generates the history with the demo generator
(orkesteri/analytics/demo.py: daily account samples for every channel and day, posts with
their collection-point samples), then:

- ingestion: writes a further batch of samples through the collector's upsert path
  (collect.upsert_samples, as a collection run stores them) and reports samples/s;
- pages: requests each dashboard through Django's test Client (routing, middleware, session,
  queries, charts, template: everything but the network) and reports p50/p95.

    .venv/bin/python bench/analytics.py [--json] [--backend sqlite|postgres]
        [--channels 100] [--days 730] [--posts 50000] [--requests 20]

`--json` prints {"backend", "ingest_samples_per_s", "generate_samples_per_s", "channels",
"days", "posts", "samples", "pages": {"<name>": {"p50_ms", "p95_ms"}}}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

INGEST_BATCH = 20_000


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from orkesteri.analytics import charts, collect
    from orkesteri.analytics.demo import generate_history
    from orkesteri.analytics.models import PostStats, Sample
    from orkesteri.testing import make_user
    from orkesteri.workspaces.actions import create_workspace

    user = make_user("bench@example.com", "Bench Owner")
    ws = create_workspace(user, "Bench Coffee", slug="bench", timezone_name="Europe/Helsinki")
    now = datetime.now(UTC)
    per_day = args.posts / (args.channels * args.days)
    made = generate_history(
        ws, days=args.days, channels=args.channels, posts_per_day=per_day, now=now
    )
    if connection.vendor == "postgresql":
        # This server runs without autovacuum (docs/performance.md): statistics by hand.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    samples = Sample.objects.count()
    posts = PostStats.objects.count()
    ingest = _ingest(collect, ws, now)
    client = Client()
    client.force_login(user)
    stats = PostStats.objects.filter(workspace=ws).order_by("-published_at")
    delivery = stats.values_list("delivery_id", flat=True).first()
    channel = stats.values_list("channel_id", flat=True).first()
    pages = {
        "overview_30d": "/w/bench/analytics/",
        "overview_365d": "/w/bench/analytics/?days=365",
        "content_30d": "/w/bench/analytics/content/",
        "content_365d": "/w/bench/analytics/content/?days=365",
        "channel_30d": f"/w/bench/analytics/channels/{channel}/",
        "post": f"/w/bench/analytics/posts/{delivery}/",
        "best_time": f"/w/bench/analytics/best-time/?channel={channel}",
        "api_overview_30d": f"/api/v1/workspaces/{ws.pk}/analytics/overview",
    }
    token_header = _api_token(user)
    from orkesteri import wsgi

    wsgi.settle()  # as the web server's process does once it has loaded the application
    timings: dict[str, dict[str, float]] = {}
    for name, url in pages.items():
        headers = token_header if url.startswith("/api/") else {}
        times = []
        for n in range(args.requests + 1):
            if n == args.requests // 2:
                charts.clear_cache()  # half the requests draw their charts afresh
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            if n:  # the first request warms caches and imports
                times.append(elapsed)
        times.sort()
        timings[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
        }
    return {
        "backend": connection.vendor,
        "channels": args.channels,
        "days": args.days,
        "posts": posts,
        "samples": samples,
        "generate_s": round(made.seconds, 1),
        "generate_samples_per_s": round(made.samples / made.seconds) if made.seconds else None,
        "ingest_samples_per_s": ingest,
        "pages": timings,
    }


def _ingest(collect: Any, ws: Any, now: datetime) -> float:
    """Samples/s through the collector's upsert: a batch of new post samples, in the
    transaction size a collection run uses (one per network batch of 25 posts)."""
    from django.db import transaction

    from orkesteri.analytics.models import PostStats

    rows = list(
        PostStats.objects.filter(workspace=ws).values_list("channel_id", "delivery_id")[
            : INGEST_BATCH // 4
        ]
    )
    at = now + timedelta(days=400)  # a point no generated sample has
    batch = [
        (channel_id, delivery_id, metric, at, 7)
        for channel_id, delivery_id in rows
        for metric in ("likes", "replies", "reposts", "quotes")
    ]
    started = time.perf_counter()
    for i in range(0, len(batch), 100):
        with transaction.atomic():
            collect.upsert_samples(batch[i : i + 100])
    return round(len(batch) / (time.perf_counter() - started))


def _api_token(user: Any) -> dict[str, str]:
    from orkesteri.accounts.actions import create_token

    _token, raw = create_token(user, "bench")
    return {"Authorization": f"Bearer {raw}"}


def bench(args: argparse.Namespace) -> dict[str, Any]:
    from _scratch import measured_in_scratch

    hosts = "testserver,127.0.0.1,localhost"
    return measured_in_scratch(
        args.backend,
        lambda: measure(args),
        pg_url=args.pg_url,
        keep=args.keep,
        ORKESTERI_ALLOWED_HOSTS=hosts,
    )


def report(r: dict[str, Any]) -> str:
    lines = [
        f"Analytics on {r['backend']}: {r['channels']} channels × {r['days']} days,"
        f" {r['posts']:,} posts, {r['samples']:,} samples",
        f"  generated in {r['generate_s']} s ({r['generate_samples_per_s']:,} samples/s)",
        f"  ingestion through the collector: {r['ingest_samples_per_s']:,} samples/s",
        "  page                 p50 ms   p95 ms",
    ]
    for name, t in r["pages"].items():
        lines.append(f"  {name:<20} {t['p50_ms']:>6.1f}   {t['p95_ms']:>6.1f}")
    return "\n".join(lines)


def main() -> int:
    if not sys.flags.safe_path:
        # Run without bench/ on sys.path (see bench/publish.py): a bench script named like a
        # standard module would shadow it.
        os.execv(sys.executable, [sys.executable, "-P", __file__, *sys.argv[1:]])
    sys.path.append(str(Path(__file__).resolve().parent))  # last: for _scratch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite data directory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = bench(args)
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
