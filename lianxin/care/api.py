"""Care endpoints: the elders in scope with their state now, check-ins, live alarms and their answers.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja import Status as HttpStatus

from lianxin.care import selectors, services
from lianxin.care.models import Alarm, Answer, CareState
from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, viewer

router = Router(tags=["care"])


class ElderOut(Schema):
    id: int
    name: str
    grid_id: int | None
    state: CareState
    window_starts: dt.time
    window_ends: dt.time
    grace_minutes: int
    last_checkin_at: dt.datetime | None
    alert_after: dt.datetime | None


class AlarmOut(Schema):
    id: int
    enrolment_id: int
    name: str
    reason: str
    status: str
    started_at: dt.datetime
    rung: int
    acknowledged_at: dt.datetime | None
    acknowledged_by_name: str
    answer: str
    case_number: str | None


class AnswerIn(Schema):
    answer: Answer


def _elder(e, now) -> ElderOut:
    return ElderOut(
        id=e.pk,
        name=e.resident.name,
        grid_id=e.grid_id,
        state=e.state_at(now),
        window_starts=e.window_starts,
        window_ends=e.window_ends,
        grace_minutes=e.grace_minutes,
        last_checkin_at=e.last_checkin_at,
        alert_after=e.alert_after,
    )


def _alarm(a: Alarm) -> AlarmOut:
    return AlarmOut(
        id=a.pk,
        enrolment_id=a.enrolment_id,
        name=a.enrolment.resident.name,
        reason=a.reason,
        status=a.status,
        started_at=a.started_at,
        rung=a.rung,
        acknowledged_at=a.acknowledged_at,
        acknowledged_by_name=a.acknowledged_by_name,
        answer=a.answer,
        case_number=a.case.number if a.case is not None else None,
    )


@router.get("/elders", response={200: list[ElderOut], **READ_ERRORS}, summary="Elders under care in my grids")
def elders(request: HttpRequest):
    user = viewer(request)
    now = timezone.now()
    return [_elder(e, now) for e in selectors.enrolment_list_for(user=user)]


@router.post(
    "/elders/{pk}/checkins", response={201: ElderOut, **WRITE_ERRORS}, summary="Check in on the elder's behalf"
)
def checkin(request: HttpRequest, pk: DbId):
    user = viewer(request)
    enrolment = selectors.enrolment_get_for(user=user, pk=pk)
    services.require_carer(user, enrolment)
    enrolment = services.checkin_record(enrolment=enrolment, via=services.CheckinVia.STAFF, actor=user)
    return HttpStatus(201, _elder(enrolment, timezone.now()))


@router.get("/alarms", response={200: list[AlarmOut], **READ_ERRORS}, summary="Live alarms I may answer")
def alarms(request: HttpRequest):
    return [_alarm(a) for a in selectors.alarm_list_for(user=viewer(request))]


@router.post("/alarms/{pk}/answer", response={200: AlarmOut, **WRITE_ERRORS}, summary="Answer an alarm")
def answer(request: HttpRequest, pk: DbId, payload: AnswerIn):
    user = viewer(request)
    alarm = selectors.alarm_get_for(user=user, pk=pk)
    alarm = services.alarm_answer(alarm=alarm, answer=payload.answer, actor=user)
    return _alarm(selectors.alarm_get_for(user=user, pk=alarm.pk))
