"""The care app's figures for the insights registry (declared in care/plugin.py). All read the event rows."""

from __future__ import annotations

import statistics

from django.db.models import F

from lianxin.care.models import Alarm, AlarmReason, CareEvent, EventKind, HomeVisit
from lianxin.core.plugins import MetricValue


def _alarms(station, start, end, grid_id):
    alarms = Alarm.objects.filter(station=station, started_at__gte=start, started_at__lt=end)
    return alarms.filter(enrolment__grid_id=grid_id) if grid_id is not None else alarms


def checkins_kept(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    """Days kept (first check-in of the day on time) over days kept plus days missed, in [start, end)."""
    events = CareEvent.objects.filter(enrolment__station=station, at__gte=start, at__lt=end)
    if grid_id is not None:
        events = events.filter(enrolment__grid_id=grid_id)
    kept = events.filter(kind=EventKind.CHECKED_IN, data__first_of_day=True, data__on_time=True).count()
    missed = events.filter(kind=EventKind.MISSED).count()
    return MetricValue(numerator=kept, denominator=kept + missed)


def alarms_started(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    alarms = _alarms(station, start, end, grid_id)
    ids = tuple(alarms.order_by("id").values_list("id", flat=True)) if with_records else ()
    return MetricValue(numerator=alarms.count(), record_ids=ids)


def alarms_acknowledged(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    alarms = _alarms(station, start, end, grid_id)
    answered = alarms.filter(acknowledged_at__isnull=False)
    ids = tuple(answered.order_by("id").values_list("id", flat=True)) if with_records else ()
    return MetricValue(numerator=answered.count(), denominator=alarms.count(), record_ids=ids)


def median_ack_seconds(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    waits = [
        (acked - started).total_seconds()
        for started, acked in _alarms(station, start, end, grid_id)
        .filter(acknowledged_at__isnull=False)
        .annotate(acked=F("acknowledged_at"))
        .values_list("started_at", "acked")
    ]
    return MetricValue(numerator=statistics.median(waits) if waits else 0)


def sos_started(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    return MetricValue(numerator=_alarms(station, start, end, grid_id).filter(reason=AlarmReason.SOS).count())


def alarms_at_station(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    alarms = _alarms(station, start, end, grid_id).filter(notifications__step="officer").distinct()
    ids = tuple(alarms.order_by("id").values_list("id", flat=True)) if with_records else ()
    return MetricValue(numerator=alarms.count(), record_ids=ids)


def devices_offline(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    alarms = _alarms(station, start, end, grid_id).filter(reason=AlarmReason.DEVICE_OFFLINE)
    return MetricValue(numerator=alarms.count())


def home_visits(*, station, start, end, grid_id=None, with_records=False) -> MetricValue:
    visits = HomeVisit.objects.filter(enrolment__station=station, visited_at__gte=start, visited_at__lt=end)
    if grid_id is not None:
        visits = visits.filter(enrolment__grid_id=grid_id)
    return MetricValue(numerator=visits.count())


def alarm_rows(*, station, ids) -> list[dict]:
    """The alarms counted, without personal data (the resident is not named)."""
    from django.urls import reverse

    alarms = Alarm.objects.filter(station=station, pk__in=ids).select_related("enrolment__grid", "case")
    return [
        {
            "number": a.case.number if a.case is not None else f"#{a.pk}",
            "category": a.get_reason_display(),
            "grid": a.enrolment.grid.name if a.enrolment.grid is not None else "",
            "status": a.get_status_display(),
            "at": a.started_at,
            "url": reverse("care:alarm", args=[a.pk]),
        }
        for a in alarms.order_by("started_at")
    ]
