"""Nothing internal is published: outcome notes and referral instructions stay internal unless marked public,
the public Open311 list carries no tokens, is paged, limited and masks personal numbers."""

from __future__ import annotations

import pytest

from lianxin.cases.models import Channel, Status
from lianxin.cases.services import case_transition
from lianxin.cases.services.referrals import _refer
from tests.clients import page_text
from tests.conftest import NOW

SECRET_NOTE = "内部：此人多次来访，注意核实"


def _resident_case(world, open_case):
    return open_case(actor=world.resident_user, channel=Channel.ONLINE, now=NOW)


def test_an_internal_resolution_note_reaches_only_caseworkers(world, open_case, client_for, api_as, client):
    case = _resident_case(world, open_case)
    case_transition(
        case=case, actor=world.officer, to_status=Status.RESOLVED, resolution="advice_given", note=SECRET_NOTE, now=NOW
    )
    assert SECRET_NOTE not in page_text(client_for(world.resident_user).get(f"/cases/{case.pk}/"))
    assert SECRET_NOTE in page_text(client_for(world.officer).get(f"/cases/{case.pk}/"))
    as_resident = api_as(world.resident_user)
    assert SECRET_NOTE not in as_resident.get(f"/cases/{case.pk}/timeline").content.decode()
    assert as_resident.get(f"/cases/{case.pk}").json()["resolution_note"] == ""
    assert api_as(world.officer).get(f"/cases/{case.pk}").json()["resolution_note"] == SECRET_NOTE
    assert SECRET_NOTE not in client.get(f"/cases/track/{case.public_token}/").content.decode()
    listed = client.get("/open311/v2/requests.json", {"jurisdiction_id": "a"}).content.decode()
    assert SECRET_NOTE not in listed


def test_a_note_marked_public_is_shown_to_the_reporter(world, open_case, client_for):
    case = _resident_case(world, open_case)
    case_transition(
        case=case,
        actor=world.officer,
        to_status=Status.REJECTED,
        reason="不属于公安职责，请联系物业",
        note_is_public=True,
        now=NOW,
    )
    assert "不属于公安职责" in page_text(client_for(world.resident_user).get(f"/cases/{case.pk}/"))


def test_a_rejection_reason_is_internal_by_default(world, open_case, client_for):
    case = _resident_case(world, open_case)
    case_transition(case=case, actor=world.officer, to_status=Status.REJECTED, reason=SECRET_NOTE[:40], now=NOW)
    assert SECRET_NOTE[:40] not in page_text(client_for(world.resident_user).get(f"/cases/{case.pk}/"))


def test_a_referral_instruction_never_reaches_the_reporter(world, open_case, api_as):
    case = _resident_case(world, open_case)
    _refer(case, actor=world.officer, partner=world.env_bureau, note="请查该户是否有前科", now=NOW)
    assert "前科" not in api_as(world.resident_user).get(f"/cases/{case.pk}/timeline").content.decode()


def test_the_public_list_has_no_tokens_and_masks_numbers(world, open_case, client):
    case = open_case(channel=Channel.WALK_IN, now=NOW)
    case_transition(
        case=case,
        actor=world.officer,
        to_status=Status.RESOLVED,
        resolution="advice_given",
        note="已电话联系13812345678",
        note_is_public=True,
        now=NOW,
    )
    rows = client.get("/open311/v2/requests.json", {"jurisdiction_id": "a", "start_date": "2026-01-01"}).json()
    assert rows and all("token" not in row for row in rows)
    assert case.public_token not in str(rows)
    [row] = [r for r in rows if r["service_request_id"] == case.number]
    assert row["status_notes"] == "已电话联系138****5678"


def test_the_public_list_is_paged_and_cut(world, open_case, client):
    for _ in range(3):
        open_case(now=NOW)
    params = {"jurisdiction_id": "a", "start_date": "2026-01-01", "page_size": "2"}
    first, second = (client.get("/open311/v2/requests.json", {**params, "page": p}).json() for p in ("1", "2"))
    assert len(first) == 2 and len(second) == 1
    assert {r["service_request_id"] for r in first}.isdisjoint(r["service_request_id"] for r in second)
    bad = client.get("/open311/v2/requests.json", {**params, "page_size": "100000"})
    assert bad.status_code == 400 and "page_size" in bad.json()[0]["description"]


def test_the_public_list_is_limited_per_address(world, client, settings):
    settings.LIANXIN_RATE_LIMITS = {**settings.LIANXIN_RATE_LIMITS, "open311_list": (3, 60)}
    codes = [client.get("/open311/v2/requests.json", {"jurisdiction_id": "a"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("length", [501, 100_000])
def test_long_public_text_is_cut(world, open_case, client, length):
    case = open_case(now=NOW)
    case_transition(
        case=case,
        actor=world.officer,
        to_status=Status.RESOLVED,
        resolution="advice_given",
        note="长" * min(length, 5000),
        note_is_public=True,
        now=NOW,
    )
    rows = client.get("/open311/v2/requests.json", {"jurisdiction_id": "a", "start_date": "2026-01-01"}).json()
    [row] = [r for r in rows if r["service_request_id"] == case.number]
    assert len(row["status_notes"]) == 500 and row["status_notes"].endswith("…")
