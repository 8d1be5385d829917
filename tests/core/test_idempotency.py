"""An Idempotency-Key makes a retried create safe: one case, the first answer again."""

from __future__ import annotations

import json

from django.test import Client

from lianxin.cases.models import Case


def _body(world, description="门口路灯不亮"):
    lat, lon = world.in_grid1
    return {"channel": "walk_in", "category": "id-papers", "description": description, "lat": lat, "lon": lon}


def _post(client: Client, key: str, headers: dict, body: dict):
    return client.post(
        "/api/v1/cases",
        data=json.dumps(body),
        content_type="application/json",
        headers={**headers, "Idempotency-Key": key},
    )


def test_a_retried_create_gives_the_first_answer_and_makes_one_case(world, api_as):
    api = api_as(world.officer)
    before = Case.objects.count()
    first = _post(api.client, "retry-1", api.headers, _body(world))
    again = _post(api.client, "retry-1", api.headers, _body(world))
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["number"] == first.json()["number"] and again["Idempotent-Replay"] == "true"
    assert Case.objects.count() == before + 1
    other = _post(api.client, "retry-2", api.headers, _body(world))
    assert other.json()["number"] != first.json()["number"]


def test_the_same_key_with_another_body_is_refused(world, api_as):
    api = api_as(world.officer)
    _post(api.client, "k", api.headers, _body(world))
    refused = _post(api.client, "k", api.headers, _body(world, "另一件事"))
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "Idempotency-Key"


def test_a_refused_create_is_not_remembered(world, api_as):
    api = api_as(world.officer)
    bad = _post(api.client, "k2", api.headers, {**_body(world), "category": "nope"})
    assert bad.status_code == 422
    good = _post(api.client, "k2", api.headers, _body(world))
    assert good.status_code == 201


def test_keys_of_two_clients_never_collide(world, api_as):
    a, b = api_as(world.officer), api_as(world.officer2)
    first = _post(a.client, "same", a.headers, _body(world))
    second = _post(b.client, "same", b.headers, _body(world))
    assert first.json()["number"] != second.json()["number"]


def test_open311_post_honours_the_key(world, client):
    from lianxin.core.services import api_token_create

    _token, key = api_token_create(user=world.officer, name="open311 client")
    lat, lon = world.in_grid1
    form = {
        "api_key": key,
        "jurisdiction_id": "a",
        "service_code": "id-papers",
        "lat": str(lat),
        "long": str(lon),
        "description": "路灯坏了",
    }
    before = Case.objects.count()
    first = client.post("/open311/v2/requests.json", form, headers={"Idempotency-Key": "o-1"})
    again = client.post("/open311/v2/requests.json", form, headers={"Idempotency-Key": "o-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and Case.objects.count() == before + 1
