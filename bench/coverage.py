"""Benchmark patrol coverage over a year of tracks: every grid and border segment, from about 2,000,000 stored fixes.

    python bench/coverage.py [--patrols 1000] [--fixes 2000]

On a fresh SQLite database (bench/out/coverage.sqlite3), in this process:
1. migrate and build the demo station without history (its grids and border segments, its teams);
2. store a year of ended patrols (--patrols, default 1,000) of --fixes fixes each (default 2,000:
   about 14 km at a walking pace, so 14,000 km and 2,000,000 fixes in all), starting on a border
   segment or in a grid, written straight into the tables (the ingest rate is bench/patrols.py's);
3. time the coverage of the year from the tracks themselves: every patrol's fixes read back from
   the database and its grids and segments worked out (patrols.services._coverage, what the stop
   does), then the table per grid and segment (patrols covering it, last day) — printed as
   "from tracks"; then the same in one go with the samples taken in the database
   (patrols.services.patrols_coverage_recompute: every n-th fix read in one query, all tested at
   once), checked against it;
4. time the desk's coverage table over the same year from the coverage each patrol kept when it
   ended (selectors.coverage_for with days=366) — printed as "from stored coverage".
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
FIX_SECONDS = 5
WALK_MPS = 1.4
YEAR_DAYS = 365


def walk(rng: random.Random, lat: float, lon: float, n: int) -> list[tuple[float, float]]:
    """Return n fixes of a walk from (lat, lon), turning now and then, with a few metres of GPS noise."""
    heading, out = rng.uniform(0, 360), []
    for i in range(n):
        if i % 80 == 0:
            heading += rng.choice((-60, 0, 60))
        lat += WALK_MPS * FIX_SECONDS * math.cos(math.radians(heading)) / 111_132
        lon += WALK_MPS * FIX_SECONDS * math.sin(math.radians(heading)) / (111_320 * math.cos(math.radians(lat)))
        out.append((lat + rng.gauss(0, 4) / 111_132, lon + rng.gauss(0, 4) / 85_000))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patrols", type=int, default=1000)
    parser.add_argument("--fixes", type=int, default=2000, help="fixes per patrol")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    for leftover in OUT.glob("coverage.sqlite3*"):
        leftover.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'coverage.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_DEMO", "1")  # a throwaway database with the public demo keys
    os.environ.setdefault("LIANXIN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from lianxin.demo.seed import demo_seed
    from lianxin.patrols import selectors
    from lianxin.patrols.models import Patrol, PatrolStatus, TrackPoint
    from lianxin.patrols.services import _coverage, _track_arrays, patrols_coverage_recompute
    from lianxin.places.models import Grid, Landmark

    call_command("migrate", verbosity=0)
    now = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    demo = demo_seed(now=now, scale=0.02, with_cases=False)
    assert demo is not None
    station = demo.station
    walkers = list(demo.teams["patrol"].members.order_by("id")) + list(demo.teams["border"].members.order_by("id"))
    starts: list[tuple[float, float]] = []
    for geometry in Landmark.objects.filter(station=station, kind=Landmark.Kind.BORDER).values_list(
        "geometry", flat=True
    ):
        starts += [(lat, lon) for lon, lat in geometry["coordinates"]]
    for boundary in Grid.objects.filter(station=station).values_list("boundary", flat=True):
        ring = boundary["coordinates"][0]
        starts.append((sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring)))
    grids = Grid.objects.filter(station=station).count()
    segments = Landmark.objects.filter(station=station, kind=Landmark.Kind.BORDER).count()

    # 2. A year of ended patrols, their fixes written straight into the table.
    rng = random.Random(21)
    t0 = time.perf_counter()
    table = TrackPoint._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    fixes = 0
    with transaction.atomic():
        for n in range(args.patrols):
            began = now - dt.timedelta(days=YEAR_DAYS) + dt.timedelta(hours=n * YEAR_DAYS * 24 / args.patrols)
            patrol = Patrol.objects.create(
                station=station,
                member=walkers[n % len(walkers)],
                status=PatrolStatus.ENDED,
                started_at=began,
                ended_at=began + dt.timedelta(seconds=FIX_SECONDS * args.fixes),
                points_count=args.fixes,
            )
            lat, lon = starts[rng.randrange(len(starts))]
            rows = [
                (patrol.pk, adapt(began + dt.timedelta(seconds=FIX_SECONDS * i)), a, b, 8.0)
                for i, (a, b) in enumerate(walk(rng, lat, lon, args.fixes))
            ]
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} (patrol_id, recorded_at, lat, lon, accuracy_m) VALUES (%s, %s, %s, %s, %s)",
                    rows,
                )
            fixes += len(rows)
    stored_s = time.perf_counter() - t0
    km = fixes * WALK_MPS * FIX_SECONDS / 1000
    print(f"stored {args.patrols} patrols, {fixes:,} fixes (~{km:,.0f} km) in {stored_s:.1f} s", flush=True)
    print(f"station: {grids} grids, {segments} border segments", flush=True)

    # 3. Coverage from the tracks themselves.
    ids = list(Patrol.objects.filter(station=station).order_by("id").values_list("id", "started_at"))
    t0 = time.perf_counter()
    covered: dict[tuple[str, int], list] = {}
    by_id: dict[int, tuple[list[int], list[int]]] = {}
    read_s = 0.0
    for pk, started_at in ids:
        r0 = time.perf_counter()
        _t, lat, lon, _acc = _track_arrays(pk)
        read_s += time.perf_counter() - r0
        grid_ids, segment_ids = _coverage(station.pk, lat, lon)
        by_id[pk] = (grid_ids, segment_ids)
        for key in [("grid", g) for g in grid_ids] + [("segment", s) for s in segment_ids]:
            entry = covered.setdefault(key, [0, started_at])
            entry[0] += 1
            entry[1] = max(entry[1], started_at)
    tracks_s = time.perf_counter() - t0
    print(
        f"coverage from tracks: {tracks_s:.2f} s ({read_s:.2f} s reading the fixes), "
        f"{sum(1 for k in covered if k[0] == 'grid')}/{grids} grids and "
        f"{sum(1 for k in covered if k[0] == 'segment')}/{segments} segments covered",
        flush=True,
    )

    # 3b. The same in one go, sampled in the database (patrols.services.patrols_coverage_recompute).
    Patrol.objects.update(grid_ids=[], segment_ids=[])
    t0 = time.perf_counter()
    redone = patrols_coverage_recompute(station_id=station.pk, since=now - dt.timedelta(days=YEAR_DAYS + 1))
    batch_s = time.perf_counter() - t0
    same = sum(
        1
        for p in Patrol.objects.filter(station=station).only("id", "grid_ids", "segment_ids")
        if (set(p.grid_ids), set(p.segment_ids)) == tuple(set(ids) for ids in by_id[p.pk])
    )
    print(
        f"coverage from tracks, sampled in the database (patrols_coverage_recompute): {batch_s:.2f} s "
        f"for {redone} patrols; {same}/{redone} agree with the per-patrol pass",
        flush=True,
    )

    # 4. The desk's table over the year from each patrol's stored coverage.
    officer = demo.users["officer"]
    timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        rows = selectors.coverage_for(user=officer, now=now, days=YEAR_DAYS + 1)
        timings.append(time.perf_counter() - t0)
    print(f"coverage from stored coverage (year, {len(rows)} rows): best {min(timings) * 1000:.1f} ms", flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
