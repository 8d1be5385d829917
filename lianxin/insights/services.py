"""Writes of the insights app: generating and keeping reports (a PDF per month, or for any period)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianxin.core.models import Role, Station
from lianxin.core.plugins import metric_specs
from lianxin.insights import report as report_doc
from lianxin.insights import selectors
from lianxin.insights.models import MetricSnapshot, Report
from lianxin.places.models import Grid

# Metrics shown per grid in the report's tables (where registered).
GRID_TABLE_KEYS = ("public_order_incidents", "satisfaction", "resolved_locally", "open_cases", "overdue_cases")


class _StationReader:
    """A stand-in reader with a station-wide role: the worker reads figures as the station itself."""

    is_authenticated = True
    is_superuser = False
    role = Role.STATION_CHIEF

    def __init__(self, station: Station):
        self.station = station
        self.station_id = station.id


def _grid_tables(station: Station, start_on: dt.date, end_on: dt.date) -> dict:
    specs = [s for s in metric_specs() if s.key in GRID_TABLE_KEYS]
    rows = []
    for grid in Grid.objects.filter(station=station).order_by("code"):
        cells = []
        for spec in specs:
            value = selectors.metric_value(spec, station=station, start_on=start_on, end_on=end_on, grid_id=grid.id)
            figure = selectors.Figure(spec, value, start_on, end_on, grid.id)
            cells.append(figure.display if figure.is_shown else _("too few (%(n)d)") % {"n": figure.sample})
        rows.append({"grid": grid.name, "cells": cells})
    return {"headers": [str(s.label) for s in specs], "rows": rows}


def report_generate(
    *, station: Station, start_on: dt.date, end_on: dt.date, is_monthly: bool = False, now: dt.datetime | None = None
) -> Report:
    """Render and keep the report of station over start_on..end_on (local dates, both included).

    Raises ValidationError naming `end` for a period that ends before it starts. The PDF is
    rendered before the transaction opens, so a failed render writes nothing.
    """
    now = now or timezone.now()
    if end_on < start_on:
        raise ValidationError({"end": [_("The period ends before it starts.")]})
    if (end_on - start_on).days > selectors.PERIOD_MAX_DAYS:
        raise ValidationError({"end": [_("A period may be at most three years long.")]})
    reader = _StationReader(station)
    # The report is in the station's language, whoever asked for it.
    with translation.override(settings.LANGUAGE_CODE):
        figures = selectors.figures_for(user=reader, start_on=start_on, end_on=end_on, now=now)
        pdf, chart_count = report_doc.report_pdf(
            station=station,
            start_on=start_on,
            end_on=end_on,
            figures=figures,
            grid_tables=_grid_tables(station, start_on, end_on),
            now=now,
        )
    with transaction.atomic():
        return Report.objects.create(
            station=station,
            start_on=start_on,
            end_on=end_on,
            is_monthly=is_monthly,
            pdf=pdf,
            chart_count=chart_count,
            created_at=now,
        )


def reports_monthly_sweep(*, now: dt.datetime | None = None, limit: int = 20) -> int:
    """Generate last month's report for every station that lacks one; return how many were made.

    Runs in `lianxin worker`; on the first of the month (local) the previous month is complete.
    Two workers racing on one station: the unique constraint keeps one, the other skips.
    """
    now = now or timezone.now()
    today = selectors.local_today(now)
    first_this_month = today.replace(day=1)
    last_month_first = (first_this_month - dt.timedelta(days=1)).replace(day=1)
    done = Report.objects.filter(is_monthly=True, start_on=last_month_first).values("station_id")
    made = 0
    for station in Station.objects.exclude(id__in=done).order_by("id")[:limit]:
        try:
            report_generate(
                station=station,
                start_on=last_month_first,
                end_on=first_this_month - dt.timedelta(days=1),
                is_monthly=True,
                now=now,
            )
        except IntegrityError:
            continue
        made += 1
    return made


# Snapshots the worker keeps fresh: recounted once older than this. The dashboard trusts them for
# selectors.SNAPSHOT_TRUSTED_FOR, so a stopped worker leaves the page counting live, never stale.
SNAPSHOT_REFRESH_AFTER = dt.timedelta(hours=1)


def snapshot_needs(*, today: dt.date) -> dict[str, set[tuple[dt.date, dt.date]]]:
    """metric key → the closed pieces of the dashboard's default view (year to date, the year before, trend)."""
    start_on, end_on = selectors.year_to_date(today)
    needs: dict[str, set[tuple[dt.date, dt.date]]] = {}
    for spec in metric_specs():
        pieces = needs.setdefault(spec.key, set())
        for a, b in selectors.figure_periods(start_on, end_on):
            pieces.update(p for p in selectors.snapshot_pieces(spec, a, b) if p[1] < today)
    return needs


def snapshots_refresh(*, now: dt.datetime | None = None, limit: int = 2000) -> int:
    """Count and keep the station-wide value of every closed piece the dashboard shows by default.

    Runs in `lianxin worker` (a sweep). Recounts only missing pieces and those older than
    SNAPSHOT_REFRESH_AFTER, oldest first, at most limit per pass; returns how many it wrote.
    Two workers racing write the same figures; the unique constraint keeps one row.
    """
    now = now or timezone.now()
    today = selectors.local_today(now)
    needs = snapshot_needs(today=today)
    specs = {spec.key: spec for spec in metric_specs()}
    written = 0
    for station in Station.objects.order_by("id"):
        fresh = {
            (row.key, row.start_on, row.end_on)
            for row in MetricSnapshot.objects.filter(
                station=station, grid_id=0, computed_at__gte=now - SNAPSHOT_REFRESH_AFTER
            )
        }
        for key, pieces in needs.items():
            for start_on, end_on in sorted(pieces):
                if (key, start_on, end_on) in fresh:
                    continue
                if written >= limit:
                    return written
                value = selectors.metric_count(specs[key], station=station, start_on=start_on, end_on=end_on)
                MetricSnapshot.objects.update_or_create(
                    station=station,
                    key=key,
                    start_on=start_on,
                    end_on=end_on,
                    grid_id=0,
                    defaults={
                        "numerator": value.numerator,
                        "denominator": value.denominator,
                        "computed_at": now,
                    },
                )
                written += 1
    return written
