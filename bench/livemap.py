"""Benchmark the desk's live map with 200 members on patrol: a new fix stored → the desk's stream → its picture.

    python bench/livemap.py [--members 200] [--fixes 720] [--trials 40]

On a fresh SQLite database (bench/out/livemap.sqlite3), in this process:
1. migrate, build the demo station without history, add volunteers up to --members;
2. start a patrol for each and store --fixes fixes of each (an hour at one fix every 5 s) through
   patrols.services.patrol_points_add, in uploads of 60;
3. serve the ASGI app with uvicorn (a thread here, as tests/care/test_browser.py does), with live
   push through Redis at 127.0.0.1:6379 db 15 when it answers (the production shape), else the
   in-process hub; the station chief's session opens the desk's live stream (GET /live/, SSE);
4. --trials times: one member uploads one new fix (patrol_points_add, committed); time until the
   patrol_point event arrives on the chief's open stream ("channel": the desk's map moves the
   member's marker and distance from the event itself, patrols-map.js), and until the desk's
   picture (GET /api/v1/patrols/desk, which the page re-reads for the routes at most every 2 s
   after a new fix) carries the new position ("picture").
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import queue
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
FIX_SECONDS = 5
UPLOAD = 60


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--fixes", type=int, default=720, help="fixes already stored for each patrol")
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    for leftover in OUT.glob("livemap.sqlite3*"):
        leftover.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'livemap.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_DEMO", "1")  # a throwaway database with the public demo keys
    os.environ.setdefault("LIANXIN_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    import uvicorn
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from lianxin.core.models import Role, User
    from lianxin.demo.seed import demo_seed
    from lianxin.patrols import selectors
    from lianxin.patrols.services import PointIn, patrol_points_add, patrol_start

    call_command("migrate", verbosity=0)
    now = timezone.now()
    demo = demo_seed(now=now - dt.timedelta(days=1), scale=0.02, with_cases=False)
    assert demo is not None
    station = demo.station
    members = [u for u in User.objects.filter(station=station, role=Role.VOLUNTEER).order_by("id")][: args.members]
    for n in range(len(members), args.members):
        members.append(User.objects.create(username=f"bench_walker_{n}", station=station, role=Role.VOLUNTEER))
    chief = User.objects.filter(station=station, role=Role.STATION_CHIEF).first()
    assert chief is not None
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping()
        settings.LIANXIN_REDIS_URL = "redis://127.0.0.1:6379/15"
        path = "Redis pub/sub"
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        settings.LIANXIN_REDIS_URL = ""
        path = "in-process hub"

    # 2. 200 patrols under way, an hour of fixes each.
    rng = random.Random(3)
    began = now - dt.timedelta(seconds=FIX_SECONDS * (args.fixes + 10))
    last: dict[int, tuple[dt.datetime, float, float]] = {}
    patrols = []
    t0 = time.perf_counter()
    for member in members:
        patrol = patrol_start(actor=member, now=began)
        lat = station.center_lat + rng.uniform(-0.01, 0.01)
        lon = station.center_lon + rng.uniform(-0.01, 0.01)
        heading = rng.uniform(0, 2 * math.pi)
        fixes = []
        for i in range(args.fixes):
            lat += 7 * math.cos(heading) / 111_132
            lon += 7 * math.sin(heading) / 85_000
            heading += rng.gauss(0, 0.05)
            fixes.append(PointIn(began + dt.timedelta(seconds=FIX_SECONDS * i), lat, lon, 8.0))
        for k in range(0, len(fixes), UPLOAD):
            patrol_points_add(patrol=patrol, actor=member, points=fixes[k : k + UPLOAD], now=now)
        last[patrol.pk] = (fixes[-1].recorded_at, lat, lon)
        patrols.append((patrol, member))
    print(
        f"{len(patrols)} patrols under way, {len(patrols) * args.fixes:,} fixes stored in {time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    picture = selectors.desk_picture_for(user=chief, now=timezone.now())
    print(f"desk picture in process: {len(picture['patrols'])} patrols, {(time.perf_counter() - t0) * 1000:.0f} ms")

    # 3. The server, and the chief's session with the desk's stream open.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from lianxin.asgi import application

    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    client = Client()
    client.force_login(chief)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    assert client.session[SESSION_KEY] == str(chief.pk)
    events: queue.Queue = queue.Queue()

    def listen() -> None:
        stream = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        stream.request("GET", "/live/", headers={"Cookie": cookie, "Accept": "text/event-stream"})
        answer = stream.getresponse()
        assert answer.status == 200, answer.status
        kind = ""
        while True:
            line = answer.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "patrol_point":
                events.put((time.perf_counter(), json.loads(line[6:])["data"]))
            elif line == ": connected":
                events.put((time.perf_counter(), "connected"))

    threading.Thread(target=listen, daemon=True).start()
    assert events.get(timeout=10)[1] == "connected"
    time.sleep(0.3)
    desk = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def fetch_picture() -> dict:
        desk.request("GET", "/api/v1/patrols/desk", headers={"Cookie": cookie})
        answer = desk.getresponse()
        body = answer.read()
        assert answer.status == 200, (answer.status, body[:200])
        return json.loads(body)

    fetch_picture()

    # 4. New fixes, one at a time, from random members.
    channel, pictured, picture_s = [], [], []
    for _ in range(args.trials):
        patrol, member = rng.choice(patrols)
        at, lat, lon = last[patrol.pk]
        at, lat, lon = at + dt.timedelta(seconds=FIX_SECONDS), lat + 5 / 111_132, lon
        now = max(timezone.now(), at)
        t0 = time.perf_counter()
        patrol_points_add(patrol=patrol, actor=member, points=[PointIn(at, lat, lon, 8.0)], now=now)
        last[patrol.pk] = (at, lat, lon)
        while True:
            t1, data = events.get(timeout=10)
            if isinstance(data, dict) and data.get("patrol") == patrol.pk and abs(data["lat"] - lat) < 1e-9:
                break
        t2 = time.perf_counter()
        shown = fetch_picture()
        t3 = time.perf_counter()
        row = next(p for p in shown["patrols"] if p["id"] == patrol.pk)
        assert abs(row["last"][0] - lat) < 1e-9, "the picture does not show the new fix"
        channel.append(t1 - t0)
        pictured.append(t3 - t0)
        picture_s.append(t3 - t2)
        time.sleep(0.2)
    ms = lambda values, q: pct(values, q) * 1000  # noqa: E731
    print(f"live path: {path}; {len(patrols)} members on patrol, {args.trials} new fixes")
    print(f"fix stored → event on the desk's stream: p50 {ms(channel, 0.5):.0f} ms, p95 {ms(channel, 0.95):.0f} ms")
    print(
        f"desk picture fetch (GET /api/v1/patrols/desk): p50 {ms(picture_s, 0.5):.0f} ms, p95 {ms(picture_s, 0.95):.0f} ms"
    )
    print(f"fix stored → picture with it: p50 {ms(pictured, 0.5):.0f} ms, p95 {ms(pictured, 0.95):.0f} ms")
    print(f"mean picture size: {statistics.mean([len(json.dumps(fetch_picture()))]) / 1000:.0f} kB")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
