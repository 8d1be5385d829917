"""Patrol rosters: shifts from a weekly rule, sign-up, the buddy rule, silver-hair limits, reminders, calendars."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from icalendar import Calendar

from lianxin.patrols import selectors
from lianxin.patrols.models import (
    NoticeKind,
    RosterFeed,
    Shift,
    ShiftEvent,
    ShiftEventKind,
    ShiftNotice,
    ShiftSignup,
    ShiftStatus,
)
from lianxin.patrols.services import rosters
from lianxin.people.models import Team, TeamKind, TeamMembership
from tests.conftest import NOW

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=ZONE)


@pytest.fixture
def silver(world):
    """The silver-hair team: the officer leads it, the volunteer and the grid member walk with it."""
    team = Team.objects.create(station=world.station, name="舞动平安巡逻队", kind=TeamKind.PATROL)
    TeamMembership.objects.create(team=team, user=world.auxiliary, is_leader=True)
    TeamMembership.objects.create(team=team, user=world.volunteer)
    TeamMembership.objects.create(team=team, user=world.grid_member)
    rosters.roster_policy_set(actor=world.officer, team=team, is_silver_hair=True)
    return team


def weekly(**kw):
    values = {"first_on": dt.date(2026, 6, 15), "weekdays": [0], "start": dt.time(19, 0), "hours": 2.0, "weeks": 2}
    values.update(kw)
    return rosters.WeeklyRule(**values)


def make(world, team, now=NOW, actor=None, **kw):
    place = kw.pop("place", "江边")
    return rosters.shifts_create_weekly(
        actor=actor or world.auxiliary, team=team, rule=weekly(**kw), place=place, now=now
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_weekly_rule_makes_shifts_in_local_time_across_local_midnight(world, silver):
    # 23:50 on Monday 15 June in the station's zone (15:50 UTC, still Monday there too).
    now = local(2026, 6, 15, 23, 50)
    # Monday 23:00 has passed tonight: the first shift is next Monday.
    late = make(world, silver, now=now, start=dt.time(23, 0), hours=1.5, weeks=2)
    assert [s.starts_at for s in late] == [local(2026, 6, 22, 23, 0)]
    assert late[0].ends_at == local(2026, 6, 23, 0, 30) and late[0].is_night
    # Tuesday 00:30 local is forty minutes ahead, although in UTC it is still Monday.
    early = make(world, silver, now=now, first_on=dt.date(2026, 6, 15), weekdays=[1], start=dt.time(0, 30), weeks=2)
    assert early[0].starts_at == local(2026, 6, 16, 0, 30)
    assert early[0].starts_at.astimezone(dt.UTC).date() == dt.date(2026, 6, 15)
    assert len(early) == 2 and early[1].starts_at - early[0].starts_at == dt.timedelta(weeks=1)
    # A morning shift is no night shift; every shift has its event row and its series' rule.
    day = make(world, silver, now=now, first_on=dt.date(2026, 6, 16), weekdays=[2, 4], start=dt.time(9, 0), weeks=1)
    assert [s.starts_at for s in day] == [local(2026, 6, 17, 9), local(2026, 6, 19, 9)]
    assert not day[0].is_night
    assert day[0].series.rrule == "FREQ=WEEKLY;BYDAY=WE,FR;BYHOUR=9;BYMINUTE=0"
    assert ShiftEvent.objects.filter(kind=ShiftEventKind.CREATED).count() == Shift.objects.count() == 5


def test_the_night_flag_follows_the_station_zone_not_utc():
    # 19:00–21:00 local is night (from 20:00); in UTC it is 11:00–13:00.
    assert rosters.shift_is_night(starts_at=local(2026, 6, 15, 19), ends_at=local(2026, 6, 15, 21))
    assert not rosters.shift_is_night(starts_at=local(2026, 6, 15, 6), ends_at=local(2026, 6, 15, 19, 59))
    assert rosters.shift_is_night(starts_at=local(2026, 6, 15, 5), ends_at=local(2026, 6, 15, 7))


def test_a_silver_hair_shift_longer_than_the_limit_is_refused_with_a_field_error(world, silver, settings):
    settings.LIANXIN_PATROL_MAX_SHIFT_HOURS = 4
    with pytest.raises(ValidationError) as exc:
        make(world, silver, hours=4.5)
    assert "hours" in exc.value.message_dict and "4" in exc.value.message_dict["hours"][0]
    with pytest.raises(ValidationError) as exc:
        make(world, silver, weekdays=[], weeks=0, first_on=dt.date(2026, 6, 1))
    assert {"weekdays", "weeks", "first_on"} <= set(exc.value.message_dict)
    assert not Shift.objects.exists()
    # An ordinary team may walk longer; someone outside the team's lead may not make its shifts.
    border = Team.objects.create(station=world.station, name="护边义警队", kind=TeamKind.BORDER_PATROL)
    assert len(make(world, border, actor=world.officer, hours=6)) == 2
    with pytest.raises(PermissionDenied):
        make(world, silver, actor=world.volunteer)


def test_the_buddy_rule_flags_a_lone_member_and_tells_the_leader_when_a_buddy_withdraws(world, silver):
    night = make(world, silver, weeks=1)[0]
    assert night.is_night
    rosters.shift_signup(actor=world.volunteer, shift=night, now=NOW)
    [row] = selectors.roster_for(user=world.volunteer, team=silver, now=NOW)
    assert row.needs_buddy and row.is_mine and row.short_by == 1
    rosters.shift_signup(actor=world.grid_member, shift=night, now=NOW)
    rosters.shift_signup(actor=world.grid_member, shift=night, now=NOW)  # twice changes nothing
    [row] = selectors.roster_for(user=world.volunteer, team=silver, now=NOW)
    assert not row.needs_buddy and row.count == 2
    done = rosters.shift_withdraw(actor=world.grid_member, shift=night, now=NOW)
    assert done.leaves_alone
    event = ShiftEvent.objects.filter(shift=night, kind=ShiftEventKind.WITHDRAW).get()
    assert event.data == {"people": 1, "leaves_alone": True} and event.member == world.grid_member
    told = set(ShiftNotice.objects.filter(shift=night, kind=NoticeKind.ALONE).values_list("user_id", flat=True))
    assert told == {world.auxiliary.pk, world.volunteer.pk}
    assert selectors.roster_for(user=world.volunteer, team=silver, now=NOW)[0].needs_buddy
    # Not signed up, or after the start: refused naming the shift; outsiders may not sign up.
    with pytest.raises(ValidationError) as exc:
        rosters.shift_withdraw(actor=world.grid_member, shift=night, now=NOW)
    assert "shift" in exc.value.message_dict
    with pytest.raises(ValidationError):
        rosters.shift_signup(actor=world.grid_member, shift=night, now=night.starts_at)
    with pytest.raises(PermissionDenied):
        rosters.shift_signup(actor=world.officer2, shift=night, now=NOW)


def test_a_forecast_past_the_cut_off_calls_a_silver_hair_shift_off_and_tells_its_members(world, silver, settings):
    settings.LIANXIN_PATROL_HEAT_CUTOFF_C = 35
    settings.LIANXIN_PATROL_COLD_CUTOFF_C = -15
    shift = make(world, silver, weeks=1, start=dt.time(14, 0))[0]
    rosters.shift_signup(actor=world.volunteer, shift=shift, now=NOW)
    hot = rosters.shift_forecast_record(actor=world.auxiliary, shift=shift, temperature_c=36.5, now=NOW)
    assert hot.status == ShiftStatus.CALLED_OFF_HEAT and hot.forecast_c == 36.5
    notice = ShiftNotice.objects.get(user=world.volunteer, kind=NoticeKind.CALLED_OFF)
    assert "36.5" in notice.text
    with pytest.raises(ValidationError):
        rosters.shift_signup(actor=world.grid_member, shift=shift, now=NOW)
    cool = rosters.shift_forecast_record(actor=world.auxiliary, shift=shift, temperature_c=30, now=NOW)
    assert cool.status == ShiftStatus.OPEN
    assert ShiftNotice.objects.filter(user=world.volunteer, kind=NoticeKind.REINSTATED).count() == 1
    cold = rosters.shift_forecast_record(actor=world.auxiliary, shift=shift, temperature_c=-18, now=NOW)
    assert cold.status == ShiftStatus.CALLED_OFF_COLD
    kinds = list(ShiftEvent.objects.filter(shift=shift).values_list("kind", flat=True))
    assert kinds.count(ShiftEventKind.CALLED_OFF) == 2 and kinds.count(ShiftEventKind.REINSTATED) == 1
    with pytest.raises(ValidationError) as exc:
        rosters.shift_forecast_record(actor=world.auxiliary, shift=shift, temperature_c=float("nan"), now=NOW)
    assert "temperature_c" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        rosters.shift_forecast_record(actor=world.volunteer, shift=shift, temperature_c=20, now=NOW)
    # An ordinary team's shift is not called off: the forecast is only recorded.
    border = Team.objects.create(station=world.station, name="护边义警队", kind=TeamKind.BORDER_PATROL)
    other = make(world, border, actor=world.officer, weeks=1)[0]
    assert rosters.shift_forecast_record(actor=world.officer, shift=other, temperature_c=38, now=NOW).status == "open"


def test_reminders_go_once_per_member_and_shift_whoever_sweeps(world, silver, settings, time_machine):
    settings.LIANXIN_PATROL_REMINDER_MINUTES = 60
    shift = make(world, silver, weeks=1)[0]  # Monday 15 June 19:00 local
    rosters.shift_signup(actor=world.volunteer, shift=shift, now=NOW)
    rosters.shift_signup(actor=world.grid_member, shift=shift, now=NOW)
    time_machine.move_to(shift.starts_at - dt.timedelta(minutes=61), tick=False)
    assert rosters.shift_reminders_send() == 0
    time_machine.move_to(shift.starts_at - dt.timedelta(minutes=59), tick=False)
    assert rosters.shift_reminders_send() == 2
    assert rosters.shift_reminders_send() == 0  # a second worker finds nothing left to claim
    # Withdrawing and signing up again does not remind again.
    rosters.shift_withdraw(actor=world.grid_member, shift=shift)
    rosters.shift_signup(actor=world.grid_member, shift=shift)
    assert rosters.shift_reminders_send() == 0
    assert ShiftNotice.objects.filter(shift=shift, kind=NoticeKind.REMINDER).count() == 2
    assert ShiftEvent.objects.filter(shift=shift, kind=ShiftEventKind.REMINDED).count() == 2
    assert ShiftSignup.objects.filter(shift=shift, reminded_at__isnull=False).count() == 2
    # The worker runs the sweep under its plugin name; the menu leads members and staff to the roster.
    from lianxin.core.plugins import menu_for, plugins

    assert any("patrols_shift_reminders" in p.sweeps for p in plugins())
    for user in (world.volunteer, world.officer):
        assert [e.url_name for e in menu_for(user)].count("patrols:roster") == 1


def test_a_lone_member_is_told_not_to_set_off_alone(world, silver, time_machine):
    shift = make(world, silver, weeks=1)[0]
    rosters.shift_signup(actor=world.volunteer, shift=shift, now=NOW)
    time_machine.move_to(shift.starts_at - dt.timedelta(minutes=30), tick=False)
    assert rosters.shift_reminders_send() == 1
    assert "不要独自" in ShiftNotice.objects.get(kind=NoticeKind.REMINDER).text


def test_the_team_feed_parses_back_and_a_revoked_link_reads_nothing(world, silver, time_machine):
    time_machine.move_to(NOW, tick=False)
    shifts = make(world, silver, weeks=2)
    rosters.shift_signup(actor=world.volunteer, shift=shifts[0], now=NOW)
    feed, token = rosters.roster_feed_create(actor=world.volunteer, team=silver, now=NOW)
    assert feed.token_digest != token and token not in str(RosterFeed.objects.values_list().get())
    anonymous = Client()
    answer = anonymous.get(f"/patrols/roster/feed/{token}.ics")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    events = calendar.walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [s.starts_at for s in shifts]
    assert "已报名" in str(events[0]["summary"]) and "已报名" not in str(events[1]["summary"])
    assert "搭档" in str(events[0]["description"])  # one member on a night shift: needs a buddy
    # A new link replaces the old; revoking ends the new one too.
    _feed, second = rosters.roster_feed_create(actor=world.volunteer, team=silver, now=NOW)
    assert anonymous.get(f"/patrols/roster/feed/{token}.ics").status_code == 404
    assert anonymous.get(f"/patrols/roster/feed/{second}.ics").status_code == 200
    assert rosters.roster_feed_revoke(actor=world.volunteer, team=silver, now=NOW) == 1
    assert anonymous.get(f"/patrols/roster/feed/{second}.ics").status_code == 404
    assert anonymous.get("/patrols/roster/feed/guessed.ics").status_code == 404
    # One shift as a file, for the member signed in.
    one = client_for(world.volunteer).get(f"/patrols/shifts/{shifts[1].pk}.ics")
    assert Calendar.from_ical(one.content).walk("VEVENT")[0].decoded("dtend") == shifts[1].ends_at


def test_pages_sign_up_from_the_phone_and_wrong_station_404(world, silver, time_machine):
    time_machine.move_to(NOW, tick=False)
    shift = make(world, silver, weeks=1)[0]
    member = client_for(world.volunteer)
    page = member.get("/patrols/roster/").content.decode()
    assert "舞动平安巡逻队" in page and "报名" in page and "制定班次" not in page
    assert member.post(f"/patrols/shifts/{shift.pk}/signup/").status_code == 302
    assert ShiftSignup.objects.filter(shift=shift, member=world.volunteer, withdrawn_at__isnull=True).exists()
    assert "需要搭档" in member.get("/patrols/roster/").content.decode()
    member.post(f"/patrols/shifts/{shift.pk}/withdraw/")
    assert ShiftSignup.objects.get(shift=shift, member=world.volunteer).withdrawn_at is not None
    assert ShiftEvent.objects.filter(shift=shift, kind=ShiftEventKind.WITHDRAW, member=world.volunteer).exists()
    # The calendar link is made on the page, shown once, and read without signing in.
    made = member.post("/patrols/roster/feed/new/", {"team": silver.pk}).content.decode()
    url = re.search(r"http://testserver(/patrols/roster/feed/[^<\s]+\.ics)", made)
    assert url and "webcal://testserver" in made
    assert Client().get(url.group(1)).status_code == 200
    assert url.group(1) not in member.get("/patrols/roster/").content.decode()
    # Station B sees no such shift, no such roster; a resident is in no patrol team.
    other = client_for(world.b.officer)
    assert other.post(f"/patrols/shifts/{shift.pk}/signup/").status_code == 404
    assert other.get(f"/patrols/shifts/{shift.pk}.ics").status_code == 404
    assert other.post(f"/patrols/shifts/{shift.pk}/forecast/", {"temperature_c": "40"}).status_code == 404
    assert client_for(world.resident_user).get("/patrols/roster/").status_code == 403
    assert Shift.objects.get(pk=shift.pk).forecast_c is None


def test_bad_input_is_a_400_naming_the_fields_and_writes_nothing(world, silver, time_machine):
    time_machine.move_to(NOW, tick=False)
    leader = client_for(world.auxiliary)
    assert "制定班次" in leader.get("/patrols/roster/").content.decode()
    bad = leader.post(
        "/patrols/roster/shifts/new/",
        {"team": silver.pk, "first_on": "tomorrow", "start": "25:99", "hours": "abc", "weeks": "-1", "min_people": "x"},
    )
    body = bad.content.decode()
    assert bad.status_code == 400
    for label in ("第一天", "星期", "开始时间", "时长", "周数", "最少人数"):
        assert label in body, label
    too_long = leader.post(
        "/patrols/roster/shifts/new/",
        {"team": silver.pk, "first_on": "2026-06-22", "weekdays": ["0"], "start": "08:00", "hours": "9", "weeks": "1"},
    )
    assert too_long.status_code == 400 and "时长" in too_long.content.decode()
    for field, value in (("first_on", "9999-12-31"), ("hours", "nan"), ("segment", "999999"), ("weekdays", "7")):
        form = {"team": silver.pk, "first_on": "2026-06-22", "weekdays": ["0"], "start": "08:00", "hours": "2"}
        refused = leader.post("/patrols/roster/shifts/new/", {**form, "weeks": "1", field: value})
        assert refused.status_code == 400, field
    assert not Shift.objects.exists()
    made = leader.post(
        "/patrols/roster/shifts/new/",
        {
            "team": silver.pk,
            "first_on": "2026-06-22",
            "weekdays": ["0", "3"],
            "start": "08:00",
            "hours": "2",
            "weeks": "2",
        },
    )
    assert made.status_code == 302 and Shift.objects.filter(team=silver).count() == 4
    shift = Shift.objects.first()
    assert shift is not None
    forecast = leader.post(f"/patrols/shifts/{shift.pk}/forecast/", {"temperature_c": "hot"})
    assert forecast.status_code == 400 and "预报" in forecast.content.decode()
    assert leader.post(f"/patrols/shifts/{shift.pk}/forecast/", {"temperature_c": "37"}).status_code == 302
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.CALLED_OFF_HEAT
    assert leader.post("/patrols/roster/shifts/new/", {"team": "nope"}).status_code == 400


def test_the_roster_reads_in_a_fixed_number_of_queries(world, silver, django_assert_max_num_queries):
    shifts = make(world, silver, weeks=2, weekdays=[0, 2, 4])
    for shift in shifts:
        rosters.shift_signup(actor=world.volunteer, shift=shift, now=NOW)
    with django_assert_max_num_queries(2):
        rows = selectors.roster_for(user=world.auxiliary, team=silver, now=NOW)
    assert len(rows) == len(shifts) and all(r.people for r in rows)
