"""Care: enrolment, check-ins across grace and midnight, the ladder, answers, visits, the pages and the API.

Station A's resident 王秀兰 lives alone in grid 1 (grid member w.grid_member, officer w.officer).
Times are Asia/Shanghai wall clock (UTC+8, no DST).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.care import services
from lianxin.care.models import (
    Alarm,
    AlarmReason,
    AlarmStatus,
    CareEvent,
    CareState,
    Enrolment,
    EventKind,
    Notification,
)
from lianxin.cases.models import Case, Channel
from lianxin.core.models import AuditEntry

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=ZONE)


DAY1_EARLY = local(2026, 6, 15, 6, 0)


@pytest.fixture
def enrol(world):
    def make(*, now=DAY1_EARLY, starts=dt.time(7), ends=dt.time(10), grace=30, plan="钥匙在邻居张姐家", **kw):
        return services.enrolment_create(
            actor=world.grid_member,
            resident=world.resident,
            consent_by="self",
            has_monitoring_consent=True,
            has_health_consent=True,
            window_starts=starts,
            window_ends=ends,
            grace_minutes=grace,
            contacts=[
                services.ContactIn(kind="family", name="李娟", relation="女儿", phone="13912345678"),
                services.ContactIn(kind="neighbour", name="张姐", phone="13712345678"),
            ],
            plan=plan,
            now=now,
            **kw,
        )

    return make


def kinds(enrolment) -> list[str]:
    return list(CareEvent.objects.filter(enrolment=enrolment).order_by("id").values_list("kind", flat=True))


def test_enrol_sets_first_deadline_today_and_writes_events(world, enrol):
    e = enrol()
    assert e.alert_after == local(2026, 6, 15, 10, 30)
    assert e.state_at(local(2026, 6, 15, 6, 30)) == CareState.WAITING
    assert e.state_at(local(2026, 6, 15, 8, 0)) == CareState.DUE
    assert kinds(e) == [EventKind.ENROLLED, EventKind.CONSENT, EventKind.WINDOW_SET]
    assert e.plan_sealed and "钥匙" not in e.plan_sealed  # sealed at rest
    assert e.contacts.first().phone.masked == "139****5678"


def test_enrol_after_window_opened_expects_tomorrow(world, enrol):
    e = enrol(now=local(2026, 6, 15, 9, 0))
    assert e.alert_after == local(2026, 6, 16, 10, 30)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"starts": dt.time(10), "ends": dt.time(7)}, "window_ends"),
        ({"grace": 999}, "grace_minutes"),
        ({"has_monitoring_consent": False}, "has_monitoring_consent"),
        ({"has_health_consent": False}, "has_health_consent"),
        ({"consent_by": "proxy"}, "proxy_reason"),
        ({"contacts": [services.ContactIn(kind="family", name="李娟", phone="")]}, "contact_1_phone"),
        ({"contacts": []}, "contacts"),
    ],
)
def test_bad_enrolment_names_the_field_and_writes_nothing(world, enrol, kw, field):
    args = {
        "actor": world.grid_member,
        "resident": world.resident,
        "consent_by": "self",
        "has_monitoring_consent": True,
        "has_health_consent": True,
        "window_starts": dt.time(7),
        "window_ends": dt.time(10),
        "grace_minutes": 30,
        "contacts": [services.ContactIn(kind="family", name="李娟", phone="13912345678")],
        "plan": "药在抽屉",
        "now": DAY1_EARLY,
    }
    for key, value in kw.items():
        args[{"starts": "window_starts", "ends": "window_ends", "grace": "grace_minutes"}.get(key, key)] = value
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(**args)
    assert field in exc.value.message_dict
    assert not Enrolment.objects.exists() and not CareEvent.objects.exists()


def test_grid_member_of_another_grid_and_other_station_may_not_enrol(world, enrol):
    world.grid1.members.remove(world.grid_member)
    with pytest.raises(PermissionDenied):
        enrol()
    with pytest.raises(PermissionDenied):
        services.enrolment_create(
            actor=world.b.grid_member,
            resident=world.resident,
            consent_by="self",
            has_monitoring_consent=True,
            has_health_consent=False,
            window_starts=dt.time(7),
            window_ends=dt.time(10),
            contacts=[services.ContactIn(kind="family", name="李娟", phone="13912345678")],
        )


def test_checkin_before_deadline_moves_it_to_tomorrow_and_sweep_finds_nothing(world, enrol):
    e = enrol()
    e = services.checkin_record(enrolment=e, via="button", now=local(2026, 6, 15, 8, 0))
    assert e.alert_after == local(2026, 6, 16, 10, 30)
    assert e.state_at(local(2026, 6, 15, 23, 59)) == CareState.CHECKED_IN
    # Local midnight: a new day, the check-in no longer counts, the window is not open yet.
    assert e.state_at(local(2026, 6, 16, 0, 1)) == CareState.WAITING
    assert services.checkins_missed(now=local(2026, 6, 16, 10, 29)) == 0
    ev = CareEvent.objects.get(enrolment=e, kind=EventKind.CHECKED_IN)
    assert ev.data["on_time"] is True and ev.data["first_of_day"] is True


def test_grace_boundary_and_the_ladder_family_then_grid_member_then_officer_with_a_case(world, enrol):
    e = enrol()
    assert (
        services.checkins_missed(
            now=local(
                2026,
                6,
                15,
                10,
                29,
            )
        )
        == 0
    )  # within the grace
    assert services.checkins_missed(now=local(2026, 6, 15, 10, 30)) == 1
    e.refresh_from_db()
    assert e.state_at(local(2026, 6, 15, 10, 31)) == CareState.MISSED
    assert e.alert_after == local(2026, 6, 16, 10, 30)  # tomorrow is another day
    alarm = Alarm.objects.get(enrolment=e)
    assert alarm.reason == AlarmReason.MISSED and alarm.rung == 1
    assert [n.name for n in alarm.notifications.all()] == ["李娟"]
    # Nobody answers: the neighbour, then the grid member, then the officer (and the case).
    t = local(2026, 6, 15, 10, 30)
    for _rung in range(2, 5):
        t += dt.timedelta(minutes=services.rung_minutes(AlarmReason.MISSED))
        assert services.alarms_escalate(now=t - dt.timedelta(seconds=1)) == 0
        assert services.alarms_escalate(now=t) == 1
    alarm.refresh_from_db()
    steps = list(alarm.notifications.values_list("step", "user_id"))
    assert steps == [
        ("contact", None),
        ("contact", None),
        ("grid_member", world.grid_member.pk),
        ("officer", world.officer.pk),
    ]
    case = Case.objects.get(pk=alarm.case_id)
    assert case.channel == Channel.CHECKIN_MISSED and case.grid_id == world.grid1.pk
    assert list(case.subjects.all()) == [world.resident]
    # Still nobody: the ladder starts again from the daughter.
    t += dt.timedelta(minutes=15)
    assert services.alarms_escalate(now=t) == 1
    assert alarm.notifications.order_by("-rung").first().name == "李娟"
    assert Case.objects.count() == 1


def test_a_rung_waits_as_long_as_the_setting_says(world, enrol, settings):
    settings.LIANXIN_CARE_RUNG_MINUTES_MISSED = 40
    enrol()
    assert services.checkins_missed(now=local(2026, 6, 15, 10, 30)) == 1
    # The default 15 minutes pass and nobody else is told; at 40 the next rung goes out.
    assert services.alarms_escalate(now=local(2026, 6, 15, 10, 45)) == 0
    assert services.alarms_escalate(now=local(2026, 6, 15, 11, 9)) == 0
    assert services.alarms_escalate(now=local(2026, 6, 15, 11, 10)) == 1


def test_an_answer_stops_the_ladder_and_nobody_is_sent_twice(world, enrol):
    e = enrol()
    services.checkins_missed(now=local(2026, 6, 15, 10, 30))
    alarm = Alarm.objects.get(enrolment=e)
    daughter = alarm.notifications.get()
    services.alarm_answer(alarm=alarm, answer="going", notification=daughter, now=local(2026, 6, 15, 10, 35))
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED and alarm.escalate_after is None
    assert alarm.seconds_to_acknowledge() == 300
    assert services.alarms_escalate(now=local(2026, 6, 15, 12, 0)) == 0
    assert alarm.notifications.count() == 1
    with pytest.raises(ValidationError) as exc:
        services.alarm_answer(alarm=alarm, answer="going", actor=world.grid_member, now=local(2026, 6, 15, 10, 40))
    assert "answer" in exc.value.message_dict
    services.alarm_answer(alarm=alarm, answer="fine", notification=daughter, now=local(2026, 6, 15, 11, 0))
    alarm.refresh_from_db()
    e.refresh_from_db()
    assert alarm.status == AlarmStatus.CLOSED
    assert e.state_at(local(2026, 6, 15, 11, 1)) == CareState.CHECKED_IN
    with pytest.raises(ValidationError) as exc:
        services.alarm_answer(alarm=alarm, answer="fine", actor=world.grid_member, now=local(2026, 6, 15, 11, 5))
    assert "alarm" in exc.value.message_dict


def test_a_late_checkin_closes_the_missed_alarm(world, enrol):
    e = enrol()
    services.checkins_missed(now=local(2026, 6, 15, 10, 30))
    services.checkin_record(enrolment=e, via="button", now=local(2026, 6, 15, 10, 40))
    alarm = Alarm.objects.get(enrolment=e)
    assert alarm.status == AlarmStatus.CLOSED and alarm.closed_by == "checked_in"
    assert CareEvent.objects.filter(kind=EventKind.CHECKED_IN, data__on_time=False).count() == 1


def test_someone_it_was_not_sent_to_may_not_answer(world, enrol):
    enrol()
    services.checkins_missed(now=local(2026, 6, 15, 10, 30))
    alarm = Alarm.objects.get()
    with pytest.raises(PermissionDenied):
        services.alarm_answer(alarm=alarm, answer="going", actor=world.officer2)
    with pytest.raises(PermissionDenied):
        services.alarm_answer(alarm=alarm, answer="going", actor=world.b.officer)
    other = Notification.objects.create(
        alarm=alarm, rung=9, step="contact", name="x", channel="log", sent_at=alarm.started_at
    )
    other.alarm_id = alarm.pk + 1000
    with pytest.raises(PermissionDenied):
        services.alarm_answer(alarm=alarm, answer="going", notification=other)


def test_away_period_skips_deadlines_and_returns(world, enrol):
    e = enrol()
    e = services.away_set(
        enrolment=e,
        actor=world.grid_member,
        away_from=local(2026, 6, 15, 7, 0),
        away_until=local(2026, 6, 17, 18, 0),
        now=DAY1_EARLY,
    )
    assert e.alert_after == local(2026, 6, 18, 10, 30)
    assert e.state_at(local(2026, 6, 16, 12, 0)) == CareState.AWAY
    assert services.checkins_missed(now=local(2026, 6, 17, 23, 0)) == 0
    with pytest.raises(ValidationError) as exc:
        services.away_set(
            enrolment=e,
            actor=world.grid_member,
            away_from=local(2026, 6, 20, 7),
            away_until=local(2026, 6, 19, 7),
            now=DAY1_EARLY,
        )
    assert "away_until" in exc.value.message_dict


def test_window_near_midnight_deadline_falls_on_the_next_local_day(world, enrol):
    e = enrol(starts=dt.time(20), ends=dt.time(23, 45), grace=30, now=local(2026, 6, 15, 12, 0))
    assert e.alert_after == local(2026, 6, 16, 0, 15)
    assert e.alert_on == dt.date(2026, 6, 15)
    assert services.checkins_missed(now=local(2026, 6, 16, 0, 15)) == 1
    e.refresh_from_db()
    assert e.alert_after == local(2026, 6, 17, 0, 15)


def test_plan_opens_only_during_an_alarm_and_is_audited(world, enrol):
    e = enrol()
    with pytest.raises(PermissionDenied):
        services.plan_open(enrolment=e, actor=world.officer, reason="看看")
    services.checkins_missed(now=local(2026, 6, 15, 10, 30))
    with pytest.raises(ValidationError):
        services.plan_open(enrolment=e, actor=world.officer, reason="")
    assert services.plan_open(enrolment=e, actor=world.officer, reason="上门查看") == "钥匙在邻居张姐家"
    assert AuditEntry.objects.filter(action="care_plan_open", target_id=str(e.pk)).count() == 1
    assert CareEvent.objects.filter(enrolment=e, kind=EventKind.PLAN_OPENED).count() == 1


def test_withdrawal_stops_everything(world, enrol):
    e = enrol()
    services.checkins_missed(now=local(2026, 6, 15, 10, 30))
    services.enrolment_withdraw(
        enrolment=e, actor=world.grid_member, reason="本人要求停止", now=local(2026, 6, 15, 10, 31)
    )
    e.refresh_from_db()
    assert e.alert_after is None and e.plan_sealed == ""
    assert Alarm.objects.get().status == AlarmStatus.CLOSED
    assert services.checkins_missed(now=local(2026, 6, 20, 12)) == 0
    assert services.alarms_escalate(now=local(2026, 6, 20, 12)) == 0
    with pytest.raises(ValidationError):
        services.checkin_record(enrolment=e, via="button", now=local(2026, 6, 16, 8))


def test_two_sweeps_racing_on_one_deadline_raise_it_once(world, enrol):
    e = enrol()
    # The second worker read the same due row before the first claimed it.
    stale_alert_after = e.alert_after
    assert services.checkins_missed(now=local(2026, 6, 15, 10, 30)) == 1
    assert Enrolment.objects.filter(pk=e.pk, alert_after=stale_alert_after).update(alert_on=None) == 0
    assert services.checkins_missed(now=local(2026, 6, 15, 10, 30)) == 0
    alarm = Alarm.objects.get()
    # A rung already sent cannot be sent again, even by a worker that missed the claim.
    from lianxin.care.services.alarms import _notify_next

    alarm.rung = 0
    assert _notify_next(alarm, now=local(2026, 6, 15, 10, 31)) is None
    assert Notification.objects.count() == 1


def test_home_visit_needing_help_opens_a_case_and_a_fine_one_checks_in(world, enrol):
    e = enrol()
    v = services.visit_record(
        enrolment=e, actor=world.grid_member, kind="routine", outcome="fine", now=local(2026, 6, 15, 8)
    )
    e.refresh_from_db()
    assert v.case is None and e.state_at(local(2026, 6, 15, 9)) == CareState.CHECKED_IN
    with pytest.raises(ValidationError) as exc:
        services.visit_record(enrolment=e, actor=world.grid_member, kind="routine", outcome="needs_help")
    assert "note" in exc.value.message_dict
    v = services.visit_record(
        enrolment=e,
        actor=world.grid_member,
        kind="id_card",
        outcome="needs_help",
        note="身份证过期，行动不便需上门办理",
    )
    assert v.case is not None and v.case.grid_id == world.grid1.pk


# --- pages and API -----------------------------------------------------------------------------------------


def test_grid_member_enrols_through_the_page(world, client_for):
    c = client_for(world.grid_member)
    data = {
        "resident": world.resident.pk,
        "consent_by": "proxy",
        "proxy_name": "李娟",
        "proxy_reason": "",
        "has_monitoring_consent": "on",
        "window_starts": "07:00",
        "window_ends": "10:00",
        "grace_minutes": "30",
        "contact_1_kind": "family",
        "contact_1_name": "李娟",
        "contact_1_phone": "13912345678",
    }
    r = c.post("/care/enrol/", data)
    assert r.status_code == 200 and "为什么" in r.content.decode() or "proxy" in r.content.decode()
    assert not Enrolment.objects.exists()
    data["proxy_reason"] = "老人听力不好，由女儿代为同意"
    r = c.post("/care/enrol/", data)
    e = Enrolment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/care/{e.pk}/"
    page = c.get(f"/care/{e.pk}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert c.get("/care/").status_code == 200


def test_pages_are_scoped(world, enrol, client_for):
    e = enrol()
    assert client_for(world.b.officer).get(f"/care/{e.pk}/").status_code == 404
    assert client_for(world.officer2).get(f"/care/{e.pk}/").status_code == 404
    assert client_for(world.volunteer).get("/care/").status_code == 403


def test_elder_taps_the_big_button_without_signing_in(world, enrol, client):
    e = enrol()
    page = client.get(f"/care/c/{e.checkin_token}/").content.decode()
    assert "我很好" in page
    r = client.post(f"/care/c/{e.checkin_token}/")
    assert r.status_code == 200
    e.refresh_from_db()
    assert e.last_checkin_at is not None
    assert client.get("/care/c/not-a-token/").status_code == 404


def test_family_answers_from_their_link(world, enrol, client):
    enrol()
    services.checkins_missed(now=local(2026, 6, 15, 10, 30))
    n = Notification.objects.get()
    r = client.post(f"/care/n/{n.token}/", {"answer": "fine"})
    assert r.status_code == 302
    assert Alarm.objects.get().status == AlarmStatus.CLOSED
    page = client.post(f"/care/n/{n.token}/", {"answer": "fine"}).content.decode()
    assert "已经关闭" in page or "closed" in page


def test_api_lists_and_answers(world, enrol, api_as):
    enrol()
    services.checkins_missed(now=local(2026, 6, 15, 10, 30))
    api = api_as(world.grid_member)
    elders = api.get("/care/elders").json()
    assert [x["name"] for x in elders] == ["王秀兰"]
    alarms = api.get("/care/alarms").json()
    assert len(alarms) == 1
    r = api.post(f"/care/alarms/{alarms[0]['id']}/answer", {"answer": "going"})
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = api.post(f"/care/alarms/{alarms[0]['id']}/answer", {"answer": "going"})
    assert r.status_code == 422
    assert api_as(world.b.officer).post(f"/care/alarms/{alarms[0]['id']}/answer", {"answer": "fine"}).status_code == 404


def test_a_resident_under_care_taps_and_sets_away_on_their_own_page(world, enrol, client_for):
    e = enrol()
    c = client_for(world.resident_user)
    assert "我很好" in c.get("/care/me/").content.decode()
    c.post("/care/me/")
    e.refresh_from_db()
    assert e.last_checkin_at is not None
    r = c.post("/care/me/away/", {"away_from": "2030-01-02T08:00", "away_until": "2030-01-01T08:00"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.away_until is None
    c.post("/care/me/away/", {"away_from": "2030-01-01T08:00", "away_until": "2030-01-05T18:00", "note": "去女儿家"})
    e.refresh_from_db()
    assert e.away_until == local(2030, 1, 5, 18)
    assert CareEvent.objects.filter(enrolment=e, kind=EventKind.AWAY_SET, actor_name="王秀兰").exists()
    assert client_for(world.b.resident_user).post("/care/me/away/", {}).status_code == 404


def test_registry_books_a_home_id_visit_and_its_outcome_resolves_the_case(world, enrol, client_for):
    e = enrol()
    with pytest.raises(PermissionDenied):
        services.visit_schedule(
            enrolment=e, actor=world.grid_member, scheduled_for=local(2026, 6, 16, 9), now=DAY1_EARLY
        )
    with pytest.raises(ValidationError) as exc:
        services.visit_schedule(enrolment=e, actor=world.registry, scheduled_for=local(2026, 6, 14, 9), now=DAY1_EARLY)
    assert "scheduled_for" in exc.value.message_dict
    assert not Case.objects.exists()
    visit = services.visit_schedule(
        enrolment=e, actor=world.registry, scheduled_for=local(2026, 6, 16, 9), now=DAY1_EARLY
    )
    assert visit.case.status == "new" and visit.case.grid_id == world.grid1.pk
    page = client_for(world.registry).get(f"/care/{e.pk}/").content.decode()
    assert f'data-booked-visit="{visit.pk}"' in page
    r = client_for(world.registry).post(
        f"/care/visits/{visit.pk}/done/", {"outcome": "done", "note": "已采集照片和指纹"}
    )
    assert r.status_code == 302
    visit.refresh_from_db()
    visit.case.refresh_from_db()
    assert visit.is_done and visit.outcome == "done" and visit.case.status == "resolved"
    with pytest.raises(ValidationError) as exc:
        services.visit_complete(visit=visit, actor=world.registry, outcome="done")
    assert "visit" in exc.value.message_dict
    assert client_for(world.b.registry).post(f"/care/visits/{visit.pk}/done/", {"outcome": "done"}).status_code == 404
