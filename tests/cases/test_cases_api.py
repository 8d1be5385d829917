"""The case endpoints: outcomes in the database, events, scoping and role limits."""

from __future__ import annotations

import pytest

from lianxin.cases.models import Case, CaseEvent, EventKind, Status

pytestmark = pytest.mark.django_db


def test_anonymous_gets_401(world, api_as):
    anon = api_as(None)
    for path in ("/me", "/cases", "/categories", "/grids", "/people"):
        response = anon.get(path)
        assert response.status_code == 401, path
        assert "detail" in response.json()


def test_bad_token_gets_401(world):
    from tests.clients import ApiClient

    response = ApiClient("not-a-key").get("/cases")
    assert response.status_code == 401


def test_session_auth_with_csrf(world, client):
    client.force_login(world.officer)
    assert client.get("/api/v1/me").json()["username"] == world.officer.username
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.officer)
    response = strict.post("/api/v1/cases", data="{}", content_type="application/json")
    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_me(world, api_as):
    body = api_as(world.officer).get("/me").json()
    assert body["role"] == "community_officer"
    assert body["station_code"] == "a"
    assert body["phone"] == "139****0001"
    assert body["grid_ids"] == [world.grid1.id]


def test_create_case_routes_to_grid_and_writes_events(world, api_as):
    lat, lon = world.in_grid1
    response = api_as(world.officer).post(
        "/cases",
        {
            "category": "id-papers",
            "channel": "walk_in",
            "description": "老人身份证过期",
            "lat": lat,
            "lon": lon,
            "contact_name": "李四",
            "contact_phone": "138 1234 5678",
            "reporter_id": world.resident.id,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert case.grid_id == world.grid1.id and case.team_id == world.team1.id
    assert case.reporter_id == world.resident.id
    assert case.contact_phone.reveal() == "13812345678"
    assert body["contact_phone"] == "138****5678"
    assert body["actions"]["transitions"]
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.OPENED, EventKind.ROUTED]


def test_create_case_field_errors_are_422_and_write_nothing(world, api_as):
    response = api_as(world.officer).post(
        "/cases",
        {
            "category": "no-such",
            "channel": "walk_in",
            "description": " ",
            "lat": 95.0,
            "lon": 10.0,
            "contact_phone": "123",
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert {"category", "description", "lat", "contact_phone"} <= fields
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_create_case_schema_errors_name_fields(world, api_as):
    response = api_as(world.officer).post(
        "/cases", {"category": 5, "channel": "carrier-pigeon", "description": "x", "priority": "high"}
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert {"category", "channel", "priority"} <= fields


def test_create_case_reporter_of_other_station_is_a_field_error(world, api_as):
    from lianxin.people.models import Resident

    stranger = Resident.objects.create(station=world.b.station, name="外站居民")
    response = api_as(world.officer).post(
        "/cases", {"category": "id-papers", "channel": "walk_in", "description": "x", "reporter_id": stranger.id}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "reporter_id"


def test_volunteer_may_only_use_own_channel(world, api_as):
    volunteer = api_as(world.volunteer)
    denied = volunteer.post("/cases", {"category": "id-papers", "channel": "hotline", "description": "x"})
    assert denied.status_code == 403
    found = volunteer.post(
        "/cases",
        {"category": "id-papers", "channel": "patrol_finding", "description": "x", "contact_phone": "13812345678"},
    )
    assert found.status_code == 201
    assert found.json()["contact_phone"] == ""  # a volunteer sees no personal data at all


def test_get_by_id_and_number_and_wrong_station_404(world, api_as, open_case):
    case = open_case()
    officer = api_as(world.officer)
    assert officer.get(f"/cases/{case.pk}").json()["number"] == case.number
    assert officer.get(f"/cases/{case.number.lower()}").json()["id"] == case.pk
    other = api_as(world.b.officer)
    assert other.get(f"/cases/{case.pk}").status_code == 404
    assert other.get(f"/cases/{case.number}").status_code == 404
    assert other.get(f"/cases/{case.pk}/timeline").status_code == 404
    assert other.post(f"/cases/{case.pk}/notes", {"text": "hi"}).status_code == 404
    assert other.post(f"/cases/{case.pk}/transition", {"to_status": "accepted"}).status_code == 404
    assert not case.events.filter(kind=EventKind.NOTE).exists()


def test_other_grid_officer_gets_404(world, api_as, open_case):
    case = open_case(point=world.in_grid1)
    assert api_as(world.officer2).get(f"/cases/{case.pk}").status_code == 404
    assert api_as(world.officer).get(f"/cases/{case.pk}").status_code == 200


def test_transition_writes_event(world, api_as, open_case):
    case = open_case()
    response = api_as(world.officer).post(
        f"/cases/{case.pk}/transition", {"to_status": "resolved", "resolution": "advice_given", "note": "已告知"}
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.resolution == "advice_given"
    event = case.events.get(kind=EventKind.TRANSITION)
    assert (event.from_status, event.to_status, event.actor_id) == ("new", "resolved", world.officer.id)
    assert response.json()["status"] == "resolved"


def test_illegal_transition_is_409_with_allowed(world, api_as, open_case):
    case = open_case()
    officer = api_as(world.officer)
    officer.post(f"/cases/{case.pk}/transition", {"to_status": "resolved", "resolution": "advice_given"})
    officer.post(f"/cases/{case.pk}/transition", {"to_status": "closed"})
    response = officer.post(f"/cases/{case.pk}/transition", {"to_status": "accepted"})
    assert response.status_code == 409
    assert response.json()["allowed"] == []
    case2 = open_case()
    officer.post(f"/cases/{case2.pk}/transition", {"to_status": "in_progress"})
    response = officer.post(f"/cases/{case2.pk}/transition", {"to_status": "accepted"})
    assert response.status_code == 409
    assert response.json()["allowed"] == ["referred", "resolved", "merged"]
    assert response.json()["detail"]
    case2.refresh_from_db()
    assert case2.status == Status.IN_PROGRESS


def test_transition_missing_detail_is_422_naming_field(world, api_as, open_case):
    case = open_case()
    officer = api_as(world.officer)
    assert (
        officer.post(f"/cases/{case.pk}/transition", {"to_status": "resolved"}).json()["detail"][0]["field"]
        == "resolution"
    )
    assert (
        officer.post(f"/cases/{case.pk}/transition", {"to_status": "rejected"}).json()["detail"][0]["field"] == "reason"
    )
    unknown = officer.post(f"/cases/{case.pk}/transition", {"to_status": "vanished"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "to_status"
    merge = officer.post(f"/cases/{case.pk}/transition", {"to_status": "merged", "merge_into": "LX-2026-999999"})
    assert merge.status_code == 422 and merge.json()["detail"][0]["field"] == "merge_into"
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_refer_and_merge(world, api_as, open_case):
    case, target = open_case(), open_case()
    officer = api_as(world.officer)
    response = officer.post(
        f"/cases/{case.pk}/transition", {"to_status": "referred", "partner_id": world.env_bureau.id}
    )
    assert response.status_code == 200, response.content
    assert case.referrals.get().partner_id == world.env_bureau.id
    other = open_case()
    response = officer.post(f"/cases/{other.pk}/transition", {"to_status": "merged", "merge_into": target.number})
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.merged_into_id == target.id
    assert target.events.filter(kind=EventKind.MERGED).exists()


def test_volunteer_may_not_transition(world, api_as, open_case):
    from lianxin.cases.services import case_assign

    case = open_case(actor=world.volunteer, channel="patrol_finding")
    case_assign(case=case, actor=world.officer, assignee=world.volunteer)  # so the volunteer sees it
    response = api_as(world.volunteer).post(f"/cases/{case.pk}/transition", {"to_status": "accepted"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_assign_to_person_and_team(world, api_as, open_case):
    case = open_case()
    officer = api_as(world.officer)
    response = officer.post(
        f"/cases/{case.pk}/assign", {"assignee_id": world.grid_member.id, "team_id": world.team2.id}
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.assignee_id == world.grid_member.id and case.team_id == world.team2.id
    assert case.events.get(kind=EventKind.ASSIGNED).actor_id == world.officer.id
    wrong = officer.post(f"/cases/{case.pk}/assign", {"assignee_id": world.b.officer.id})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "assignee_id"
    nobody = officer.post(f"/cases/{case.pk}/assign", {})
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["field"] == "assignee_id"


def test_grid_member_may_take_but_not_give(world, api_as, open_case):
    case = open_case()
    member = api_as(world.grid_member)
    assert member.post(f"/cases/{case.pk}/assign", {"assignee_id": world.officer.id}).status_code == 403
    assert member.post(f"/cases/{case.pk}/assign", {"assignee_id": world.grid_member.id}).status_code == 200
    case.refresh_from_db()
    assert case.assignee_id == world.grid_member.id


def test_note_internal_and_public(world, api_as, open_case):
    case = open_case(actor=world.resident_user, channel="online")
    officer = api_as(world.officer)
    response = officer.post(f"/cases/{case.pk}/notes", {"text": "内部备注"})
    assert response.status_code == 201
    assert response.json()["is_public"] is False
    officer.post(f"/cases/{case.pk}/notes", {"text": "已联系", "is_public": True})
    resident = api_as(world.resident_user)
    texts = [e["text"] for e in resident.get(f"/cases/{case.pk}/timeline").json()]
    assert "已联系" in texts and "内部备注" not in texts
    assert officer.post(f"/cases/{case.pk}/notes", {"text": "  "}).json()["detail"][0]["field"] == "text"
    assert case.events.filter(kind=EventKind.NOTE).count() == 2


def test_rate_closes_case_once(world, api_as, open_case):
    case = open_case(actor=world.resident_user, channel="online")
    resident = api_as(world.resident_user)
    early = resident.post(f"/cases/{case.pk}/rating", {"rating": 5})
    assert early.status_code == 409 and "allowed" in early.json()
    api_as(world.officer).post(f"/cases/{case.pk}/transition", {"to_status": "resolved", "resolution": "service_done"})
    assert resident.post(f"/cases/{case.pk}/rating", {"rating": 9}).json()["detail"][0]["field"] == "rating"
    response = resident.post(f"/cases/{case.pk}/rating", {"rating": 5, "comment": "很满意"})
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.rating, case.status, case.rating_comment) == (5, Status.CLOSED, "很满意")
    assert case.events.filter(kind=EventKind.RATED).count() == 1
    again = resident.post(f"/cases/{case.pk}/rating", {"rating": 4})
    assert again.status_code == 409
    assert api_as(world.officer).post(f"/cases/{case.pk}/rating", {"rating": 1}).status_code == 403


def test_list_filters_and_pagination(world, api_as, open_case):
    for _ in range(5):
        open_case()
    open_case(category=world.cat_fight, channel="hotline")
    open_case(point=world.in_grid2)
    chief = api_as(world.chief)
    page = chief.get("/cases", {"limit": 3, "offset": 0}).json()
    assert page["count"] == 7 and len(page["items"]) == 3
    rest = chief.get("/cases", {"limit": 3, "offset": 6}).json()
    assert len(rest["items"]) == 1
    assert chief.get("/cases", {"category": "fight"}).json()["count"] == 1
    assert chief.get("/cases", {"channel": "hotline"}).json()["count"] == 1
    assert chief.get("/cases", {"grid": world.grid2.id}).json()["count"] == 1
    assert chief.get("/cases", {"status": "new"}).json()["count"] == 7
    assert chief.get("/cases", {"opened_from": "2026-06-16"}).json()["count"] == 0
    assert chief.get("/cases", {"opened_to": "2026-06-15"}).json()["count"] == 7
    number = Case.objects.order_by("id").first().number
    assert chief.get("/cases", {"q": number}).json()["items"][0]["number"] == number
    # The grid officer sees only the cases of grid 1.
    assert api_as(world.officer).get("/cases", {"box": "grid"}).json()["count"] == 6
    assert api_as(world.b.officer).get("/cases").json()["count"] == 0
    bad = chief.get("/cases", {"limit": 0, "status": "lost", "box": "everything"})
    assert bad.status_code == 422
    assert {"limit", "status", "box"} <= {e["field"] for e in bad.json()["detail"]}


def test_list_query_count_does_not_grow(world, api_as, open_case, django_assert_max_num_queries):
    chief = api_as(world.chief)
    for _ in range(3):
        open_case()
    with django_assert_max_num_queries(8) as few:
        assert chief.get("/cases").json()["count"] == 3
    for _ in range(12):
        open_case(point=world.in_grid2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert chief.get("/cases").json()["count"] == 15


def test_categories_are_the_own_station(world, api_as):
    codes = [c["code"] for c in api_as(world.officer).get("/categories").json()]
    assert codes == ["fight", "id-papers", "noise"]


def test_grids_are_geojson_of_own_station(world, api_as):
    body = api_as(world.volunteer).get("/grids").json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == ["g1", "g2"]
    feature = body["features"][0]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Polygon"
    lon, lat = feature["geometry"]["coordinates"][0][0]
    assert (lon, lat) == (124.38, 40.12)  # RFC 7946: longitude first
    assert {f["id"] for f in body["features"]}.isdisjoint({world.b.grid1.id, world.b.grid2.id})


def test_openapi_document(world, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{ref}",
        "/api/v1/cases/{ref}/transition",
        "/api/v1/grids",
        "/api/v1/people",
        "/api/v1/people/{resident_id}",
        "/api/v1/categories",
        "/api/v1/me",
    ):
        assert path in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"/static/ninja/swagger-ui-bundle.js" in docs.content  # no CDN


def test_volunteer_follows_own_finding_only(world, api_as, open_case):
    volunteer = api_as(world.volunteer)
    filed = volunteer.post(
        "/cases", {"category": "id-papers", "channel": "patrol_finding", "description": "河堤护栏松动"}
    ).json()
    open_case()  # someone else's case
    listed = volunteer.get("/cases").json()
    assert [c["number"] for c in listed["items"]] == [filed["number"]]
    assert volunteer.get(f"/cases/{filed['id']}").json()["actions"]["transitions"] == []
    assert api_as(world.b.volunteer).get(f"/cases/{filed['id']}").status_code == 404


def test_service_errors_name_the_fields_the_client_sent(world, api_as, open_case):
    """A service names its own arguments (assignee, partner, location); the API answers in its input's names."""
    officer = api_as(world.officer)
    case = open_case()
    assign = officer.post(f"/cases/{case.pk}/assign", {})
    assert assign.status_code == 422 and [e["field"] for e in assign.json()["detail"]] == ["assignee_id"]
    refer = officer.post(f"/cases/{case.pk}/transition", {"to_status": "referred"})
    assert refer.status_code == 422 and [e["field"] for e in refer.json()["detail"]] == ["partner_id"]
    lat, _lon = world.in_grid1
    lone = officer.post("/cases", {"category": "id-papers", "channel": "walk_in", "description": "x", "lat": lat})
    assert lone.status_code == 422 and [e["field"] for e in lone.json()["detail"]] == ["lon"]
    # Every field an error names is one the operation's body has.
    schema = officer.get("/openapi.json").json()["components"]["schemas"]
    for response, body in ((assign, "AssignIn"), (refer, "TransitionIn"), (lone, "CaseIn")):
        assert {e["field"] for e in response.json()["detail"]} <= set(schema[body]["properties"])
    case.refresh_from_db()
    assert case.status == Status.NEW and case.assignee_id is None
