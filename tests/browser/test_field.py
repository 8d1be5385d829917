"""The field network in the browser: a silver-hair member's patrol on a phone that loses its signal, and an anonymous tip.

1. A member starts a patrol on a 360 px phone whose position walks a known route (a mocked
   geolocation), walks part of it without a network (the fixes wait on the phone), comes back
   online, reports a fire hazard, walks on and stops; the duty desk sees the track, a distance
   within 2% of the route's true length, and the finding as a case.
2. Someone without an account sends a tip anonymously and keeps the receipt code; the grid's
   officer asks a question; the tipster answers with the code; a stranger with a wrong code
   reads nothing.
"""

# ruff: noqa: F811 (the browser fixture is imported from test_journey and used as a parameter)
from __future__ import annotations

import json
import time

import pytest

from lianxin.cases.models import Channel
from lianxin.patrols.models import Finding, Patrol, PatrolStatus, TrackPoint
from lianxin.people.models import Team, TeamKind, TeamMembership
from lianxin.tips.models import Tip, TipMessage
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401
from tests.patrols.routes import route_walk, true_length

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]

FIX_MS = 4000
# A fake navigator.geolocation that hands the page the route's fixes when the test says so (window.__lxEmit(n)),
# stamped FIX_MS apart from BASE; how far it got survives a page load (sessionStorage).
WALKER = """
(() => {
  const route = %(route)s, base = %(base)d, step = %(step)d;
  const watchers = [];
  const at = () => Number(sessionStorage.getItem("lx-walk-i") || "0");
  const fix = (k) => ({coords: {latitude: route[k][0], longitude: route[k][1], accuracy: 5}, timestamp: base + k * step});
  const geo = {
    watchPosition(ok) { watchers.push(ok); return watchers.length; },
    clearWatch() {},
    getCurrentPosition(ok) { ok(fix(Math.max(0, at() - 1))); }
  };
  Object.defineProperty(navigator, "geolocation", {value: geo, configurable: true});
  window.__lxEmit = (n) => {
    let i = at();
    for (let k = 0; k < n && i < route.length; k++, i++) watchers.forEach((w) => w(fix(i)));
    sessionStorage.setItem("lx-walk-i", String(i));
    return i;
  };
})();
"""


def queue_empty(page) -> None:
    """Send the phone's queue now and wait until it is empty (polled: the page's CSP forbids eval'd predicates)."""
    page.evaluate("window.lianxinPatrolFlush && window.lianxinPatrolFlush()")
    for _ in range(150):
        if page.locator("#patrol-queue").inner_text() == "0":
            return
        page.wait_for_timeout(100)
    raise AssertionError("the phone's queue was not sent")


def test_patrol_offline_then_online_finding_and_the_desk_sees_the_distance(
    transactional_db, live_server, world, browser
):
    team = Team.objects.create(station=world.station, name="舞动平安巡逻队", kind=TeamKind.PATROL)
    TeamMembership.objects.create(team=team, user=world.volunteer)
    lat, lon = world.in_grid1
    route = route_walk(lat - 0.004, lon - 0.004, legs=((0.0, 250.0), (60.0, 200.0), (10.0, 150.0)))
    # 1.3 m/s with a fix every 4 s: 5.2 m a step (route_walk's 5 s × 1.3 m/s would be 6.5; close enough,
    # the fixes' times only need to stay at a walking pace and in the past).
    base_ms = int(time.time() * 1000) - len(route) * FIX_MS - 60_000
    errors: list[str] = []
    member = phone(browser, live_server.url, errors)
    member.context.add_init_script(WALKER % {"route": json.dumps(route), "base": base_ms, "step": FIX_MS})
    sign_in(member, "a_volunteer")
    member.goto("/patrols/")
    member.get_by_role("button", name="开始巡逻").click()
    member.locator("#patrol-run").wait_for()
    patrol = Patrol.objects.get(member=world.volunteer)

    third = len(route) // 3
    member.evaluate("n => window.__lxEmit(n)", third)
    queue_empty(member)
    assert TrackPoint.objects.filter(patrol=patrol).count() == third

    member.context.set_offline(True)
    member.evaluate("n => window.__lxEmit(n)", third)
    member.evaluate("window.lianxinPatrolFlush()")
    member.locator("#patrol-offline").wait_for(state="visible")
    assert member.locator("#patrol-queue").inner_text() == str(third)
    assert TrackPoint.objects.filter(patrol=patrol).count() == third  # nothing arrived, nothing lost
    shot(member, "field-1-offline")
    member.context.set_offline(False)
    queue_empty(member)
    assert TrackPoint.objects.filter(patrol=patrol).count() == 2 * third

    member.locator("#finding summary").click()
    member.get_by_text("火灾隐患").click()
    member.locator("#finding select[name=category]").select_option(label="证件办理")
    member.get_by_label("是什么情况？（一句话即可）").fill("楼道里电动车充电，插线板从窗户拉出来")
    member.get_by_role("button", name="作为案件上报").click()
    member.locator(".msg.success").wait_for()
    member.evaluate("n => window.__lxEmit(n)", len(route))
    queue_empty(member)
    shot(member, "field-2-walking")
    member.get_by_role("button", name="结束巡逻").click()
    member.wait_for_url(f"**/patrols/{patrol.pk}/")

    patrol.refresh_from_db()
    assert patrol.status == PatrolStatus.ENDED
    assert patrol.points_count == len(route)
    truth = true_length(route)
    assert abs(patrol.distance_m - truth) / truth < 0.02, (patrol.distance_m, truth)
    finding = Finding.objects.get(patrol=patrol)
    assert finding.case.channel == Channel.PATROL_FINDING and finding.case.grid == world.grid1

    desk = phone(browser, live_server.url, errors)
    sign_in(desk, "a_auxiliary")
    desk.goto(f"/patrols/{patrol.pk}/")
    assert desk.locator("#patrol-distance").inner_text() == f"{patrol.distance_m / 1000:.2f} km"
    assert desk.locator("#patrol-map .leaflet-interactive").count() >= 2  # the track and its ends
    desk.get_by_role("link", name=finding.case.number).click()
    desk.wait_for_url(f"**/cases/{finding.case_id}/")
    shot(desk, "field-3-desk-case")
    desk.goto("/patrols/desk/")
    desk.locator("#desk-map").wait_for()
    shot(desk, "field-4-desk-map")
    assert not errors, errors


def test_anonymous_tip_question_answer_by_receipt_code_and_a_stranger_reads_nothing(
    transactional_db, live_server, world, browser
):
    errors: list[str] = []
    tipster = phone(browser, live_server.url, errors)
    tipster.goto("/tips/")
    tipster.get_by_text("家庭纠纷").click()
    tipster.get_by_label("什么人、在哪里、什么时候（一两句话）").fill("楼上夫妻吵得很凶，有摔东西的声音")
    lat, lon = world.in_grid1
    tipster.locator("#tip-form input[name=lat]").evaluate("(el, v) => el.value = v", str(lat))
    tipster.locator("#tip-form input[name=lon]").evaluate("(el, v) => el.value = v", str(lon))
    tipster.get_by_role("button", name="发送线索").click()
    code = tipster.locator("#receipt-code").inner_text().strip()
    shot(tipster, "field-5-receipt")
    tip = Tip.objects.get()
    assert tip.is_anonymous and tip.source_user is None and tip.case.grid == world.grid1

    officer = phone(browser, live_server.url, errors)
    sign_in(officer, "a_officer")
    officer.goto("/tips/desk/")
    officer.get_by_role("link", name=tip.case.number).click()
    officer.get_by_label("向提供者提问或说明").fill("现在还在吵吗？几号楼？")
    officer.get_by_role("button", name="发给提供者").click()
    officer.locator(".msg.success").wait_for()

    tipster.goto("/tips/follow/")
    tipster.get_by_label("回执码").fill(code)
    tipster.get_by_role("button", name="查看线索").click()
    tipster.get_by_text("现在还在吵吗？几号楼？").wait_for()
    tipster.get_by_label("回复或补充").fill("7号楼2单元，现在安静了")
    tipster.get_by_role("button", name="发送回复").click()
    tipster.get_by_text("7号楼2单元，现在安静了").wait_for()
    shot(tipster, "field-6-thread")
    assert TipMessage.objects.filter(tip=tip, is_from_station=False).count() == 1

    stranger = phone(browser, live_server.url, errors)
    stranger.goto("/tips/follow/")
    stranger.get_by_label("回执码").fill(code[:-1] + ("A" if code[-1] != "A" else "B"))
    stranger.get_by_role("button", name="查看线索").click()
    stranger.get_by_text("没有与此回执码对应的线索。").wait_for()
    assert "现在还在吵吗" not in stranger.content()
    officer.reload()
    assert "7号楼2单元，现在安静了" in officer.content()
    assert not errors, errors
