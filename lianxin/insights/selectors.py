"""Reads of the insights app: the registry's figures for the user's station, per period, month and grid.

insights imports no other app: every figure comes from `lianxin.core.plugins.metric_specs()`, whose
compute functions live in the app that owns the data. Periods are local dates in the station's zone
(both ends included); they become [start, end) in aware datetimes at local midnight.
"""

from __future__ import annotations

import datetime as dt
import inspect
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from lianxin.core.models import Station, User
from lianxin.core.plugins import MetricSpec, MetricValue, metric_specs
from lianxin.core.roles import STATION_WIDE_ROLES, has_role
from lianxin.insights.models import MetricSnapshot
from lianxin.places.models import Grid

# Station-wide roles only: the records behind a figure are the whole station's cases, which a grid
# officer may not open (their case pages would answer 404); a per-grid scope is left for later.
INSIGHT_ROLES = STATION_WIDE_ROLES
TREND_MONTHS = 12
PERIOD_MAX_DAYS = 3 * 366
# A snapshot older than this is not used (the worker refreshes them hourly, see insights.services).
SNAPSHOT_TRUSTED_FOR = dt.timedelta(hours=24)
# The dashboard's headline figures, in this order; other registered metrics follow.
HEADLINE_KEYS = (
    "public_order_incidents",
    "satisfaction",
    "resolved_locally",
    "solved_at_the_cart",
    "people_served",
)


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def may_see_insights(user) -> bool:
    return has_role(user, INSIGHT_ROLES)


def insights_station_for(*, user: User) -> Station:
    """Return the station whose figures user may read; PermissionDenied for other roles."""
    station = user.station if may_see_insights(user) else None
    if station is None:
        raise PermissionDenied(_("Your role may not read the station's figures."))
    return station


def grid_get_for(*, user: User, grid_id) -> Grid:
    """Return a grid of user's station; Http404 for another station's or an unknown grid."""
    station = insights_station_for(user=user)
    try:
        return Grid.objects.get(pk=int(grid_id), station=station)
    except (Grid.DoesNotExist, ValueError, TypeError):
        raise Http404("no such grid") from None


def metric_get(key: str) -> MetricSpec:
    for spec in metric_specs():
        if spec.key == key:
            return spec
    raise Http404("no such metric")


def local_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(zone()).date()


def day_start(day: dt.date) -> dt.datetime:
    """Return local midnight at the start of day as an aware datetime."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone())


def period_bounds(start_on: dt.date, end_on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return [start, end) for local dates start_on..end_on, both included."""
    return day_start(start_on), day_start(end_on + dt.timedelta(days=1))


def period_parse(start: str | None, end: str | None, *, default: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """Parse ?start=&end= (YYYY-MM-DD) falling back to default; ValidationError naming the field."""
    errors: dict[str, list[str]] = {}
    values = []
    for name, raw, fallback in (("start", start, default[0]), ("end", end, default[1])):
        if not raw:
            values.append(fallback)
            continue
        try:
            values.append(dt.date.fromisoformat(str(raw)))
        except ValueError:
            errors[name] = [_("Give the date as YYYY-MM-DD.")]
            values.append(fallback)
    if not errors and values[1] < values[0]:
        errors["end"] = [_("The period ends before it starts.")]
    if not errors and (values[1] - values[0]).days > PERIOD_MAX_DAYS:
        errors["end"] = [_("A period may be at most three years long.")]
    if errors:
        raise ValidationError(errors)
    return values[0], values[1]


def year_to_date(today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(today.year, 1, 1), today


def year_before(start_on: dt.date, end_on: dt.date) -> tuple[dt.date, dt.date]:
    """Return the same dates a year earlier (29 February becomes 28 February)."""

    def back(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return back(start_on), back(end_on)


def month_starts(today: dt.date, count: int = TREND_MONTHS) -> list[dt.date]:
    """Return the first days of the last count months, oldest first, ending with today's month."""
    year, month = today.year, today.month
    firsts = []
    for _i in range(count):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def month_end(first: dt.date) -> dt.date:
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_pieces(start_on: dt.date, end_on: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Split start_on..end_on (both included) at month boundaries, oldest first."""
    pieces = []
    first = start_on
    while first <= end_on:
        last = min(month_end(first.replace(day=1)), end_on)
        pieces.append((first, last))
        first = last + dt.timedelta(days=1)
    return pieces


def snapshot_pieces(spec: MetricSpec, start_on: dt.date, end_on: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The pieces a period's value is made of: its months for an additive metric, else the whole period."""
    return month_pieces(start_on, end_on) if spec.additive else [(start_on, end_on)]


def _stored(
    spec: MetricSpec, station: Station, pieces: list[tuple[dt.date, dt.date]], grid_id: int | None, now: dt.datetime
) -> dict[tuple[dt.date, dt.date], MetricValue]:
    """The trusted snapshots of the closed pieces: computed after the piece ended, and recently."""
    today = local_today(now)
    closed = [piece for piece in pieces if piece[1] < today]
    if not closed:
        return {}
    rows = MetricSnapshot.objects.filter(
        station=station,
        key=spec.key,
        grid_id=grid_id or 0,
        start_on__in={a for a, _b in closed},
        computed_at__gte=now - SNAPSHOT_TRUSTED_FOR,
    )
    wanted = set(closed)
    found = {}
    for row in rows:
        piece = (row.start_on, row.end_on)
        if piece in wanted and row.computed_at >= day_start(row.end_on + dt.timedelta(days=1)):
            numerator = int(row.numerator) if float(row.numerator).is_integer() else row.numerator
            found[piece] = MetricValue(numerator=numerator, denominator=row.denominator)
    return found


def metric_value(
    spec: MetricSpec,
    *,
    station: Station,
    start_on: dt.date,
    end_on: dt.date,
    grid_id: int | None = None,
    with_records: bool = False,
    now: dt.datetime | None = None,
) -> MetricValue:
    """Return spec's value over start_on..end_on: from the worker's snapshots where they hold, else counted.

    An additive metric adds up its months (stored ones read, the others counted in as few runs as
    possible); any other metric uses a snapshot of exactly this period or counts. With records
    (the list behind a figure) it always counts, so the list is today's truth.
    """
    if with_records:
        return metric_count(spec, station=station, start_on=start_on, end_on=end_on, grid_id=grid_id, with_records=True)
    now = now or timezone.now()
    pieces = snapshot_pieces(spec, start_on, end_on)
    stored = _stored(spec, station, pieces, grid_id, now)
    if not stored:
        return metric_count(spec, station=station, start_on=start_on, end_on=end_on, grid_id=grid_id)
    parts: list[MetricValue] = []
    run: list[tuple[dt.date, dt.date]] = []
    for piece in [*pieces, None]:
        if piece is not None and piece not in stored:
            run.append(piece)
            continue
        if run:  # count the unstored months next to each other in one go
            parts.append(metric_count(spec, station=station, start_on=run[0][0], end_on=run[-1][1], grid_id=grid_id))
            run = []
        if piece is not None:
            parts.append(stored[piece])
    denominators = [part.denominator for part in parts if part.denominator is not None]
    return MetricValue(
        numerator=sum(part.numerator for part in parts), denominator=sum(denominators) if denominators else None
    )


def metric_count(
    spec: MetricSpec,
    *,
    station: Station,
    start_on: dt.date,
    end_on: dt.date,
    grid_id: int | None = None,
    with_records: bool = False,
) -> MetricValue:
    """Count spec's value over start_on..end_on with the app's own compute function (no snapshot)."""
    start, end = period_bounds(start_on, end_on)
    compute = import_string(spec.compute)
    # The contract's with_records is optional: an app's compute may not take it (then it always gives records).
    if "with_records" in inspect.signature(compute).parameters:
        return compute(station=station, start=start, end=end, grid_id=grid_id, with_records=with_records)
    return compute(station=station, start=start, end=end, grid_id=grid_id)


@dataclass
class Figure:
    """One metric's value over one period, ready to show: hidden below the metric's minimum sample."""

    spec: MetricSpec
    value: MetricValue
    start_on: dt.date
    end_on: dt.date
    grid_id: int | None = None
    baseline: MetricValue | None = None
    trend: list[tuple[dt.date, float | None]] = field(default_factory=list)

    @property
    def sample(self) -> int:
        return int(self.value.denominator if self.value.denominator is not None else self.value.numerator)

    @property
    def is_shown(self) -> bool:
        return self.value.denominator is None or (self.sample >= self.spec.min_sample and self.sample > 0)

    @property
    def display(self) -> str:
        return figure_text(self.spec, self.value)

    @property
    def baseline_display(self) -> str:
        return figure_text(self.spec, self.baseline) if self.baseline is not None else ""

    @property
    def change(self) -> float | None:
        """Return the relative change against the baseline (−0.62 is 62% down), or None."""
        if self.baseline is None or self.value.value is None or not self.baseline.value:
            return None
        if self.spec.unit == "share":
            return None
        return (self.value.value - self.baseline.value) / self.baseline.value

    @property
    def change_text(self) -> str:
        change = self.change
        return "" if change is None else f"{change * 100:+.0f}%"

    @property
    def change_points(self) -> float | None:
        """Return a share's change against the baseline in percentage points, or None."""
        if self.spec.unit != "share" or self.baseline is None:
            return None
        if self.value.value is None or self.baseline.value is None:
            return None
        return (self.value.value - self.baseline.value) * 100

    @property
    def records_url(self) -> str:
        return records_url(self.spec, self.start_on, self.end_on, self.grid_id)


def figure_text(spec: MetricSpec, value: MetricValue) -> str:
    if value.value is None:
        return "–"
    if spec.unit == "share":
        return f"{value.value * 100:.1f}%"
    if spec.unit == "fen":
        return f"{value.value / 100:,.2f}"
    if spec.unit == "seconds":
        return duration_text(value.value)
    if spec.unit == "metres":
        return distance_text(value.value)
    return f"{int(value.value):,}"


SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86400


def duration_text(seconds: float) -> str:
    """Write a duration as a person reads it: seconds under two minutes, minutes under two hours,
    hours under two days, then days (one decimal where it helps)."""
    if seconds < 2 * SECONDS_PER_MINUTE:
        return _("%(n)s s") % {"n": f"{seconds:.0f}"}
    if seconds < 2 * SECONDS_PER_HOUR:
        return _("%(n)s min") % {"n": f"{seconds / SECONDS_PER_MINUTE:.0f}"}
    if seconds < 2 * SECONDS_PER_DAY:
        return _("%(n)s h") % {"n": f"{seconds / SECONDS_PER_HOUR:.1f}"}
    return _("%(n)s days") % {"n": f"{seconds / SECONDS_PER_DAY:.1f}"}


def distance_text(metres: float) -> str:
    """Write a distance in km (one decimal under 100 km), or in metres under 1 km."""
    if metres < 1000:
        return _("%(n)s m") % {"n": f"{metres:.0f}"}
    km = metres / 1000
    return _("%(n)s km") % {"n": f"{km:.1f}" if km < 100 else f"{km:,.0f}"}


def records_url(spec: MetricSpec, start_on: dt.date, end_on: dt.date, grid_id: int | None) -> str:
    try:
        base = reverse(spec.records) if spec.records else reverse("insights:records")
    except NoReverseMatch:
        base = reverse("insights:records")
    query = f"?metric={spec.key}&start={start_on.isoformat()}&end={end_on.isoformat()}"
    return base + query + (f"&grid={grid_id}" if grid_id else "")


def _ordered_specs() -> list[MetricSpec]:
    specs = metric_specs()
    rank = {key: i for i, key in enumerate(HEADLINE_KEYS)}
    return sorted(specs, key=lambda s: rank.get(s.key, len(rank)))


def figure_periods(start_on: dt.date, end_on: dt.date, *, with_trend: bool = True) -> list[tuple[dt.date, dt.date]]:
    """The periods a figure over start_on..end_on shows: itself, the year before, and its monthly trend."""
    months = [(first, min(month_end(first), end_on)) for first in month_starts(end_on)] if with_trend else []
    return [(start_on, end_on), year_before(start_on, end_on), *months]


def figures_for(
    *,
    user: Any,  # a User, or the monthly report's station-wide reader (insights.services)
    start_on: dt.date,
    end_on: dt.date,
    grid_id: int | None = None,
    with_trend: bool = True,
    now: dt.datetime | None = None,
) -> list[Figure]:
    """Return every registered metric over the period with its year-before baseline and monthly trend."""
    station = insights_station_for(user=user)
    now = now or timezone.now()
    figures = []
    periods = figure_periods(start_on, end_on, with_trend=with_trend)
    for spec in _ordered_specs():
        value, baseline, *months = (
            metric_value(spec, station=station, start_on=a, end_on=b, grid_id=grid_id, now=now) for a, b in periods
        )
        figure = Figure(spec=spec, value=value, start_on=start_on, end_on=end_on, grid_id=grid_id, baseline=baseline)
        for (first, _last), month in zip(periods[2:], months, strict=True):
            sample = month.denominator if month.denominator is not None else 1
            figure.trend.append((first, month.value if sample >= max(spec.min_sample, 1) else None))
        figures.append(figure)
    return figures


@dataclass
class GridRow:
    grid: Grid
    figure: Figure
    rank: int | None = None


def grid_ranking_for(*, user: User, key: str, start_on: dt.date, end_on: dt.date) -> list[GridRow]:
    """Return the station's grids for one metric, best first; grids below the minimum sample are unranked, last."""
    station = insights_station_for(user=user)
    spec = metric_get(key)
    rows = []
    for grid in Grid.objects.filter(station=station).order_by("code"):
        value = metric_value(spec, station=station, start_on=start_on, end_on=end_on, grid_id=grid.id)
        rows.append(GridRow(grid=grid, figure=Figure(spec, value, start_on, end_on, grid.id)))
    shown = [r for r in rows if r.figure.is_shown and r.figure.value.value is not None]
    hidden = [r for r in rows if r not in shown]
    shown.sort(key=lambda r: r.figure.value.value or 0, reverse=spec.higher_is_better)
    for i, row in enumerate(shown, start=1):
        row.rank = i
    return shown + hidden


def grids_for(*, user: User) -> list[Grid]:
    station = insights_station_for(user=user)
    return list(Grid.objects.filter(station=station).select_related("police_chief").order_by("code"))


def records_for(
    *, user: User, key: str, start_on: dt.date, end_on: dt.date, grid_id: int | None = None
) -> tuple[MetricSpec, MetricValue, list[dict]]:
    """Return a metric's value over the period and the rows behind it (no personal data)."""
    station = insights_station_for(user=user)
    if grid_id is not None:
        grid_get_for(user=user, grid_id=grid_id)
    spec = metric_get(key)
    value = metric_value(spec, station=station, start_on=start_on, end_on=end_on, grid_id=grid_id, with_records=True)
    rows = import_string(spec.rows)(station=station, ids=value.record_ids) if spec.rows else []
    return spec, value, rows


@dataclass
class BeforeAfter:
    spec: MetricSpec
    before: Figure
    after: Figure


def before_after_for(
    *, user: User, key: str, started_on: dt.date, days: int, grid_id: int | None = None
) -> BeforeAfter:
    """Return the metric over `days` days before an initiative's start and the same number of days from it."""
    station = insights_station_for(user=user)
    if not 1 <= days <= PERIOD_MAX_DAYS:
        raise ValidationError({"days": [_("Give a number of days from 1 to %(n)d.") % {"n": PERIOD_MAX_DAYS}]})
    spec = metric_get(key)
    before_on = (started_on - dt.timedelta(days=days), started_on - dt.timedelta(days=1))
    after_on = (started_on, started_on + dt.timedelta(days=days - 1))
    figures = []
    for start_on, end_on in (before_on, after_on):
        value = metric_value(spec, station=station, start_on=start_on, end_on=end_on, grid_id=grid_id)
        figures.append(Figure(spec, value, start_on, end_on, grid_id))
    return BeforeAfter(spec=spec, before=figures[0], after=figures[1])


def report_list(*, station: Station):
    from lianxin.insights.models import Report

    return Report.objects.filter(station=station).defer("pdf")
