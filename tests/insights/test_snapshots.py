"""The dashboard's figures from the worker's month snapshots equal the figures counted afresh.

The world: public-order incidents and ratings spread over 2025 and 2026 in station A; the worker's
snapshot sweep runs "today" (2026-06-15 in Shanghai); then the figures for year to date, the year
before and the trend must be what a live count gives, and must move when the past is edited only
after the next refresh (or at once, for the list behind a figure, which always counts).
"""

from __future__ import annotations

import datetime as dt

import pytest

from lianxin.cases.models import Resolution, Status
from lianxin.cases.services import case_rate, case_transition
from lianxin.core.plugins import metric_specs
from lianxin.insights import selectors, services
from lianxin.insights.models import MetricSnapshot

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 15, 4, tzinfo=UTC)  # 12:00 in Shanghai
MONTHS = [dt.datetime(y, m, 10, 3, tzinfo=UTC) for y, m in ((2025, 3), (2025, 6), (2025, 11), (2026, 2), (2026, 5))]


@pytest.fixture
def history(world, open_case):
    for k, at in enumerate(MONTHS):
        for _i in range(k + 1):
            open_case(category=world.cat_fight, now=at)
        case = open_case(actor=world.resident_user, channel="online", now=at)
        case_transition(case=case, actor=world.officer, to_status=Status.IN_PROGRESS, now=at)
        case_transition(
            case=case, actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.ADVICE_GIVEN, now=at
        )
        case_rate(case=case, actor=world.resident_user, rating=5 if k % 2 else 2, now=at + dt.timedelta(hours=1))
    # Today's incident: counted live, never from a snapshot.
    open_case(category=world.cat_fight, now=NOW - dt.timedelta(hours=1))
    return world


def figures(world, **kw):
    start_on, end_on = selectors.year_to_date(selectors.local_today(NOW))
    return {
        f.spec.key: (f.value, f.baseline, f.trend)
        for f in selectors.figures_for(user=world.chief, start_on=start_on, end_on=end_on, now=NOW, **kw)
    }


def test_figures_from_snapshots_equal_a_fresh_count(history):
    counted = figures(history)
    assert not MetricSnapshot.objects.exists()
    written = services.snapshots_refresh(now=NOW)
    assert written > 0
    assert MetricSnapshot.objects.filter(key="public_order_incidents", start_on=dt.date(2026, 5, 1)).exists()
    # Nothing of today's month is kept: it is still open.
    assert not MetricSnapshot.objects.filter(end_on__gte=dt.date(2026, 6, 15)).exists()
    assert figures(history) == counted
    value, baseline, _trend = counted["public_order_incidents"]
    assert value.numerator == 4 + 5 + 1  # February, May, and today
    assert baseline.numerator == 1 + 2  # March and June 2025 (to the 15th)
    # A second pass within the hour recounts nothing.
    assert services.snapshots_refresh(now=NOW + dt.timedelta(minutes=30)) == 0


def test_the_figures_add_up_the_months_and_count_only_the_rest(history, django_assert_max_num_queries):
    services.snapshots_refresh(now=NOW)
    spec = selectors.metric_get("public_order_incidents")
    # Year to date: Jan–May from five snapshot rows (one query) and June counted (one query).
    with django_assert_max_num_queries(2):
        value = selectors.metric_value(
            spec, station=history.station, start_on=dt.date(2026, 1, 1), end_on=dt.date(2026, 6, 15), now=NOW
        )
    assert value.numerator == 10


def test_a_past_edit_shows_after_the_next_refresh_and_at_once_in_the_list(history, open_case):
    services.snapshots_refresh(now=NOW)
    spec = selectors.metric_get("public_order_incidents")
    may = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    late = open_case(category=history.cat_fight, now=dt.datetime(2026, 5, 20, 3, tzinfo=UTC))
    assert late  # a case entered late with its real time in May
    kwargs = {"station": history.station, "start_on": may[0], "end_on": may[1]}
    assert selectors.metric_value(spec, now=NOW, **kwargs).numerator == 5  # the snapshot, until refreshed
    assert selectors.metric_value(spec, with_records=True, **kwargs).numerator == 6  # the list counts
    later = NOW + dt.timedelta(hours=2)
    assert services.snapshots_refresh(now=later) > 0
    assert selectors.metric_value(spec, now=later, **kwargs).numerator == 6


def test_a_stopped_worker_leaves_the_page_counting_not_stale(history, open_case):
    services.snapshots_refresh(now=NOW)
    spec = selectors.metric_get("public_order_incidents")
    open_case(category=history.cat_fight, now=dt.datetime(2026, 5, 20, 3, tzinfo=UTC))
    a_day_later = NOW + selectors.SNAPSHOT_TRUSTED_FOR + dt.timedelta(minutes=1)
    value = selectors.metric_value(
        spec, station=history.station, start_on=dt.date(2026, 5, 1), end_on=dt.date(2026, 5, 31), now=a_day_later
    )
    assert value.numerator == 6


def test_only_additive_metrics_are_added_up():
    by_key = {spec.key: spec for spec in metric_specs()}
    assert by_key["satisfaction"].additive and by_key["public_order_incidents"].additive
    assert not by_key["open_cases"].additive and not by_key["overdue_cases"].additive
    # A metric that does not say so is recounted whole: the safe default.
    assert all(not spec.additive for spec in metric_specs() if spec.unit == "seconds")
