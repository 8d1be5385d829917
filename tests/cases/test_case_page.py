"""The case page: scope, actions by role and status, messages for bad input, reveal with audit."""

from __future__ import annotations

from django.urls import reverse

from lianxin.cases.models import Case, CaseEvent, EventKind, Referral, Resolution, Status
from lianxin.cases.services import case_assign, case_note, case_open, case_transition
from lianxin.core.models import AuditEntry
from tests.clients import page_text


def detail(client, case):
    return client.get(reverse("cases:detail", args=[case.pk]))


def transition(client, case, **data):
    return client.post(reverse("cases:transition", args=[case.pk]), data, follow=True)


def test_wrong_station_and_wrong_grid_get_404(world, open_case, client_for):
    case = open_case()
    assert detail(client_for(world.b.officer), case).status_code == 404
    assert detail(client_for(world.b.chief), case).status_code == 404
    assert detail(client_for(world.officer2), case).status_code == 404  # grid 2's officer
    assert detail(client_for(world.volunteer), case).status_code == 404
    response = client_for(world.b.officer).post(reverse("cases:transition", args=[case.pk]), {"to_status": "accepted"})
    assert response.status_code == 404 and Case.objects.get(pk=case.pk).status == Status.NEW


def test_officer_sees_header_timeline_and_allowed_actions(world, open_case, client_for, with_vendor):
    case = open_case(description="邻居家漏水")
    text = page_text(detail(client_for(world.officer), case))
    assert case.number in text and "邻居家漏水" in text and world.grid1.name in text
    for status in ("accepted", "in_progress", "resolved", "rejected", "merged"):
        assert f'name="to_status" value="{status}"' in text
    assert 'value="closed"' not in text  # not reachable from new
    assert 'id="case-map"' in text and "case-map-data" in text


def test_grid_member_cannot_reject_or_assign(world, open_case, client_for):
    case = open_case()
    text = page_text(detail(client_for(world.grid_member), case))
    assert 'value="resolved"' in text and 'value="rejected"' not in text and 'name="assignee"' not in text


def test_resolve_writes_status_resolution_and_event(world, open_case, client_for):
    case = open_case()
    response = transition(
        client_for(world.officer), case, to_status="resolved", resolution="advice_given", note="已告知补办流程"
    )
    case.refresh_from_db()
    assert (case.status, case.resolution, case.resolution_note) == (
        Status.RESOLVED,
        Resolution.ADVICE_GIVEN,
        "已告知补办流程",
    )
    event = case.events.get(kind=EventKind.TRANSITION)
    assert (event.actor, event.to_status) == (world.officer, Status.RESOLVED)
    assert "msg success" in page_text(response)


def test_resolve_without_resolution_names_the_field(world, open_case, client_for):
    case = open_case()
    response = transition(client_for(world.officer), case, to_status="resolved")
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).status == Status.NEW
    assert "msg error" in page_text(response) and "办结方式" in page_text(response)


def test_illegal_transition_is_a_conflict_message_not_a_500(world, open_case, client_for):
    case = open_case()
    client = client_for(world.officer)
    transition(client, case, to_status="rejected", reason="重复报送")
    response = transition(client, case, to_status="accepted")
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).status == Status.REJECTED
    assert "msg error" in page_text(response)


def test_unknown_status_is_a_message(world, open_case, client_for):
    case = open_case()
    response = transition(client_for(world.officer), case, to_status="teleported")
    assert response.status_code == 200 and "msg error" in page_text(response)


def test_reject_needs_a_reason(world, open_case, client_for):
    case = open_case()
    response = transition(client_for(world.officer), case, to_status="rejected", reason="")
    assert Case.objects.get(pk=case.pk).status == Status.NEW and "msg error" in page_text(response)


def test_refer_to_department_creates_referral(world, open_case, client_for):
    case = open_case()
    transition(client_for(world.officer), case, to_status="referred", partner=world.env_bureau.pk, note="请核查")
    referral = Referral.objects.get(case=case)
    assert referral.partner == world.env_bureau and Case.objects.get(pk=case.pk).status == Status.REFERRED


def test_refer_to_another_station_department_is_refused(world, open_case, client_for):
    case = open_case()
    response = transition(client_for(world.officer), case, to_status="referred", partner=world.b.env_bureau.pk)
    assert not Referral.objects.filter(case=case).exists() and "msg error" in page_text(response)


def test_merge_by_number(world, open_case, client_for):
    original, duplicate = open_case(), open_case()
    client = client_for(world.officer)
    transition(client, duplicate, to_status="merged", merge_into=original.number)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    response = transition(client, open_case(), to_status="merged", merge_into="LX-1999-000001")
    assert "LX-1999-000001" in page_text(response)


def test_take_and_assign(world, open_case, client_for):
    case = open_case()
    client_for(world.grid_member).post(reverse("cases:assign", args=[case.pk]), {"take": "1"})
    assert Case.objects.get(pk=case.pk).assignee == world.grid_member
    client_for(world.officer).post(reverse("cases:assign", args=[case.pk]), {"assignee": world.officer2.pk})
    assert Case.objects.get(pk=case.pk).assignee == world.officer2
    response = client_for(world.officer).post(
        reverse("cases:assign", args=[case.pk]), {"assignee": world.b.officer.pk}, follow=True
    )
    assert Case.objects.get(pk=case.pk).assignee == world.officer2 and "msg error" in page_text(response)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ASSIGNED).count() == 2


def test_notes_internal_and_public(world, open_case, client_for):
    case = open_case()
    client = client_for(world.officer)
    client.post(reverse("cases:note", args=[case.pk]), {"text": "内部：先电话联系"})
    client.post(reverse("cases:note", args=[case.pk]), {"text": "已安排民警上门", "is_public": "1"})
    notes = dict(case.events.filter(kind=EventKind.NOTE).values_list("text", "is_public"))
    assert notes == {"内部：先电话联系": False, "已安排民警上门": True}
    response = client.post(reverse("cases:note", args=[case.pk]), {"text": ""}, follow=True)
    assert case.events.filter(kind=EventKind.NOTE).count() == 2 and "msg error" in page_text(response)


def test_reveal_phone_writes_audit_row(world, open_case, client_for):
    case = open_case(contact_phone="13612345678")
    client = client_for(world.officer)
    text = page_text(detail(client, case))
    assert "136****5678" in text and "13612345678" not in text
    url = reverse("cases:reveal", args=[case.pk, "contact_phone"])
    refused = client.post(url, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "13612345678" not in page_text(refused)
    assert not AuditEntry.objects.exists()
    response = client.post(url, {"reason": "call_back"}, HTTP_HX_REQUEST="true")
    assert "13612345678" in page_text(response) and "<html" not in page_text(response)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_type, entry.target_id, entry.field, entry.detail) == (
        world.officer,
        "pii_reveal",
        "case",
        str(case.pk),
        "contact_phone",
        "回电联系当事人",
    )
    client.post(url, {"reason": "call_back", "reason_text": "核对快递纠纷的收件电话"}, HTTP_HX_REQUEST="true")
    assert AuditEntry.objects.order_by("-id").first().detail == "核对快递纠纷的收件电话"


def test_the_audit_log_names_cases_by_number_with_a_link(world, open_case, client_for):
    case = open_case(contact_phone="13612345678")
    client_for(world.officer).post(reverse("cases:reveal", args=[case.pk, "contact_phone"]), {"reason": "home_visit"})
    page = client_for(world.chief).get(reverse("core:audit")).content.decode()
    assert case.number in page and reverse("cases:detail", args=[case.pk]) in page
    assert f"#{case.pk}<" not in page


def test_volunteer_never_sees_id_numbers(world, client_for):
    lat, lon = world.in_grid1
    case = case_open(
        station=world.station,
        actor=world.officer,
        channel="walk_in",
        category=world.cat_papers,
        description="协助老人办证",
        lat=lat,
        lon=lon,
        reporter=world.resident,
    )
    case_assign(case=case, actor=world.officer, assignee=world.volunteer)
    client = client_for(world.volunteer)
    text = page_text(detail(client, case))
    assert case.number in text
    assert "1101" not in text and "002X" not in text and "reporter_id_number" not in text
    response = client.post(reverse("cases:reveal", args=[case.pk, "reporter_id_number"]))
    assert response.status_code == 403 and "11010519491231002X" not in page_text(response)
    assert not AuditEntry.objects.exists()


def test_grid_member_sees_masked_id_without_reveal_button(world, client_for):
    case = case_open(
        station=world.station,
        actor=world.officer,
        channel="walk_in",
        category=world.cat_papers,
        description="协助老人办证",
        lat=world.in_grid1[0],
        lon=world.in_grid1[1],
        reporter=world.resident,
    )
    text = page_text(detail(client_for(world.grid_member), case))
    assert "1101**********002X" in text and "reveal/reporter_id_number" not in text


def test_reporter_sees_only_public_events(world, client_for):
    lat, lon = world.in_grid1
    case = case_open(
        station=world.station,
        actor=world.resident_user,
        channel="online",
        category=world.cat_papers,
        description="想补办身份证",
        lat=lat,
        lon=lon,
    )
    case_note(case=case, actor=world.officer, text="内部备注：此人上月已来过", is_public=False)
    case_note(case=case, actor=world.officer, text="请带户口本来所里", is_public=True)
    text = page_text(detail(client_for(world.resident_user), case))
    assert "请带户口本来所里" in text and "内部备注" not in text
    assert 'name="to_status"' not in text


def test_case_page_query_count(world, open_case, client_for, django_assert_max_num_queries):
    case = open_case(contact_phone="13612345678", category=world.cat_noise)
    for n in range(15):
        case_note(case=case, actor=world.officer, text=f"note {n}")
    case_transition(case=case, actor=world.officer, to_status="in_progress")
    client = client_for(world.officer)
    with django_assert_max_num_queries(12):
        response = detail(client, case)
    assert page_text(response).count('class="event') >= 18
