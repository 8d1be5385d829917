"""The cases app's registered metrics against a small world whose answers are counted by hand.

Station A's zone is Asia/Shanghai (UTC+8): a case opened 2025-12-31 17:00 UTC is a 2026 case there.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lianxin.cases.models import Resolution, Status
from lianxin.cases.services import cart_contact_record, cart_stop_start, case_rate, case_transition
from lianxin.core.plugins import metric_specs
from lianxin.insights import selectors

UTC = dt.UTC
YEAR_2026 = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
YEAR_2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def value(key, world, period, grid_id=None):
    spec = selectors.metric_get(key)
    return selectors.metric_value(
        spec, station=world.station, start_on=period[0], end_on=period[1], grid_id=grid_id, with_records=True
    )


def resolve(case, world, resolution=Resolution.ADVICE_GIVEN, at=None):
    case_transition(case=case, actor=world.officer, to_status=Status.IN_PROGRESS, now=at)
    return case_transition(case=case, actor=world.officer, to_status=Status.RESOLVED, resolution=resolution, now=at)


def test_cases_declares_its_metrics_through_the_registry(db):
    keys = {spec.key for spec in metric_specs()}
    assert {"public_order_incidents", "satisfaction", "solved_at_the_cart", "people_served", "cart_outings"} <= keys
    for spec in metric_specs():
        assert spec.definition and spec.compute
        if spec.compute.startswith("lianxin.cases."):
            assert spec.rows


def test_public_order_counts_by_the_station_year_boundary(world, open_case):
    # 2025-12-31 15:59 UTC is 23:59 on the 31st in Shanghai: a 2025 incident.
    last_of_2025 = open_case(category=world.cat_fight, now=dt.datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    # 2025-12-31 16:00 UTC is midnight on 1 January in Shanghai: a 2026 incident.
    first_of_2026 = open_case(category=world.cat_fight, now=dt.datetime(2025, 12, 31, 16, 0, tzinfo=UTC))
    in_2026 = open_case(category=world.cat_fight, now=dt.datetime(2026, 3, 1, 2, tzinfo=UTC), point=world.in_grid2)
    open_case(category=world.cat_papers, now=dt.datetime(2026, 3, 1, 2, tzinfo=UTC))  # not public order
    rejected = open_case(category=world.cat_fight, now=dt.datetime(2026, 3, 2, 2, tzinfo=UTC))
    case_transition(case=rejected, actor=world.officer, to_status=Status.REJECTED, reason="误报")
    # Station B's incident never counts for A.
    from lianxin.cases.services import case_open

    case_open(
        station=world.b.station,
        actor=world.b.officer,
        channel="walk_in",
        category=world.b.cat_fight,
        description="打架",
        now=dt.datetime(2026, 3, 1, 2, tzinfo=UTC),
    )

    v2026 = value("public_order_incidents", world, YEAR_2026)
    v2025 = value("public_order_incidents", world, YEAR_2025)
    assert v2026.numerator == 2 and set(v2026.record_ids) == {first_of_2026.id, in_2026.id}
    assert v2025.numerator == 1 and v2025.record_ids == (last_of_2025.id,)
    assert value("public_order_incidents", world, YEAR_2026, grid_id=world.grid2.id).numerator == 1


def test_satisfaction_is_share_of_ratings_four_and_five(world, open_case):
    at = dt.datetime(2026, 5, 1, 2, tzinfo=UTC)
    ratings = [5, 4, 3, 5]
    for rating in ratings:
        case = open_case(actor=world.resident_user, channel="online", now=at)
        resolve(case, world, at=at)
        case_rate(case=case, actor=world.resident_user, rating=rating, now=at)
    v = value("satisfaction", world, YEAR_2026)
    assert (v.numerator, v.denominator) == (3, 4)
    assert v.value == 0.75
    # Below the minimum sample (20 ratings) the dashboard does not show the rate.
    figure = selectors.Figure(selectors.metric_get("satisfaction"), v, *YEAR_2026)
    assert not figure.is_shown and figure.sample == 4


def test_cart_figures(world):
    at = dt.datetime(2026, 4, 1, 2, tzinfo=UTC)
    stop = cart_stop_start(actor=world.officer, place="浪头广场", now=at)
    solved = cart_contact_record(
        actor=world.officer,
        category=world.cat_papers,
        description="补办",
        solved_on_the_spot=True,
        stop=stop,
        people_served=3,
        now=at,
    )
    cart_contact_record(
        actor=world.officer, category=world.cat_papers, description="咨询", solved_on_the_spot=False, stop=stop, now=at
    )
    solved_count = value("solved_at_the_cart", world, YEAR_2026)
    assert solved_count.numerator == 1 and solved_count.record_ids == (solved.id,)
    assert value("people_served", world, YEAR_2026).numerator == 3 + 1
    assert value("cart_outings", world, YEAR_2026).numerator == 1
    assert value("cart_outings", world, YEAR_2025).numerator == 0


def test_a_case_reopened_after_its_resolution_counts_once_by_its_last_resolution(world, open_case):
    march = dt.datetime(2026, 3, 10, 2, tzinfo=UTC)
    may = dt.datetime(2026, 5, 10, 2, tzinfo=UTC)
    case = open_case(now=march)
    resolve(case, world, resolution=Resolution.ON_THE_SPOT, at=march)
    other = open_case(now=march)
    resolve(other, world, resolution=Resolution.ON_THE_SPOT, at=march)
    march_only = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert value("on_the_spot_share", world, march_only).numerator == 2
    # The resident says it is not solved: reopened in April, then referred and resolved in May.
    case_transition(case=case, actor=world.officer, to_status=Status.IN_PROGRESS, now=march + dt.timedelta(days=30))
    case_transition(case=case, actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.REFERRED, now=may)
    v_march = value("on_the_spot_share", world, march_only)
    assert (v_march.numerator, v_march.denominator, v_march.record_ids) == (1, 1, (other.id,))
    v_year = value("on_the_spot_share", world, YEAR_2026)
    assert (v_year.numerator, v_year.denominator) == (1, 2)
    local = value("resolved_locally", world, YEAR_2026)
    assert (local.numerator, local.denominator) == (1, 2)


def test_year_before_and_month_helpers():
    assert selectors.year_before(dt.date(2024, 2, 29), dt.date(2024, 3, 1)) == (
        dt.date(2023, 2, 28),
        dt.date(2023, 3, 1),
    )
    months = selectors.month_starts(dt.date(2026, 2, 10), 3)
    assert months == [dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    start, end = selectors.period_bounds(dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    assert start.astimezone(UTC) == dt.datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert end - start == dt.timedelta(days=1)


def test_period_that_ends_before_it_starts_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        selectors.period_parse("2026-05-01", "2026-04-01", default=YEAR_2026)
    assert "end" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        selectors.period_parse("nonsense", None, default=YEAR_2026)
    assert "start" in info.value.message_dict


@pytest.mark.parametrize(
    ("unit", "raw", "shown"),
    [
        ("seconds", 42.0, "42 秒"),
        ("seconds", 754.0, "13 分钟"),
        ("seconds", 3 * 3600 + 1800, "3.5 小时"),
        ("seconds", 6.5 * 86400, "6.5 天"),
        ("metres", 640.0, "640 米"),
        ("metres", 12_340.0, "12.3 公里"),
        ("metres", 1_103_000.0, "1,103 公里"),
        ("count", 1234.0, "1,234"),
    ],
)
def test_a_duration_or_distance_is_shown_in_units_a_person_reads(unit, raw, shown):
    from django.utils import translation

    from lianxin.core.plugins import MetricSpec, MetricValue

    spec = MetricSpec(key="k", label="k", definition="d", compute="x.y", unit=unit)
    with translation.override("zh-hans"):
        assert selectors.figure_text(spec, MetricValue(numerator=raw)) == shown
