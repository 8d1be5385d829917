"""Benchmark the coverage of the 1+N network: 694 lookouts' beats over 2,000 buildings, from the database and alone.

    python bench/lookouts.py [--buildings 2000] [--runs 20] [--scale-up 10]

In a child process, on a fresh SQLite database (bench/out/lookouts.sqlite3):
1. migrate and build the demo station without history (8 grids, 694 lookouts, its posts);
2. add buildings up to --buildings with places.services.building_save, at random points in the grids;
3. put every lookout on a beat through tips.posts (70 posts of about 10 lookouts, in grids 1–6):
   half name 5–20 buildings, a quarter an area (a square of about 150–400 m), a quarter a whole
   grid (in grids 1–3; an area elsewhere), so grids 7 and 8 are left with nobody;
   a third walk on set weekdays, a sixth on days of the month;
4. time tips.coverage.coverage_for (six queries and the computation) for the whole station and
   for one day's beats, and coverage_geojson, --runs times each; print p50 and p95.
Then, without a database: coverage_compute alone on the same inputs and on --scale-up times more
lookouts and buildings, to show the order of growth.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import children  # bench/children.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LOOKOUTS_PER_POST = 10
POST_GRIDS = 6
WHOLE_GRID_GRIDS = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buildings", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--scale-up", type=int, default=10, help="engine-only run with this many times more")
    parser.add_argument("--child", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    for leftover in OUT.glob("lookouts.sqlite3*"):
        leftover.unlink()
    arguments = ["--buildings", str(args.buildings), "--runs", str(args.runs), "--scale-up", str(args.scale_up)]
    results = children.run_child(__file__, f"sqlite:///{OUT / 'lookouts.sqlite3'}", arguments)
    (OUT / "lookouts.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


def timed(fn, runs: int) -> dict:
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    seconds.sort()
    return {
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))] * 1000, 1),
    }


def square(lon: float, lat: float, half: float) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def child(args) -> int:
    os.environ["DATABASE_URL"] = args.child
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_DEMO", "1")  # a throwaway database with the public demo keys
    import django

    django.setup()
    from django.core.management import call_command
    from shapely.geometry import shape

    from lianxin.demo.seed import demo_seed
    from lianxin.places.layout import random_point_in
    from lianxin.places.models import Building
    from lianxin.places.services import building_save
    from lianxin.tips import coverage
    from lianxin.tips.posts import beat_save, trade_post_save

    log = lambda text: print(f"sqlite: {text}", file=sys.stderr, flush=True)  # noqa: E731
    call_command("migrate", verbosity=0)
    now = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
    demo = demo_seed(now=now, scale=0.02, with_cases=False)
    station, chief, grids = demo.station, demo.users["chief"], demo.grids
    rng = random.Random(21)
    polygons = [shape(g.boundary) for g in grids]
    t0 = time.perf_counter()
    have = Building.objects.filter(station=station).count()
    for n in range(have, args.buildings):
        polygon = polygons[n % len(polygons)]
        lat, lon = random_point_in(polygon, rng)
        building_save(station=station, name=f"楼{n:05d}", lat=lat, lon=lon)
    log(f"{args.buildings} buildings in {time.perf_counter() - t0:.1f} s")
    by_grid: dict[int, list[int]] = {}
    for pk, grid_id in Building.objects.filter(station=station).values_list("id", "grid_id"):
        by_grid.setdefault(grid_id, []).append(pk)
    lookouts = list(demo.lookouts)
    t0 = time.perf_counter()
    for p in range(0, len(lookouts), LOOKOUTS_PER_POST):
        staff = lookouts[p : p + LOOKOUTS_PER_POST]
        # Posts in the first six grids only, whole-grid beats in the first three: the last two are gaps.
        grid = grids[(p // LOOKOUTS_PER_POST) % POST_GRIDS]
        lat, lon = random_point_in(polygons[grids.index(grid)], rng)
        post = trade_post_save(
            actor=chief, station=station, kind="other", name=f"哨{p:04d}", lat=lat, lon=lon, lookouts=staff
        )
        for i, lookout in enumerate(staff):
            roll = (p + i) % 4
            days = {"weekdays": rng.sample(range(1, 8), 2)} if i % 3 == 0 else {}
            if i % 6 == 1:
                days = {"month_days": "5,20"}
            if roll in (0, 1):
                pool = by_grid.get(grid.pk, [])
                beat_save(
                    actor=chief, post=post, lookout=lookout, building_ids=rng.sample(pool, rng.randint(5, 20)), **days
                )
            elif roll == 2 and grids.index(grid) < WHOLE_GRID_GRIDS:
                beat_save(actor=chief, post=post, lookout=lookout, grid_ids=[grid.pk], **days)
            else:
                here_lat, here_lon = random_point_in(polygons[grids.index(grid)], rng)
                half = rng.uniform(0.0007, 0.0018)
                beat_save(actor=chief, post=post, lookout=lookout, area=square(here_lon, here_lat, half), **days)
    log(f"{len(lookouts)} beats in {time.perf_counter() - t0:.1f} s")

    picture = coverage.coverage_for(user=chief)
    cov = picture.coverage
    figures: dict = {
        "lookouts": len(lookouts),
        "beats": len(picture.beats),
        "buildings": len(picture.buildings),
        "grids": len(picture.grids),
        "buildings_uncovered": len(cov.buildings_uncovered),
        "grid_status": {s: sum(1 for r in cov.grids.values() if r.status == s) for s in ("covered", "partial", "gap")},
        "coverage_for_station": timed(lambda: coverage.coverage_for(user=chief), args.runs),
        "coverage_for_one_day": timed(lambda: coverage.coverage_for(user=chief, on=dt.date(2026, 6, 16)), args.runs),
        "geojson": timed(lambda: coverage.coverage_geojson(coverage.coverage_for(user=chief)), args.runs),
        "geojson_bytes": len(json.dumps(coverage.coverage_geojson(picture), ensure_ascii=False).encode()),
    }
    grids_in = [(g.pk, g.boundary) for g in picture.grids]
    buildings_in = [coverage.BuildingInput(b.pk, b.grid_id, b.lat, b.lon) for b in picture.buildings]
    beats_in = coverage.beat_inputs(picture.beats)
    figures["compute_only"] = timed(
        lambda: coverage.coverage_compute(grids=grids_in, buildings=buildings_in, beats=beats_in), args.runs
    )
    k = args.scale_up
    big_buildings = [
        coverage.BuildingInput(b.building_id * k + j, b.grid_id, b.lat + rng.uniform(-1e-3, 1e-3), b.lon)
        for b in buildings_in
        for j in range(k)
    ]
    big_beats = [
        coverage.BeatInput(
            beat.beat_id * k + j,
            lookout_id=beat.lookout_id * k + j,
            building_ids=frozenset(x * k + j for x in beat.building_ids),
            grid_ids=beat.grid_ids,
            area=beat.area,
        )
        for beat in beats_in
        for j in range(k)
    ]
    figures[f"compute_only_x{k}"] = {
        "lookouts": len(big_beats),
        "buildings": len(big_buildings),
        **timed(lambda: coverage.coverage_compute(grids=grids_in, buildings=big_buildings, beats=big_beats), 5),
    }
    for key, value in figures.items():
        log(f"{key}: {value}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
