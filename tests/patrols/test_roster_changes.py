"""Changing and cancelling a shift: limits checked again, members told, calendars show the new version; team settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from lianxin.core.models import AuditEntry, Role, User
from lianxin.patrols.models import (
    NoticeKind,
    RosterPolicy,
    Shift,
    ShiftEvent,
    ShiftEventKind,
    ShiftNotice,
    ShiftSignup,
    ShiftStatus,
)
from lianxin.patrols.services import rosters
from lianxin.people.models import Team, TeamKind
from tests.conftest import NOW
from tests.patrols.test_rosters import client_for, local, make, silver  # noqa: F401

# NOW is Monday 15 June 2026, 10:00 in the station's zone; make() gives Mondays at 19:00 for two hours.
EVENING = {"starts_on": dt.date(2026, 6, 15), "start": dt.time(19, 0), "hours": 2.0, "place": "江边", "min_people": 2}


def change(**kw) -> rosters.ShiftChange:
    return rosters.ShiftChange(**{**EVENING, **kw})


def feed_events(team, user) -> dict:
    """Return the team's calendar feed as user's phone reads it, parsed with icalendar: {uid: VEVENT}."""
    _feed, token = rosters.roster_feed_create(actor=user, team=team, now=NOW)
    body = client_for(user).get(f"/patrols/roster/feed/{token}.ics").content
    return {str(e["uid"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_a_changed_shift_tells_its_members_and_the_feed_carries_a_higher_sequence(world, silver, time_machine):  # noqa: F811
    time_machine.move_to(NOW, tick=False)
    shift = make(world, silver, weeks=1)[0]
    for member in (world.volunteer, world.grid_member):
        rosters.shift_signup(actor=member, shift=shift, now=NOW)
    ShiftSignup.objects.filter(shift=shift).update(reminded_at=NOW)
    uid = f"patrol-shift-{shift.pk}@lianxin"
    before = feed_events(silver, world.volunteer)[uid]
    assert int(before["sequence"]) == 0 and str(before["status"]) == "CONFIRMED"

    later = NOW + dt.timedelta(minutes=5)
    rosters.shift_edit(
        actor=world.auxiliary,
        shift=shift,
        change=change(starts_on=dt.date(2026, 6, 16), start=dt.time(9, 30), hours=3.0, place="锦江山公园"),
        now=later,
    )
    shift.refresh_from_db()
    assert (shift.starts_at, shift.ends_at) == (local(2026, 6, 16, 9, 30), local(2026, 6, 16, 12, 30))
    assert not shift.is_night and shift.place == "锦江山公园" and shift.sequence == 1 and shift.updated_at == later
    # A new time: each member will be reminded of it.
    assert not ShiftSignup.objects.filter(shift=shift, reminded_at__isnull=False).exists()
    event = ShiftEvent.objects.get(shift=shift, kind=ShiftEventKind.EDITED)
    assert event.actor == world.auxiliary and set(event.data["changes"]) == {"starts_at", "ends_at", "place"}
    told = ShiftNotice.objects.filter(shift=shift, kind=NoticeKind.CHANGED)
    assert set(told.values_list("user_id", flat=True)) == {world.volunteer.pk, world.grid_member.pk}
    assert "06-16 09:30" in told.first().text and "锦江山公园" in told.first().text
    # The feed and the one-shift file carry the new time and a higher SEQUENCE.
    after = feed_events(silver, world.volunteer)[uid]
    assert int(after["sequence"]) == 1 and after.decoded("dtstart") == local(2026, 6, 16, 9, 30)
    assert str(after["location"]) == "锦江山公园" and after.decoded("last-modified") == later
    one = Calendar.from_ical(client_for(world.volunteer).get(f"/patrols/shifts/{shift.pk}.ics").content)
    assert int(one.walk("VEVENT")[0]["sequence"]) == 1
    # The same values again change nothing: no new version, nobody told again.
    rosters.shift_edit(
        actor=world.auxiliary,
        shift=shift,
        change=change(starts_on=dt.date(2026, 6, 16), start=dt.time(9, 30), hours=3.0, place="锦江山公园"),
        now=later,
    )
    shift.refresh_from_db()
    assert shift.sequence == 1 and told.count() == 2


def test_a_change_checks_the_silver_hair_limit_and_the_buddy_rule_naming_the_field(world, silver, settings):  # noqa: F811
    settings.LIANXIN_PATROL_MAX_SHIFT_HOURS = 4
    shift = make(world, silver, weeks=1)[0]
    rosters.shift_signup(actor=world.volunteer, shift=shift, now=NOW)
    for bad, field in (
        (change(hours=5.0), "hours"),
        (change(min_people=1), "min_people"),  # a night shift: nobody alone
        (change(starts_on=dt.date(2026, 6, 15), start=dt.time(9, 0)), "starts_on"),  # before now
        (change(starts_on=None), "starts_on"),
        (change(start=None), "start"),
        (change(hours=float("nan")), "hours"),
        (change(place="长" * 101), "place"),
        (change(min_people=0), "min_people"),
    ):
        with pytest.raises(ValidationError) as exc:
            rosters.shift_edit(actor=world.auxiliary, shift=shift, change=bad, now=NOW)
        assert field in exc.value.message_dict, field
    assert "4" in str(exc_for(world, shift, change(hours=5.0)).message_dict["hours"])
    shift.refresh_from_db()
    assert shift.sequence == 0 and shift.ends_at - shift.starts_at == dt.timedelta(hours=2)
    assert not ShiftEvent.objects.filter(kind=ShiftEventKind.EDITED).exists() and not ShiftNotice.objects.exists()
    # A morning shift may be planned for one person; moving it into the night tells a lone member.
    day = rosters.shift_edit(
        actor=world.auxiliary, shift=shift, change=change(start=dt.time(14, 0), min_people=1), now=NOW
    )
    assert not day.is_night and day.min_people == 1
    with pytest.raises(ValidationError) as exc:
        rosters.shift_edit(
            actor=world.auxiliary, shift=shift, change=change(start=dt.time(21, 0), min_people=1), now=NOW
        )
    assert "min_people" in exc.value.message_dict
    night = rosters.shift_edit(actor=world.auxiliary, shift=shift, change=change(start=dt.time(21, 0)), now=NOW)
    assert night.is_night
    last = ShiftNotice.objects.filter(shift=shift, kind=NoticeKind.CHANGED).first()
    assert last.user == world.volunteer and "不要独自" in last.text
    # An ordinary team may make a longer shift; a member who does not lead may not change it.
    with pytest.raises(PermissionDenied):
        rosters.shift_edit(actor=world.volunteer, shift=shift, change=change(), now=NOW)
    # A weekly rule for the night with one person is refused too.
    with pytest.raises(ValidationError) as exc:
        rosters.shifts_create_weekly(
            actor=world.auxiliary,
            team=silver,
            rule=rosters.WeeklyRule(dt.date(2026, 6, 16), [1], dt.time(22, 0), 2.0, 1),
            min_people=1,
            now=NOW,
        )
    assert "min_people" in exc.value.message_dict


def exc_for(world, shift, bad) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        rosters.shift_edit(actor=world.auxiliary, shift=shift, change=bad, now=NOW)
    return exc.value


def test_a_cancelled_shift_tells_its_members_and_the_feed_shows_it_cancelled(world, silver, time_machine):  # noqa: F811
    time_machine.move_to(NOW, tick=False)
    shift, other = make(world, silver, weeks=2)
    for member in (world.volunteer, world.grid_member):
        rosters.shift_signup(actor=member, shift=shift, now=NOW)
    rosters.shift_withdraw(actor=world.grid_member, shift=shift, now=NOW)
    with pytest.raises(ValidationError) as exc:
        rosters.shift_cancel(actor=world.auxiliary, shift=shift, reason="  ", now=NOW)
    assert "reason" in exc.value.message_dict
    rosters.shift_cancel(actor=world.auxiliary, shift=shift, reason="广场施工", now=NOW)
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.CANCELLED and shift.cancel_reason == "广场施工" and shift.sequence == 1
    assert ShiftEvent.objects.get(shift=shift, kind=ShiftEventKind.CANCELLED).data["reason"] == "广场施工"
    [notice] = ShiftNotice.objects.filter(shift=shift, kind=NoticeKind.CANCELLED)
    assert notice.user == world.volunteer and "广场施工" in notice.text  # the one who withdrew is not told
    events = feed_events(silver, world.volunteer)
    cancelled = events[f"patrol-shift-{shift.pk}@lianxin"]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) == 1
    assert "广场施工" in str(cancelled["description"])
    assert str(events[f"patrol-shift-{other.pk}@lianxin"]["status"]) == "CONFIRMED"
    # Cancelled stays cancelled: no sign-up, no second cancel, no change, no forecast putting it on again.
    for attempt in (
        lambda: rosters.shift_signup(actor=world.grid_member, shift=shift, now=NOW),
        lambda: rosters.shift_cancel(actor=world.auxiliary, shift=shift, reason="again", now=NOW),
        lambda: rosters.shift_edit(actor=world.auxiliary, shift=shift, change=change(), now=NOW),
        lambda: rosters.shift_forecast_record(actor=world.auxiliary, shift=shift, temperature_c=20, now=NOW),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert "shift" in exc.value.message_dict
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.CANCELLED
    # No reminder for a cancelled shift; a shift that has begun cannot be cancelled.
    assert rosters.shift_reminders_send(now=shift.starts_at - dt.timedelta(minutes=30)) == 0
    with pytest.raises(ValidationError):
        rosters.shift_cancel(actor=world.auxiliary, shift=other, reason="雨", now=other.starts_at)
    with pytest.raises(PermissionDenied):
        rosters.shift_cancel(actor=world.volunteer, shift=other, reason="雨", now=NOW)


def test_a_forecast_that_calls_a_shift_off_bumps_its_calendar_sequence(world, silver):  # noqa: F811
    shift = make(world, silver, weeks=1)[0]
    rosters.shift_forecast_record(actor=world.auxiliary, shift=shift, temperature_c=20, now=NOW)
    assert Shift.objects.get(pk=shift.pk).sequence == 0  # recorded only
    rosters.shift_forecast_record(actor=world.auxiliary, shift=shift, temperature_c=38, now=NOW)
    assert Shift.objects.get(pk=shift.pk).sequence == 1


def test_the_roster_page_changes_and_cancels_a_shift_with_field_errors(world, silver, time_machine):  # noqa: F811
    time_machine.move_to(NOW, tick=False)
    shift = make(world, silver, weeks=1)[0]
    rosters.shift_signup(actor=world.volunteer, shift=shift, now=NOW)
    leader = client_for(world.auxiliary)
    page = leader.get("/patrols/roster/").content.decode()
    assert f"/patrols/shifts/{shift.pk}/edit/" in page and f"/patrols/shifts/{shift.pk}/cancel/" in page
    assert (
        f"/patrols/shifts/{shift.pk}/edit/" not in client_for(world.volunteer).get("/patrols/roster/").content.decode()
    )
    form = {"starts_on": "2026-06-15", "start": "19:00", "hours": "6", "min_people": "2", "place": "江边"}
    too_long = leader.post(f"/patrols/shifts/{shift.pk}/edit/", form)
    assert too_long.status_code == 400 and "时长" in too_long.content.decode()
    bad = leader.post(f"/patrols/shifts/{shift.pk}/edit/", {**form, "hours": "2", "starts_on": "x", "segment": "99999"})
    assert bad.status_code == 400 and "边境段" in bad.content.decode()
    assert Shift.objects.get(pk=shift.pk).sequence == 0
    moved = leader.post(f"/patrols/shifts/{shift.pk}/edit/", {**form, "hours": "1.5", "start": "18:30"})
    assert moved.status_code == 302
    shift.refresh_from_db()
    assert shift.starts_at == local(2026, 6, 15, 18, 30) and shift.hours == 1.5
    member_page = client_for(world.volunteer).get("/patrols/roster/").content.decode()
    assert "18:30" in member_page and "班次有变" in member_page
    no_reason = leader.post(f"/patrols/shifts/{shift.pk}/cancel/", {"reason": ""})
    assert no_reason.status_code == 400 and "原因" in no_reason.content.decode()
    assert leader.post(f"/patrols/shifts/{shift.pk}/cancel/", {"reason": "暴雨预警"}).status_code == 302
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.CANCELLED
    assert "暴雨预警" in client_for(world.volunteer).get("/patrols/roster/").content.decode()
    # The member may do neither; station B gets 404.
    assert client_for(world.volunteer).post(f"/patrols/shifts/{shift.pk}/cancel/", {"reason": "x"}).status_code == 302
    assert client_for(world.b.officer).post(f"/patrols/shifts/{shift.pk}/edit/", form).status_code == 404
    assert client_for(world.b.officer).post(f"/patrols/shifts/{shift.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert ShiftEvent.objects.filter(shift=shift, kind=ShiftEventKind.CANCELLED).count() == 1


def test_a_leader_marks_the_team_silver_hair_on_its_settings_page(world):
    team = Team.objects.create(station=world.station, name="新巡逻队", kind=TeamKind.PATROL)
    team.memberships.create(user=world.volunteer, is_leader=True)
    walker = User.objects.create(username="a_walker", station=world.station, role=Role.VOLUNTEER)
    team.memberships.create(user=walker)
    leader = client_for(world.volunteer)
    roster = leader.get(f"/patrols/roster/?team={team.pk}").content.decode()
    assert f"/patrols/roster/teams/{team.pk}/settings/" in roster
    page = leader.get(f"/patrols/roster/teams/{team.pk}/settings/")
    assert page.status_code == 200 and "银发" in page.content.decode()
    assert leader.post(f"/patrols/roster/teams/{team.pk}/settings/", {"is_silver_hair": "on"}).status_code == 302
    assert rosters.is_silver_hair(team) and rosters.max_shift_hours(team) == 4
    audit = AuditEntry.objects.get(action="patrols.roster_policy_set")
    assert audit.actor == world.volunteer and audit.target_id == str(team.pk)
    assert "checked" in leader.get(f"/patrols/roster/teams/{team.pk}/settings/").content.decode()
    # Unticked: an ordinary team again. A member who does not lead may not; station B sees nothing.
    leader.post(f"/patrols/roster/teams/{team.pk}/settings/", {})
    assert not rosters.is_silver_hair(team)
    member = client_for(walker)
    assert member.get(f"/patrols/roster/teams/{team.pk}/settings/").status_code == 403
    assert member.post(f"/patrols/roster/teams/{team.pk}/settings/", {"is_silver_hair": "on"}).status_code == 403
    assert (
        f"/patrols/roster/teams/{team.pk}/settings/"
        not in member.get(f"/patrols/roster/?team={team.pk}").content.decode()
    )
    assert client_for(world.b.officer).get(f"/patrols/roster/teams/{team.pk}/settings/").status_code == 404
    assert not RosterPolicy.objects.get(team=team).is_silver_hair
    # The officer of the station may; a grid team is no patrol team.
    assert (
        client_for(world.officer)
        .post(f"/patrols/roster/teams/{team.pk}/settings/", {"is_silver_hair": "on"})
        .status_code
        == 302
    )
    assert rosters.is_silver_hair(team)
    with pytest.raises(ValidationError):
        rosters.roster_policy_set(actor=world.officer, team=world.team1, is_silver_hair=True)
