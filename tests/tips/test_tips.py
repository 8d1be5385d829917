"""Tips: named and anonymous, routed by grid, the receipt code as the only key, the thread, outcomes and figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from lianxin.cases.models import Case, CaseEvent, Channel, EventKind, Priority, Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.tips import metrics, selectors, services
from lianxin.tips.models import Tip, TipMessage, TipOutcome
from tests.conftest import NOW


def test_a_named_tip_is_a_case_routed_to_the_grid_of_its_point(world, send):
    tip, code = send()
    assert code == "" and tip.source_user == world.lookout and not tip.is_anonymous
    case = tip.case
    assert case.channel == Channel.LOOKOUT_TIP and case.grid == world.grid2 and case.team == world.team2
    assert case.was_filed_by(world.lookout)
    assert list(selectors.tip_list_mine(user=world.lookout)) == [tip]
    # The grid 2 officer sees it; the grid 1 officer and station B do not.
    assert list(selectors.tip_list_for(user=world.officer2)) == [tip]
    assert not selectors.tip_list_for(user=world.officer).exists()
    assert not selectors.tip_list_for(user=world.b.chief).exists()


def test_an_anonymous_tip_keeps_nothing_that_points_at_the_tipster(world, send):
    at = NOW.replace(minute=37, second=12)
    tip, code = send(is_anonymous=True, kind="fraud", now=at)
    assert len(code) >= 16 and tip.source_user is None and tip.is_anonymous
    assert tip.receipt_digest != code and code not in tip.receipt_digest
    case = Case.objects.get(pk=tip.case_id)
    assert case.is_anonymous and case.priority == Priority.URGENT
    assert case.opened_at.minute == 0 and case.updated_at.minute == 0  # the hour only
    opened = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    assert opened.actor != world.lookout and opened.actor.username.startswith(services.TIPLINE_PREFIX)
    assert opened.actor.is_active is False
    assert not selectors.tip_list_mine(user=world.lookout).exists()
    assert not case.was_filed_by(world.lookout)
    assert selectors.tip_get_by_receipt(code=code) == tip
    assert selectors.tip_get_by_receipt(code=code.lower().replace("-", " ")) == tip
    assert selectors.tip_get_by_receipt(code="AAAA-BBBB-CCCC-DDDD") is None


def test_thread_station_asks_source_answers_with_the_code(world, send):
    tip, code = send(is_anonymous=True)
    services.tip_station_write(tip=tip, actor=world.officer2, text="他大概多高？穿什么衣服？", now=NOW)
    with pytest.raises(PermissionDenied):
        services.tip_station_write(tip=tip, actor=world.lookout, text="x")
    found = selectors.tip_get_by_receipt(code=code)
    answer = services.tip_source_write(tip=found, text="一米七左右，穿灰色外套", now=NOW)
    assert answer.author is None and answer.written_at is None
    assert [m.is_from_station for m in selectors.thread_for(tip=tip)] == [True, False]
    with pytest.raises(ValidationError) as exc:
        services.tip_source_write(tip=found, text="   ")
    assert "text" in exc.value.message_dict
    named, _ = send()
    with pytest.raises(PermissionDenied):
        services.tip_source_write(tip=named, actor=world.volunteer, text="不是我发的")


def test_bad_input_names_the_field_and_writes_nothing(world, send):
    for kw, field in ((dict(kind="gossip"), "kind"), (dict(description=" "), "description"), (dict(lat=99.0), "lat")):
        with pytest.raises(ValidationError) as exc:
            send(**kw)
        assert field in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        send(station=world.b.station)
    assert not Tip.objects.exists() and not Case.objects.exists()


def test_status_outcome_reliability_and_figures(world, send):
    tips = [send(now=NOW + dt.timedelta(hours=i))[0] for i in range(4)]
    assert selectors.status_for_source(tip=tips[0]).stage == "received"
    for tip, outcome in zip(tips[:3], (TipOutcome.CONFIRMED, TipOutcome.USEFUL, TipOutcome.UNFOUNDED), strict=True):
        services.tip_outcome_set(tip=tip, actor=world.officer2, outcome=outcome, now=NOW)
    assert selectors.status_for_source(tip=tips[0]).stage == "acted_on"
    record = selectors.reliability_for(tip=tips[3])
    assert (record.assessed, record.confirmed_or_useful) == (3, 2) and record.share == pytest.approx(2 / 3)
    case_transition(case=tips[3].case, actor=world.officer2, to_status=Status.ACCEPTED, now=NOW)
    case_transition(
        case=tips[3].case,
        actor=world.officer2,
        to_status=Status.RESOLVED,
        resolution=Resolution.NO_ACTION_NEEDED,
        now=NOW,
    )
    tips[3].case.refresh_from_db()
    assert selectors.status_for_source(tip=tips[3]).stage == "closed"
    start, end = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
    assert metrics.tips_received(station=world.station, start=start, end=end).numerator == 4
    acted = metrics.tips_acted_on(station=world.station, start=start, end=end, with_records=True)
    assert (acted.numerator, acted.denominator) == (2, 4)
    assert set(acted.record_ids) == {tips[0].case_id, tips[1].case_id}
    assert metrics.tips_received(station=world.station, start=start, end=end, grid_id=world.grid1.pk).numerator == 0


def test_pages_anonymous_tip_receipt_follow_and_a_wrong_code(world, login):
    visitor = Client()
    page = visitor.post(
        "/tips/send/",
        {
            "kind": "family_dispute",
            "description": "楼上夫妻吵得很凶，有摔东西的声音",
            "lat": world.in_grid1[0],
            "lon": world.in_grid1[1],
        },
    )
    assert page.status_code == 200
    tip = Tip.objects.get()
    assert tip.is_anonymous and tip.case.grid == world.grid1
    code = page.content.decode().split('id="receipt-code">')[1].split("<")[0].strip()
    assert selectors.tip_get_by_receipt(code=code) == tip
    services.tip_station_write(tip=tip, actor=world.officer, text="现在还在吵吗？", now=NOW)
    followed = visitor.post("/tips/follow/", {"code": code})
    assert "现在还在吵吗？" in followed.content.decode()
    visitor.post("/tips/follow/", {"code": code, "text": "已经安静了"})
    assert TipMessage.objects.filter(tip=tip, is_from_station=False, text="已经安静了").exists()
    stranger = Client()
    wrong = stranger.post("/tips/follow/", {"code": "ABCD-EFGH-IJKL-MNOP"})
    assert wrong.status_code == 404 and "现在还在吵吗" not in wrong.content.decode()
    for _ in range(12):
        last = stranger.post("/tips/follow/", {"code": "ABCD-EFGH-IJKL-MNOP"})
    assert last.status_code == 429
    # Officers: grid 1's officer sees it, without a name, and can ask; grid 2's cannot open it.
    officer_page = login(world.officer).get(f"/tips/desk/{tip.pk}/").content.decode()
    assert "现在还在吵吗？" in officer_page and world.lookout.display_name not in officer_page
    assert login(world.officer2).get(f"/tips/desk/{tip.pk}/").status_code == 404
    assert login(world.b.officer).get(f"/tips/desk/{tip.pk}/").status_code == 404


def test_lookout_pages_and_api(world, login):
    client = login(world.lookout)
    client.post("/tips/send/", {"kind": "hazard", "description": "楼道里堆满纸箱", "address": "浪头路12号"})
    tip = Tip.objects.get(source_user=world.lookout)
    page = client.get("/tips/").content.decode()
    assert f"/tips/mine/{tip.pk}/" in page
    assert client.get(f"/tips/mine/{tip.pk}/").status_code == 200
    assert login(world.volunteer).get(f"/tips/mine/{tip.pk}/").status_code == 404
    import json

    answer = client.post(
        "/api/v1/tips",
        data=json.dumps({"kind": "elder", "description": "独居老人两天没开门", "anonymous": True}),
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["id"] is None and answer.json()["receipt_code"]
    mine = client.get("/api/v1/tips/mine").json()
    assert [row["id"] for row in mine] == [tip.pk]
    bad = client.post(
        "/api/v1/tips", data=json.dumps({"kind": "elder", "description": ""}), content_type="application/json"
    )
    assert bad.status_code in (400, 422) and "description" in bad.content.decode()


def test_the_lookout_sees_when_the_officer_asked_something(world, send):
    tip, _code = send()
    assert not selectors.tip_list_mine(user=world.lookout).get().is_question_waiting
    services.tip_station_write(tip=tip, actor=world.officer2, text="几点看到的？", now=NOW)
    assert selectors.tip_list_mine(user=world.lookout).get().is_question_waiting
    services.tip_source_write(tip=tip, actor=world.lookout, text="下午三点左右", now=NOW)
    assert not selectors.tip_list_mine(user=world.lookout).get().is_question_waiting
