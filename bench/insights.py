"""Benchmark the insights dashboard and the monthly PDF on a station with 2 years and 200,000 cases.

1. migrate a fresh SQLite file (or DATABASE_URL) and build the demo station without history;
2. insert N cases over two years with bulk_create (bench data only: the app writes cases through
   cases.services, which would take most of an hour at this size) with ratings, resolutions and
   cart contacts in the demo's proportions;
3. time the dashboard's headline figures (every registered metric, this year to date and the same
   period a year before: what the page paints first), the whole dashboard with 12 monthly trends,
   and a monthly PDF report.

Run: python bench/insights.py [--count 200000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="lianxin-bench-insights-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_DEMO", "1")  # bench data on the demo station, with its public keys
    os.environ.setdefault("LIANXIN_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import datetime as dt
    import random

    import django

    django.setup()
    import logging

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from lianxin.cases.models import Case, Channel, Resolution, Status
    from lianxin.demo.seed import demo_seed
    from lianxin.insights import selectors, services

    call_command("migrate", verbosity=0)
    now = dt.datetime(2026, 6, 15, 2, tzinfo=dt.UTC)
    demo = demo_seed(now=now, scale=0.02, with_cases=False)
    rng = random.Random(11)
    categories = list(demo.categories.values())
    grids = [g.id for g in demo.grids]
    span = 730 * 86400
    print(f"{connection.vendor}: inserting {args.count} cases …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    batch = []
    for i in range(args.count):
        opened = now - dt.timedelta(seconds=rng.randrange(span))
        category = categories[i % len(categories)]
        finished = rng.random() < 0.95
        cart = rng.random() < 0.1
        resolution = Resolution.ON_THE_SPOT if cart else rng.choice([Resolution.ADVICE_GIVEN, Resolution.REFERRED])
        rated = finished and rng.random() < 0.6
        batch.append(
            Case(
                station=demo.station,
                number=f"B-{i:07d}",
                channel=Channel.SERVICE_CART if cart else Channel.WALK_IN,
                category=category,
                description="基准",
                grid_id=rng.choice(grids),
                status=Status.CLOSED if finished else Status.IN_PROGRESS,
                resolution=resolution if finished else "",
                is_public_order=category.is_public_order,
                rating=rng.choice([5, 5, 5, 4, 3]) if rated else None,
                opened_at=opened,
                due_at=opened + dt.timedelta(hours=72),
                resolved_at=opened + dt.timedelta(hours=5) if finished else None,
                closed_at=opened + dt.timedelta(hours=6) if finished else None,
                rated_at=opened + dt.timedelta(hours=6) if rated else None,
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    print(f"inserted in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    chief = demo.users[next(u for u in demo.users if demo.users[u].role == "station_chief")]
    today = selectors.local_today(now)
    start_on, end_on = selectors.year_to_date(today)

    def best(fn) -> float:
        times = []
        for _run in range(args.runs):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        return min(times)

    def figures(**kw):
        return selectors.figures_for(user=chief, start_on=start_on, end_on=end_on, now=now, **kw)

    # Counted afresh (no snapshot yet), then as the page reads them once the worker's hourly
    # snapshot sweep has counted the closed months.
    live_headline = best(lambda: figures(with_trend=False))
    live_full = best(lambda: figures())
    t0 = time.perf_counter()
    written = services.snapshots_refresh(now=now, limit=100_000)
    sweep = time.perf_counter() - t0
    headline = best(lambda: figures(with_trend=False))
    full = best(lambda: figures())
    t0 = time.perf_counter()
    services.report_generate(station=demo.station, start_on=dt.date(2026, 5, 1), end_on=dt.date(2026, 5, 31), now=now)
    pdf = time.perf_counter() - t0
    print(f"cases: {args.count} over 2 years, {connection.vendor}")
    print(f"counted afresh: headline {live_headline:.0f} ms, whole dashboard {live_full:.0f} ms (best of {args.runs})")
    print(f"snapshot sweep (the worker, hourly): {written} month values in {sweep:.1f} s")
    print(f"headline figures (all metrics, YTD + year before): {headline:.0f} ms (best of {args.runs})")
    print(f"whole dashboard with 12 monthly trends: {full:.0f} ms (best of {args.runs})")
    print(f"monthly PDF: {pdf:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
