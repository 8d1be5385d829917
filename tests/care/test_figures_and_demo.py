"""The care figures count what happened (event rows), and the demo leaves an alarm waiting for the grid member."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command

from lianxin.care import metrics, services
from lianxin.care.models import Alarm, AlarmStatus, CareState, Enrolment
from lianxin.core.plugins import metric_specs

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(d, hh, mm=0):
    return dt.datetime(2026, 6, d, hh, mm, tzinfo=ZONE)


def test_figures_from_a_week(world):
    e = services.enrolment_create(
        actor=world.grid_member,
        resident=world.resident,
        consent_by="self",
        has_monitoring_consent=True,
        has_health_consent=False,
        window_starts=dt.time(7),
        window_ends=dt.time(10),
        contacts=[services.ContactIn(kind="family", name="李娟", phone="13912345678")],
        now=at(14, 12),
    )
    for day in (15, 16, 17):
        services.checkin_record(enrolment=e, via="button", now=at(day, 8))
    services.checkins_missed(now=at(18, 10, 30))  # day 18 missed, the daughter answers in 6 minutes
    alarm = Alarm.objects.get()
    services.alarm_answer(alarm=alarm, answer="fine", notification=alarm.notifications.get(), now=at(18, 10, 36))
    services.checkins_missed(now=at(19, 10, 30))  # day 19 missed, a late tap closes it (nobody answered)
    services.checkin_record(enrolment=e, via="button", now=at(19, 10, 50))
    services.visit_record(enrolment=e, actor=world.grid_member, kind="routine", outcome="fine", now=at(19, 15))
    window = {"station": world.station, "start": at(14, 0), "end": at(21, 0)}
    kept = metrics.checkins_kept(**window)
    assert (kept.numerator, kept.denominator) == (3, 5)  # days 15-17 kept; 18 and 19 missed
    answered = metrics.alarms_acknowledged(**window, with_records=True)
    assert (answered.numerator, answered.denominator, answered.record_ids) == (1, 2, (alarm.pk,))
    assert metrics.median_ack_seconds(**window).numerator == 360
    assert metrics.home_visits(**window).numerator == 1
    assert metrics.alarms_at_station(**window).numerator == 0
    assert metrics.devices_offline(**window).numerator == 0
    assert metrics.alarms_started(**window, grid_id=world.grid2.pk).numerator == 0
    rows = metrics.alarm_rows(station=world.station, ids=[alarm.pk])
    assert rows[0]["grid"] == world.grid1.name and "王秀兰" not in str(rows)
    keys = {s.key for s in metric_specs()}
    assert {"care_checkins_kept", "care_alarms_acknowledged", "care_median_ack_seconds"} <= keys


@pytest.mark.slow  # seeds the whole demo station (about half a minute at this scale)
def test_demo_leaves_one_missed_checkin_waiting_for_the_grid_member(db):
    from lianxin.core.models import User
    from lianxin.places.geometry import grid_cache_clear

    grid_cache_clear()
    call_command("seed_demo", scale=0.05, now="2026-06-15T10:00+08:00", stdout=io.StringIO())
    now = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
    member = User.objects.get(username="gridmember")
    live = Alarm.objects.exclude(status=AlarmStatus.CLOSED)
    assert live.count() == 1
    waiting = live.get()
    assert waiting.notifications.order_by("-rung").first().user == member
    assert waiting.escalate_after > now  # the officer is next, not yet
    assert waiting.enrolment.state_at(now) == CareState.MISSED
    # History: kept days, answered alarms, an SOS, visits; nothing after now.
    assert Alarm.objects.filter(reason="sos").exists()
    assert Alarm.objects.filter(acknowledged_at__isnull=False).count() >= 3
    assert not Alarm.objects.filter(started_at__gt=now).exists()
    assert Enrolment.objects.filter(devices__isnull=False).exists()
    assert all(a.case is None or a.case.status == "resolved" for a in Alarm.objects.exclude(pk=waiting.pk))
    grid_cache_clear()


def test_the_worker_raises_a_miss_when_the_clock_passes_the_grace(world, time_machine):
    """`lianxin worker --once` runs the care sweeps with the real clock: frozen, then moved past the grace."""
    time_machine.move_to(at(15, 6), tick=False)
    e = services.enrolment_create(
        actor=world.grid_member,
        resident=world.resident,
        consent_by="self",
        has_monitoring_consent=True,
        has_health_consent=False,
        window_starts=dt.time(7),
        window_ends=dt.time(10),
        contacts=[services.ContactIn(kind="family", name="李娟", phone="13912345678")],
    )
    time_machine.move_to(at(15, 10, 29), tick=False)
    call_command("worker", once=True, stdout=io.StringIO())
    assert not Alarm.objects.exists()
    time_machine.move_to(at(15, 10, 31), tick=False)
    out = io.StringIO()
    call_command("worker", once=True, stdout=out)
    assert "care_checkins_missed=1" in out.getvalue()
    assert Alarm.objects.get().enrolment == e
    time_machine.move_to(at(15, 10, 46), tick=False)
    out = io.StringIO()
    call_command("worker", once=True, stdout=out)
    assert "care_alarms_escalate=1" in out.getvalue()
    # Local midnight: a new day and a new window; the elder taps at 00:05 and that covers the day.
    time_machine.move_to(at(16, 0, 5), tick=False)
    e.refresh_from_db()
    assert e.state_at(at(16, 0, 5)) == CareState.WAITING
    services.checkin_record(enrolment=e, via="button")
    e.refresh_from_db()
    assert e.alert_after == at(17, 10, 30)
