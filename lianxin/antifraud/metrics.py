"""The desk's headline figures for the insights registry (MetricSpec.compute points here)."""

from __future__ import annotations

import datetime as dt

from lianxin.antifraud.selectors import figures
from lianxin.core.plugins import MetricValue


def _figure(key: str, *, station, start: dt.datetime, end: dt.datetime, grid_id: int | None) -> MetricValue:
    fig = figures(station_id=station.pk, start=start, end=end, grid_id=grid_id)[key]
    return MetricValue(numerator=fig.value or 0, record_ids=fig.record_ids)


def warnings_received(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("warnings", station=station, start=start, end=end, grid_id=grid_id)


def warnings_dissuaded(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("dissuaded", station=station, start=start, end=end, grid_id=grid_id)


def amount_protected(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("protected_fen", station=station, start=start, end=end, grid_id=grid_id)


def reached_in_time_share(*, station, start, end, grid_id=None) -> MetricValue:
    figs = figures(station_id=station.pk, start=start, end=end, grid_id=grid_id)
    return MetricValue(
        numerator=figs["reached_in_time"].value or 0,
        denominator=int(figs["warnings"].value or 0),
        record_ids=figs["warnings"].record_ids,
    )


def median_contact_seconds(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("median_contact_seconds", station=station, start=start, end=end, grid_id=grid_id)


def messages_screened(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("screened", station=station, start=start, end=end, grid_id=grid_id)


def requests_sent(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("requests_sent", station=station, start=start, end=end, grid_id=grid_id)


def money_held(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("held_fen", station=station, start=start, end=end, grid_id=grid_id)


def money_returned(*, station, start, end, grid_id=None) -> MetricValue:
    return _figure("returned_fen", station=station, start=start, end=end, grid_id=grid_id)


def held_in_two_hours_share(*, station, start, end, grid_id=None) -> MetricValue:
    figs = figures(station_id=station.pk, start=start, end=end, grid_id=grid_id)
    return MetricValue(
        numerator=figs["held_in_two_hours"].value or 0,
        denominator=int(figs["losses"].value or 0),
        record_ids=figs["losses"].record_ids,
    )
