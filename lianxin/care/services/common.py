"""What the care services share: the clock, who may do what, the event row, live push, the case category."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.care.models import Alarm, CareEvent, Enrolment
from lianxin.cases.models import Category
from lianxin.cases.services import categories_create
from lianxin.core.live import live_publish
from lianxin.core.models import Station, User
from lianxin.core.roles import CASEWORKER_ROLES, STATION_WIDE_ROLES, has_role
from lianxin.places.selectors import grid_ids_owned_by

LIVE_KIND = "care_alarm"
# The category welfare-check cases file under (the demo catalogue has it; made where missing).
CARE_CATEGORY = ("elder-care", "独居老人关怀", "Care for elders living alone", 2)
NAME_MAX_CHARS = 60
NOTE_MAX_CHARS = 1000


def now_or(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def may_care(user) -> bool:
    """Return True if user's role works with residents under care (grid members, officers, station staff)."""
    return has_role(user, CASEWORKER_ROLES)


def require_carer(actor: User | None, enrolment: Enrolment | None = None) -> None:
    """Refuse an actor who may not act on enrolment: not a carer, another station, or another grid."""
    if actor is None or not may_care(actor):
        raise PermissionDenied(_("Your role may not look after residents under care."))
    if enrolment is None or actor.is_superuser:
        return
    if actor.station_id != enrolment.station_id:
        raise PermissionDenied(_("This resident belongs to another station."))
    if not has_role(actor, STATION_WIDE_ROLES) and enrolment.grid_id not in grid_ids_owned_by(user=actor):
        raise PermissionDenied(_("This resident lives outside your grids."))


def event(
    enrolment: Enrolment,
    kind: str,
    *,
    now: dt.datetime,
    actor: User | None = None,
    actor_name: str = "",
    alarm: Alarm | None = None,
    **data,
) -> CareEvent:
    return CareEvent.objects.create(
        enrolment=enrolment,
        alarm=alarm,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor_name or (str(actor) if actor is not None else ""))[:NAME_MAX_CHARS],
        at=now,
        data=data,
    )


def publish(alarm: Alarm, *, event_name: str, users: list[int] | tuple[int, ...] = (), station: bool = False) -> None:
    """Tell the open pages of users (and of the station's desk if station) that alarm changed."""
    data = {"alarm": alarm.pk, "event": event_name, "reason": alarm.reason, "status": alarm.status}
    for user_id in dict.fromkeys(users):
        live_publish(topic=f"user:{user_id}", kind=LIVE_KIND, data=data)
    if station:
        live_publish(topic=f"station:{alarm.station_id}", kind=LIVE_KIND, data=data)


def care_category(*, station: Station) -> Category:
    """Return the station's elder-care category, creating it where missing."""
    code, name, name_en, sla_hours = CARE_CATEGORY
    category = Category.objects.filter(station=station, code=code).first()
    if category is None:
        category = categories_create(
            station=station,
            categories=[
                Category(station=station, code=code, name=name, name_en=name_en, group="关怀", sla_hours=sla_hours)
            ],
        )[0]
    return category
