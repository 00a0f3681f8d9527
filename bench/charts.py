"""Charts benchmark: the time to render each chart of orkesteri/analytics/charts.py to SVG.

A dashboard page (DESIGN.md §10: server p95 ≤ 150 ms) holds 2–4 charts and a few sparklines,
so each must cost tens of milliseconds at most. Every run renders afresh (the cache is
cleared first), then one more render of the biggest chart shows what a cache hit costs.
Prints min, p50 and p95 wall and CPU milliseconds and the SVG's size per chart; the "page"
row renders the 12-line chart, the heatmap, two bar charts and six sparklines together.
`--json` prints {"runs", "charts": {"<name>": {"min_ms", "p50_ms", "p95_ms", "cpu_p50_ms",
"cpu_p95_ms", "bytes"}}, "cache_hit_ms"}.

    .venv/bin/python bench/charts.py [--json] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orkesteri.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def cases() -> dict[str, Callable[[], str]]:
    """Chart name → a render of it over realistic data (a fixed seed: every run the same)."""
    from orkesteri.analytics.charts import Series, bar_chart, heatmap, line_chart, sparkline

    rng = random.Random(5)
    start = date(2024, 1, 1)

    def followers(channel: int, days: int) -> Series:
        level = rng.uniform(500, 50_000)
        points: list[tuple[date, float | None]] = []
        for day in range(days):
            level *= 1 + rng.gauss(0.001, 0.004)
            points.append((start + timedelta(days=day), None if rng.random() < 0.01 else level))
        return Series(f"Channel {channel}", points)

    one_month = [followers(0, 30)]
    quarter = [followers(i, 90) for i in range(3)]
    two_years = [followers(i, 730) for i in range(12)]
    hours = [f"{h:02d}" for h in range(24)]
    matrix = [
        [rng.lognormvariate(0, 0.6) if rng.random() > 0.1 else None for _ in hours]
        for _ in WEEKDAYS
    ]
    counts = [[rng.randint(0, 40) for _ in hours] for _ in WEEKDAYS]
    hashtags = [f"#hashtag{i}" for i in range(20)]
    tag_values = sorted((rng.lognormvariate(1, 1) for _ in hashtags), reverse=True)
    trend = [rng.gauss(100, 10) for _ in range(30)]

    charts: dict[str, Callable[[], str]] = {
        "line 1×30 days": lambda: line_chart(one_month, title="Followers"),
        "line 3×90 days": lambda: line_chart(quarter, title="Followers"),
        "line 12×730 days": lambda: line_chart(two_years, title="Followers"),
        "bar 7 weekdays": lambda: bar_chart(
            WEEKDAYS, [2.1, 3.4, None, 2.8, 3.9, 1.2, 0.8], title="ER", value_format="{:.1f}%"
        ),
        "bar 20 hashtags": lambda: bar_chart(
            hashtags, tag_values, title="Top hashtags", value_format="{:.1f}%", horizontal=True
        ),
        "heatmap 7×24": lambda: heatmap(
            matrix, row_labels=WEEKDAYS, col_labels=hours, title="Best time", counts=counts
        ),
        "sparkline 30": lambda: sparkline(trend),
    }
    on_page = ("line 12×730 days", "heatmap 7×24", "bar 7 weekdays", "bar 20 hashtags")

    def page() -> str:
        sparklines = [sparkline([v + i for v in trend]) for i in range(6)]
        return "".join([*(charts[name]() for name in on_page), *sparklines])

    return {**charts, "page (4 charts + 6 sparklines)": page}


def measure(render: Callable[[], str], runs: int) -> dict[str, Any]:
    from orkesteri.analytics.charts import clear_cache

    clear_cache()
    render()  # warm: fonts, translations, first-use imports
    wall: list[float] = []
    cpu: list[float] = []
    size = 0
    for _ in range(runs):
        clear_cache()
        started, cpu_started = time.perf_counter(), time.thread_time()
        size = len(render())
        cpu.append((time.thread_time() - cpu_started) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {
        "min_ms": round(min(wall), 1),
        "p50_ms": round(statistics.median(wall), 1),
        "p95_ms": round(percentile(wall, 95), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile(cpu, 95), 1),
        "bytes": size,
    }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def cache_hit_ms(render: Callable[[], str], runs: int) -> float:
    render()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        render()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def main() -> int:
    if not sys.flags.safe_path:
        # Run without bench/ on sys.path (see bench/publish.py): a bench script named like a
        # module would shadow it.
        os.execv(sys.executable, [sys.executable, "-P", __file__, *sys.argv[1:]])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=30, help="renders per chart")
    args = parser.parse_args()
    setup_django()
    charts = cases()
    result = {
        "runs": args.runs,
        "charts": {name: measure(render, args.runs) for name, render in charts.items()},
        "cache_hit_ms": cache_hit_ms(charts["line 12×730 days"], args.runs),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.runs} fresh renders each (cache cleared); load average {os.getloadavg()[0]:.1f}")
    head = ("min", "p50", "p95", "cpu p50", "cpu p95", "bytes")
    print(f"  {'chart':<32} {head[0]:>6} {head[1]:>6} {head[2]:>6}", *(f"{h:>8}" for h in head[3:]))
    for name, t in result["charts"].items():
        print(
            f"  {name:<32} {t['min_ms']:>6.1f} {t['p50_ms']:>6.1f} {t['p95_ms']:>6.1f}"
            f" {t['cpu_p50_ms']:>8.1f} {t['cpu_p95_ms']:>8.1f} {t['bytes']:>8,}"
        )
    print(f"  a cached 12×730 line chart: {result['cache_hit_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
