"""The mediation app's figures for the insights registry (see core.plugins.MetricSpec)."""

from __future__ import annotations

import statistics

from lianxin.core.plugins import MetricValue
from lianxin.mediation.models import CONCLUDED_STATUSES, SETTLED_STATUSES, Dispute


def _disputes(station, grid_id):
    qs = Dispute.objects.filter(station=station)
    return qs.filter(case__grid_id=grid_id) if grid_id is not None else qs


def disputes_received(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    qs = _disputes(station, grid_id).filter(opened_at__gte=start, opened_at__lt=end)
    ids = tuple(qs.values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=qs.count(), record_ids=ids)


def settled_locally(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Disputes concluded in the period with an agreement or partial agreement, of all concluded with an outcome."""
    qs = _disputes(station, grid_id).filter(concluded_at__gte=start, concluded_at__lt=end)
    concluded = qs.filter(status__in=CONCLUDED_STATUSES)
    settled = concluded.filter(status__in=SETTLED_STATUSES)
    ids = tuple(settled.values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=settled.count(), denominator=concluded.count(), record_ids=ids)


def days_to_agreement(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Median time from taking a dispute into a room to its signed agreement, for those settled in the period (seconds)."""
    qs = _disputes(station, grid_id).filter(concluded_at__gte=start, concluded_at__lt=end, status__in=SETTLED_STATUSES)
    spans = [(d.concluded_at - d.opened_at).total_seconds() for d in qs.only("opened_at", "concluded_at")]
    ids = tuple(qs.values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=statistics.median(spans) if spans else 0, record_ids=ids)
