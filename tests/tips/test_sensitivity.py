"""Sensitivity classes of the kinds of tip: restricted (family dispute, elder) and urgent (fraud) routes."""

from __future__ import annotations

from lianxin.cases.models import Case, Category, EventKind, Priority
from lianxin.cases.selectors import CaseFilters, case_list_for
from lianxin.core.models import Role, User
from lianxin.tips import selectors
from lianxin.tips.models import KIND_RULES, Sensitivity, TipKind


def test_every_kind_has_one_rule_with_its_class():
    assert set(KIND_RULES) == set(TipKind.values)
    restricted = {k for k, rule in KIND_RULES.items() if rule.sensitivity == Sensitivity.RESTRICTED}
    assert restricted == {TipKind.FAMILY_DISPUTE, TipKind.ELDER}
    assert KIND_RULES[TipKind.FRAUD].sensitivity == Sensitivity.URGENT


def test_a_family_dispute_tip_goes_to_the_grid_officer_alone_with_a_safety_check(world, send):
    Category.objects.create(station=world.station, code="family-dispute", name="家庭矛盾", sla_hours=48)
    Category.objects.create(station=world.station, code="safety-check", name="安全回访", sla_hours=24)
    lookout2 = User.objects.create(username="a_lookout2", station=world.station, role=Role.LOOKOUT)
    tip, _code = send(
        kind="family_dispute", description="楼上夫妻吵得很凶", lat=world.in_grid1[0], lon=world.in_grid1[1]
    )
    case, safety = tip.case, tip.safety_case
    assert case.is_restricted and case.category.code == "family-dispute" and case.priority == Priority.HIGH
    assert case.assignee == world.officer and case.grid == world.grid1
    assert safety is not None and safety.is_restricted and safety.assignee == world.officer
    assert safety.grid == world.grid1 and safety.category.code == "safety-check" and safety.priority == Priority.HIGH
    assert case.events.filter(kind=EventKind.NOTE, text__contains=safety.number, is_public=False).exists()
    both = {case.pk, safety.pk}
    # The grid's officer and the chief see both; the grid's own member, the other grid's officer,
    # the station-wide registry and duty desk, another lookout and station B see neither.
    for user in (world.officer, world.chief):
        assert both <= set(case_list_for(user=user).values_list("pk", flat=True)), user
    for user in (world.grid_member, world.officer2, world.registry, world.auxiliary, lookout2, world.b.chief):
        assert not set(case_list_for(user=user).values_list("pk", flat=True)) & both, user
        assert not case_list_for(user=user, filters=CaseFilters(q=case.number)).exists(), user
        assert not selectors.tip_list_for(user=user).filter(pk=tip.pk).exists(), user
    assert list(selectors.tip_list_mine(user=world.lookout)) == [tip]
    assert not selectors.tip_list_mine(user=lookout2).exists()


def test_another_officer_cannot_reach_a_restricted_case_by_page_search_or_api(world, send, login, api_as):
    tip, _code = send(kind="elder", description="独居的王大爷两天没开门", lat=world.in_grid1[0], lon=world.in_grid1[1])
    case = tip.case
    mine, other = login(world.officer), login(world.officer2)
    assert mine.get(f"/cases/{case.pk}/").status_code == 200
    assert mine.get(f"/tips/desk/{tip.pk}/").status_code == 200
    assert f'href="/cases/{case.pk}/"' in mine.get("/cases/", {"q": case.number}).content.decode()
    for client in (other, login(world.auxiliary), login(world.grid_member)):
        assert client.get(f"/cases/{case.pk}/").status_code == 404
        assert client.get(f"/cases/{tip.safety_case.pk}/").status_code == 404
        assert client.get(f"/tips/desk/{tip.pk}/").status_code == 404
        # The search box echoes the number; no row links to the case.
        assert f'href="/cases/{case.pk}/"' not in client.get("/cases/", {"q": case.number}).content.decode()
        assert case.number not in client.get("/tips/desk/").content.decode()
    api = api_as(world.officer2)
    assert api.get(f"/cases/{case.pk}").status_code == 404
    assert api.get(f"/cases/{case.number}").status_code == 404
    listed = api.get("/cases", {"q": case.number}).json()
    assert listed["count"] == 0
    assert api_as(world.officer).get(f"/cases/{case.number}").status_code == 200
    # Nor is it in the public Open311 list, where ordinary cases are.
    ordinary, _ = send()
    public = (
        login(world.officer2)
        .get("/open311/v2/requests.json", {"jurisdiction_id": "a", "start_date": "2026-06-01T00:00:00+08:00"})
        .content.decode()
    )
    assert ordinary.case.number in public and case.number not in public


def test_an_anonymous_elder_tip_outside_every_grid_is_the_chiefs(world, send):
    tip, code = send(actor=None, is_anonymous=True, kind="elder", lat=world.outside[0], lon=world.outside[1])
    assert code and tip.case.is_restricted and tip.case.grid is None and tip.case.assignee is None
    safety = tip.safety_case
    assert safety.is_restricted and safety.grid is None
    assert safety.events.get(kind=EventKind.OPENED).actor == world.chief
    assert {tip.case.pk, safety.pk} <= set(case_list_for(user=world.chief).values_list("pk", flat=True))
    assert not case_list_for(user=world.officer).filter(pk__in=[tip.case.pk, safety.pk]).exists()
    assert safety.opened_at.minute == 0  # an anonymous tip's check keeps the hour only, like the tip


def test_a_fraud_tip_is_an_urgent_case_and_ordinary_kinds_stay_with_the_grid_team(world, send):
    fraud, _ = send(kind="fraud", description="店里一位阿姨正在往安全账户转钱")
    assert fraud.case.priority == Priority.URGENT and not fraud.case.is_restricted and fraud.safety_case is None
    hazard, _ = send(kind="hazard", lat=world.in_grid1[0], lon=world.in_grid1[1])
    assert not hazard.case.is_restricted and hazard.safety_case is None
    assert case_list_for(user=world.grid_member).filter(pk=hazard.case.pk).exists()
    assert Case.objects.count() == 2
