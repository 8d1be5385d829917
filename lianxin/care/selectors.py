"""Reads of the care app that depend on who asks: the only place a user becomes a filter.

Scope: station-wide roles see the station's enrolments; community officers those of the grids
they lead; grid members those of the grids they serve in. An alarm is also visible to whoever
it was sent to. Anything outside the scope is a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from lianxin.care.models import (
    Alarm,
    AlarmStatus,
    CareEvent,
    CareState,
    Enrolment,
    EnrolmentStatus,
    HomeVisit,
    Notification,
)
from lianxin.care.services.common import may_care
from lianxin.core.models import Role, User
from lianxin.core.roles import STATION_WIDE_ROLES, has_role
from lianxin.core.services import personal_data_display
from lianxin.places.selectors import grid_ids_owned_by

TIMELINE_MAX = 30


def enrolment_list_for(*, user: User, include_withdrawn: bool = False) -> QuerySet[Enrolment]:
    if not may_care(user):
        return Enrolment.objects.none()
    enrolments = Enrolment.objects.select_related("resident", "grid")
    if not (user.is_superuser and user.station_id is None):
        enrolments = enrolments.filter(station_id=user.station_id)
    if not has_role(user, STATION_WIDE_ROLES):
        enrolments = enrolments.filter(grid_id__in=grid_ids_owned_by(user=user))
    if not include_withdrawn:
        enrolments = enrolments.filter(status=EnrolmentStatus.ACTIVE)
    return enrolments.order_by("resident__name", "id")


def enrolment_get_for(*, user: User, pk) -> Enrolment:
    try:
        return enrolment_list_for(user=user, include_withdrawn=True).get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such enrolment") from None


def enrolment_by_token(*, token: str) -> Enrolment:
    """Return the enrolment whose big-button link this is (the link is the elder's key)."""
    try:
        return Enrolment.objects.select_related("resident").get(checkin_token=token, status=EnrolmentStatus.ACTIVE)
    except Enrolment.DoesNotExist:
        raise Http404("no such link") from None


def enrolment_of_resident_user(*, user: User) -> Enrolment | None:
    if not getattr(user, "is_authenticated", False) or user.role != Role.RESIDENT:
        return None
    return (
        Enrolment.objects.select_related("resident").filter(resident__user=user, status=EnrolmentStatus.ACTIVE).first()
    )


def alarm_list_for(*, user: User, live_only: bool = True) -> QuerySet[Alarm]:
    """Return the alarms user may see: those of enrolments in scope and those sent to them, newest first."""
    if not may_care(user):
        return Alarm.objects.none()
    in_scope = Q(enrolment__in=enrolment_list_for(user=user, include_withdrawn=True).values("pk"))
    alarms = Alarm.objects.filter(in_scope | Q(notifications__user=user), station_id=user.station_id).distinct()
    if live_only:
        alarms = alarms.filter(status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED])
    return alarms.select_related("enrolment__resident", "enrolment__grid", "case").order_by("-started_at", "-id")


def alarm_get_for(*, user: User, pk) -> Alarm:
    try:
        return alarm_list_for(user=user, live_only=False).get(pk=pk)
    except (Alarm.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such alarm") from None


def visit_get_for(*, user: User, pk) -> HomeVisit:
    try:
        return HomeVisit.objects.select_related("enrolment").get(
            pk=pk, enrolment__in=enrolment_list_for(user=user, include_withdrawn=True).values("pk")
        )
    except (HomeVisit.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such visit") from None


def notification_by_token(*, token: str) -> Notification:
    try:
        return Notification.objects.select_related("alarm__enrolment__resident", "contact").get(token=token)
    except Notification.DoesNotExist:
        raise Http404("no such link") from None


def timeline_for(*, enrolment: Enrolment) -> list[CareEvent]:
    events = enrolment.events.select_related("actor").order_by("-at", "-id")[:TIMELINE_MAX]
    return list(events)


@dataclass(frozen=True)
class ContactRow:
    order: int
    kind: str
    name: str
    relation: str
    phone: str


def contacts_for(*, viewer: User, enrolment: Enrolment) -> list[ContactRow]:
    """Return the enrolment's contacts with their numbers as viewer may see them (masked or nothing)."""
    return [
        ContactRow(
            c.order, c.get_kind_display(), c.name, c.relation, personal_data_display(viewer=viewer, value=c.phone)
        )
        for c in enrolment.contacts.all()
    ]


@dataclass(frozen=True)
class ElderRow:
    enrolment: Enrolment
    state: str
    state_label: str
    alarm: Alarm | None


def elder_rows_for(*, user: User, now: dt.datetime) -> list[ElderRow]:
    """Return the enrolments in user's scope with their state now and their live alarm, alarms first."""
    enrolments = list(enrolment_list_for(user=user))
    live = {
        a.enrolment_id: a
        for a in Alarm.objects.filter(
            enrolment__in=[e.pk for e in enrolments], status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED]
        ).order_by("started_at")
    }
    rows = []
    for e in enrolments:
        state = e.state_at(now)
        rows.append(ElderRow(e, state, str(CareState(state).label), live.get(e.pk)))
    return sorted(rows, key=lambda r: (r.alarm is None, r.state != "missed", r.enrolment.resident.name))
