"""People endpoints: scope, masking per role, audited reveals; the token command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from lianxin.core.models import ApiToken, AuditEntry
from lianxin.people.models import Resident

pytestmark = pytest.mark.django_db


def test_list_is_masked_and_writes_no_audit(world, api_as):
    body = api_as(world.chief).get("/people").json()
    assert body["count"] == 1
    person = body["items"][0]
    assert (person["phone"], person["id_number"]) == ("138****5678", "1101**********002X")
    assert AuditEntry.objects.count() == 0


def test_reveal_whole_writes_audit_rows(world, api_as):
    response = api_as(world.officer).get(
        f"/people/{world.resident.id}", {"reveal": ["phone", "id_number"], "reason": "home_visit"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["phone"], response.json()["id_number"]) == ("13812345678", "11010519491231002X")
    rows = AuditEntry.objects.filter(actor=world.officer, action="pii_reveal", target_id=str(world.resident.id))
    assert sorted(rows.values_list("field", flat=True)) == ["id_number", "phone"]
    assert set(rows.values_list("detail", flat=True)) == {"上门走访"}


def test_a_reveal_without_a_reason_is_refused_and_names_the_field(world, api_as):
    response = api_as(world.officer).get(f"/people/{world.resident.id}", {"reveal": "phone"})
    assert response.status_code == 422 and "reason" in response.content.decode()
    assert "13812345678" not in response.content.decode() and not AuditEntry.objects.exists()


def test_without_asking_stays_masked(world, api_as):
    body = api_as(world.officer).get(f"/people/{world.resident.id}").json()
    assert body["phone"] == "138****5678"
    assert AuditEntry.objects.count() == 0


def test_auxiliary_may_reveal_phone_but_not_id(world, api_as):
    auxiliary = api_as(world.auxiliary)
    assert (
        auxiliary.get(f"/people/{world.resident.id}", {"reveal": "phone", "reason": "call_back"}).json()["phone"]
        == "13812345678"
    )
    refused = auxiliary.get(f"/people/{world.resident.id}", {"reveal": "id_number", "reason": "call_back"})
    assert refused.status_code == 403
    assert "11010519491231002X" not in refused.content.decode()
    assert list(AuditEntry.objects.values_list("field", flat=True)) == ["phone"]


def test_grid_member_sees_masked_own_grid_only(world, api_as):
    Resident.objects.create(station=world.station, name="二网格居民", grid=world.grid2, phone="13700000000")
    member = api_as(world.grid_member)
    body = member.get("/people").json()
    assert [p["name"] for p in body["items"]] == ["王秀兰"]
    assert body["items"][0]["id_number"] == "1101**********002X"
    other = Resident.objects.get(name="二网格居民")
    assert member.get(f"/people/{other.id}").status_code == 404
    assert member.get(f"/people/{world.resident.id}", {"reveal": "id_number"}).status_code == 403
    assert AuditEntry.objects.count() == 0


def test_volunteer_never_gets_id_numbers(world, api_as, open_case):
    volunteer = api_as(world.volunteer)
    for params in ({}, {"reveal": "id_number"}):
        response = volunteer.get(f"/people/{world.resident.id}", params)
        assert response.status_code == 403
        assert "002X" not in response.content.decode()
    assert volunteer.get("/people").status_code == 403
    case = open_case(
        actor=world.volunteer, channel="patrol_finding", reporter=world.resident, contact_phone="13812345678"
    )
    from lianxin.cases.services import case_assign

    case_assign(case=case, actor=world.officer, assignee=world.volunteer)
    text = volunteer.get(f"/cases/{case.pk}").content.decode()
    assert "002X" not in text and "5678" not in text
    assert AuditEntry.objects.count() == 0


def test_other_station_resident_is_404(world, api_as):
    stranger = Resident.objects.create(station=world.b.station, name="外站居民")
    officer = api_as(world.officer)
    assert officer.get(f"/people/{stranger.id}").status_code == 404
    assert officer.get(f"/people/{stranger.id}", {"reveal": "phone"}).status_code == 404
    assert [p["name"] for p in officer.get("/people").json()["items"]] == ["王秀兰"]


def test_search_by_exact_phone_and_name(world, api_as):
    Resident.objects.create(station=world.station, name="张三", grid=world.grid1, phone="13700000000")
    officer = api_as(world.officer)
    assert [p["name"] for p in officer.get("/people", {"q": "137 0000 0000"}).json()["items"]] == ["张三"]
    assert [p["name"] for p in officer.get("/people", {"q": "秀兰"}).json()["items"]] == ["王秀兰"]
    assert [p["name"] for p in officer.get("/people", {"q": "11010519491231002x"}).json()["items"]] == ["王秀兰"]


def test_list_query_count_does_not_grow(world, api_as, django_assert_max_num_queries):
    officer = api_as(world.officer)
    with django_assert_max_num_queries(8) as few:
        officer.get("/people")
    for n in range(10):
        Resident.objects.create(station=world.station, name=f"居民{n}", grid=world.grid1, phone=f"1370000000{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert officer.get("/people").json()["count"] == 11


def test_create_api_token_command_prints_key_once(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", world.officer.username, "报警平台", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=world.officer)
    assert token.name == "报警平台" and key not in token.key_digest and token.prefix == key[:8]
    from tests.clients import ApiClient

    assert ApiClient(key).get("/me").json()["username"] == world.officer.username
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_create_api_token_unknown_user(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "x", stdout=io.StringIO(), stderr=io.StringIO())
