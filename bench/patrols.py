"""Benchmark patrol tracks: fixes ingested per second through the service layer, and the length of a long track.

    python bench/patrols.py [--points 200000] [--backends sqlite,postgres] [--long 1000000]

For each backend, on a fresh database (SQLite: bench/out/patrols.sqlite3; PostgreSQL: the
database lianxin_bench_patrols at 127.0.0.1:5432, created and dropped here, skipped if the
server is not reachable), in a child process:
1. migrate and build the demo station without history (its patrol teams);
2. ingest --points fixes with patrols.services.patrol_points_add into 40 patrols walking
   at once, in uploads of 500 fixes (a phone's offline queue, a GPS file) and then in
   uploads of 20 (a phone with a signal), one transaction each; each upload stores the
   fixes and measures the whole track again; print fixes/s for both;
3. store one patrol of 100,000 fixes and time measuring it from the database (what every
   upload and the stop do).
Then, without a database: the track engine alone on a --long fixes walk (default 1,000,000,
about 1,400 km at a walking pace), with noise and jumps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import children  # bench/children.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PG_BENCH_DB = "lianxin_bench_patrols"
WALKERS = 40
BIG_BATCH = 500
SMALL_BATCH = 20
LONG_PATROL_POINTS = 100_000
FIX_SECONDS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=200_000, help="fixes to ingest in uploads of 500")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--long", type=int, default=1_000_000, help="fixes of the engine-only long track")
    parser.add_argument("--child", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        return child(args.child, points=args.points)
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict = {"engine": engine_long(args.long)}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            for leftover in OUT.glob("patrols.sqlite3*"):
                leftover.unlink()
            results[backend] = run_child(f"sqlite:///{OUT / 'patrols.sqlite3'}", args)
        elif backend == "postgres":
            results[backend] = run_postgres(args)
        else:
            parser.error(f"unknown backend {backend!r}")
    (OUT / "patrols.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


def walk(rng: random.Random, lat: float, lon: float, n: int, *, noise_m: float = 4.0) -> list[tuple[float, float]]:
    """Return n fixes of a walk at 1.3 m/s from (lat, lon), turning now and then, with GPS noise and rare jumps."""
    heading = rng.uniform(0, 360)
    out = []
    for i in range(n):
        if i % 60 == 0:
            heading += rng.choice((-90, 0, 90))
        lat += 1.3 * FIX_SECONDS * math.cos(math.radians(heading)) / 111_132
        lon += 1.3 * FIX_SECONDS * math.sin(math.radians(heading)) / (111_320 * math.cos(math.radians(lat)))
        if rng.random() < 0.003:
            out.append((lat + 0.005, lon))
        else:
            out.append((lat + rng.gauss(0, noise_m) / 111_132, lon + rng.gauss(0, noise_m) / 85_000))
    return out


def engine_long(n: int) -> dict:
    from lianxin.engines.geo.track import Fix, track_length

    rng = random.Random(11)
    fixes = [Fix(i * FIX_SECONDS, lat, lon, 8.0) for i, (lat, lon) in enumerate(walk(rng, 40.1, 124.39, n))]
    t0 = time.perf_counter()
    result = track_length(fixes)
    seconds = time.perf_counter() - t0
    print(
        f"engine: {n} fixes, {result.metres / 1000:.1f} km, {result.jumps} jumps left out, {seconds:.2f} s",
        file=sys.stderr,
    )
    return {
        "fixes": n,
        "km": round(result.metres / 1000, 1),
        "seconds": round(seconds, 2),
        "fixes_per_second": round(n / seconds),
    }


def run_child(url: str, args) -> dict:
    return children.run_child(__file__, url, ["--points", str(args.points)])


def run_postgres(args) -> dict:
    return children.on_postgres(PG_BENCH_DB, lambda url: run_child(url, args))


def child(url: str, *, points: int) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_DEMO", "1")  # a throwaway database with the public demo keys
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from lianxin.demo.seed import demo_seed
    from lianxin.patrols.services import PointIn, patrol_points_add, patrol_start, patrol_stop

    backend = connection.vendor
    log = lambda text: print(f"{backend}: {text}", file=sys.stderr, flush=True)  # noqa: E731
    call_command("migrate", verbosity=0)
    start_at = dt.datetime(2025, 3, 1, 0, 0, tzinfo=dt.UTC)
    demo = demo_seed(now=start_at, scale=0.02, with_cases=False)
    station = demo.station
    members = list(demo.teams["patrol"].members.order_by("id"))[:WALKERS]
    rng = random.Random(5)

    def ingest(total: int, batch: int, day: int) -> dict:
        began = start_at + dt.timedelta(days=day)
        patrols = [patrol_start(actor=m, now=began) for m in members]
        per_walker = total // len(members)
        tracks = [walk(rng, station.center_lat, station.center_lon, per_walker) for _ in members]
        end = began + dt.timedelta(seconds=FIX_SECONDS * per_walker)
        stored = 0
        t0 = time.perf_counter()
        for offset in range(0, per_walker, batch):
            for patrol, member, track in zip(patrols, members, tracks, strict=True):
                fixes = [
                    PointIn(began + dt.timedelta(seconds=FIX_SECONDS * (offset + k)), lat, lon, 8.0)
                    for k, (lat, lon) in enumerate(track[offset : offset + batch])
                ]
                stored += patrol_points_add(patrol=patrol, actor=member, points=fixes, now=end)
        seconds = time.perf_counter() - t0
        for patrol, member in zip(patrols, members, strict=True):
            patrol_stop(patrol=patrol, actor=member, now=end)
        rate = stored / seconds
        log(f"{stored} fixes in uploads of {batch}: {seconds:.1f} s, {rate:.0f} fixes/s")
        return {"fixes": stored, "batch": batch, "seconds": round(seconds, 1), "fixes_per_second": round(rate)}

    big = ingest(points, BIG_BATCH, 0)
    small = ingest(max(len(members) * SMALL_BATCH * 10, points // 10), SMALL_BATCH, 1)

    from lianxin.patrols.models import Patrol, TrackPoint
    from lianxin.patrols.services import _recompute

    member = members[0]
    long_start = start_at + dt.timedelta(days=3)
    patrol = patrol_start(actor=member, now=long_start)
    track = walk(rng, station.center_lat, station.center_lon, LONG_PATROL_POINTS)
    TrackPoint.objects.bulk_create(
        [
            TrackPoint(
                patrol=patrol,
                recorded_at=long_start + dt.timedelta(seconds=FIX_SECONDS * i),
                lat=a,
                lon=b,
                accuracy_m=8.0,
            )
            for i, (a, b) in enumerate(track)
        ],
        batch_size=5000,
    )
    t0 = time.perf_counter()
    _recompute(Patrol.objects.get(pk=patrol.pk), now=long_start + dt.timedelta(days=1))
    seconds = time.perf_counter() - t0
    patrol.refresh_from_db()
    log(f"measuring a stored patrol of {LONG_PATROL_POINTS} fixes ({patrol.distance_m / 1000:.1f} km): {seconds:.2f} s")
    print(
        json.dumps(
            {
                "backend": backend,
                "ingest_batch_500": big,
                "ingest_batch_20": small,
                "measure_stored_patrol": {
                    "fixes": LONG_PATROL_POINTS,
                    "km": round(patrol.distance_m / 1000, 1),
                    "seconds": round(seconds, 2),
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
