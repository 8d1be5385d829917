"""Benchmark the anti-fraud desk: the check page (in-process, and 20 concurrent users over uvicorn), a blacklist lookup among 1,000,000 entries, the live
path of a warning to one of 200 connected responders, and OCR of a phone screenshot.

Run from the worktree root (a throw-away SQLite database under a temp folder; Redis at
127.0.0.1:6379 db 15 for the live path if it answers, else the in-process hub):

    /work/main/.venv/bin/python bench/antifraud.py [--entries 1000000] [--responders 200] [--skip-ocr]
        [--workers 2] [--only-check]

Prints its figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = tempfile.mkdtemp(prefix="lianxin-bench-antifraud-")
os.environ["LIANXIN_DATA_DIR"] = DATA_DIR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("LIANXIN_TASKS_BACKEND", "immediate")
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PLAIN = "明天上午九点社区体检，请带好身份证和医保卡，到社区卫生服务站排队"
SCAM = "【公安局】您涉嫌洗钱，请立即把资金转入安全账户6222021234567890123，联系电话+86 138 1234 5678，详见 http://www.gaj-check.top/a"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 0.5) * 1000:.2f} ms, p95 {pct(values, 0.95) * 1000:.2f} ms, max {max(values) * 1000:.2f} ms"
    )


def setup_station():
    from lianxin.core.models import Role, Station, User

    station = Station.objects.create(code="bench", name="bench")
    chief = User.objects.create(username="bench_chief", station=station, role=Role.STATION_CHIEF)
    return station, chief


class _raw_cursor:
    def __enter__(self):
        # Django's SQLite connection is in autocommit mode: one transaction, or one fsync per row.
        self.cursor = connection.connection.cursor()
        self.cursor.execute("BEGIN")
        return self.cursor

    def __exit__(self, *exc):
        self.cursor.execute("COMMIT")
        self.cursor.close()


def bench_blacklist(station, chief, entries: int) -> None:
    from lianxin.antifraud import normalise as norm
    from lianxin.antifraud.services import blacklist_add, blacklist_match

    started = time.perf_counter()
    now_text = "2026-12-01 00:00:00"
    rows = []
    connection.ensure_connection()
    # The raw DB-API cursor: Django's debug cursor would format every one of a million rows.
    with _raw_cursor() as cursor:
        for i in range(entries):
            kind = ("phone", "url", "domain", "account", "im")[i % 5]
            key = {
                "phone": f"1{3 + i % 7}{i:09d}",
                "url": f"scam{i}.top/p",
                "domain": f"scam{i}.xyz",
                "account": f"62220{i:014d}",
                "im": f"im_{i:08d}",
            }[kind]
            if kind == "phone":
                key = norm.key_for("phone", key)
            rows.append((station.pk, kind, key, key[:20], "active", "import", "", "", "", 0, 0, now_text))
            if len(rows) == 20000:
                cursor.executemany(
                    "INSERT INTO antifraud_blacklistentry (station_id, kind, value_key, shown, status, source, "
                    "source_detail, reason, evidence, reports, hits, first_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                rows = []
        if rows:
            cursor.executemany(
                "INSERT INTO antifraud_blacklistentry (station_id, kind, value_key, shown, status, source, "
                "source_detail, reason, evidence, reports, hits, first_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
    print(f"blacklist: {entries:,} entries inserted in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:  # fold the bulk insert into the database file before timing writes
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blacklist_add(actor=chief, kind="phone", value="+86 139 0000 0001", reason="bench")
    one = {"phones": [{"value": "13900000001", "text": "13900000001", "start": 0, "end": 11}]}
    miss = {"phones": [{"value": "13900000002", "text": "13900000002", "start": 0, "end": 11}]}
    message = {
        "phones": one["phones"],
        "urls": [{"value": "http://a.b.scam77.xyz/x", "text": "a.b.scam77.xyz/x", "start": 12, "end": 28}],
        "accounts": [{"value": "6222000000000000123", "text": "6222000000000000123", "start": 30, "end": 49}],
    }
    for label, entities, count in (
        ("hit, one phone", one, False),
        ("miss", miss, False),
        ("a message's 3 entities + hit counting", message, True),
    ):
        times = []
        for _ in range(50 if count else 1000):  # counting hits writes (one SQLite commit each)
            t = time.perf_counter()
            hits = blacklist_match(station=station, entities=entities, count_hits=count)
            times.append(time.perf_counter() - t)
        print(f"blacklist lookup ({label}; {len(hits)} hits): {ms(times)}")
    key = norm.key_for("phone", "13900000002")
    times = []
    with _raw_cursor() as cursor:
        for _ in range(2000):
            t = time.perf_counter()
            cursor.execute(
                "SELECT id FROM antifraud_blacklistentry WHERE station_id=? AND kind=? AND value_key=?",
                (station.pk, "phone", key),
            )
            cursor.fetchall()
            times.append(time.perf_counter() - t)
    print(f"  the indexed SQL alone (miss): {ms(times)}")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM antifraud_blacklistentry WHERE station_id=%s AND kind=%s AND value_key=%s",
            [station.pk, "phone", "x"],
        )
        print("  plan:", "; ".join(str(row[-1]) for row in cursor.fetchall()))


def bench_check_page(station) -> None:
    from django.test import Client

    from lianxin.antifraud import adapters

    adapters.warm_up()
    client = Client()
    client.post(f"/fraud/check/?station={station.code}", {"text": SCAM}, HTTP_HOST="localhost")
    times = []
    for i in range(300):
        text = SCAM if i % 2 else PLAIN
        t = time.perf_counter()
        response = client.post(f"/fraud/check/?station={station.code}", {"text": text}, HTTP_HOST="localhost")
        times.append(time.perf_counter() - t)
        assert response.status_code == 200
    print(f"check page, pasted message, server time in-process (300 posts): {ms(times)}")
    engine = []
    for _ in range(300):
        t = time.perf_counter()
        adapters.screen(SCAM)
        engine.append(time.perf_counter() - t)
    print(f"  of which the engine: {ms(engine)}")


# 20 residents on the check page at once, as locust users (bench.load.locust_stats): each reads the
# page once (for its CSRF token), then pastes a scam SMS and a plain message in turn.
CHECK_LOCUSTFILE = """
import os, re
from locust import HttpUser, between, constant, task

STATION = os.environ["CHECK_STATION"]
THINK = float(os.environ["CHECK_THINK_SECONDS"])
TEXTS = (os.environ["CHECK_SCAM"], os.environ["CHECK_PLAIN"])


class Resident(HttpUser):
    wait_time = between(THINK / 2, THINK * 1.5) if THINK else constant(0)

    def on_start(self):
        page = self.client.get("/fraud/check/?station=" + STATION, name="check page (GET)")
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.n = 0

    @task
    def paste(self):
        self.n += 1
        data = {"text": TEXTS[self.n % 2], "csrfmiddlewaretoken": self.token}
        with self.client.post(
            "/fraud/check/?station=" + STATION, data, name="pasted message", catch_response=True
        ) as answer:
            if answer.status_code != 200 or 'id="verdict"' not in answer.text:
                answer.failure(f"status {answer.status_code}, no verdict")
        server_time(self, answer, "pasted message: server time")
"""
CHECK_USERS = 20
CHECK_SECONDS = 20
CHECK_PORT = 8798
CHECK_THINK_SECONDS = (0.0, 2.0)  # back to back (the worst case), and a resident reading the answer


def bench_check_page_concurrent(station, *, workers: int) -> None:
    """The check page under CHECK_USERS concurrent residents against uvicorn (production settings, this SQLite)."""
    import secrets

    from bench.load import SERVER_TIME_SNIPPET, locust_stats, uvicorn_serving

    env = {
        **os.environ,
        "LIANXIN_SECRET_KEY": secrets.token_hex(24),
        "LIANXIN_PII_KEYS": f"bench:{secrets.token_hex(24)}",
        "LIANXIN_HTTPS": "0",
        "LIANXIN_REQUIRE_OTP": "0",
        "LIANXIN_REDIS_URL": "",
        "LIANXIN_LOG_LEVEL": "WARNING",
        "CHECK_STATION": station.code,
        "CHECK_SCAM": SCAM,
        "CHECK_PLAIN": PLAIN,
    }
    env.pop("LIANXIN_DEMO", None)  # production settings: debug off
    with uvicorn_serving(env=env, port=CHECK_PORT, workers=workers) as host, tempfile.TemporaryDirectory() as tmp:
        locustfile = Path(tmp) / "locustfile.py"
        locustfile.write_text(CHECK_LOCUSTFILE + SERVER_TIME_SNIPPET)
        # Warm both processes first (each loads the screening model and its templates on its first
        # post): the figures are the steady state a station's server is in.
        locust_stats(
            locustfile=locustfile,
            host=host,
            users=CHECK_USERS,
            seconds=5,
            env={**env, "CHECK_THINK_SECONDS": "0"},
            csv_prefix=Path(tmp) / "warm",
            spawn_rate=CHECK_USERS,
        )
        for think in CHECK_THINK_SECONDS:
            load_before = Path("/proc/loadavg").read_text().split()[:3]
            rows, failures = locust_stats(
                locustfile=locustfile,
                host=host,
                users=CHECK_USERS,
                seconds=CHECK_SECONDS,
                env={**env, "CHECK_THINK_SECONDS": str(think)},
                csv_prefix=Path(tmp) / f"think{think}",
                spawn_rate=CHECK_USERS,
            )
            cells = next(r for r in rows if r.get("Name") == "pasted message")
            server = next(r for r in rows if r.get("Name") == "pasted message: server time")
            how = f"{think:g} s think time" if think else "back to back"
            print(
                f"check page, {CHECK_USERS} concurrent users ({how}), uvicorn x{workers}, {CHECK_SECONDS} s: "
                f"server time (Server-Timing) p50 {server['50%']} ms, p95 {server['95%']} ms; "
                f"response time on loopback p50 {cells['50%']} ms, p95 {cells['95%']} ms, "
                f"{float(cells['Requests/s']):.1f} req/s, {cells['Request Count']} posts, "
                f"{cells['Failure Count']} errors; load before {' '.join(load_before)}"
            )
            for line in failures:
                print(f"  error: {line}")


def bench_live(station, chief, responders: int) -> None:
    from django.conf import settings

    from lianxin.antifraud.models import WarningSource
    from lianxin.antifraud.services import warning_raise
    from lianxin.core.live import live_events
    from lianxin.core.models import Role, User
    from lianxin.people.models import Resident

    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping()
        settings.LIANXIN_REDIS_URL = "redis://127.0.0.1:6379/15"
        path = "Redis pub/sub"
    except Exception:
        settings.LIANXIN_REDIS_URL = ""
        path = "in-process hub"
    users = User.objects.bulk_create(
        [User(username=f"bench_v{i}", station=station, role=Role.VOLUNTEER) for i in range(responders)]
    )
    users = list(User.objects.filter(username__startswith="bench_v").order_by("id"))
    resident = Resident.objects.create(station=station, name="bench")
    latencies: list[float] = []
    sent_at: dict[int, float] = {}
    rounds = 60

    async def main():
        streams = [live_events([f"user:{u.pk}"], heartbeat=0.5) for u in users]
        for s in streams:
            assert await s.__anext__() is None  # subscribed
        done = asyncio.Event()

        async def listen(i, stream):
            async for event in stream:
                if event is None:
                    continue
                latencies.append(time.perf_counter() - sent_at[i])
                if len(latencies) >= rounds:
                    done.set()

        tasks = [asyncio.create_task(listen(i, s)) for i, s in enumerate(streams)]

        def publish():
            for r in range(rounds):
                i = (r * 37) % len(users)
                sent_at[i] = time.perf_counter()
                warning_raise(
                    station=station,
                    actor=chief,
                    source=WarningSource.OFFICER,
                    risk="bench",
                    resident=resident,
                    responder=users[i],
                )
                time.sleep(0.02)

        threading.Thread(target=publish).start()
        try:
            await asyncio.wait_for(done.wait(), timeout=60)
        finally:
            for t in tasks:
                t.cancel()

    asyncio.run(main())
    print(
        f"live: warning_raise → event at the responder's stream, {responders} connected, {path}, "
        f"{len(latencies)} warnings: {ms(latencies)}"
    )


def bench_ocr() -> None:
    import io

    from PIL import Image, ImageDraw, ImageFont

    from lianxin.antifraud import adapters

    image = Image.new("RGB", (1080, 2400), (237, 237, 237))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(CJK_FONT, 42)
    lines = [
        "10:24  中国移动  4G",
        "95188",
        "【公安局】您涉嫌一起洗钱案件，",
        "请立即将资金转入安全账户",
        "6222021234567890123 配合调查，",
        "否则将冻结您名下所有账户。",
        "联系电话 0415-96188123",
        "详见 http://www.gaj-check.top/a",
    ]
    y = 120
    for line in lines:
        draw.rounded_rectangle((40, y - 10, 1040, y + 70), 18, fill="white")
        draw.text((70, y), line, font=font, fill="black")
        y += 150
    path = Path(DATA_DIR) / "shot.png"
    buf = io.BytesIO()
    image.save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    t = time.perf_counter()
    first = adapters.ocr_image(str(path))
    cold = time.perf_counter() - t
    warm = []
    for _ in range(3):
        t = time.perf_counter()
        again = adapters.ocr_image(str(path))
        warm.append(time.perf_counter() - t)
    found = sum(1 for line in lines if line.replace(" ", "")[:6] in again.text.replace(" ", ""))
    print(
        f"OCR 1080×2400 screenshot: first call (model load) {cold:.2f} s, then {statistics.median(warm):.2f} s "
        f"median of 3; {found}/{len(lines)} lines found"
    )
    del first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--responders", type=int, default=200)
    parser.add_argument("--skip-ocr", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes for the concurrent check page")
    parser.add_argument("--only-check", action="store_true", help="the check page only (in-process and concurrent)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    station, chief = setup_station()
    bench_check_page(station)
    bench_check_page_concurrent(station, workers=args.workers)
    if args.only_check:
        return
    bench_blacklist(station, chief, args.entries)
    bench_live(station, chief, args.responders)
    if not args.skip_ocr:
        bench_ocr()


if __name__ == "__main__":
    main()
