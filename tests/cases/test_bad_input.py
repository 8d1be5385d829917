"""Odd input never gives a 500: wrong types, huge numbers, unknown enums, bad bytes, no body."""

from __future__ import annotations

import json

import pytest

from lianxin.cases.models import Case

pytestmark = pytest.mark.django_db

HUGE = 10**30


def _assert_field_errors(response, status: int):
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    assert all(set(item) == {"field", "message"} for item in detail)


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2", b'"\\ud800"'])
def test_malformed_body_is_400(world, api_as, raw):
    response = api_as(world.officer).post("/cases", raw=raw)
    assert response.status_code in (400, 422), response.content
    assert "detail" in response.json()
    assert Case.objects.count() == 0


def test_unparsable_json_names_the_body(world, api_as):
    response = api_as(world.officer).post("/cases", raw=b"{not json")
    _assert_field_errors(response, 400)
    assert response.json()["detail"][0]["field"] == "body"


def test_missing_body_is_422(world, api_as):
    response = api_as(world.officer).post("/cases", raw=b"")
    _assert_field_errors(response, 422)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"category": None, "channel": None, "description": None},
        {"category": "id-papers", "channel": "walk_in", "description": "x", "lat": HUGE, "lon": HUGE},
        {"category": "id-papers", "channel": "walk_in", "description": "x", "lat": "NaN", "lon": 1},
        {"category": "id-papers", "channel": "walk_in", "description": "x", "priority": HUGE, "people_served": -HUGE},
        {"category": "id-papers", "channel": "walk_in", "description": "x", "reporter_id": HUGE},
        {"category": "id-papers", "channel": "walk_in", "description": "x", "subject_ids": [0, -1]},
        {"category": "id-\x00papers", "channel": "walk_in", "description": "nul \x00 inside"},
        {"category": "id-papers", "channel": "walk_in", "description": "\ud800 lone surrogate"},
        {"category": "id-papers", "channel": "walk_in", "description": "x" * 20000},
        {"category": "id-papers", "channel": "walk_in", "description": "x", "contact_phone": "+86 abc"},
    ],
)
def test_odd_case_bodies_are_field_errors(world, api_as, body):
    # json.dumps escapes non-ASCII, so a lone surrogate travels as the JSON escape \ud800.
    response = api_as(world.officer).post("/cases", raw=json.dumps(body).encode())
    _assert_field_errors(response, 422)
    assert Case.objects.count() == 0


def test_nan_literal_coordinates(world, api_as):
    raw = b'{"category": "id-papers", "channel": "walk_in", "description": "x", "lat": NaN, "lon": Infinity}'
    response = api_as(world.officer).post("/cases", raw=raw)
    assert response.status_code in (400, 422)
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        f"/cases/{HUGE}",
        "/cases/-1",
        "/cases/0",
        "/cases/%00",
        "/cases/LX-%FF",
        f"/cases/{'9' * 30}/timeline",
        f"/people/{HUGE}",
        "/people/abc",
        "/people/0",
    ],
)
def test_odd_paths_are_404_or_422(world, api_as, path):
    response = api_as(world.officer).get(path)
    assert response.status_code in (404, 422), response.content


@pytest.mark.parametrize(
    "params",
    [
        {"limit": HUGE},
        {"offset": HUGE},
        {"offset": -1},
        {"grid": HUGE},
        {"grid": "x"},
        {"opened_from": "2026-13-45"},
        {"opened_from": "99999-01-01"},
        {"q": "a\x00b"},
        {"status": "unknown"},
        {"channel": "📯"},
    ],
)
def test_odd_list_filters_are_422(world, api_as, params):
    _assert_field_errors(api_as(world.chief).get("/cases", params), 422)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "1" * 16},
        {"q": "+86 138 1234 5678"},
        {"q": "LX-2026-" + "9" * 6},
        {"opened_from": "0001-01-01", "opened_to": "9999-12-31"},
    ],
)
def test_odd_but_valid_filters_answer(world, api_as, params):
    response = api_as(world.chief).get("/cases", params)
    assert response.status_code == 200 and response.json()["count"] == 0


def test_odd_transition_and_rating_bodies(world, api_as, open_case):
    case = open_case()
    officer = api_as(world.officer)
    for body in (
        {"to_status": HUGE},
        {"to_status": "resolved", "resolution": "magic"},
        {"to_status": "referred", "partner_id": HUGE},
        {"to_status": "merged", "merge_into": "\x00"},
        {"to_status": "merged", "merge_into": str(HUGE)},
    ):
        response = officer.post(f"/cases/{case.pk}/transition", body)
        assert response.status_code == 422, (body, response.content)
    for body in ({"rating": HUGE}, {"rating": "five"}, {"rating": 3.5}):
        assert officer.post(f"/cases/{case.pk}/rating", body).status_code in (403, 422)
    assert officer.post(f"/cases/{case.pk}/assign", {"assignee_id": HUGE}).status_code == 422


def test_reveal_with_unknown_field_is_422(world, api_as):
    _assert_field_errors(api_as(world.officer).get(f"/people/{world.resident.id}", {"reveal": "password"}), 422)


def test_open311_odd_inputs(world, client):
    for path, params in [
        ("/open311/v2/requests.json", {"jurisdiction_id": "a", "start_date": "0001-01-01T00:00:00+14:00"}),
        ("/open311/v2/requests.json", {"jurisdiction_id": "a", "service_request_id": ",".join(["x"] * 500)}),
        ("/open311/v2/requests.json", {"jurisdiction_id": "a\x00"}),
        ("/open311/v2/requests/%00.json", {"jurisdiction_id": "a"}),
        ("/open311/v2/tokens/%00.json", {}),
        ("/open311/v2/services/%00.json", {"jurisdiction_id": "a"}),
    ]:
        response = client.get(path, params)
        assert 400 <= response.status_code < 500, (path, params, response.content)
        assert response.json()[0]["code"] == response.status_code
    assert client.delete("/open311/v2/requests.json").status_code == 405
    response = client.post(
        "/open311/v2/requests.json", data=b"\xff\xfe=\x00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 403


# Over-long free text is refused naming the field (it used to be cut silently).
def test_over_long_fields_are_refused_not_cut(world, open_case):
    from django.core.exceptions import ValidationError

    from lianxin.cases.services import case_transition

    for field, value in (("title", "题" * 121), ("contact_name", "名" * 61), ("address", "址" * 201)):
        with pytest.raises(ValidationError) as caught:
            open_case(**{field: value})
        assert field in caught.value.message_dict
    case = open_case()
    with pytest.raises(ValidationError) as caught:
        case_transition(case=case, actor=world.officer, to_status="rejected", reason="因" * 201)
    assert "reason" in caught.value.message_dict
    case.refresh_from_db()
    assert case.status == "new"


# --- 500s that bad input used to cause ------------------------------------------------------------------------


def test_a_referral_reply_with_a_bad_next_saves_once_and_redirects_home(world, open_case, client_for):
    from lianxin.cases.models import Referral

    case = open_case(category=world.cat_noise)
    referral = Referral.objects.get(case=case)
    client = client_for(world.dept_liaison)
    for target in ("abc", "//evil.example/x", "https://evil.example/"):
        response = client.post(f"/cases/referrals/{referral.pk}/reply/", {"reply": "已处理", "next": target})
        assert response.status_code == 302 and response["Location"] == "/cases/referrals/"
    referral.refresh_from_db()
    assert referral.reply == "已处理" and case.events.filter(kind="referral_reply").count() == 1


def test_an_api_body_over_the_limit_is_413_json(world, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api_as(world.officer).post("/cases", raw=b'{"description": "' + b"x" * 20_000 + b'"}')
    assert response.status_code == 413
    assert response.json()["detail"][0]["field"] == "body"


def test_nul_bytes_in_a_token_or_a_station_code_are_not_500(world, client):
    assert client.get("/cases/track/ab%00cd/").status_code == 404
    assert client.get("/cases/new/?station=a%00b").status_code == 200


def test_a_superuser_without_a_station_gets_404_for_a_shared_number(world, open_case, api_as):
    from lianxin.cases.services import case_open
    from lianxin.core.models import Role, User

    mine = open_case()
    theirs = case_open(
        station=world.b.station,
        actor=world.b.officer,
        channel="walk_in",
        category=world.b.cat_papers,
        description="同号案件",
    )
    assert mine.number == theirs.number  # numbers are per station
    root = User.objects.create_superuser(username="root2", password="x", role=Role.STATION_CHIEF)
    assert api_as(root).get(f"/cases/{mine.number}").status_code == 404
    assert api_as(root).get(f"/cases/{mine.pk}").status_code == 200


@pytest.mark.parametrize("rating", [True, "5", 5.0, 0, 6])
def test_a_rating_must_be_a_whole_number_from_1_to_5(world, open_case, api_as, rating):
    from lianxin.cases.models import Channel, Status
    from lianxin.cases.services import case_transition

    case = open_case(actor=world.resident_user, channel=Channel.ONLINE)
    case_transition(case=case, actor=world.officer, to_status=Status.RESOLVED, resolution="advice_given")
    response = api_as(world.resident_user).post(f"/cases/{case.pk}/rating", {"rating": rating})
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.rating is None


def test_a_token_is_stamped_at_most_once_a_minute(world, api_as):
    from lianxin.core.models import ApiToken

    client = api_as(world.officer)
    client.get("/me")
    first = ApiToken.objects.get(user=world.officer).last_used_at
    client.get("/me")
    assert ApiToken.objects.get(user=world.officer).last_used_at == first


def test_a_position_out_of_range_on_the_form_is_shown_beside_the_location_button(world, client_for):
    client = client_for(world.resident_user)
    before = Case.objects.count()
    response = client.post(
        "/cases/new/",
        {"category": world.cat_papers.code, "description": "路灯坏了", "lat": "123", "lon": "124.38"},
    )
    assert response.status_code == 200
    assert Case.objects.count() == before
    page = response.content.decode()
    assert 'id="lat-error"' in page
    assert "纬度" in page
