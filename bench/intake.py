"""Benchmark case intake through the service layer and the grid inbox query.

    python bench/intake.py [--count 100000] [--backends sqlite,postgres] [--runs 60]

For each backend, on a fresh database (SQLite: bench/out/intake.sqlite3;
PostgreSQL: the database lianxin_bench at 127.0.0.1:5432, created and dropped
here, skipped if the server is not reachable):
1. migrate and build the demo station without history (grids, staff, catalogue);
2. open --count cases with cases.services.case_open, one transaction each as a
   web request would, at points spread over the grids; print cases/s;
3. time the grid officer's inbox (case_list_for(box="grid"), first page of 50,
   evaluated) --runs times; print p50/p95 in ms and the database's plan.
Each backend runs in a child process because Django reads DATABASE_URL once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import children  # bench/children.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "lianxin_bench"
INBOX_PAGE = 50
PROGRESS_EVERY = 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="cases to open (default 100000)")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--runs", type=int, default=60, help="timed runs of the inbox query (default 60)")
    parser.add_argument("--child", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, count=args.count, runs=args.runs)
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            path = OUT / "intake.sqlite3"
            for leftover in OUT.glob("intake.sqlite3*"):
                leftover.unlink()
            results[backend] = run_child(f"sqlite:///{path}", args)
        elif backend == "postgres":
            results[backend] = run_postgres(args)
        else:
            parser.error(f"unknown backend {backend!r}")
    (OUT / "intake.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


def run_child(url: str, args) -> dict:
    return children.run_child(__file__, url, ["--count", str(args.count), "--runs", str(args.runs)])


def run_postgres(args) -> dict:
    return children.on_postgres(PG_BENCH_DB, lambda url: run_child(url, args))


def child(url: str, *, count: int, runs: int) -> int:
    """Run steps 1–3 against url and print one JSON line of figures last."""
    import datetime as dt
    import random

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_DEMO", "1")  # a throwaway database with the public demo keys
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from shapely.geometry import shape

    from lianxin.cases.models import Channel
    from lianxin.cases.selectors import CaseFilters, case_list_for
    from lianxin.cases.services import case_open
    from lianxin.demo.seed import demo_seed
    from lianxin.places.layout import random_point_in as point_in

    backend = connection.vendor
    log = lambda text: print(f"{backend}: {text}", file=sys.stderr, flush=True)  # noqa: E731
    call_command("migrate", verbosity=0)
    start_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    demo = demo_seed(now=start_at, scale=0.02, with_cases=False)
    rng = random.Random(7)
    shapes = [shape(g.boundary) for g in demo.grids]
    points = [point_in(rng.choice(shapes), rng) for _ in range(2000)]
    categories = list(demo.categories.values())
    actors = [*demo.chiefs.values(), *demo.duty_staff]
    channels = [Channel.HOTLINE, Channel.WALK_IN, Channel.COUNCIL, Channel.FRAUD_SCREENING]
    step = dt.timedelta(seconds=30)

    log(f"opening {count} cases through case_open …")
    started = time.perf_counter()
    for i in range(count):
        lat, lon = points[i % len(points)]
        case_open(
            station=demo.station,
            actor=actors[i % len(actors)],
            channel=channels[i % len(channels)],
            category=categories[i % len(categories)],
            description="基准测试：群众求助事项",
            lat=lat,
            lon=lon,
            now=start_at + step * i,
        )
        if (i + 1) % PROGRESS_EVERY == 0:
            log(f"{i + 1} cases, {(i + 1) / (time.perf_counter() - started):.0f} cases/s")
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    log(f"{count} cases in {elapsed:.1f} s: {rate:.0f} cases/s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a database in service has

    officer = demo.users["officer"]
    now = start_at + step * count
    filters = CaseFilters(box="grid")
    timings = []
    for _run in range(runs):
        t0 = time.perf_counter()
        page = list(case_list_for(user=officer, filters=filters, now=now)[:INBOX_PAGE])
        timings.append((time.perf_counter() - t0) * 1000)
    assert len(page) == INBOX_PAGE
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    in_grid = case_list_for(user=officer, filters=filters, now=now).count()
    log(f"inbox (grid officer, box=grid, first {INBOX_PAGE} of {in_grid}): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    plan = case_list_for(user=officer, filters=filters, now=now)[:INBOX_PAGE].explain()
    log("plan:\n" + plan)
    print(
        json.dumps(
            {
                "backend": backend,
                "cases": count,
                "seconds": round(elapsed, 1),
                "cases_per_second": round(rate),
                "inbox_cases_in_grid": in_grid,
                "inbox_p50_ms": round(p50, 2),
                "inbox_p95_ms": round(p95, 2),
                "inbox_runs": runs,
                "plan": plan,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
