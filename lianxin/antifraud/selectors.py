"""Every read of the desk that depends on who asks; another station's user gets Http404."""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from lianxin.antifraud.models import (
    BlacklistEntry,
    BlacklistHit,
    Campaign,
    CampaignKind,
    Consultation,
    EntryStatus,
    FraudWarning,
    Outcome,
    ScreeningTally,
    Screenshot,
    WarningStatus,
    WarningStep,
)
from lianxin.antifraud.roles import BLACKLIST_ROLES, DESK_ROLES, RESPONDER_ROLES
from lianxin.core.models import Role, User
from lianxin.core.roles import STATION_WIDE_ROLES, has_role
from lianxin.places.selectors import grid_ids_owned_by


def warning_scope_q(user: User) -> Q | None:
    if not has_role(user, RESPONDER_ROLES | DESK_ROLES):
        return None
    station = Q(station_id=user.station_id)
    if has_role(user, STATION_WIDE_ROLES):
        return station
    # Sent to me now or before (a warning escalated past me stays on my list).
    mine = Q(responder_id=user.pk) | Q(pk__in=WarningStep.objects.filter(responder_id=user.pk).values("warning_id"))
    if user.role in (Role.COMMUNITY_OFFICER, Role.GRID_MEMBER):
        return station & (mine | Q(grid_id__in=grid_ids_owned_by(user=user)))
    return station & mine


def warning_list_for(*, user: User, open_only: bool = False, ids: list[int] | None = None) -> QuerySet[FraudWarning]:
    scope = warning_scope_q(user)
    if scope is None:
        return FraudWarning.objects.none()
    qs = FraudWarning.objects.filter(scope).select_related("case", "resident", "grid", "responder")
    if open_only:
        qs = qs.exclude(status=WarningStatus.CLOSED)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def warning_get_for(*, user: User, pk: int) -> FraudWarning:
    scope = warning_scope_q(user)
    found = None
    if scope is not None:
        found = FraudWarning.objects.filter(scope, pk=pk).select_related("case", "resident", "grid").first()
    if found is None:
        raise Http404("no such warning")
    return found


def blacklist_list_for(*, user: User, status: str = "", kind: str = "", q: str = "") -> QuerySet[BlacklistEntry]:
    if not has_role(user, DESK_ROLES):
        return BlacklistEntry.objects.none()
    qs = BlacklistEntry.objects.filter(station_id=user.station_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(shown__icontains=q.strip())
    return qs


def blacklist_entry_get_for(*, user: User, pk: int) -> BlacklistEntry:
    entry = blacklist_list_for(user=user).filter(pk=pk).first()
    if entry is None:
        raise Http404("no such entry")
    return entry


def may_manage_blacklist(user: User) -> bool:
    return has_role(user, BLACKLIST_ROLES)


def screenshot_get_for(*, user: User, token: str = "", pk: int | None = None) -> Screenshot:
    """The uploader reaches their screenshot by its token; the desk's roles by id within their station."""
    if token:
        shot = Screenshot.objects.filter(token=token).first()
        if shot is not None:
            return shot
    elif pk is not None and has_role(user, DESK_ROLES):
        shot = Screenshot.objects.filter(pk=pk, station_id=user.station_id).first()
        if shot is not None:
            return shot
    raise Http404("no such screenshot")


def consultation_list_for(*, user: User, ids: list[int] | None = None) -> QuerySet[Consultation]:
    if not has_role(user, DESK_ROLES):
        return Consultation.objects.none()
    qs = Consultation.objects.filter(station_id=user.station_id).select_related("case", "resident", "officer")
    return qs.filter(pk__in=ids) if ids is not None else qs


def campaign_list_for(*, user: User) -> QuerySet[Campaign]:
    if not has_role(user, DESK_ROLES):
        return Campaign.objects.none()
    return Campaign.objects.filter(station_id=user.station_id).select_related("grid")


# --- figures ------------------------------------------------------------------------------------------------


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month in the station's zone, as aware datetimes."""
    start = dt.datetime(year, month, 1, tzinfo=_zone())
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=_zone())
    return start, end


@dataclass(frozen=True)
class Figure:
    key: str
    value: int | float | None
    unit: str
    record_ids: tuple[int, ...] = ()
    records: str = ""  # "warnings", "consultations", "blacklist", "campaigns" or ""


def _warnings(station_id: int, start, end, grid_id) -> QuerySet[FraudWarning]:
    qs = FraudWarning.objects.filter(station_id=station_id, received_at__gte=start, received_at__lt=end)
    return qs.filter(grid_id=grid_id) if grid_id else qs


def figures(*, station_id: int, start: dt.datetime, end: dt.datetime, grid_id: int | None = None) -> dict[str, Figure]:
    """The desk's figures over [start, end), for the whole station or one grid."""
    tallies = ScreeningTally.objects.filter(
        station_id=station_id, on__gte=start.astimezone(_zone()).date(), on__lt=end.astimezone(_zone()).date()
    )
    if grid_id:
        tallies = tallies.filter(grid_id=grid_id)
    by_band = dict(tallies.values_list("band").annotate(n=Sum("count")).values_list("band", "n"))
    consultations = Consultation.objects.filter(station_id=station_id, at__gte=start, at__lt=end)
    if grid_id:
        consultations = consultations.filter(resident__grid_id=grid_id)
    warnings = list(
        _warnings(station_id, start, end, grid_id).values_list(
            "pk", "received_at", "contacted_at", "deadline_at", "outcome", "amount_protected_fen"
        )
    )
    reached = [w for w in warnings if w[2] is not None and (w[3] is None or w[2] <= w[3])]
    dissuaded = [w for w in warnings if w[4] == Outcome.DISSUADED]
    contact_seconds = [(w[2] - w[1]).total_seconds() for w in warnings if w[2] is not None]
    hits = BlacklistHit.objects.filter(station_id=station_id, at__gte=start, at__lt=end)
    trainings = Campaign.objects.filter(
        station_id=station_id,
        kind=CampaignKind.TRAINING,
        held_on__gte=start.astimezone(_zone()).date(),
        held_on__lt=end.astimezone(_zone()).date(),
    )
    if grid_id:
        trainings = trainings.filter(grid_id=grid_id)
    training_rows = list(trainings.values_list("pk", "attendance"))
    consultation_ids = tuple(consultations.values_list("pk", flat=True))
    return {
        "screened": Figure("screened", sum(by_band.values()), "count"),
        "high_risk": Figure("high_risk", by_band.get("high", 0), "count"),
        "consultations": Figure("consultations", len(consultation_ids), "count", consultation_ids, "consultations"),
        "warnings": Figure("warnings", len(warnings), "count", tuple(w[0] for w in warnings), "warnings"),
        "reached_in_time": Figure("reached_in_time", len(reached), "count", tuple(w[0] for w in reached), "warnings"),
        "dissuaded": Figure("dissuaded", len(dissuaded), "count", tuple(w[0] for w in dissuaded), "warnings"),
        "protected_fen": Figure(
            "protected_fen", sum(w[5] for w in dissuaded), "fen", tuple(w[0] for w in dissuaded), "warnings"
        ),
        "median_contact_seconds": Figure(
            "median_contact_seconds",
            statistics.median(contact_seconds) if contact_seconds else None,
            "seconds",
            tuple(w[0] for w in warnings if w[2] is not None),
            "warnings",
        ),
        "blacklist_hits": Figure(
            "blacklist_hits",
            hits.count(),
            "count",
            tuple(hits.values_list("entry_id", flat=True).distinct()),
            "blacklist",
        ),
        "trainings": Figure("trainings", len(training_rows), "count", tuple(t[0] for t in training_rows), "campaigns"),
        "trained": Figure(
            "trained", sum(t[1] for t in training_rows), "count", tuple(t[0] for t in training_rows), "campaigns"
        ),
    }


def reach_per_grid(*, station_id: int) -> list[dict]:
    """Residents reached by campaigns, per grid."""
    return list(
        Campaign.objects.filter(station_id=station_id)
        .values("grid__name")
        .annotate(reached=Sum("residents_reached"), n=Count("id"))
        .order_by("grid__name")
    )


def review_queue_count(*, user: User) -> int:
    return blacklist_list_for(user=user, status=EntryStatus.PROPOSED).count()


def campaign_video_get(*, pk: int) -> Campaign:
    """A video's public play link (anyone may watch); 404 if it has no link."""
    campaign = Campaign.objects.filter(pk=pk).exclude(link="").first()
    if campaign is None:
        raise Http404("no such video")
    return campaign
