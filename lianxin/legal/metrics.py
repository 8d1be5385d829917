"""The legal app's figures for the insights registry (see core.plugins.MetricSpec)."""

from __future__ import annotations

from lianxin.core.plugins import MetricValue
from lianxin.legal.models import Consultation, Finding


def consultations_answered(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Consultations a lawyer answered in [start, end)."""
    qs = Consultation.objects.filter(station=station, answered_at__gte=start, answered_at__lt=end)
    if grid_id is not None:
        qs = qs.filter(case__grid_id=grid_id)
    ids = tuple(qs.values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=qs.count(), record_ids=ids)


def consultations_asked(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Consultations residents kept in [start, end)."""
    qs = Consultation.objects.filter(station=station, asked_at__gte=start, asked_at__lt=end)
    if grid_id is not None:
        qs = qs.filter(case__grid_id=grid_id)
    ids = tuple(qs.values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=qs.count(), record_ids=ids)


def findings_fixed(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Check-up findings closed as fixed in [start, end)."""
    qs = Finding.objects.filter(checkup__station=station, fixed_at__gte=start, fixed_at__lt=end)
    if grid_id is not None:
        qs = qs.filter(checkup__enterprise__grid_id=grid_id)
    return MetricValue(numerator=qs.count())
