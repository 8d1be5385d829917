"""Benchmark care: the check-in sweep over N enrolled elders, device messages per second through Mosquitto,
and the path of an SOS from the device to the officer's open page.

Run from the worktree root (a throw-away SQLite database under a temp folder, or PostgreSQL if
DATABASE_URL is set; the broker at 127.0.0.1:1883; live push through the in-process hub):

    .venv/bin/python bench/care.py [--elders 100000] [--due-share 0.01] [--devices 1000] [--sos 20]

Prints its figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = tempfile.mkdtemp(prefix="lianxin-bench-care-")
os.environ["LIANXIN_DATA_DIR"] = DATA_DIR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("LIANXIN_DEMO", "1")
os.environ["LIANXIN_REDIS_URL"] = ""
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

logging.getLogger("lianxin.care").setLevel(logging.WARNING)
HOST, PORT = "127.0.0.1", 1883
BURST_MAX = 900
KEY = "00112233445566778899aabbccddeeff"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def world():
    from lianxin.core.models import Role, Station, User
    from lianxin.people.models import Team, TeamKind
    from lianxin.places.models import Grid

    station = Station.objects.create(code="bench", name="bench")
    officer = User.objects.create(username="bench_officer", station=station, role=Role.COMMUNITY_OFFICER)
    member = User.objects.create(username="bench_member", station=station, role=Role.GRID_MEMBER)
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    grid = Grid.objects.create(station=station, code="g1", name="g1", boundary=square, police_chief=officer)
    grid.members.add(member)
    Team.objects.create(station=station, name="duty", kind=TeamKind.DUTY_DESK)
    return station, grid, member


def enrol_many(station, grid, member, *, n: int, due_share: float, now: dt.datetime) -> None:
    """Bulk-load n enrolments (setup, not the service): a due_share of them past their deadline now."""
    from lianxin.care.models import Contact, Enrolment
    from lianxin.people.models import Resident

    batch = 5000
    due_every = max(1, round(1 / due_share)) if due_share > 0 else 0
    today = now.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    for start in range(0, n, batch):
        size = min(batch, n - start)
        residents = Resident.objects.bulk_create(
            Resident(station=station, name=f"老人{start + i}", grid=grid, is_living_alone=True) for i in range(size)
        )
        rows = []
        for i, r in enumerate(residents):
            k = start + i
            is_due = due_every and k % due_every == 0
            rows.append(
                Enrolment(
                    station=station,
                    resident=r,
                    grid=grid,
                    enrolled_by=member,
                    enrolled_at=now - dt.timedelta(days=3),
                    consent_by="self",
                    has_monitoring_consent=True,
                    window_starts=dt.time(7),
                    window_ends=dt.time(10),
                    grace_minutes=30,
                    settled_through_on=today - dt.timedelta(days=1 if is_due else 0),
                    alert_on=today if is_due else today + dt.timedelta(days=1),
                    alert_after=now - dt.timedelta(minutes=5) if is_due else now + dt.timedelta(hours=20),
                    checkin_token=uuid.uuid4().hex,
                )
            )
        enrolments = Enrolment.objects.bulk_create(rows)
        Contact.objects.bulk_create(
            Contact(enrolment=e, order=1, kind="family", name="女儿", phone="13912345678") for e in enrolments
        )


def bench_sweep(args) -> None:
    from django.utils import timezone

    from lianxin.care.models import Alarm
    from lianxin.care.services import checkins_missed
    from lianxin.site.management.commands.worker import SWEEP_BATCH, SWEEP_MAX_BATCHES_PER_TICK

    station, grid, member = world()
    now = timezone.now()
    t0 = time.perf_counter()
    enrol_many(station, grid, member, n=args.elders, due_share=args.due_share, now=now)
    print(f"setup: {args.elders} enrolments loaded in {time.perf_counter() - t0:.1f} s ({connection.vendor})")
    # 1. A tick with nothing due: the indexed probe of (status, alert_after).
    probes = []
    for _ in range(20):
        t = time.perf_counter()
        checkins_missed(now=now - dt.timedelta(hours=1), limit=SWEEP_BATCH)
        probes.append(time.perf_counter() - t)
    print(
        f"sweep, nothing due, {args.elders} elders: p50 {pct(probes, 0.5) * 1000:.2f} ms, max {max(probes) * 1000:.2f} ms"
    )
    # 2. A tick with the due ones: each is claimed, its miss raised and its first rung sent.
    due_total = 0
    t = time.perf_counter()
    for _ in range(SWEEP_MAX_BATCHES_PER_TICK):
        changed = checkins_missed(now=now, limit=SWEEP_BATCH)
        due_total += changed
        if changed < SWEEP_BATCH:
            break
    spent = time.perf_counter() - t
    print(
        f"sweep, {due_total} due among {args.elders}: {spent:.2f} s for the tick "
        f"({spent / max(1, due_total) * 1000:.2f} ms per missed check-in raised; {Alarm.objects.count()} alarms)"
    )


def bench_mqtt(args) -> None:
    import paho.mqtt.client as mqtt

    from lianxin.care.models import Device, Enrolment
    from lianxin.care.mqtt import ListenerStats, broker_is_up, listen, signed
    from lianxin.care.services import device_add, topic_for
    from lianxin.core.live import live_events
    from lianxin.places.models import Grid

    if not broker_is_up(HOST, PORT):
        print("mqtt: no broker on 127.0.0.1:1883; skipped")
        return
    enrolments = list(Enrolment.objects.order_by("id")[: args.devices])
    prefix = uuid.uuid4().hex[:6]
    for i, e in enumerate(enrolments):
        device_add(enrolment=e, actor=None, device_id=f"bench-{prefix}-{i:05d}", heartbeat_seconds=30, key=KEY)
    devices = list(Device.objects.filter(device_id__startswith=f"bench-{prefix}-").order_by("id"))
    stop, stats = threading.Event(), ListenerStats()
    listener = threading.Thread(
        target=listen,
        kwargs={
            "host": HOST,
            "port": PORT,
            "stop": stop,
            "client_id": f"bench-{prefix}",
            "clean_session": True,
            "stats": stats,
        },
        daemon=True,
    )
    listener.start()
    stats.connected.wait(5)
    time.sleep(0.3)
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{prefix}")
    publisher.max_inflight_messages_set(1000)
    publisher.connect(HOST, PORT)
    publisher.loop_start()
    # 1. A burst under the broker's queue for one subscriber (Mosquitto keeps 1,000 QoS 1 messages
    #    per client by default and drops the rest): how fast the listener takes them in.
    burst = devices[: min(len(devices), BURST_MAX)]
    t = time.perf_counter()
    infos = [
        publisher.publish(topic_for(d.device_id, "heartbeat"), signed(d.device_id, KEY, "heartbeat"), qos=1)
        for d in burst
    ]
    for info in infos:
        info.wait_for_publish(10)
    while stats.handled < len(burst) and time.perf_counter() - t < 60:
        time.sleep(0.005)
    spent = time.perf_counter() - t
    print(
        f"mqtt: a burst of {stats.handled}/{len(burst)} heartbeats handled in {spent:.2f} s = {stats.handled / spent:.0f} messages/s"
    )
    # 2. Every device's heartbeat once per period, spread evenly (the steady load): the backlog left at the end.
    period = args.period
    start_handled = stats.handled
    t = time.perf_counter()
    for i, d in enumerate(devices):
        due = t + period * i / len(devices)
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        publisher.publish(topic_for(d.device_id, "heartbeat"), signed(d.device_id, KEY, "heartbeat"), qos=1)
    sent_at_end = time.perf_counter()
    backlog = len(devices) - (stats.handled - start_handled)
    while stats.handled - start_handled < len(devices) and time.perf_counter() - sent_at_end < 60:
        time.sleep(0.005)
    drained = time.perf_counter() - sent_at_end
    print(
        f"mqtt: {len(devices)} devices, a heartbeat each per {period:g} s ({len(devices) / period:.0f}/s): "
        f"backlog when the period ended {backlog} messages, drained {drained * 1000:.0f} ms later "
        f"({stats.handled - start_handled}/{len(devices)} handled)"
    )
    # 2. SOS → the officer's open page (the live event the page hears), one device at a time.
    grid = Grid.objects.get(code="g1", station__code="bench")
    topic = f"user:{grid.police_chief_id}"
    latencies: list[float] = []
    heard = threading.Event()
    loop = asyncio.new_event_loop()

    async def hear():
        async for event in live_events([topic], heartbeat=0.5):
            if event is not None and event.kind == "care_alarm":
                heard.set()
            if stop.is_set():
                return

    hearer = threading.Thread(target=loop.run_until_complete, args=(hear(),), daemon=True)
    hearer.start()
    time.sleep(0.3)
    for d in devices[: args.sos]:
        heard.clear()
        t = time.perf_counter()
        publisher.publish(topic_for(d.device_id, "sos"), signed(d.device_id, KEY, "sos"), qos=1)
        if heard.wait(10):
            latencies.append(time.perf_counter() - t)
    stop.set()
    publisher.loop_stop()
    publisher.disconnect()
    listener.join(timeout=5)
    if latencies:
        print(
            f"mqtt: SOS to the officer's open page over {len(latencies)} presses: p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
            f"p95 {pct(latencies, 0.95) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elders", type=int, default=100_000)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--sos", type=int, default=20)
    parser.add_argument("--period", type=float, default=30.0, help="heartbeat period in seconds (default 30)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    bench_sweep(args)
    bench_mqtt(args)


if __name__ == "__main__":
    main()
