"""CSV import benchmark: check and import a file of N posts to M channels (docs/import.md).

Issue 4 asks for files of up to 5,000 rows, imported in one web request. Builds a workspace
with M feed channels in a fresh database (SQLite in a temporary directory; or, with
`--backend postgres`, a new PostgreSQL database on --pg-url, dropped afterwards, and RedisHuey
with its own queue name, flushed afterwards), writes an Orkesteri-format file whose every row
goes to every channel, then times what `orkesteri import-csv` and the import page do:
`read_plan` (reading and checking every row) and `import_plan` (writing the posts and
queueing their deliveries once the transaction commits). Queries are counted on Django's
connection during the import; the queue's own writes (SqliteHuey or Redis) are timed apart as
"enqueue". Prints seconds, rows/s and queries per row; `--json` prints {"backend", "rows",
"channels", "deliveries", "check_s", "import_s", "enqueue_s", "total_s", "rows_per_s",
"queries", "queries_per_row", "queued"}.

    .venv/bin/python bench/csv_import.py [--rows 5000] [--channels 3] [--approval]
        [--backend sqlite|postgres] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def fill(args: argparse.Namespace) -> tuple[Any, Any, list[Any], bytes]:
    """A workspace in Europe/Helsinki, its feed channels, and the CSV file's bytes."""
    from orkesteri.channels.actions import connect_channel
    from orkesteri.testing import make_user
    from orkesteri.workspaces.actions import create_workspace

    user = make_user("bench@example.com", "Bench Owner")
    ws = create_workspace(user, "Bench Coffee", slug="bench", timezone_name="Europe/Helsinki")
    if args.approval:
        type(ws).objects.filter(pk=ws.pk).update(requires_approval=True)
        ws.refresh_from_db()
    channels = [
        connect_channel(ws, user, "feed", {"title": f"Channel {i}"}) for i in range(args.channels)
    ]
    names = ";".join(c.display_name for c in channels)
    start = datetime.now(UTC) + timedelta(days=30)
    lines = ["scheduled_at,channels,text,link,first_comment,pillar,tags"]
    for n in range(args.rows):
        when = (start + timedelta(minutes=17 * n)).isoformat(timespec="minutes")
        lines.append(
            f'{when},{names},"Post {n}: fresh roast of the day, with a second line\n'
            f'and a ☕",https://example.com/{n},Thanks!,Coffee,roast|daily'
        )
    return user, ws, channels, ("\n".join(lines) + "\n").encode()


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from orkesteri.publishing import csv_import
    from orkesteri.publishing.models import Delivery, Post
    from orkesteri.publishing.tasks import publish_delivery

    user, ws, channels, data = fill(args)
    enqueue_s = 0.0
    schedule = publish_delivery.schedule

    def timed_schedule(*a: Any, **kw: Any) -> Any:
        nonlocal enqueue_s
        began = time.perf_counter()
        try:
            return schedule(*a, **kw)
        finally:
            enqueue_s += time.perf_counter() - began

    publish_delivery.schedule = timed_schedule  # type: ignore[method-assign]
    queries = 0

    def count(run: Any, sql: str, *a: Any) -> Any:
        nonlocal queries
        queries += 1
        return run(sql, *a)

    began = time.perf_counter()
    options = csv_import.Options(zone=ws.timezone, now=timezone.now(), chosen=[])
    plan = csv_import.read_plan(data, channels, options)
    checked = time.perf_counter()
    assert not plan.failed, plan.failed[0].errors
    with connection.execute_wrapper(count):
        result = csv_import.import_plan(ws, user, plan, source="bench.csv")
    done = time.perf_counter()
    publish_delivery.schedule = schedule  # type: ignore[method-assign]
    assert result.created == args.rows == Post.objects.filter(workspace=ws).count()
    deliveries = Delivery.objects.filter(post__workspace=ws).count()
    queued = HUEY.pending_count() + HUEY.scheduled_count()
    HUEY.flush()
    total = done - began
    return {
        "backend": args.backend + ("+redis" if os.environ.get("ORKESTERI_REDIS_URL") else ""),
        "rows": args.rows,
        "channels": args.channels,
        "approval": args.approval,
        "deliveries": deliveries,
        "check_s": round(checked - began, 2),
        "import_s": round(done - checked, 2),
        "enqueue_s": round(enqueue_s, 2),
        "total_s": round(total, 2),
        "rows_per_s": round(args.rows / total, 1),
        "queries": queries,
        "queries_per_row": round(queries / args.rows, 2),
        "queued": queued,
    }


def bench(args: argparse.Namespace) -> dict[str, Any]:
    from _scratch import measured_in_scratch

    return measured_in_scratch(
        args.backend, lambda: measure(args), pg_url=args.pg_url, redis_url=args.redis_url
    )


def report(r: dict[str, Any]) -> str:
    approval = ", workspace requires approval" if r["approval"] else ""
    return "\n".join(
        [
            f"CSV import on {r['backend']}: {r['rows']} rows × {r['channels']} channels"
            f" ({r['deliveries']} deliveries{approval})",
            f"  check  {r['check_s']:.2f} s",
            f"  import {r['import_s']:.2f} s (of which queueing the sends: {r['enqueue_s']:.2f} s)",
            f"  total  {r['total_s']:.2f} s, {r['rows_per_s']:.0f} rows/s",
            f"  {r['queries']} queries, {r['queries_per_row']} per row; {r['queued']} tasks queued",
        ]
    )


def main() -> int:
    if not sys.flags.safe_path:
        # Run without bench/ on sys.path, as bench/publish.py does: a bench script named like
        # a standard module would shadow it for everything imported here.
        os.execv(sys.executable, [sys.executable, "-P", __file__, *sys.argv[1:]])
    sys.path.append(str(Path(__file__).resolve().parent))  # last: for _scratch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--approval", action="store_true", help="the workspace needs approval")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/0",
        help="the queue for --backend postgres; empty: SqliteHuey",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = bench(args)
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
