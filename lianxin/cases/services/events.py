"""What every case write shares: the current time, case numbers, the event row, the role check."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lianxin.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
)
from lianxin.core.models import Station, User
from lianxin.core.roles import has_role

CASE_NUMBER_PREFIX = "LX"
DESCRIPTION_MAX_CHARS = 5000
NOTE_MAX_CHARS = 5000


def _now(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def station_local_year(now: dt.datetime) -> int:
    """Return the year in the station's zone (a case opened 2026-12-31 23:30 UTC is a 2027 case)."""
    return now.astimezone(zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)).year


def case_number_next(*, station: Station, now: dt.datetime) -> str:
    """Return the next gap-free number of the station's local year, e.g. LX-2026-000123.

    Must run inside a transaction: the counter row is locked until commit.
    """
    year = station_local_year(now)
    CaseCounter.objects.get_or_create(station=station, year=year)
    counter = CaseCounter.objects.select_for_update().get(station=station, year=year)
    counter.last_value = F("last_value") + 1
    counter.save(update_fields=["last_value"])
    counter.refresh_from_db(fields=["last_value"])
    return f"{CASE_NUMBER_PREFIX}-{year}-{counter.last_value:06d}"


def _event(
    case: Case,
    *,
    kind: str,
    actor: User | None,
    now: dt.datetime,
    from_status: str = "",
    to_status: str = "",
    is_public: bool = False,
    text: str = "",
    data: dict | None = None,
) -> CaseEvent:
    # Stale cached public lists: now (a reader before the commit caches the old rows under the
    # new version...) and again after the commit (...which this second bump makes stale too).
    station_id = case.station_id
    public_list_version_bump(station_id)
    transaction.on_commit(lambda: public_list_version_bump(station_id))
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=now,
        from_status=from_status,
        to_status=to_status,
        is_public=is_public,
        text=text,
        data=data or {},
    )


def public_list_version_key(station_id: int) -> str:
    return f"lianxin:cases:public-version:{station_id}"


def public_list_version(station_id: int) -> int:
    """Return the station's public-list version: cached public lists of an older version are stale."""
    return int(cache.get(public_list_version_key(station_id), 0))


def public_list_version_bump(station_id: int) -> None:
    """Mark every cached public list of the station stale (every case event calls this after commit)."""
    key = public_list_version_key(station_id)
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=None)


def _require_role(actor: User | None, roles: frozenset, message: str) -> None:
    if actor is None or not has_role(actor, roles):
        raise PermissionDenied(message)
