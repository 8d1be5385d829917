"""`lianxin worker --once` runs the sweeps: resolved cases that waited for a rating get closed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from lianxin.cases.models import CaseEvent, EventKind, Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.core.plugins import sweeps
from lianxin.site.management.commands import worker

NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def resolved_case(world, open_case, *, resolved_at: dt.datetime):
    case = open_case(now=resolved_at - dt.timedelta(hours=3))
    return case_transition(
        case=case, actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.ADVICE_GIVEN, now=resolved_at
    )


def test_worker_once_closes_resolved_cases_that_waited_for_a_rating(world, open_case, settings):
    settings.LIANXIN_AUTO_CLOSE_DAYS = 7
    waited = resolved_case(world, open_case, resolved_at=NOW - dt.timedelta(days=8))
    fresh = resolved_case(world, open_case, resolved_at=NOW - dt.timedelta(days=2))
    still_open = open_case(now=NOW - dt.timedelta(days=30))
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("worker", "--once", stdout=out)
    assert "cases_auto_close=1" in out.getvalue()
    waited.refresh_from_db()
    fresh.refresh_from_db()
    still_open.refresh_from_db()
    assert waited.status == Status.CLOSED and waited.closed_at == NOW
    assert fresh.status == Status.RESOLVED and fresh.closed_at is None
    assert still_open.status == Status.NEW
    event = CaseEvent.objects.get(case=waited, kind=EventKind.TRANSITION, to_status=Status.CLOSED)
    assert event.actor is None and event.at == NOW and event.from_status == Status.RESOLVED
    # A second tick finds nothing more to do.
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        call_command("worker", "--once", stdout=out)
    assert CaseEvent.objects.filter(case=waited, to_status=Status.CLOSED).count() == 1


def test_a_failing_sweep_does_not_stop_the_others(world, open_case, monkeypatch):
    def broken(*, now, limit):
        raise RuntimeError("broken sweep")

    monkeypatch.setattr(worker, "_sweeps", lambda: {**sweeps(), "broken": broken})
    waited = resolved_case(world, open_case, resolved_at=NOW - dt.timedelta(days=10))
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError, match="broken"):
        call_command("worker", "--once", stdout=io.StringIO())
    waited.refresh_from_db()
    assert waited.status == Status.CLOSED


def test_worker_rejects_a_bad_interval(db):
    with pytest.raises(CommandError, match="interval"):
        call_command("worker", "--interval", "0", stdout=io.StringIO())
