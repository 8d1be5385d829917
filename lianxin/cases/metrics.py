"""The case spine's headline figures for the insights registry (declared in cases/plugin.py).

Each compute function counts over [start, end) (aware datetimes chosen in the station's zone
by the caller) for one station and optionally one grid, and returns a MetricValue; the ids of
the records behind the figure are gathered only when with_records is true. Each definition in
plugin.py says in plain words what is counted; the functions here must match those words.

Periods are fixed by the moment that makes the thing happen: an incident by when it was opened,
a rating by when it was given, an on-the-spot solution by when the case was opened at the cart
(a case reopened after its resolution loses its resolution, so it stops counting until solved again).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum

from lianxin.cases.models import FINISHED_STATUSES, OPEN_STATUSES, CartStop, Case, Channel, Resolution, Status
from lianxin.core.models import Station
from lianxin.core.plugins import MetricValue

SATISFIED_MIN_RATING = 4
# Resolutions that mean the station did not settle the matter itself.
NOT_LOCAL_RESOLUTIONS = (Resolution.REFERRED,)
# Statuses of cases that are not a real matter of their own (a duplicate, a rejected filing).
NOT_COUNTED_STATUSES = (Status.MERGED, Status.REJECTED)


def _cases(station: Station, grid_id: int | None) -> QuerySet[Case]:
    cases = Case.objects.filter(station=station)
    if grid_id is not None:
        cases = cases.filter(grid_id=grid_id)
    return cases


def _ids(queryset, with_records: bool) -> tuple[int, ...]:
    return tuple(queryset.order_by("id").values_list("id", flat=True)) if with_records else ()


def public_order_incidents(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Count public-order incidents opened in the period (duplicates and rejected filings left out)."""
    cases = (
        _cases(station, grid_id)
        .filter(is_public_order=True, opened_at__gte=start, opened_at__lt=end)
        .exclude(status__in=NOT_COUNTED_STATUSES)
    )
    return MetricValue(numerator=cases.count(), record_ids=_ids(cases, with_records))


def satisfaction(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Share of ratings given in the period that are 4 or 5 (of all ratings given in it)."""
    rated = _cases(station, grid_id).filter(rated_at__gte=start, rated_at__lt=end, rating__isnull=False)
    counts = rated.aggregate(total=Count("id"), happy=Count("id", filter=Q(rating__gte=SATISFIED_MIN_RATING)))
    return MetricValue(numerator=counts["happy"], denominator=counts["total"], record_ids=_ids(rated, with_records))


def _cart_cases(station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None) -> QuerySet[Case]:
    return (
        _cases(station, grid_id)
        .filter(Q(channel=Channel.SERVICE_CART) | Q(cart_stop__isnull=False), opened_at__gte=start, opened_at__lt=end)
        .exclude(status__in=NOT_COUNTED_STATUSES)
    )


def solved_at_the_cart(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Count requests brought to the service cart in the period and solved on the spot."""
    cases = _cart_cases(station, start, end, grid_id).filter(resolution=Resolution.ON_THE_SPOT)
    return MetricValue(numerator=cases.count(), record_ids=_ids(cases, with_records))


def people_served(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Sum the people served at the service cart in the period (a contact may be a family of several)."""
    cases = _cart_cases(station, start, end, grid_id)
    total = cases.aggregate(n=Sum("people_served"))["n"] or 0
    return MetricValue(numerator=total, record_ids=_ids(cases, with_records))


def cart_outings(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Count the service cart's outings started in the period (in a grid: outings with a contact there)."""
    stops = CartStop.objects.filter(station=station, started_at__gte=start, started_at__lt=end)
    if grid_id is not None:
        stops = stops.filter(cases__grid_id=grid_id).distinct()
    return MetricValue(numerator=stops.count(), record_ids=_ids(stops, with_records))


def on_the_spot_share(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Share of the cases resolved in the period that were solved on the spot."""
    resolved = _cases(station, grid_id).filter(resolved_at__gte=start, resolved_at__lt=end).exclude(resolution="")
    counts = resolved.aggregate(total=Count("id"), spot=Count("id", filter=Q(resolution=Resolution.ON_THE_SPOT)))
    return MetricValue(numerator=counts["spot"], denominator=counts["total"], record_ids=_ids(resolved, with_records))


def resolved_locally(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Share of the cases resolved in the period that the station settled itself (not referred away)."""
    resolved = _cases(station, grid_id).filter(resolved_at__gte=start, resolved_at__lt=end).exclude(resolution="")
    counts = resolved.aggregate(total=Count("id"), local=Count("id", filter=~Q(resolution__in=NOT_LOCAL_RESOLUTIONS)))
    return MetricValue(numerator=counts["local"], denominator=counts["total"], record_ids=_ids(resolved, with_records))


def open_cases(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Count cases opened before the period's end that were still open at its end (as far as today's status says)."""
    cases = _cases(station, grid_id).filter(opened_at__lt=end, status__in=OPEN_STATUSES)
    return MetricValue(numerator=cases.count(), record_ids=_ids(cases, with_records))


def overdue_cases(
    *, station: Station, start: dt.datetime, end: dt.datetime, grid_id: int | None = None, with_records: bool = False
) -> MetricValue:
    """Count open cases whose service-level deadline passed before the period's end."""
    cases = _cases(station, grid_id).filter(status__in=OPEN_STATUSES, clock_paused_at__isnull=True, due_at__lt=end)
    return MetricValue(numerator=cases.count(), record_ids=_ids(cases, with_records))


def case_rows(*, station: Station, ids) -> list[dict]:
    """Return the cases ids as plain rows without personal data (number, category, grid, status, times, url)."""
    from django.urls import reverse

    cases = (
        Case.objects.filter(station=station, id__in=list(ids))
        .select_related("category", "grid")
        .order_by("opened_at", "id")
    )
    return [
        {
            "id": case.id,
            "number": case.number,
            "category": str(case.category),
            "grid": str(case.grid) if case.grid else "",
            "channel": case.get_channel_display(),
            "status": case.get_status_display(),
            "is_finished": case.status in FINISHED_STATUSES,
            "at": case.opened_at,
            "url": reverse("cases:detail", args=[case.id]),
        }
        for case in cases
    ]


def cart_stop_rows(*, station: Station, ids) -> list[dict]:
    """Return the cart outings ids as plain rows (place, officer's name is staff, not personal data)."""
    stops = CartStop.objects.filter(station=station, id__in=list(ids)).order_by("started_at", "id")
    return [
        {
            "id": stop.id,
            "number": f"#{stop.id}",
            "category": stop.place,
            "grid": "",
            "channel": "",
            "status": "",
            "is_finished": stop.ended_at is not None,
            "at": stop.started_at,
            "url": "",
        }
        for stop in stops
    ]
