"""The officers' API of the police–bank channel (issue 19): a fraud-loss case, its transfers, its clock, a stop for a
named account and a trace started from a ledger and polled, scoped as the desk's pages are, errors by field,
an Idempotency-Key honoured on every create, the victim's own account never whole."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.antifraud.models import BankRequest, FraudLoss, FundTrace, LossTransfer, TraceStatus
from lianxin.antifraud.present import victim_accounts_masked
from lianxin.antifraud.services import ledger_upload
from lianxin.antifraud.services.ledgers import fundtrace_run, ledger_index_run
from lianxin.cases.models import Priority
from tests.antifraud.ledger_files import FARMER, FIRST, VICTIM, csv_bytes, story_rows
from tests.antifraud.test_bank import NOW, STARTED, bank_world  # noqa: F401

WHOLE_VICTIM = "6217000011112222"


def _post(api, path: str, body: dict, key: str | None = None):
    headers = {**api.headers, **({"Idempotency-Key": key} if key else {})}
    return api.client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", headers=headers)


def test_an_officer_opens_a_loss_records_a_transfer_and_reads_the_clock(bank_world, api_as):  # noqa: F811
    w = bank_world
    api = api_as(w.officer)
    body = {"resident_id": w.resident.pk, "channel": "walk_in", "description": "冒充学校订购饮料，转账49000元"}
    before = FraudLoss.objects.count()
    created = _post(api, "/antifraud/losses", body, key="loss-1")
    assert created.status_code == 201, created.content
    loss = FraudLoss.objects.get(pk=created.json()["id"])
    assert loss.case.number == created.json()["case"] and loss.case.priority == Priority.URGENT
    assert loss.resident == w.resident and loss.station == w.station
    assert created.json()["clock"][0]["key"] == "reported" and created.json()["clock"][1]["at"] is None
    again = _post(api, "/antifraud/losses", body, key="loss-1")
    assert again.status_code == 201 and again["Idempotent-Replay"] == "true" and again.json() == created.json()
    assert FraudLoss.objects.count() == before + 1  # the retry opened no second case

    transfer = {
        "at": "2026-06-15T09:00:00+08:00",
        "amount_fen": 4_900_000,
        "to_account": FIRST,
        "to_bank": "工商银行",
        "from_account": WHOLE_VICTIM,
        "txn_ref": "T0001",
    }
    path = f"/antifraud/losses/{loss.pk}/transfers"
    first = _post(api, path, transfer, key="t-1")
    second = _post(api, path, transfer, key="t-1")
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert LossTransfer.objects.filter(loss=loss).count() == 1  # the retry wrote nothing
    assert first.json()["from_account"] == "6217 **** **** 2222" and WHOLE_VICTIM not in first.content.decode()
    loss.refresh_from_db()
    assert loss.total_fen == 4_900_000

    sent = _post(
        api,
        f"/antifraud/losses/{loss.pk}/requests",
        {"bank_id": w.bank.pk, "kind": "stop", "account": FIRST, "amount_fen": 4_900_000},
        key="r-1",
    )
    assert sent.status_code == 201, sent.content
    assert (
        _post(
            api,
            f"/antifraud/losses/{loss.pk}/requests",
            {"bank_id": w.bank.pk, "kind": "stop", "account": FIRST, "amount_fen": 4_900_000},
            key="r-1",
        ).json()
        == sent.json()
    )
    request = BankRequest.objects.get(loss=loss)
    assert sent.json()["id"] == request.pk and sent.json()["status"] == "sent"

    read = api.get(f"/antifraud/losses/{loss.pk}")
    assert read.status_code == 200
    data = read.json()
    clock = {m["key"]: m for m in data["clock"]}
    assert clock["first_request"]["at"] is not None and clock["first_request"]["seconds"] >= 0
    assert [r["id"] for r in data["requests"]] == [request.pk] and data["total_fen"] == 4_900_000
    assert WHOLE_VICTIM not in read.content.decode() and data["transfers"][0]["from_account"].endswith("2222")
    listed = api.get("/antifraud/losses", {"is_open": "true"}).json()
    assert loss.pk in [row["id"] for row in listed["items"]] and WHOLE_VICTIM not in str(listed)


def test_the_loss_api_is_scoped_like_the_pages(bank_world, api_as):  # noqa: F811
    w = bank_world
    loss_path = f"/antifraud/losses/{w.loss.pk}"
    body = {"channel": "walk_in", "description": "被骗", "contact_name": "张三"}
    for user in (w.bank_liaison, w.volunteer, w.resident_user):
        api = api_as(user)
        assert api.get(loss_path).status_code == 403
        assert api.get("/antifraud/losses").status_code == 403
        assert api.post("/antifraud/losses", body).status_code == 403
        assert api.post(f"{loss_path}/transfers", {}).status_code in (403, 422)
    other = api_as(w.b.officer)
    assert other.get(loss_path).status_code == 404
    assert other.get("/antifraud/losses").json()["items"] == []
    transfer = {"at": "2026-06-15T09:00:00+08:00", "amount_fen": 100, "to_account": FIRST}
    assert other.post(f"{loss_path}/transfers", transfer).status_code == 404
    assert w.loss.transfers.count() == 1
    assert api_as(None).get(loss_path).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"at": "2026-06-15T09:00:00+08:00", "amount_fen": 0, "to_account": FIRST}, "amount_fen"),
        ({"at": "2026-06-15T09:00:00+08:00", "amount_fen": -5, "to_account": FIRST}, "amount_fen"),
        ({"at": "2026-06-15T09:00:00", "amount_fen": 100, "to_account": FIRST}, "at"),
        ({"at": "2099-06-15T09:00:00+08:00", "amount_fen": 100, "to_account": FIRST}, "at"),
        ({"at": "2026-06-15T09:00:00+08:00", "amount_fen": 100, "to_account": ""}, "to_account"),
        (
            {"at": "2026-06-15T09:00:00+08:00", "amount_fen": 100, "to_account": FIRST, "from_account": "12"},
            "from_account",
        ),
        ({"at": "not a time", "amount_fen": 100, "to_account": FIRST}, "at"),
    ],
)
def test_a_bad_transfer_names_the_clients_field_and_writes_nothing(bank_world, api_as, body, field):  # noqa: F811
    w = bank_world
    response = api_as(w.officer).post(f"/antifraud/losses/{w.loss.pk}/transfers", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["detail"]], response.json()
    assert w.loss.transfers.count() == 1


def test_bad_loss_and_request_input_names_the_clients_field(bank_world, api_as):  # noqa: F811
    w = bank_world
    api = api_as(w.officer)
    other_resident = w.b.resident
    cases = [
        (
            "/antifraud/losses",
            {"resident_id": other_resident.pk, "channel": "walk_in", "description": "x"},
            "resident_id",
        ),
        ("/antifraud/losses", {"channel": "walk_in", "description": "x"}, "resident_id"),
        ("/antifraud/losses", {"channel": "online", "description": "x", "contact_name": "张三"}, "channel"),
        (
            f"/antifraud/losses/{w.loss.pk}/requests",
            {"bank_id": w.b.bank.pk, "kind": "stop", "account": FIRST, "amount_fen": 100},
            "bank_id",
        ),
        (
            f"/antifraud/losses/{w.loss.pk}/requests",
            {"bank_id": w.bank.pk, "kind": "stop", "account": FARMER, "amount_fen": 100},
            "account",
        ),
        (
            f"/antifraud/losses/{w.loss.pk}/requests",
            {"bank_id": w.bank.pk, "kind": "hold", "account": FIRST, "amount_fen": 100},
            "kind",
        ),
        (
            f"/antifraud/losses/{w.loss.pk}/requests",
            {"bank_id": w.bank.pk, "kind": "stop", "account": FIRST, "amount_fen": 0},
            "amount_fen",
        ),
    ]
    losses, requests = FraudLoss.objects.count(), BankRequest.objects.count()
    for path, body, field in cases:
        response = api.post(path, body)
        assert response.status_code == 422, (body, response.content)
        assert field in [e["field"] for e in response.json()["detail"]], (body, response.json())
    assert FraudLoss.objects.count() == losses and BankRequest.objects.count() == requests


def test_a_trace_runs_in_the_background_and_reads_as_the_engine_gave_it(bank_world, api_as, settings):  # noqa: F811
    """Started from a ledger through the API, polled until done, its ranked accounts as the engine returned them."""
    w = bank_world
    upload = SimpleUploadedFile("ledger.csv", csv_bytes(story_rows(STARTED)))
    ledger = ledger_upload(loss=w.loss, actor=w.officer, bank=w.bank, upload=upload, now=NOW)
    ledger_index_run(ledger_id=ledger.pk)
    FundTrace.objects.all().delete()  # the upload's own trace: this test starts one through the API
    api = api_as(w.officer)
    # A task backend that only queues (a worker would run it): the answer says queued, the poll too.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    started = _post(api, f"/antifraud/ledgers/{ledger.pk}/traces", {}, key="trace-1")
    assert started.status_code == 202, started.content
    trace = FundTrace.objects.get()
    assert started.json()["id"] == trace.pk and started.json()["status"] == "queued"
    assert started.json()["accounts"] == []
    assert _post(api, f"/antifraud/ledgers/{ledger.pk}/traces", {}, key="trace-1").json()["id"] == trace.pk
    assert FundTrace.objects.count() == 1  # the retry started nothing
    assert api.get(f"/antifraud/traces/{trace.pk}").json()["status"] == "queued"

    fundtrace_run(trace_id=trace.pk)  # what the worker's task does
    trace.refresh_from_db()
    assert trace.status == TraceStatus.DONE
    polled = api.get(f"/antifraud/traces/{trace.pk}")
    assert polled.status_code == 200
    data = polled.json()
    assert data["status"] == "done" and data["engine_version"] == trace.engine_version
    assert data["accounts"] == trace.result["accounts"]  # exactly the engine's rows, in its order
    assert data["accounts"] == victim_accounts_masked(trace.result)["accounts"]
    assert data["recoverable_total_fen"] == trace.result["recoverable_total_fen"]
    assert FARMER in [row["account"] for row in data["accounts"]] and VICTIM not in polled.content.decode()

    assert api_as(w.bank_liaison).get(f"/antifraud/traces/{trace.pk}").status_code == 403
    assert api_as(w.bank_liaison).post(f"/antifraud/ledgers/{ledger.pk}/traces", {}).status_code == 403
    assert api_as(w.b.officer).get(f"/antifraud/traces/{trace.pk}").status_code == 404
    assert api_as(w.b.officer).post(f"/antifraud/ledgers/{ledger.pk}/traces", {}).status_code == 404
    unknown = api.post(f"/antifraud/ledgers/{ledger.pk}/traces", {"other_loss_ids": [999_999]})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "other_loss_ids"
    assert FundTrace.objects.count() == 1
