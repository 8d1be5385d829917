"""Opening, routing, referral, assignment, notes, rating and cart contacts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.cases.models import Case, CaseEvent, Referral, Resolution, Status
from lianxin.cases.services import (
    cart_contact_record,
    cart_stop_start,
    case_assign,
    case_note,
    case_open,
    case_rate,
    case_transition,
    cases_auto_close,
    referral_reply,
)
from lianxin.core.errors import Conflict
from tests.conftest import NOW


def test_a_point_in_a_grid_routes_to_that_grids_team(world, open_case):
    case = open_case(point=world.in_grid2)
    assert (case.grid, case.team) == (world.grid2, world.team2)
    assert case.number == "LX-2026-000001"
    assert case.due_at == NOW + dt.timedelta(hours=72)
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["opened", "routed"]
    assert case.events.get(kind="routed").data["rule"] == "grid"


def test_a_point_outside_every_grid_goes_to_the_duty_desk(world, open_case):
    case = open_case(point=world.outside)
    assert case.grid is None and case.team == world.duty


def test_numbers_are_sequential_per_local_year(world, open_case):
    first = open_case()
    second = open_case()
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Asia/Shanghai.
    new_year = open_case(now=dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC))
    assert [first.number, second.number, new_year.number] == ["LX-2026-000001", "LX-2026-000002", "LX-2027-000001"]


def test_a_category_with_a_department_is_referred_at_once(world, open_case):
    case = open_case(category=world.cat_noise)
    case.refresh_from_db()
    assert case.status == Status.REFERRED
    referral = Referral.objects.get(case=case)
    assert referral.partner == world.env_bureau
    assert referral.reply_due_at == NOW + dt.timedelta(hours=72)
    referral_reply(referral=referral, actor=world.dept_liaison, reply="已责令整改", now=NOW + dt.timedelta(hours=5))
    referral.refresh_from_db()
    assert referral.state == Referral.State.REPLIED and referral.replied_by == world.dept_liaison
    event = case.events.get(kind="referral_reply")
    assert event.is_public and event.text == "已责令整改" and event.data["late"] is False
    with pytest.raises(Conflict):
        referral_reply(referral=referral, actor=world.dept_liaison, reply="again")


def test_another_departments_liaison_cannot_reply(world, open_case):
    case = open_case(category=world.cat_noise)
    referral = case.referrals.get()
    with pytest.raises(PermissionDenied):
        referral_reply(referral=referral, actor=world.b.dept_liaison, reply="x")


def test_public_order_flag_is_copied_from_the_category(world, open_case):
    assert open_case(category=world.cat_fight).is_public_order
    assert not open_case().is_public_order


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"description": "  "}, "description"),
        ({"description": "x" * 6000}, "description"),
        ({"lat": 91.0, "lon": 0.0}, "lat"),
        ({"lat": 40.0, "lon": None}, "location"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"priority": 9}, "priority"),
        ({"channel": "carrier_pigeon"}, "channel"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, kwargs, field):
    base = {
        "station": world.station,
        "actor": world.officer,
        "channel": "walk_in",
        "category": world.cat_papers,
        "description": "补办户口本",
        "now": NOW,
    }
    base.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        case_open(**base)
    assert field in exc.value.message_dict
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_a_category_of_another_station_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        case_open(
            station=world.station,
            actor=world.officer,
            channel="walk_in",
            category=world.b.cat_papers,
            description="x",
            now=NOW,
        )
    assert "category" in exc.value.message_dict


def test_anonymous_may_only_file_online(world):
    case = case_open(
        station=world.station,
        actor=None,
        channel="online",
        category=world.cat_papers,
        description="路灯坏了",
        lat=world.in_grid1[0],
        lon=world.in_grid1[1],
        now=NOW,
    )
    assert case.reporter_user is None and case.grid == world.grid1
    with pytest.raises(PermissionDenied):
        case_open(
            station=world.station, actor=None, channel="hotline", category=world.cat_papers, description="x", now=NOW
        )


def test_an_officer_of_another_station_cannot_open_here(world):
    with pytest.raises(PermissionDenied):
        case_open(
            station=world.station,
            actor=world.b.officer,
            channel="walk_in",
            category=world.cat_papers,
            description="x",
            now=NOW,
        )


def test_resident_files_online_and_rates_once_after_resolution(world):
    case = case_open(
        station=world.station,
        actor=world.resident_user,
        channel="online",
        category=world.cat_papers,
        description="想给卧床的母亲上门办身份证",
        now=NOW,
    )
    assert case.reporter == world.resident and case.grid == world.grid1  # grid from the resident's record
    with pytest.raises(Conflict):
        case_rate(case=case, actor=world.resident_user, rating=5)
    case = case_transition(
        case=case,
        actor=world.officer,
        to_status=Status.RESOLVED,
        resolution=Resolution.SERVICE_DONE,
        note="已上门办理",
        now=NOW + dt.timedelta(days=1),
    )
    assert case.assignee == world.officer
    with pytest.raises(PermissionDenied):
        case_rate(case=case, actor=world.officer, rating=5)
    with pytest.raises(ValidationError):
        case_rate(case=case, actor=world.resident_user, rating=6)
    case = case_rate(
        case=case, actor=world.resident_user, rating=5, comment="民警很耐心", now=NOW + dt.timedelta(days=2)
    )
    assert (case.status, case.rating, case.rating_comment) == (Status.CLOSED, 5, "民警很耐心")
    assert case.closed_at == NOW + dt.timedelta(days=2)
    with pytest.raises(Conflict):
        case_rate(case=case, actor=world.resident_user, rating=1)
    assert list(case.events.filter(kind__in=["rated", "transition"]).values_list("kind", "to_status"))[-2:] == [
        ("rated", ""),
        ("transition", "closed"),
    ]


def test_assignment_rules(world, open_case):
    case = open_case()
    case = case_assign(case=case, actor=world.grid_member, assignee=world.grid_member)  # take it
    assert case.assignee == world.grid_member
    with pytest.raises(PermissionDenied):
        case_assign(case=case, actor=world.grid_member, assignee=world.officer)
    with pytest.raises(ValidationError) as exc:
        case_assign(case=case, actor=world.officer, assignee=world.b.officer)
    assert "assignee" in exc.value.message_dict
    case = case_assign(case=case, actor=world.officer, team=world.team2)
    assert case.team == world.team2
    assert case.events.filter(kind="assigned").count() == 2


def test_notes_internal_and_public(world, open_case):
    case = open_case(actor=world.officer)
    case.reporter_user = world.resident_user
    case.save(update_fields=["reporter_user"])
    internal = case_note(case=case, actor=world.officer, text="邻居说夜里常有人吵", is_public=False)
    public = case_note(case=case, actor=world.resident_user, text="今天又吵了")
    assert not internal.is_public and public.is_public
    with pytest.raises(PermissionDenied):
        case_note(case=case, actor=world.volunteer, text="x")
    with pytest.raises(ValidationError):
        case_note(case=case, actor=world.officer, text="   ")


def test_merge_links_both_cases(world, open_case):
    original, duplicate = open_case(), open_case()
    case_transition(case=duplicate, actor=world.chief, to_status=Status.MERGED, merge_into=original)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original and duplicate.status == Status.MERGED
    assert original.events.filter(kind="merged").exists()
    with pytest.raises(ValidationError):
        case_transition(case=open_case(), actor=world.chief, to_status=Status.MERGED, merge_into=None)


def test_cart_contact_solved_on_the_spot_closes_at_once(world):
    stop = cart_stop_start(actor=world.officer, place="江边广场", lat=world.in_grid1[0], lon=world.in_grid1[1], now=NOW)
    solved = cart_contact_record(
        actor=world.officer,
        stop=stop,
        category=world.cat_papers,
        description="咨询身份证到期换领",
        solved_on_the_spot=True,
        people_served=2,
        contact_name="张大爷",
        contact_phone="13912345678",
        now=NOW,
    )
    follow = cart_contact_record(
        actor=world.officer,
        stop=stop,
        category=world.cat_papers,
        description="户口迁移材料不全",
        solved_on_the_spot=False,
        now=NOW,
    )
    assert (solved.status, solved.resolution, solved.channel) == (Status.CLOSED, Resolution.ON_THE_SPOT, "service_cart")
    assert solved.grid == world.grid1 and solved.address == "江边广场"
    assert follow.status == Status.NEW and follow.team == world.team1
    assert sum(stop.cases.values_list("people_served", flat=True)) == 3
    second = cart_stop_start(actor=world.officer, place="集市", now=NOW + dt.timedelta(hours=3))
    stop.refresh_from_db()
    assert stop.ended_at == NOW + dt.timedelta(hours=3) and second.ended_at is None
    with pytest.raises(PermissionDenied):
        cart_stop_start(actor=world.volunteer, place="x")


def test_solved_on_the_spot_is_refused_for_a_referral_category_and_nothing_is_kept(world):
    with pytest.raises(ValidationError) as exc:
        cart_contact_record(
            actor=world.officer, category=world.cat_noise, description="广场舞太吵", solved_on_the_spot=True, now=NOW
        )
    assert "category" in exc.value.message_dict
    assert Case.objects.count() == 0 and Referral.objects.count() == 0


def test_auto_close_after_waiting_for_a_rating(world, open_case, settings):
    settings.LIANXIN_AUTO_CLOSE_DAYS = 7
    case = open_case()
    case_transition(
        case=case, actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.ADVICE_GIVEN, now=NOW
    )
    assert cases_auto_close(now=NOW + dt.timedelta(days=6, hours=23)) == 0
    assert cases_auto_close(now=NOW + dt.timedelta(days=7, seconds=1)) == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.events.order_by("-id").first().actor is None


def test_each_station_counts_its_own_numbers(world, open_case):
    here = open_case()
    there = case_open(
        station=world.b.station,
        actor=world.b.officer,
        channel="walk_in",
        category=world.b.cat_papers,
        description="补办证件",
        now=NOW,
    )
    assert here.number == there.number == "LX-2026-000001"


def test_category_names_follow_the_active_language(world):
    from django.utils import translation

    with translation.override("en"):
        assert str(world.cat_papers) == "ID papers"
    with translation.override("zh-hans"):
        assert str(world.cat_papers) == "证件办理"
