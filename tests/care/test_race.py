"""Several workers race on the same deadlines (threads, each with its own connection): each step happens once.

On PostgreSQL (CI, or DATABASE_URL here) they really overlap, and the conditional UPDATE that
claims a row is what keeps a second worker from raising it again.
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection, connections

from lianxin.care import services
from lianxin.care.models import Alarm, CareEvent, EventKind, Notification
from lianxin.people.models import Resident

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
WORKERS = 4


def race(fn, **kwargs) -> list[int]:
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def run():
        try:
            start.wait()
            results.append(fn(**kwargs))
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the test database on SQLite is in memory with a shared cache, which refuses concurrent writers "
    "instead of queueing them; CI runs this on PostgreSQL",
)
def test_workers_racing_raise_each_miss_and_send_each_rung_once(transactional_db, world):
    enrolled = []
    for i in range(6):
        resident = Resident.objects.create(station=world.station, name=f"老人{i}", grid=world.grid1)
        enrolled.append(
            services.enrolment_create(
                actor=world.grid_member,
                resident=resident,
                consent_by="self",
                has_monitoring_consent=True,
                has_health_consent=False,
                window_starts=dt.time(7),
                window_ends=dt.time(10),
                contacts=[services.ContactIn(kind="family", name="女儿", phone="13912345678")],
                now=dt.datetime(2026, 6, 15, 6, tzinfo=ZONE),
            )
        )
    deadline = dt.datetime(2026, 6, 15, 10, 30, tzinfo=ZONE)
    assert sum(race(services.checkins_missed, now=deadline)) == 6
    assert Alarm.objects.count() == 6
    assert CareEvent.objects.filter(kind=EventKind.MISSED).count() == 6
    assert Notification.objects.filter(rung=0).count() == 6
    # The next rung (the grid member), raced by the same four workers.
    assert sum(race(services.alarms_escalate, now=deadline + dt.timedelta(minutes=15))) == 6
    assert Notification.objects.count() == 12
    assert set(Notification.objects.filter(rung=1).values_list("user_id", flat=True)) == {world.grid_member.pk}
    assert CareEvent.objects.filter(kind=EventKind.NOTIFIED).count() == 12
