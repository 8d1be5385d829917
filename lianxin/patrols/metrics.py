"""The patrols' figures for the insights registry (declared in patrols/plugin.py)."""

from __future__ import annotations

from django.db.models import Sum

from lianxin.cases.metrics import case_rows
from lianxin.core.plugins import MetricValue
from lianxin.patrols.models import Finding, Patrol, PatrolStatus


def _patrols(*, station, start, end, grid_id=None):
    # A patrol belongs to the period it started in; it has no grid (a walk crosses several).
    return Patrol.objects.filter(station=station, status=PatrolStatus.ENDED, started_at__gte=start, started_at__lt=end)


def metres_patrolled(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Sum the measured length (metres) of the patrols started in [start, end) and since ended."""
    patrols = _patrols(station=station, start=start, end=end)
    return MetricValue(numerator=round(patrols.aggregate(m=Sum("distance_m"))["m"] or 0))


def patrols_walked(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Count the patrols started in [start, end) and since ended."""
    return MetricValue(numerator=_patrols(station=station, start=start, end=end).count())


def findings_reported(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Count findings reported on patrol in [start, end) (each a case), in grid_id if given."""
    findings = Finding.objects.filter(patrol__station=station, found_at__gte=start, found_at__lt=end)
    if grid_id is not None:
        findings = findings.filter(case__grid_id=grid_id)
    ids = tuple(findings.order_by("case_id").values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=findings.count(), record_ids=ids)


def finding_rows(*, station, ids) -> list[dict]:
    return case_rows(station=station, ids=ids)
