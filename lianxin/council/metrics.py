"""The council's figures for the insights registry (declared in council/plugin.py)."""

from __future__ import annotations

from django.db.models import Sum

from lianxin.cases.metrics import case_rows
from lianxin.core.plugins import MetricValue
from lianxin.council.models import Attendance, Concern


def concerns_raised(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Count concerns raised at meetings held in [start, end)."""
    concerns = Concern.objects.filter(
        meeting__station=station, meeting__starts_at__gte=start, meeting__starts_at__lt=end
    )
    if grid_id is not None:
        concerns = concerns.filter(meeting__grid_id=grid_id)
    ids = tuple(concerns.order_by("case_id").values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=concerns.count(), record_ids=ids)


def concern_rows(*, station, ids) -> list[dict]:
    return case_rows(station=station, ids=ids)


def attendance(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Sum the people signed in at meetings held in [start, end)."""
    rows = Attendance.objects.filter(
        meeting__station=station, meeting__starts_at__gte=start, meeting__starts_at__lt=end
    )
    if grid_id is not None:
        rows = rows.filter(meeting__grid_id=grid_id)
    return MetricValue(numerator=rows.aggregate(n=Sum("people"))["n"] or 0)
