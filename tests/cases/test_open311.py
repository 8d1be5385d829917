"""Open311 GeoReport v2: field names, filters, a round trip, errors, no personal data."""

from __future__ import annotations

import pytest

from lianxin.cases.models import Case, Channel
from lianxin.cases.services import case_transition
from lianxin.core.services import api_token_create

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def api_key(world):
    _token, key = api_token_create(user=world.officer, name="open311 client")
    return key


def test_services_field_names(world, client):
    services = client.get("/open311/v2/services.json", {"jurisdiction_id": "a"}).json()
    assert [s["service_code"] for s in services] == ["fight", "id-papers", "noise"]
    assert set(services[0]) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert services[1]["service_name"] == "证件办理"
    assert services[1]["metadata"] is False and services[1]["type"] == "realtime"


def test_jurisdiction_is_required_with_two_stations(world, client):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400 and "jurisdiction_id" in response.json()[0]["description"]
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "zz"}).status_code == 404


def test_service_definition(world, client):
    body = client.get("/open311/v2/services/noise.json", {"jurisdiction_id": "a"}).json()
    assert body == {"service_code": "noise", "attributes": []}
    missing = client.get("/open311/v2/services/none.json", {"jurisdiction_id": "a"})
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_xml_answers(world, client, api_key):
    from xml.etree import ElementTree

    services = ElementTree.fromstring(client.get("/open311/v2/services.xml", {"jurisdiction_id": "a"}).content)
    assert services.tag == "services"
    assert [s.findtext("service_code") for s in services.findall("service")] == ["fight", "id-papers", "noise"]
    assert services.find("service").findtext("metadata") == "false"
    definition = ElementTree.fromstring(client.get("/open311/v2/services/noise.xml", {"jurisdiction_id": "a"}).content)
    assert definition.tag == "service_definition" and definition.findtext("service_code") == "noise"
    posted = client.post(
        "/open311/v2/requests.xml",
        {
            "api_key": api_key,
            "jurisdiction_id": "a",
            "service_code": "id-papers",
            "address_string": "河堤路1号",
            "description": "路灯坏了",
        },
    )
    assert posted.status_code == 201 and posted["Content-Type"].startswith("text/xml")
    number = ElementTree.fromstring(posted.content).find("request").findtext("service_request_id")
    request = ElementTree.fromstring(
        client.get(f"/open311/v2/requests/{number}.xml", {"jurisdiction_id": "a"}).content
    ).find("request")
    assert request.findtext("status") == "open" and request.findtext("address") == "河堤路1号"
    missing = client.get("/open311/v2/requests/LX-2026-999999.xml", {"jurisdiction_id": "a"})
    error = ElementTree.fromstring(missing.content).find("error")
    assert missing.status_code == 404 and error.findtext("code") == "404"


def test_other_formats_are_refused_in_the_error_shape(world, client):
    response = client.get("/open311/v2/services.yaml", {"jurisdiction_id": "a"})
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_post_then_get_by_token_and_by_id(world, client, api_key):
    lat, lon = world.in_grid1
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "jurisdiction_id": "a",
            "service_code": "id-papers",
            "lat": str(lat),
            "long": str(lon),
            "description": "路灯坏了，晚上看不见",
            "first_name": "三",
            "last_name": "张",
            "phone": "13812345678",
            "email": "zhang@example.com",
            "media_url": "https://example.com/lamp.jpg",
        },
    )
    assert response.status_code == 201, response.content
    [created] = response.json()
    case = Case.objects.get(number=created["service_request_id"])
    assert created["token"] == case.public_token
    assert case.channel == Channel.OPEN311 and case.grid_id == world.grid1.id
    assert case.contact_name == "三 张" and case.contact_phone.reveal() == "13812345678"

    [by_token] = client.get(f"/open311/v2/tokens/{created['token']}.json").json()
    assert by_token["service_request_id"] == case.number

    [request] = client.get(f"/open311/v2/requests/{case.number}.json", {"jurisdiction_id": "a"}).json()
    assert REQUEST_FIELDS <= set(request)
    assert request["status"] == "open" and request["service_code"] == "id-papers"
    assert request["description"] == "路灯坏了，晚上看不见"
    assert request["lat"] == lat and request["long"] == lon
    assert request["agency_responsible"] == world.team1.name
    assert request["requested_datetime"].endswith("+08:00")
    assert request["status_notes"]
    assert request["media_url"] == "https://example.com/lamp.jpg"
    text = str(request)
    assert "13812345678" not in text and "张" not in text and "zhang@" not in text


def test_post_needs_a_valid_api_key(world, client):
    response = client.post(
        "/open311/v2/requests.json",
        {"jurisdiction_id": "a", "service_code": "noise", "address_string": "河堤路1号", "description": "x"},
    )
    assert response.status_code == 403 and response.json()[0]["code"] == 403
    assert Case.objects.count() == 0


def test_post_errors_name_the_parameter(world, client, api_key):
    base = {"api_key": api_key, "jurisdiction_id": "a"}
    cases = [
        ({}, 400, "service_code"),
        ({"service_code": "zzz", "address_string": "x", "description": "x"}, 404, "service_code"),
        ({"service_code": "noise", "description": "x"}, 400, "lat"),
        ({"service_code": "noise", "lat": "abc", "long": "1", "description": "x"}, 400, "lat"),
        ({"service_code": "noise", "lat": "nan", "long": "1", "description": "x"}, 400, "lat"),
        ({"service_code": "noise", "lat": "40", "description": "x"}, 400, "lat/long"),
        ({"service_code": "noise", "address_string": "x", "description": ""}, 400, "description"),
        ({"service_code": "noise", "address_string": "x", "description": "x", "phone": "12"}, 400, "phone"),
        ({"service_code": "noise", "address_string": "x\x00", "description": "x"}, 400, "address_string"),
        (
            {"service_code": "noise", "address_string": "x", "description": "x", "media_url": "file:///etc"},
            400,
            "media_url",
        ),
    ]
    for params, status, word in cases:
        response = client.post("/open311/v2/requests.json", {**base, **params})
        assert response.status_code == status, (params, response.content)
        [error] = response.json()
        assert error["code"] == status and word in error["description"], (params, error)
    assert Case.objects.count() == 0


def test_post_to_another_station_is_refused(world, client, api_key):
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "jurisdiction_id": "b",
            "service_code": "id-papers",
            "address_string": "x",
            "description": "x",
        },
    )
    assert response.status_code in (403, 404)
    assert Case.objects.count() == 0


def test_get_filters_and_status_mapping(world, client, open_case):
    from tests.conftest import NOW

    recent = open_case(
        now=NOW, description="内部案件 王秀兰 13812345678", contact_name="王秀兰", contact_phone="13812345678"
    )
    old = open_case(now=NOW.replace(year=2025))
    noise = open_case(now=NOW, category=world.cat_noise)
    case_transition(
        case=recent,
        actor=world.officer,
        to_status="resolved",
        resolution="advice_given",
        note="已解答",
        note_is_public=True,
        now=NOW,
    )

    def ids(params):
        response = client.get("/open311/v2/requests.json", {"jurisdiction_id": "a", **params})
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    window = {"start_date": "2026-06-01T00:00:00+08:00", "end_date": "2026-06-30T00:00:00+08:00"}
    assert ids(window) == {recent.number, noise.number}
    assert ids({**window, "status": "closed"}) == {recent.number}
    assert ids({**window, "status": "open"}) == {noise.number}
    assert ids({**window, "service_code": "noise"}) == {noise.number}
    assert ids({"service_request_id": f"{old.number},{noise.number}"}) == {old.number, noise.number}
    assert ids({"start_date": "2025-06-01", "end_date": "2025-07-01"}) == {old.number}

    [public] = client.get(f"/open311/v2/requests/{recent.number}.json", {"jurisdiction_id": "a"}).json()
    assert public["status"] == "closed" and public["status_notes"] == "已解答"
    assert public["description"] is None and public["lat"] is None  # not filed in public
    assert "王秀兰" not in str(public) and "5678" not in str(public)
    [referred] = client.get(f"/open311/v2/requests/{noise.number}.json", {"jurisdiction_id": "a"}).json()
    assert referred["agency_responsible"] == world.env_bureau.name

    bad = client.get("/open311/v2/requests.json", {"jurisdiction_id": "a", "start_date": "yesterday"})
    assert bad.status_code == 400 and "start_date" in bad.json()[0]["description"]
    assert client.get("/open311/v2/requests.json", {"jurisdiction_id": "a", "status": "lost"}).status_code == 400


def test_get_default_window_is_90_days(world, client, open_case):
    import datetime as dt

    from django.utils import timezone

    fresh = open_case(now=timezone.now() - dt.timedelta(days=10))
    open_case(now=timezone.now() - dt.timedelta(days=120))
    response = client.get("/open311/v2/requests.json", {"jurisdiction_id": "a"}).json()
    assert [r["service_request_id"] for r in response] == [fresh.number]


def test_unknown_ids_are_404_in_the_error_shape(world, client):
    response = client.get("/open311/v2/requests/LX-2026-999999.json", {"jurisdiction_id": "a"})
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert client.get("/open311/v2/tokens/nope.json").status_code == 404


def test_other_station_request_is_404(world, client, open_case):
    case = open_case()
    assert client.get(f"/open311/v2/requests/{case.number}.json", {"jurisdiction_id": "b"}).status_code == 404


def test_list_query_count_does_not_grow(world, client, open_case, django_assert_max_num_queries):
    from tests.conftest import NOW

    params = {"jurisdiction_id": "a", "start_date": "2026-01-01T00:00:00Z"}
    open_case(now=NOW)
    with django_assert_max_num_queries(6) as few:
        client.get("/open311/v2/requests.json", params)
    for _ in range(8):
        open_case(now=NOW, category=world.cat_noise)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/open311/v2/requests.json", params).json()) == 9


OPEN311_PARAMS = (
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "first_name",
    "last_name",
    "phone",
    "email",
    "media_url",
    "service_request_id",
    "start_date",
    "end_date",
    "status",
)


@pytest.mark.slow
def test_open311_never_answers_500(world, client, api_key):
    """Property: any text in any GeoReport parameter gives a GeoReport answer below 500."""
    from xml.etree import ElementTree

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    values = st.one_of(
        st.text(max_size=30),
        st.sampled_from(["a", "noise", "40.125", "124.385", "1e309", "-0", "2026-06-15T10:00:00+08:00", "open,closed"]),
    )
    params = st.dictionaries(st.sampled_from(OPEN311_PARAMS), values, max_size=8)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(params=params, post=st.booleans(), fmt=st.sampled_from(["json", "xml"]))
    def check(params, post, fmt):
        if post:
            response = client.post(f"/open311/v2/requests.{fmt}", {"api_key": api_key, **params})
        else:
            response = client.get(f"/open311/v2/requests.{fmt}", params)
        assert response.status_code < 500, (params, response.content)
        if fmt == "xml":
            root = ElementTree.fromstring(response.content)  # well-formed whatever the input
            if response.status_code >= 400:
                assert root.find("error").findtext("code") == str(response.status_code)
            return
        body = response.json()
        assert isinstance(body, list)
        if response.status_code >= 400:
            assert body[0]["code"] == response.status_code

    check()
