"""A referred case's clock pauses while the department has it, and the deadline moves on when it replies."""

from __future__ import annotations

import datetime as dt

from lianxin.cases.models import Case, EventKind, Referral, Status
from lianxin.cases.selectors import CaseFilters, case_list_for
from lianxin.cases.services import case_transition, referral_reply
from tests.conftest import NOW


def test_a_noise_case_waiting_on_the_department_is_not_overdue(world, open_case):
    # Noise: due in 48 h; the environment bureau has 72 h to reply.
    case = open_case(category=world.cat_noise, now=NOW)
    case.refresh_from_db()
    assert case.status == Status.REFERRED and case.clock_paused_at == NOW
    day3 = NOW + dt.timedelta(hours=60)
    assert not case.is_overdue_at(day3)
    overdue = case_list_for(user=world.chief, filters=CaseFilters(box="overdue"), now=day3)
    assert case not in overdue
    paused = case.events.get(kind=EventKind.CLOCK)
    assert paused.is_public and paused.data["clock"] == "paused"


def test_the_reply_restarts_the_clock_with_the_pause_added(world, open_case):
    case = open_case(category=world.cat_noise, now=NOW)
    due_before = Case.objects.get(pk=case.pk).due_at
    reply_at = NOW + dt.timedelta(hours=60)
    referral_reply(referral=Referral.objects.get(case=case), actor=world.dept_liaison, reply="已处理", now=reply_at)
    case.refresh_from_db()
    assert case.clock_paused_at is None
    assert case.due_at == due_before + dt.timedelta(hours=60)
    assert not case.is_overdue_at(reply_at)
    resumed = case.events.filter(kind=EventKind.CLOCK).order_by("-at", "-id").first()
    assert resumed.data["clock"] == "resumed" and resumed.data["paused_seconds"] == 60 * 3600


def test_taking_the_case_back_restarts_the_clock(world, open_case):
    case = open_case(category=world.cat_noise, now=NOW)
    due_before = Case.objects.get(pk=case.pk).due_at
    back = NOW + dt.timedelta(hours=10)
    case_transition(case=case, actor=world.officer, to_status=Status.IN_PROGRESS, now=back)
    case.refresh_from_db()
    assert case.clock_paused_at is None and case.due_at == due_before + dt.timedelta(hours=10)
    assert case.is_overdue_at(back + dt.timedelta(hours=49))
