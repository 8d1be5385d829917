"""What the desk's services share: the clock, the categories its cases file under."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.cases.models import Category
from lianxin.cases.services import categories_create
from lianxin.core.models import Station, User
from lianxin.core.roles import has_role

# (code, Chinese name, English name, service level in hours): the categories the desk files under;
# created in a station that lacks them (the demo catalogue already has the first and last).
CATEGORY_CONSULT = "fraud-consult"
CATEGORY_WARNING = "fraud-warning"
CATEGORY_LOSS = "fraud-report"
DESK_CATEGORIES = {
    CATEGORY_CONSULT: ("反诈咨询", "Fraud consultation", 24),
    CATEGORY_WARNING: ("反诈预警劝阻", "Fraud warning", 2),
    CATEGORY_LOSS: ("电信诈骗报案", "Telecom fraud report", 4),
}


def now_or(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def own_station(actor: User) -> Station:
    """Return the actor's station; an account that belongs to no station may not act for one."""
    if actor.station is None:
        raise PermissionDenied(_("Your account belongs to no station."))
    return actor.station


def require(actor: User | None, roles: frozenset, message: str) -> None:
    if actor is None or not has_role(actor, roles):
        raise PermissionDenied(message)


def desk_category(*, station: Station, code: str) -> Category:
    """Return the station's category of that code, creating it from DESK_CATEGORIES if missing."""
    category = Category.objects.filter(station=station, code=code).first()
    if category is None:
        name, name_en, sla_hours = DESK_CATEGORIES[code]
        category = categories_create(
            station=station,
            categories=[
                Category(station=station, code=code, name=name, name_en=name_en, group="反诈", sla_hours=sla_hours)
            ],
        )[0]
    return category
