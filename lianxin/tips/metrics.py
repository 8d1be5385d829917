"""The tips' figures for the insights registry (declared in tips/plugin.py)."""

from __future__ import annotations

from django.db.models import Q

from lianxin.cases.metrics import case_rows
from lianxin.cases.models import Resolution, Status
from lianxin.core.plugins import MetricValue
from lianxin.tips.models import Tip, TipOutcome

# A tip was acted on if the officer judged it confirmed or useful, or its case was resolved with an action.
ACTED_ON = Q(outcome__in=[TipOutcome.CONFIRMED, TipOutcome.USEFUL]) | (
    Q(case__status__in=[Status.RESOLVED, Status.CLOSED]) & ~Q(case__resolution=Resolution.NO_ACTION_NEEDED)
)


def _tips(*, station, start, end, grid_id=None):
    tips = Tip.objects.filter(station=station, case__opened_at__gte=start, case__opened_at__lt=end)
    return tips.filter(case__grid_id=grid_id) if grid_id is not None else tips


def tips_received(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Count tips received in [start, end) (named and anonymous), in grid_id if given."""
    tips = _tips(station=station, start=start, end=end, grid_id=grid_id)
    ids = tuple(tips.order_by("case_id").values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=tips.count(), record_ids=ids)


def tips_acted_on(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Share of the tips received in [start, end) that were acted on (see ACTED_ON)."""
    tips = _tips(station=station, start=start, end=end, grid_id=grid_id)
    acted = tips.filter(ACTED_ON)
    ids = tuple(acted.order_by("case_id").values_list("case_id", flat=True)) if with_records else ()
    return MetricValue(numerator=acted.count(), denominator=tips.count(), record_ids=ids)


def tip_rows(*, station, ids) -> list[dict]:
    return case_rows(station=station, ids=ids)
