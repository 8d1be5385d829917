"""The roster through the JSON API: my coming shifts, sign up, withdraw, with the page's rules and field-named errors."""

from __future__ import annotations

import datetime as dt

from lianxin.patrols.models import ShiftEvent, ShiftEventKind, ShiftSignup
from lianxin.patrols.services import rosters
from tests.conftest import NOW
from tests.patrols.test_rosters import make, silver  # noqa: F401


def test_a_member_lists_signs_up_and_withdraws_through_the_api(world, silver, api_as, time_machine):  # noqa: F811
    time_machine.move_to(NOW, tick=False)
    night, later = make(world, silver, weeks=2)
    member, buddy = api_as(world.volunteer), api_as(world.grid_member)
    listed = member.get("/patrols/shifts")
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [night.pk, later.pk]
    first = listed.json()[0]
    assert first["is_night"] and first["people"] == [] and first["status"] == "open" and first["short_by"] == 2
    assert first["ics_url"] == f"/patrols/shifts/{night.pk}.ics" and first["sequence"] == 0

    alone = member.post(f"/patrols/shifts/{night.pk}/signup")
    assert alone.status_code == 200
    body = alone.json()
    assert body["shift"]["is_mine"] and body["shift"]["needs_buddy"] and "搭档" in body["notice"]
    assert ShiftSignup.objects.filter(shift=night, member=world.volunteer, withdrawn_at__isnull=True).exists()
    assert member.post(f"/patrols/shifts/{night.pk}/signup").status_code == 200  # twice changes nothing
    assert ShiftEvent.objects.filter(shift=night, kind=ShiftEventKind.SIGNUP).count() == 1
    paired = buddy.post(f"/patrols/shifts/{night.pk}/signup").json()
    assert not paired["shift"]["needs_buddy"] and paired["notice"] == "" and len(paired["shift"]["people"]) == 2
    assert [s["id"] for s in member.get("/patrols/shifts", {"mine": "true"}).json()] == [night.pk]
    assert [s["id"] for s in member.get("/patrols/shifts", {"team": silver.pk}).json()] == [night.pk, later.pk]
    assert member.get("/patrols/shifts", {"days": "1"}).json()[0]["id"] == night.pk

    left = buddy.post(f"/patrols/shifts/{night.pk}/withdraw")
    assert left.status_code == 200 and left.json()["leaves_alone"] and left.json()["shift"]["needs_buddy"]
    assert ShiftSignup.objects.get(shift=night, member=world.grid_member).withdrawn_at is not None


def test_roster_api_errors_are_the_api_s_usual_answers(world, silver, api_as, time_machine):  # noqa: F811
    time_machine.move_to(NOW, tick=False)
    night, later = make(world, silver, weeks=2)
    member = api_as(world.volunteer)
    # Not signed up: a 409 naming what may be done now.
    refused = member.post(f"/patrols/shifts/{night.pk}/withdraw")
    assert refused.status_code == 409 and refused.json()["allowed"] == ["signup"] and refused.json()["detail"]
    # Cancelled: 409, nothing allowed, nothing written.
    rosters.shift_cancel(actor=world.auxiliary, shift=later, reason="广场施工", now=NOW)
    cancelled = member.post(f"/patrols/shifts/{later.pk}/signup")
    assert cancelled.status_code == 409 and cancelled.json()["allowed"] == [] and "取消" in cancelled.json()["detail"]
    assert not ShiftSignup.objects.filter(shift=later).exists()
    listed = {s["id"]: s for s in member.get("/patrols/shifts").json()}
    assert listed[later.pk]["status"] == "cancelled" and listed[later.pk]["cancel_reason"] == "广场施工"
    # Bad query values: 422 naming the field.
    for params, field in (({"team": "abc"}, "team"), ({"days": "0"}, "days"), ({"team": world.team1.pk}, "team")):
        bad = member.get("/patrols/shifts", params)
        assert bad.status_code == 422, params
        assert [e["field"] for e in bad.json()["detail"]] == [field], params
    # Someone outside the team: 403; another station: 404; nobody signed in: 401.
    assert api_as(world.b.officer).post(f"/patrols/shifts/{night.pk}/signup").status_code == 404
    assert api_as(world.b.officer).get("/patrols/shifts").json() == []
    assert api_as(None).get("/patrols/shifts").status_code == 401
    outsider = api_as(world.officer2)  # an officer of the station sees the roster but walks with another team
    assert outsider.post(f"/patrols/shifts/{night.pk}/signup").status_code == 403
    assert not ShiftSignup.objects.filter(shift=night).exists()
    # After the start: 409.
    time_machine.move_to(night.starts_at + dt.timedelta(minutes=1), tick=False)
    assert member.post(f"/patrols/shifts/{night.pk}/signup").status_code == 409
