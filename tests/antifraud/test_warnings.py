"""Warnings: dispatch to the grid, live push to the responder's topic (through Redis), acknowledgement,
the escalation sweep, outcomes and the figures they feed."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest

from lianxin.antifraud.models import FraudLoss, FraudWarning, Outcome, StepKind, WarningSource, WarningStatus
from lianxin.antifraud.selectors import figures
from lianxin.antifraud.services import (
    warning_acknowledge,
    warning_outcome_record,
    warning_raise,
    warnings_escalate,
    warnings_import_csv,
)
from lianxin.cases.models import Resolution, Status
from lianxin.core.live import LiveEvent, live_events
from lianxin.core.plugins import sweeps
from tests.core.test_live import REDIS_TEST_URL

NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def _raise(world, **kw):
    return warning_raise(
        station=world.station,
        actor=kw.pop("actor", world.auxiliary),
        source=kw.pop("source", WarningSource.BANK_ALERT),
        risk=kw.pop("risk", "银行预警：向涉诈账户转账"),
        resident=kw.pop("resident", world.resident),
        amount_at_stake_fen=kw.pop("amount_at_stake_fen", 8_600_000),
        deadline_at=kw.pop("deadline_at", NOW + dt.timedelta(minutes=30)),
        now=kw.pop("now", NOW),
        **kw,
    )


def test_a_warning_goes_to_the_grid_officer_then_escalates_to_the_grid_member_and_the_desk(world, settings):
    settings.ANTIFRAUD_ACK_MINUTES = 5
    warning = _raise(world)
    assert warning.responder == world.officer and warning.escalate_after == NOW + dt.timedelta(minutes=5)
    assert warning.case.priority == 4 and warning.case.category.code == "fraud-warning"
    assert warnings_escalate(now=NOW + dt.timedelta(minutes=4)) == 0
    assert warnings_escalate(now=NOW + dt.timedelta(minutes=5)) == 1
    warning.refresh_from_db()
    assert warning.responder == world.grid_member and warning.escalations == 1
    assert warning.tried_ids == [world.officer.pk, world.grid_member.pk]
    assert warnings_escalate(now=NOW + dt.timedelta(minutes=5)) == 0  # claimed once
    assert "antifraud_warnings_escalate" in sweeps()
    steps = list(warning.steps.values_list("kind", "responder_id", "data"))
    assert steps[-1][0] == StepKind.ESCALATED and steps[-1][2]["duty_desk"] is True


def test_an_acknowledged_warning_is_not_escalated_and_the_outcome_counts(world):
    warning = _raise(world)
    warning_acknowledge(warning=warning, actor=world.officer, now=NOW + dt.timedelta(minutes=2))
    assert warnings_escalate(now=NOW + dt.timedelta(hours=1)) == 0
    result = warning_outcome_record(
        warning=warning,
        actor=world.officer,
        outcome=Outcome.DISSUADED,
        amount_protected_fen=8_600_000,
        now=NOW + dt.timedelta(minutes=12),
    )
    w = result.warning
    assert (w.status, w.outcome, w.amount_protected_fen) == (WarningStatus.CLOSED, "dissuaded", 8_600_000)
    assert w.seconds_to_contact() == 12 * 60 and w.is_in_time()
    w.case.refresh_from_db()
    assert (w.case.status, w.case.resolution) == (Status.RESOLVED, Resolution.RESOLVED_LOCALLY)
    figs = figures(station_id=world.station.pk, start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=1))
    assert figs["warnings"].value == 1 and figs["dissuaded"].value == 1
    assert figs["protected_fen"].value == 8_600_000 and figs["median_contact_seconds"].value == 720
    assert figs["reached_in_time"].record_ids == (w.pk,)
    other = figures(station_id=world.b.station.pk, start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=1))
    assert other["warnings"].value == 0


def test_already_transferred_opens_the_fraud_loss_case(world):
    warning = _raise(world)
    result = warning_outcome_record(
        warning=warning, actor=world.officer, outcome=Outcome.TRANSFERRED, amount_lost_fen=4_900_000, now=NOW
    )
    loss = FraudLoss.objects.get()
    assert loss.warning == result.warning and loss.case == result.loss_case and loss.total_fen == 4_900_000
    assert loss.case.category.code == "fraud-report"


def test_a_volunteer_who_was_not_sent_may_not_answer(world):
    from django.core.exceptions import PermissionDenied

    warning = _raise(world)
    with pytest.raises(PermissionDenied):
        warning_acknowledge(warning=warning, actor=world.volunteer, now=NOW)


def test_a_warning_for_a_resident_of_another_station_names_the_field(world, api_as):
    response = api_as(world.auxiliary).post(
        "/antifraud/warnings", {"resident_id": world.b.resident.pk, "risk": "银行预警"}
    )
    assert response.status_code in (400, 422)
    assert "resident_id" in str(response.json())
    assert FraudWarning.objects.count() == 0
    ok = api_as(world.auxiliary).post("/antifraud/warnings", {"resident_id": world.resident.pk, "risk": "预警"})
    assert ok.status_code == 201 and ok.json()["responder_id"] == world.officer.pk


def test_the_wrong_station_gets_404(world, client_for):
    warning = _raise(world)
    assert client_for(world.b.officer).get(f"/fraud/warnings/{warning.pk}/").status_code == 404
    assert client_for(world.b.chief).post(f"/fraud/warnings/{warning.pk}/ack/").status_code == 404
    assert client_for(world.officer).get(f"/fraud/warnings/{warning.pk}/").status_code == 200


def test_the_officers_page_acknowledges_and_records_dissuaded_86000_yuan(world, client_for):
    warning = _raise(world)
    client = client_for(world.officer)
    panel = client.get("/fraud/warnings/panel/").content.decode()
    assert f'data-warning="{warning.pk}"' in panel
    client.post(f"/fraud/warnings/{warning.pk}/ack/")
    client.post(f"/fraud/warnings/{warning.pk}/outcome/", {"outcome": "dissuaded", "amount_yuan": "86,000"})
    warning.refresh_from_db()
    assert warning.outcome == Outcome.DISSUADED and warning.amount_protected_fen == 8_600_000
    bad = client_for(world.officer)
    other = _raise(world)
    bad.post(f"/fraud/warnings/{other.pk}/outcome/", {"outcome": "dissuaded", "amount_yuan": "lots"})
    other.refresh_from_db()
    assert other.status == WarningStatus.DISPATCHED  # nothing half-written


def test_the_panel_and_the_warning_page_say_amounts_as_a_person_would(world, client_for):
    warning = _raise(world, amount_at_stake_fen=12_345_650)  # 123,456.5 yuan at stake
    client = client_for(world.officer)
    client.post(f"/fraud/warnings/{warning.pk}/ack/")
    client.post(f"/fraud/warnings/{warning.pk}/outcome/", {"outcome": "dissuaded", "amount_yuan": "86000"})
    panel = client.get("/fraud/warnings/panel/").content.decode()
    page = client.get(f"/fraud/warnings/{warning.pk}/").content.decode()
    for shown in (panel, page):
        assert "123,456.5" in shown and "86,000" in shown
        assert "123457" not in shown and "86000" not in shown  # no rounding, no bare digits


def test_warnings_csv_all_or_nothing(world):
    from django.core.exceptions import ValidationError

    data = "phone,risk,amount_yuan\n13812345678,反诈中心预警名单,20000\n13900000000,名单,abc\n".encode()
    with pytest.raises(ValidationError) as exc:
        warnings_import_csv(actor=world.auxiliary, data=data, now=NOW)
    assert "amount_yuan" in str(exc.value) and FraudWarning.objects.count() == 0
    # 13812345678 is world A's resident; world B's resident has the same number in the fixture,
    # so from station B's side the row is its own resident too.
    good = "phone,risk\n13812345678,反诈中心预警名单\n".encode()
    result = warnings_import_csv(actor=world.auxiliary, data=good, now=NOW)
    assert result.warnings[0].resident == world.resident and result.warnings[0].responder == world.officer


async def _first_warning_event(topic: str, publish) -> LiveEvent | None:
    stream = live_events([topic], heartbeat=0.05)
    assert await stream.__anext__() is None  # subscribed
    threading.Thread(target=publish).start()
    for _ in range(200):
        event = await stream.__anext__()
        if event is not None:
            await stream.aclose()
            return event
    await stream.aclose()
    return None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("through_redis", [False, True])
def test_dispatching_a_warning_publishes_to_the_responders_topic(world, settings, through_redis):
    if through_redis:
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping()
        except redis.RedisError:
            pytest.skip("no Redis at 127.0.0.1:6379")
        settings.LIANXIN_REDIS_URL = REDIS_TEST_URL
    else:
        settings.LIANXIN_REDIS_URL = ""

    def publish():
        _raise(world)

    event = asyncio.run(_first_warning_event(f"user:{world.officer.pk}", publish))
    assert event is not None and event.kind == "fraud_warning"
    assert event.data["id"] == FraudWarning.objects.get().pk and event.data["event"] == "dispatched"


def test_metrics_are_declared_and_link_to_their_records(world, client_for):
    from django.utils.module_loading import import_string

    from lianxin.core.plugins import metric_specs

    warning = _raise(world)
    warning_outcome_record(warning=warning, actor=world.officer, outcome=Outcome.DISSUADED, now=NOW)
    specs = {s.key: s for s in metric_specs() if s.key.startswith("antifraud_")}
    assert {"antifraud_warnings", "antifraud_dissuaded", "antifraud_protected_fen"} <= set(specs)
    value = import_string(specs["antifraud_protected_fen"].compute)(
        station=world.station, start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=1)
    )
    assert value.numerator == 8_600_000 and value.record_ids == (warning.pk,)
    page = client_for(world.chief).get(
        "/fraud/records/", {"metric": "antifraud_dissuaded", "start": "2026-06-14", "end": "2026-06-16"}
    )
    assert f'data-warning="{warning.pk}"' in page.content.decode()


def test_a_volunteer_on_patrol_down_the_street_is_sent_before_the_grid_officer(world):
    """Issue 18: the nearest responder on duty first; who is on patrol comes from the patrols app (core.plugins)."""
    from lianxin.core.models import Role, User
    from lianxin.engines.geo.track import distance_m
    from lianxin.patrols.models import Patrol, PatrolStatus

    lat, lon = world.in_grid1
    far = User.objects.create(username="a_far_volunteer", station=world.station, role=Role.VOLUNTEER)
    stale = User.objects.create(username="a_stale_volunteer", station=world.station, role=Role.VOLUNTEER)

    def walking(member, dlat, *, minutes_ago=2):
        return Patrol.objects.create(
            station=world.station,
            member=member,
            status=PatrolStatus.ACTIVE,
            started_at=NOW - dt.timedelta(hours=1),
            last_lat=lat + dlat,
            last_lon=lon,
            last_point_at=NOW - dt.timedelta(minutes=minutes_ago),
        )

    walking(world.volunteer, 0.0027)  # about 300 m north
    walking(far, 0.045)  # about 5 km: not "nearby"
    walking(stale, 0.0005, minutes_ago=40)  # close, but its last fix is 40 minutes old
    assert 250 < distance_m(lat, lon, lat + 0.0027, lon) < 350
    warning = _raise(world, lat=lat, lon=lon)
    assert warning.responder == world.volunteer
    # Unanswered, it goes on to the grid's own people, the officer first.
    assert warnings_escalate(now=NOW + dt.timedelta(hours=1)) == 1
    warning.refresh_from_db()
    assert warning.tried_ids == [world.volunteer.pk, world.officer.pk]
    # Nobody on duty nearby (the patrol ended): the grid officer is first, as before.
    Patrol.objects.filter(member=world.volunteer).update(status=PatrolStatus.ENDED)
    assert _raise(world, lat=lat, lon=lon).responder == world.officer
