"""Publishing benchmark: N deliveries due within one minute over M channels (DESIGN.md §10).

A stub VK API (bench/_stub_network.py, its own process, `--latency-ms` per request) plays
the network; real worker processes (`orkesteri worker`, via bench/_worker.py which only
points the VK adapter at the stub) send through the VK adapter and orkesteri/lib/http.py.
The bench makes a fresh data dir and database (SQLite + SqliteHuey, or a new PostgreSQL
database + RedisHuey with its own queue name), bulk-creates a workspace, M VK channels and N
posts with one delivery each, and schedules them the way `schedule_post` does: status
`scheduled`, then `publish_delivery.schedule((id, version), eta=due)` after commit. Due times
are spread evenly over `--spread-s` seconds (60: "due in one minute"; 0: all at once, which
measures how fast the engine drains a backlog). It waits until every delivery is final.

Reported: throughput (deliveries received by the stub / seconds from the first to the last
receive), lateness (stub receive time − due_at) p50/p99/p99.9/max, duplicates (wall.post
requests repeating a guid the stub already had: the engine sent twice) and lost (deliveries
the stub never received), and a raw httpx loop to the same stub with as many threads as the
workers have sends in flight (workers × concurrency), each on a keep-alive client (the ceiling
for this machine and latency).

    .venv/bin/python bench/publish.py [--deliveries 10000] [--channels 1000] [--latency-ms 50]
        [--backend sqlite|postgres] [--workers 2] [--threads 4] [--concurrency 24]
        [--spread-s 60] [--json]

PostgreSQL: a database is created on --pg-url (default postgresql://postgres@127.0.0.1:5432)
and dropped afterwards; Redis at --redis-url with a unique queue name, flushed afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
FINAL = ("published", "failed", "unknown", "cancelled")
GROUP_ID = 42


@dataclass
class Run:
    args: argparse.Namespace
    data_dir: Path
    env: dict[str, str]
    stub_url: str = ""
    stub_pid: int = 0
    raw_threads: int = 0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


# --- the stub and the workers ------------------------------------------------------------


@contextmanager
def stub_network(latency_ms: float, log: Path) -> Iterator[tuple[str, int]]:
    process = subprocess.Popen(
        [sys.executable, "-P", str(BENCH / "_stub_network.py"), "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        stderr=log.open("wb"),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "port":
            raise SystemExit(f"the stub network did not start (see {log})")
        yield f"http://127.0.0.1:{line[1]}", process.pid
    finally:
        process.terminate()
        process.wait(10)


def start_workers(run: Run) -> list[subprocess.Popen[bytes]]:
    workers = []
    for number in range(run.args.workers):
        log = (run.data_dir / f"worker-{number}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-P",
                    str(BENCH / "_worker.py"),
                    run.stub_url + "/method/",
                ],
                env=run.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        )
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)  # huey finishes running tasks, then exits
    for worker in workers:
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), 0 if unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine spent not idle (Linux /proc/stat)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --- the database ------------------------------------------------------------------------


def create_rows(args: argparse.Namespace) -> list[tuple[int, int, str]]:
    """A workspace, M channels, N posts with one delivery each; (id, version, key) each."""
    from django.db import transaction

    from orkesteri.accounts.models import User
    from orkesteri.channels.models import Channel
    from orkesteri.lib import crypto
    from orkesteri.publishing.models import Delivery, Post, Variant
    from orkesteri.workspaces.actions import create_workspace

    owner = User.objects.create_user(email="bench@example.com", password=uuid.uuid4().hex)
    workspace = create_workspace(owner, "Bench", slug="bench")
    secret = crypto.encrypt({"access_token": "bench-key"})
    with transaction.atomic():
        channels = Channel.objects.bulk_create(
            [
                Channel(
                    workspace=workspace,
                    network="vk",
                    display_name=f"Bench {i}",
                    remote_id=str(i),
                    credentials=secret,
                    config={"group_id": GROUP_ID, "photos": True},
                )
                for i in range(args.channels)
            ],
            batch_size=500,
        )
        posts = Post.objects.bulk_create(
            [
                Post(workspace=workspace, author=owner, text=f"Bench post {i}")
                for i in range(args.deliveries)
            ],
            batch_size=500,
        )
        variants = Variant.objects.bulk_create(
            [Variant(post=p, channel=channels[i % len(channels)]) for i, p in enumerate(posts)],
            batch_size=500,
        )
        deliveries = Delivery.objects.bulk_create(
            [Delivery(post=v.post, variant=v, channel=v.channel, status="draft") for v in variants],
            batch_size=500,
        )
    return [(d.pk, d.version, str(d.key)) for d in deliveries]


def schedule(args: argparse.Namespace, start: datetime) -> dict[int, datetime]:
    """Due times spread over the window; enqueued as `schedule_post` does (eta = due)."""
    from django.db import transaction
    from django.db.models import F

    from orkesteri.publishing import actions
    from orkesteri.publishing.models import Delivery, Post

    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    step = args.spread_s / max(len(ids), 1)
    due = {pk: start + timedelta(seconds=i * step) for i, pk in enumerate(ids)}
    with transaction.atomic():
        for pk, when in due.items():  # what _schedule_deliveries writes, one row each
            Delivery.objects.filter(pk=pk).update(
                status="scheduled", due_at=when, version=F("version") + 1
            )
        Post.objects.update(status="scheduled", scheduled_at=start)
        for delivery in Delivery.objects.only("pk", "version", "due_at").iterator():
            actions.enqueue(delivery)  # publish_delivery.schedule(..., eta) on commit
    return due


def analyze() -> None:
    """Planner statistics for the rows just made, as autovacuum's analyze would gather
    (it runs once a table changed by 10%; some servers, this development one included, have
    autovacuum off). Without them PostgreSQL takes the new table for nearly empty and reads
    every due delivery per claim instead of the head of the index."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def open_count() -> int:
    from orkesteri.publishing.models import Delivery

    return Delivery.objects.exclude(status__in=FINAL).count()


def statuses() -> dict[str, int]:
    from django.db.models import Count

    from orkesteri.publishing.models import Delivery

    rows = Delivery.objects.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def flush_queue() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.flush()


# --- measuring ---------------------------------------------------------------------------


def guid(key: str) -> str:
    """What the VK adapter sends as wall.post's guid (orkesteri/networks/vk/adapter.py)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def fetch_stats(url: str) -> dict[str, list[float]]:
    import httpx

    posts: dict[str, list[float]] = httpx.get(f"{url}/_stats", timeout=60).json()["posts"]
    return posts


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]


def raw_loop(url: str, total: int, threads: int) -> float:
    """Requests/s of `threads` threads posting to the stub on keep-alive httpx clients."""
    import httpx

    counter = iter(range(total))
    lock = threading.Lock()

    def loop() -> None:
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                client.post(
                    f"{url}/method/wall.post",
                    data={
                        "owner_id": -GROUP_ID,
                        "from_group": 1,
                        "guid": f"raw-{number}",
                        "message": f"Bench post {number}",
                        "v": "5.199",
                    },
                    headers={"Authorization": "Bearer bench-key"},
                ).raise_for_status()

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return total / (time.perf_counter() - began)


def wait_until_final(args: argparse.Namespace, deadline: float) -> int:
    left = open_count()
    while left and time.monotonic() < deadline:
        time.sleep(1)
        left = open_count()
    return left


def measure(run: Run) -> dict[str, Any]:
    args = run.args
    from django.db import connection

    rows = create_rows(args)
    workers = start_workers(run)
    run.processes.extend(workers)
    time.sleep(args.warmup_s)  # the consumers are up and polling
    began_enqueue = time.monotonic()
    start = datetime.now(UTC) + timedelta(seconds=args.lead_s)
    due = schedule(args, start)
    enqueue_s = time.monotonic() - began_enqueue
    if args.backend == "postgres":
        analyze()
    connection.close()
    cpu_before = {w.pid: cpu_seconds(w.pid) for w in workers}
    stub_cpu_before = cpu_seconds(run.stub_pid)
    machine_before, wall_before = busy_cpu_seconds(), time.monotonic()
    deadline = time.monotonic() + args.lead_s + args.spread_s + args.timeout_s
    left = wait_until_final(args, deadline)
    wall = time.monotonic() - wall_before
    worker_cpu = sum(cpu_seconds(w.pid) - cpu_before[w.pid] for w in workers)
    stub_cpu = cpu_seconds(run.stub_pid) - stub_cpu_before
    machine_cpu = busy_cpu_seconds() - machine_before
    final = statuses()
    stop_workers(workers)

    posts = fetch_stats(run.stub_url)
    lateness, received = [], []
    lost = 0
    duplicates = 0
    for pk, _version, key in rows:
        seen = posts.get(guid(key))
        if seen is None:
            lost += 1
            continue
        duplicates += int(seen[0]) - 1
        received.append(seen[1])
        lateness.append(seen[1] - due[pk].timestamp())
    span = (max(received) - min(received)) if len(received) > 1 else float("nan")
    raw = raw_loop(run.stub_url, min(args.deliveries, args.raw_requests), run.raw_threads)
    throughput = len(received) / span if span and span == span else float("nan")
    return {
        "backend": args.backend,
        "deliveries": args.deliveries,
        "channels": args.channels,
        "latency_ms": args.latency_ms,
        "spread_s": args.spread_s,
        "workers": args.workers,
        "threads": args.threads,
        "concurrency": args.concurrency,
        "throughput_per_s": round(throughput, 1),
        "raw_loop_per_s": round(raw, 1),
        "raw_loop_threads": run.raw_threads,
        "lateness_s": {
            "p50": round(percentile(lateness, 0.50), 3),
            "p99": round(percentile(lateness, 0.99), 3),
            "p999": round(percentile(lateness, 0.999), 3),
            "max": round(max(lateness), 3) if lateness else float("nan"),
        },
        "within_5s": round(sum(1 for v in lateness if v <= 5) / len(rows), 5),
        "duplicates": duplicates,
        "lost": lost,
        "not_final": left,
        "statuses": final,
        "enqueue_s": round(enqueue_s, 2),
        "wall_s": round(wall, 1),
        "worker_cpu_s": round(worker_cpu, 1),
        "worker_cpu_ms_per_delivery": round(1000 * worker_cpu / max(len(received), 1), 2),
        "stub_cpu_s": round(stub_cpu, 1),
        "machine_busy_cores": round(machine_cpu / wall, 2) if wall else float("nan"),
    }


def bench(args: argparse.Namespace) -> dict[str, Any]:
    from _scratch import django_setup, scratch

    with scratch(
        args.backend,
        pg_url=args.pg_url,
        redis_url=args.redis_url,
        keep=args.keep,
        ORKESTERI_ALLOW_PRIVATE_NETWORKS="1",
        ORKESTERI_WORKER_THREADS=str(args.threads),
        ORKESTERI_PUBLISH_CONCURRENCY=str(args.concurrency),
    ) as (env, data_dir):
        run = Run(args, data_dir, env)
        run.raw_threads = args.workers * args.concurrency  # requests in flight at once
        with stub_network(args.latency_ms, data_dir / "stub.log") as (url, pid):
            run.stub_url, run.stub_pid = url, pid
            django_setup(env)
            try:
                return measure(run)
            finally:
                stop_workers(run.processes)
                flush_queue()
                from django.db import connections

                connections.close_all()


def report(result: dict[str, Any]) -> str:
    late = result["lateness_s"]
    return "\n".join(
        [
            f"{result['backend']}: {result['deliveries']} deliveries over {result['channels']}"
            f" channels, {result['latency_ms']:g} ms latency, due over {result['spread_s']:g} s,"
            f" {result['workers']} workers × {result['threads']} threads,"
            f" {result['concurrency']} sends in flight each",
            f"  throughput      {result['throughput_per_s']:.1f} deliveries/s"
            f"  (raw httpx loop, {result['raw_loop_threads']} threads:"
            f" {result['raw_loop_per_s']:.1f}/s)",
            f"  lateness        p50 {late['p50']:.3f} s  p99 {late['p99']:.3f} s"
            f"  p99.9 {late['p999']:.3f} s  max {late['max']:.3f} s",
            f"  within 5 s      {100 * result['within_5s']:.2f}%",
            f"  duplicates      {result['duplicates']}  lost {result['lost']}"
            f"  not final {result['not_final']}  statuses {result['statuses']}",
            f"  worker CPU      {result['worker_cpu_s']:.1f} s"
            f" ({result['worker_cpu_ms_per_delivery']:.2f} ms/delivery); stub CPU"
            f" {result['stub_cpu_s']:.1f} s; machine busy {result['machine_busy_cores']:.2f}"
            f" cores over {result['wall_s']:.1f} s; enqueue took {result['enqueue_s']:.1f} s",
        ]
    )


def main() -> int:
    if not sys.flags.safe_path:
        # Run without bench/ on sys.path: a bench script named like a standard module
        # (calendar.py, say) would shadow it for everything imported here.
        os.execv(sys.executable, [sys.executable, "-P", __file__, *sys.argv[1:]])
    sys.path.append(str(BENCH))  # last: for _scratch, never before the standard library
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=1_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="ORKESTERI_WORKER_THREADS")
    parser.add_argument("--concurrency", type=int, default=24, help="ORKESTERI_PUBLISH_CONCURRENCY")
    parser.add_argument("--spread-s", type=float, default=60.0, help="due times over this")
    parser.add_argument("--lead-s", type=float, default=0.0, help="0: from the enqueue rate")
    parser.add_argument("--warmup-s", type=float, default=4.0)
    parser.add_argument("--timeout-s", type=float, default=600.0)
    parser.add_argument("--raw-requests", type=int, default=5_000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and logs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.lead_s:
        # Enqueueing into SqliteHuey ran at ~230 tasks/s on a busy 2-core machine; the first
        # delivery is due once every task is queued ("enqueue_s" in the result tells).
        args.lead_s = 15 + args.deliveries / 200
    result = bench(args)
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
