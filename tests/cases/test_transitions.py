"""The transition table, exercised through the service with random walks (hypothesis)."""

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lianxin.cases.models import Case, CaseEvent, EventKind, Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.cases.transitions import ALLOWED, allowed_from, is_allowed
from lianxin.core.errors import Conflict


def test_terminal_statuses_allow_nothing():
    for status in (Status.CLOSED, Status.MERGED, Status.REJECTED):
        assert allowed_from(status) == []


def test_every_status_is_in_the_table_and_targets_are_statuses():
    assert set(ALLOWED) == set(Status.values)
    for targets in ALLOWED.values():
        assert targets <= set(Status.values)


def test_closed_is_reachable_from_new_and_nothing_returns_to_new():
    assert all(Status.NEW not in targets for targets in ALLOWED.values())
    seen, frontier = {Status.NEW}, [Status.NEW]
    while frontier:
        for nxt in ALLOWED[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(Status.values)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from([s for s in Status.values if s != Status.MERGED]), min_size=1, max_size=8))
def test_random_walk_obeys_the_table_and_logs_every_change(world, open_case, steps):
    case = open_case()
    # The service clock's pause and resumption around a referral are events of their own.
    status_events = CaseEvent.objects.exclude(kind=EventKind.CLOCK)
    for to_status in steps:
        before = Case.objects.get(pk=case.pk).status
        events_before = status_events.filter(case=case).count()
        extra = {}
        if to_status == Status.RESOLVED:
            extra["resolution"] = Resolution.ADVICE_GIVEN
        if to_status == Status.REJECTED:
            extra["reason"] = "不属于本所职责"
        if to_status == Status.REFERRED:
            extra["partner"] = world.env_bureau
        if is_allowed(before, to_status):
            case = case_transition(case=case, actor=world.chief, to_status=to_status, **extra)
            assert Case.objects.get(pk=case.pk).status == to_status
            assert status_events.filter(case=case).count() == events_before + 1
            last = status_events.filter(case=case).order_by("-id").first()
            assert (last.from_status, last.to_status, last.actor) == (before, to_status, world.chief)
        else:
            with pytest.raises(Conflict) as exc:
                case_transition(case=case, actor=world.chief, to_status=to_status, **extra)
            assert exc.value.allowed == allowed_from(before)
            assert Case.objects.get(pk=case.pk).status == before
            assert status_events.filter(case=case).count() == events_before


def test_roles_limit_transitions(world, open_case):
    case = open_case()
    with pytest.raises(PermissionDenied):
        case_transition(case=case, actor=world.volunteer, to_status=Status.ACCEPTED)
    with pytest.raises(PermissionDenied):
        case_transition(case=case, actor=world.grid_member, to_status=Status.REJECTED, reason="x")
    assert Case.objects.get(pk=case.pk).status == Status.NEW
