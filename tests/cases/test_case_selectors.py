"""Scope: who sees which case; inbox boxes, filters and search; query counts."""

import datetime as dt

import pytest
from django.http import Http404

from lianxin.cases.models import Resolution, Status
from lianxin.cases.selectors import (
    CaseFilters,
    case_actions_for,
    case_get_for,
    case_list_for,
    case_timeline_for,
)
from lianxin.cases.services import case_assign, case_note, case_open, case_transition
from tests.conftest import NOW


def test_other_station_gets_404(world, open_case):
    case = open_case()
    for outsider in (world.b.chief, world.b.officer, world.b.registry):
        with pytest.raises(Http404):
            case_get_for(user=outsider, pk=case.pk)
        assert not case_list_for(user=outsider).filter(pk=case.pk).exists()
    assert case_get_for(user=world.chief, pk=case.pk) == case


def test_grid_scope_for_officers_and_grid_members(world, open_case):
    # Opened by the registry officer: whoever opens a case sees it whatever its grid.
    in1 = open_case(point=world.in_grid1, actor=world.registry)
    in2 = open_case(point=world.in_grid2, actor=world.registry)
    assert set(case_list_for(user=world.officer)) == {in1}
    assert set(case_list_for(user=world.officer2)) == {in2}
    assert set(case_list_for(user=world.grid_member)) == {in1}
    with pytest.raises(Http404):
        case_get_for(user=world.officer, pk=in2.pk)
    case_assign(case=in2, actor=world.chief, assignee=world.officer)
    assert case_get_for(user=world.officer, pk=in2.pk) == in2  # assigned to them: visible


def test_volunteers_and_residents_see_only_their_own(world, open_case):
    other = open_case()
    mine = case_open(
        station=world.station,
        actor=world.resident_user,
        channel="online",
        category=world.cat_papers,
        description="我的诉求",
        now=NOW,
    )
    assert list(case_list_for(user=world.resident_user)) == [mine]
    assert list(case_list_for(user=world.volunteer)) == []
    with pytest.raises(Http404):
        case_get_for(user=world.resident_user, pk=other.pk)


def test_department_liaison_sees_cases_referred_to_them(world, open_case):
    noise, _papers = open_case(category=world.cat_noise), open_case()
    assert list(case_list_for(user=world.dept_liaison)) == [noise]
    assert list(case_list_for(user=world.b.dept_liaison)) == []


def test_anonymous_sees_nothing(world, open_case):
    from django.contrib.auth.models import AnonymousUser

    open_case()
    assert list(case_list_for(user=AnonymousUser())) == []


def test_boxes(world, open_case):
    overdue = open_case(now=NOW - dt.timedelta(days=10))
    soon = open_case(now=NOW - dt.timedelta(hours=60))  # due in 12 h (72 h service level)
    fresh = open_case(now=NOW)
    case_assign(case=fresh, actor=world.officer, assignee=world.officer)
    done = open_case(now=NOW - dt.timedelta(days=20))
    case_transition(case=done, actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.ADVICE_GIVEN)

    def box(name):
        return set(case_list_for(user=world.officer, filters=CaseFilters(box=name), now=NOW))

    assert box("overdue") == {overdue}
    assert box("due_soon") == {soon}
    assert box("mine") == {fresh, done}
    assert box("unassigned") == {overdue, soon}
    assert box("grid") == {overdue, soon, fresh, done}
    assert box("open") == {overdue, soon, fresh}


def test_filters_and_search(world, open_case):
    a = open_case(contact_name="赵铁柱", contact_phone="13700001111")
    b = open_case(category=world.cat_fight, channel="hotline")
    f = CaseFilters
    assert list(case_list_for(user=world.chief, filters=f(q=a.number))) == [a]
    assert list(case_list_for(user=world.chief, filters=f(q="137 0000 1111"))) == [a]
    assert list(case_list_for(user=world.chief, filters=f(q="铁柱"))) == [a]
    assert list(case_list_for(user=world.chief, filters=f(category="fight"))) == [b]
    assert list(case_list_for(user=world.chief, filters=f(channel="hotline"))) == [b]
    assert list(case_list_for(user=world.chief, filters=f(grid=world.grid2.pk))) == []
    assert list(case_list_for(user=world.chief, filters=f(opened_from=dt.date(2026, 6, 16)))) == []
    # Search by phone is for caseworkers only: a volunteer's phone search finds nothing of others.
    assert list(case_list_for(user=world.volunteer, filters=f(q="13700001111"))) == []


def test_inbox_query_count_does_not_grow(world, open_case, django_assert_max_num_queries):
    for _ in range(12):
        open_case()
    with django_assert_max_num_queries(3):
        rows = [
            (c.number, c.category.name, c.grid.name, c.team.name, str(c.assignee or ""))
            for c in case_list_for(user=world.officer)[:50]
        ]
    assert len(rows) == 12


def test_timeline_hides_internal_notes_from_the_reporter(world):
    case = case_open(
        station=world.station,
        actor=world.resident_user,
        channel="online",
        category=world.cat_papers,
        description="x",
        now=NOW,
    )
    case_note(case=case, actor=world.officer, text="内部：核实身份", is_public=False)
    case_note(case=case, actor=world.officer, text="已联系您", is_public=True)
    texts_resident = [e.text for e in case_timeline_for(user=world.resident_user, case=case)]
    texts_officer = [e.text for e in case_timeline_for(user=world.officer, case=case)]
    assert "已联系您" in texts_resident and "内部：核实身份" not in texts_resident
    assert "内部：核实身份" in texts_officer


def test_actions_follow_role_and_status(world, open_case):
    case = open_case()
    officer = case_actions_for(user=world.officer, case=case)
    member = case_actions_for(user=world.grid_member, case=case)
    assert "rejected" in officer.transitions and officer.may_refer
    assert "rejected" not in member.transitions and not member.may_assign and member.may_take
    resident = case_actions_for(user=world.resident_user, case=case)
    assert resident.transitions == [] and not resident.may_rate
