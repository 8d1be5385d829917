"""The police–bank channel: a loss's transfers, stop-payment and freeze requests with their legal clocks,
the bank's answers (web and API), ledgers read by the engine in a task, the trace as the engine returned
it, stops from the trace, money returned and the figures it feeds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.antifraud import adapters
from lianxin.antifraud.models import (
    BankLedger,
    BankRequest,
    FraudLoss,
    LedgerStatus,
    LossStatus,
    Outcome,
    Refund,
    RequestStatus,
    RequestStep,
    RequestStepKind,
    TraceStatus,
    WarningSource,
)
from lianxin.antifraud.present import trace_graph, victim_accounts_masked
from lianxin.antifraud.services import (
    bank_request_answer,
    bank_request_renew,
    bank_request_send,
    bank_requests_sweep,
    ledger_upload,
    loss_transfer_add,
    loss_write_off,
    refund_record,
    trace_stop_requests,
    warning_outcome_record,
    warning_raise,
)
from lianxin.antifraud.services.ledgers import utc_offset_minutes
from lianxin.antifraud.templatetags.antifraud_tags import yuan
from lianxin.cases.models import Status
from lianxin.core.models import Partner, Role, User
from lianxin.core.plugins import metric_specs, sweeps
from tests.antifraud.ledger_files import FARMER, FIRST, HEADER, SPLIT, csv_bytes, story_rows, xlsx_bytes

NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
LOST_FEN = 4_900_000
STARTED = NOW - dt.timedelta(hours=1)


@pytest.fixture
def bank_world(world, settings, tmp_path):
    """World A with the loss case of a 49,000-yuan transfer and partner banks named as the ledger names them."""
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    world.bank.name = "中国工商银行丹东分行"
    world.bank.save(update_fields=["name"])
    world.ccb = Partner.objects.create(station=world.station, kind="bank", code="ccb", name="中国建设银行丹东分行")
    world.ccb_liaison = User.objects.create(
        username="a_ccb", station=world.station, role=Role.BANK_LIAISON, partner=world.ccb
    )
    warning = warning_raise(
        station=world.station,
        actor=world.auxiliary,
        source=WarningSource.BANK_ALERT,
        risk="银行预警：居民向“学校订购饮料”账户转账",
        resident=world.resident,
        amount_at_stake_fen=LOST_FEN,
        now=NOW - dt.timedelta(minutes=20),
    )
    result = warning_outcome_record(
        warning=warning, actor=world.officer, outcome=Outcome.TRANSFERRED, amount_lost_fen=LOST_FEN, now=NOW
    )
    world.loss = result.loss_case.fraud_loss
    loss_transfer_add(
        loss=world.loss,
        actor=world.officer,
        at=STARTED,
        amount_fen=LOST_FEN,
        to_account=FIRST,
        to_bank="工商银行",
        txn_ref="T0001",
        now=NOW,
    )
    return world


def _send(w, **kw):
    return bank_request_send(
        loss=kw.pop("loss", w.loss),
        actor=kw.pop("actor", w.officer),
        bank=kw.pop("bank", w.bank),
        kind=kw.pop("kind", "stop"),
        account=kw.pop("account", FIRST),
        amount_fen=kw.pop("amount_fen", LOST_FEN),
        now=kw.pop("now", NOW),
        **kw,
    )


def _upload(w, request, data: bytes, name: str = "ledger.csv", actor=None, capture=None):
    upload = SimpleUploadedFile(name, data)
    if capture is None:
        return ledger_upload(loss=w.loss, actor=actor or w.bank_liaison, request=request, upload=upload, now=NOW)
    with capture(execute=True):
        ledger = ledger_upload(loss=w.loss, actor=actor or w.bank_liaison, request=request, upload=upload, now=NOW)
    ledger.refresh_from_db()
    return ledger


def test_the_49000_yuan_story_is_stopped_traced_and_returned(bank_world, django_capture_on_commit_callbacks):
    w = bank_world
    request = _send(w)
    assert request.answer_due_at == NOW + dt.timedelta(minutes=60) and request.status == RequestStatus.SENT
    notes = [e.text for e in w.loss.case.events.filter(kind="note")]
    assert any(FIRST in n and "49,000.00" in n for n in notes), notes
    held = bank_request_answer(
        request=request, actor=w.bank_liaison, answer="held", held_fen=50_000, now=NOW + dt.timedelta(minutes=9)
    )
    assert held.status == RequestStatus.HELD and held.held_fen == 50_000
    assert held.hold_until == NOW + dt.timedelta(minutes=9, hours=48)
    ledger = _upload(w, request, csv_bytes(story_rows(STARTED)), capture=django_capture_on_commit_callbacks)
    assert ledger.status == LedgerStatus.READY and ledger.rows_read == 23 and ledger.problems["total"] == 0
    trace = ledger.traces.get()
    assert trace.status == TraceStatus.DONE and trace.seeds == ["T0001"]
    by_account = {row["account"]: row for row in trace.result["accounts"]}
    assert by_account[FARMER]["level"] == 2 and by_account[FARMER]["tainted_held_now_fen"]["fifo"] == 3_000_000
    # The stored result is the engine's own output for the same seeds and moment (no recomputation).
    again = adapters.ledger_trace(
        index_dir=f"{ledger.path}/index",
        utc_offset_minutes=utc_offset_minutes(NOW),
        seeds=["T0001"],
        as_of_epoch=None,
        prior_stops={FIRST: 1},
    )
    assert {r["account"]: r["tainted_held_now_fen"] for r in again["accounts"]} == {
        a: r["tainted_held_now_fen"] for a, r in by_account.items()
    }
    # One click from the trace: the card farmer at the second-level bank.
    sent = trace_stop_requests(trace=trace, actor=w.officer, accounts=[FARMER], now=NOW + dt.timedelta(minutes=20))
    assert [(r.account, r.bank, r.amount_fen, r.kind) for r in sent] == [(FARMER, w.ccb, 3_000_000, "stop")]
    with pytest.raises(PermissionDenied):  # the first bank's liaison cannot answer the second bank's request
        bank_request_answer(request=sent[0], actor=w.bank_liaison, answer="held", held_fen=1, now=NOW)
    bank_request_answer(
        request=sent[0], actor=w.ccb_liaison, answer="held", held_fen=3_000_000, now=NOW + dt.timedelta(minutes=30)
    )
    refund_record(loss=w.loss, actor=w.officer, amount_fen=3_000_000, request=sent[0], now=NOW + dt.timedelta(days=3))
    w.loss.refresh_from_db()
    assert w.loss.refunded_fen == 3_000_000 and w.loss.status == LossStatus.OPEN
    with pytest.raises(ValidationError) as too_much:
        refund_record(loss=w.loss, actor=w.officer, amount_fen=LOST_FEN, now=NOW + dt.timedelta(days=3))
    assert "amount_fen" in too_much.value.message_dict and Refund.objects.count() == 1
    refund_record(loss=w.loss, actor=w.officer, amount_fen=1_900_000, now=NOW + dt.timedelta(days=4))
    w.loss.refresh_from_db()
    w.loss.case.refresh_from_db()
    assert w.loss.status == LossStatus.SETTLED and w.loss.case.status == Status.RESOLVED
    # The figures: money held and returned, held within two hours of the report.
    specs = {s.key: s for s in metric_specs()}
    from django.utils.module_loading import import_string

    def metric(key):
        return import_string(specs[key].compute)(
            station=w.station, start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=30)
        )

    assert metric("antifraud_returned_fen").numerator == LOST_FEN
    assert metric("antifraud_held_fen").numerator == 3_050_000
    assert metric("antifraud_requests_sent").numerator == 2
    share = metric("antifraud_held_in_two_hours")
    assert (share.numerator, share.denominator) == (1, 1)


def test_requests_the_law_or_the_case_does_not_allow_are_refused_and_nothing_is_written(bank_world):
    w = bank_world
    cases = [
        ({"account": "6200000000000000"}, "account"),  # never named by the case
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -100}, "amount_fen"),
        ({"bank": w.env_bureau}, "bank"),  # a department is not a bank
        ({"bank": w.b.bank}, "bank"),  # another station's bank
        ({"kind": "seize"}, "kind"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            _send(w, **kwargs)
        assert field in exc.value.message_dict, kwargs
    with pytest.raises(PermissionDenied):
        _send(w, actor=w.volunteer)
    assert BankRequest.objects.count() == 0
    _send(w)
    with pytest.raises(ValidationError) as twice:
        _send(w)
    assert "account" in twice.value.message_dict and BankRequest.objects.count() == 1
    with pytest.raises(ValidationError) as bad_transfer:
        loss_transfer_add(loss=w.loss, actor=w.officer, at=NOW, amount_fen=0, to_account="", now=NOW)
    assert {"amount_fen", "to_account"} <= set(bad_transfer.value.message_dict)


def test_the_legal_clocks_warn_lapse_renew_and_stop_at_the_legal_limit(bank_world, settings):
    settings.ANTIFRAUD_STOP_HOLD_HOURS = 48
    settings.ANTIFRAUD_STOP_WARN_HOURS = 6
    settings.ANTIFRAUD_STOP_MAX_TIMES = 2
    w = bank_world
    request = _send(w)
    assert "antifraud_bank_clocks" in sweeps()
    assert bank_requests_sweep(now=NOW + dt.timedelta(minutes=59)) == 0
    assert bank_requests_sweep(now=NOW + dt.timedelta(minutes=61)) == 1
    assert bank_requests_sweep(now=NOW + dt.timedelta(minutes=62)) == 0  # told once
    assert RequestStep.objects.filter(request=request, kind=RequestStepKind.ANSWER_OVERDUE).count() == 1
    answered_at = NOW + dt.timedelta(minutes=70)
    bank_request_answer(request=request, actor=w.bank_liaison, answer="held", held_fen=50_000, now=answered_at)
    request.refresh_from_db()
    assert request.hold_until == answered_at + dt.timedelta(hours=48)
    assert request.seconds_left(answered_at) == 48 * 3600
    assert bank_requests_sweep(now=answered_at + dt.timedelta(hours=41, minutes=59)) == 0
    assert bank_requests_sweep(now=answered_at + dt.timedelta(hours=42)) == 1
    assert RequestStep.objects.filter(request=request, kind=RequestStepKind.HOLD_ENDING).count() == 1
    # Renewed before it lapses: the second stop holds from the end of the first.
    renewal = bank_request_renew(request=request, actor=w.officer, now=answered_at + dt.timedelta(hours=43))
    bank_request_answer(
        request=renewal, actor=w.bank_liaison, answer="held", held_fen=50_000, now=answered_at + dt.timedelta(hours=44)
    )
    renewal.refresh_from_db()
    request.refresh_from_db()
    assert request.status == RequestStatus.RENEWED and renewal.renewals == 1
    assert renewal.hold_until == answered_at + dt.timedelta(hours=96)
    # A third stop is past the legal limit: only a freeze may follow.
    with pytest.raises(ValidationError) as third:
        bank_request_renew(request=renewal, actor=w.officer, now=answered_at + dt.timedelta(hours=90))
    assert "kind" in third.value.message_dict
    assert bank_requests_sweep(now=answered_at + dt.timedelta(hours=96)) == 1
    renewal.refresh_from_db()
    assert renewal.status == RequestStatus.LAPSED
    freeze = _send(w, kind="freeze", amount_fen=50_000, now=answered_at + dt.timedelta(hours=97))
    assert freeze.kind == "freeze"


def test_an_answer_to_a_renewal_after_its_hold_lapsed_is_refused(bank_world):
    w = bank_world
    request = _send(w)
    bank_request_answer(request=request, actor=w.bank_liaison, answer="held", held_fen=50_000, now=NOW)
    renewal = bank_request_renew(request=request, actor=w.officer, now=NOW + dt.timedelta(hours=40))
    bank_requests_sweep(now=NOW + dt.timedelta(hours=49))
    with pytest.raises(ValidationError) as late:
        bank_request_answer(
            request=renewal, actor=w.bank_liaison, answer="held", held_fen=50_000, now=NOW + dt.timedelta(hours=50)
        )
    assert "answer" in late.value.message_dict
    renewal.refresh_from_db()
    assert renewal.status == RequestStatus.SENT and renewal.held_fen == 0


def test_bad_answers_name_their_field(bank_world):
    w = bank_world
    request = _send(w)
    for kwargs, field in (
        ({"answer": "held", "held_fen": 0}, "held_fen"),
        ({"answer": "held", "held_fen": LOST_FEN + 1}, "held_fen"),
        ({"answer": "rejected", "note": ""}, "note"),
        ({"answer": "maybe"}, "answer"),
    ):
        with pytest.raises(ValidationError) as exc:
            bank_request_answer(request=request, actor=w.bank_liaison, now=NOW, **kwargs)
        assert field in exc.value.message_dict
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT


def test_a_ledger_with_broken_rows_keeps_the_good_ones_and_names_each_bad_row(
    bank_world, django_capture_on_commit_callbacks
):
    w = bank_world
    request = _send(w)
    rows = story_rows(STARTED, noise=5)
    rows[3][3] = "12,3"  # line 5: unparsable amount
    rows[4][3] = "-5.00"  # line 6: negative amount
    rows[5][4] = "2026-06-15 09:00"  # line 7: time without zone
    ledger = _upload(w, request, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert ledger.status == LedgerStatus.READY and ledger.rows_read == len(rows) - 3
    assert ledger.problems["first_lines"] == {
        "unparsable amount": [5],
        "negative amount": [6],
        "time without zone": [7],
    }
    assert ledger.traces.get().status == TraceStatus.DONE


def test_an_xlsx_ledger_reads_with_spreadsheet_row_numbers(bank_world, django_capture_on_commit_callbacks):
    w = bank_world
    request = _send(w)
    local = dt.timezone(dt.timedelta(hours=8))
    cells = []
    for row in story_rows(STARTED, noise=3):
        at = dt.datetime.fromisoformat(row[4]).astimezone(local).replace(tzinfo=None)  # Excel times carry no zone
        cells.append([row[0], row[1], row[2], float(row[3]), at, *row[5:]])
    cells[2][3] = "abc"  # spreadsheet row 4
    ledger = _upload(w, request, xlsx_bytes(cells), name="调单.xlsx", capture=django_capture_on_commit_callbacks)
    assert ledger.status == LedgerStatus.READY and ledger.file_format == "xlsx"
    assert ledger.problems["first_lines"] == {"unparsable amount": [4]} and ledger.rows_read == len(cells) - 1
    trace = ledger.traces.get()
    assert trace.status == TraceStatus.DONE
    assert {r["account"] for r in trace.result["accounts"]} == {FIRST, FARMER}  # the split went on row 4


def test_ledgers_that_cannot_be_used_are_refused_with_the_reason(bank_world, django_capture_on_commit_callbacks):
    w = bank_world
    request = _send(w)
    missing = [c for c in HEADER if c not in ("txn_id", "amount")]
    with pytest.raises(ValidationError) as exc:
        _upload(w, request, csv_bytes([], header=missing))
    assert any("txn_id" in m for m in exc.value.message_dict["file"])
    assert any("amount" in m for m in exc.value.message_dict["file"])
    with pytest.raises(ValidationError):
        _upload(w, request, b"not a workbook", name="ledger.xlsx")
    with pytest.raises(ValidationError):
        _upload(w, request, b"%PDF-1.4", name="ledger.pdf")
    assert BankLedger.objects.count() == 0 and not list(w_path(w).rglob("*.csv"))
    # Another bank's ledger: the requested account is not in it.
    other = [r for r in story_rows(STARTED) if FIRST not in (r[1], r[2])]
    ledger = _upload(w, request, csv_bytes(other), capture=django_capture_on_commit_callbacks)
    assert ledger.status == LedgerStatus.FAILED and FIRST in ledger.error and not ledger.traces.exists()
    # Chinese headers, GBK-encoded, as bank exports often are.
    chinese = [
        "交易流水号",
        "付款账号",
        "收款账号",
        "交易金额",
        "交易时间",
        "付款户名",
        "收款户名",
        "付款行",
        "收款行",
        "交易渠道",
    ]
    gbk = csv_bytes(story_rows(STARTED, noise=2), header=chinese).decode().encode("gb18030")
    ledger = _upload(w, request, gbk, capture=django_capture_on_commit_callbacks)
    assert ledger.status == LedgerStatus.READY and ledger.rows_read == 5


def w_path(w):
    from pathlib import Path

    from django.conf import settings

    return Path(settings.DATA_DIR)


def test_a_stop_from_the_trace_needs_an_account_of_the_trace_at_a_partner_bank(
    bank_world, django_capture_on_commit_callbacks
):
    w = bank_world
    request = _send(w)
    trace = _upload(w, request, csv_bytes(story_rows(STARTED)), capture=django_capture_on_commit_callbacks).traces.get()
    with pytest.raises(ValidationError) as exc:
        trace_stop_requests(trace=trace, actor=w.officer, accounts=[SPLIT, "6299999999999999"], now=NOW)
    messages = exc.value.message_dict["accounts"]
    assert any(SPLIT in m and "农业银行" in m for m in messages) and any("6299999999999999" in m for m in messages)
    assert BankRequest.objects.count() == 1


def test_write_off_needs_a_reason_and_closes_the_case(bank_world):
    w = bank_world
    with pytest.raises(ValidationError) as exc:
        loss_write_off(loss=w.loss, actor=w.officer, reason=" ", now=NOW)
    assert "reason" in exc.value.message_dict
    loss_write_off(loss=w.loss, actor=w.officer, reason="资金已被取现，无法追回", now=NOW)
    w.loss.refresh_from_db()
    w.loss.case.refresh_from_db()
    assert w.loss.status == LossStatus.WRITTEN_OFF and w.loss.case.status == Status.RESOLVED
    with pytest.raises(ValidationError):
        _send(w)


# --- pages ----------------------------------------------------------------------------------------------------


def test_the_bank_inbox_shows_only_the_liaisons_own_bank_and_the_answer_comes_back_to_the_case(bank_world, client_for):
    w = bank_world
    mine = _send(w, now=dt.datetime.now(dt.UTC))
    trace_free = bank_request_send(
        loss=w.loss, actor=w.officer, bank=w.ccb, kind="freeze", account=FIRST, amount_fen=100, now=NOW
    )
    liaison = client_for(w.bank_liaison)
    inbox = liaison.get("/fraud/bank/").content.decode()
    assert FIRST in inbox and f'data-request="{mine.pk}"' in inbox and f'data-request="{trace_free.pk}"' not in inbox
    assert 'class="countdown' in inbox
    assert liaison.get(f"/fraud/bank/requests/{trace_free.pk}/").status_code == 404
    assert client_for(w.b.bank_liaison).get(f"/fraud/bank/requests/{mine.pk}/").status_code == 404
    response = liaison.post(
        f"/fraud/bank/requests/{mine.pk}/", {"action": "answer", "answer": "held", "held_yuan": "0"}
    )
    assert response.status_code == 200 and "held_fen" not in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == RequestStatus.SENT  # the error named the amount; nothing written
    response = liaison.post(
        f"/fraud/bank/requests/{mine.pk}/", {"action": "answer", "answer": "held", "held_yuan": "500"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == RequestStatus.HELD and mine.held_fen == 50_000
    loss_page = client_for(w.officer).get(f"/fraud/losses/{w.loss.pk}/").content.decode()
    assert "500.00" in loss_page and 'data-key="first_held"' in loss_page
    assert client_for(w.b.officer).get(f"/fraud/losses/{w.loss.pk}/").status_code == 404


def test_the_officer_sends_a_request_from_the_loss_page_and_sees_field_errors(bank_world, client_for):
    w = bank_world
    officer = client_for(w.officer)
    response = officer.post(
        f"/fraud/losses/{w.loss.pk}/requests/",
        {"bank": w.bank.pk, "kind": "stop", "account": "6200000000000000", "amount_yuan": "49000"},
        follow=True,
    )
    assert "6200000000000000" in response.content.decode() and BankRequest.objects.count() == 0
    officer.post(
        f"/fraud/losses/{w.loss.pk}/requests/",
        {"bank": w.bank.pk, "kind": "stop", "account": FIRST, "amount_yuan": "49,000", "is_ledger_requested": "1"},
    )
    request = BankRequest.objects.get()
    assert request.amount_fen == LOST_FEN and request.is_ledger_requested and request.requested_by == w.officer


def test_the_trace_page_shows_the_engines_figures_and_a_graph(
    bank_world, client_for, with_vendor, django_capture_on_commit_callbacks
):
    w = bank_world
    request = _send(w)
    trace = _upload(w, request, csv_bytes(story_rows(STARTED)), capture=django_capture_on_commit_callbacks).traces.get()
    page = client_for(w.officer).get(f"/fraud/traces/{trace.pk}/").content.decode()
    for row in trace.result["accounts"]:
        assert f'data-account="{row["account"]}"' in page
        for policy in trace.result["policies"]:
            assert yuan(row["tainted_held_now_fen"][policy]) in page
    for policy, total in trace.result["recoverable_total_fen"].items():
        assert yuan(total) in page, policy
    start = page.index('id="trace-graph-data"')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert data == json.loads(json.dumps(trace_graph(victim_accounts_masked(trace.result))))
    assert {n["id"] for n in data["nodes"]} >= {FIRST, FARMER, SPLIT} and 'id="trace-graph"' in page
    assert client_for(w.bank_liaison).get(f"/fraud/traces/{trace.pk}/").status_code == 404
    response = client_for(w.officer).post(f"/fraud/traces/{trace.pk}/stop/", {"account": [FARMER]})
    assert response.status_code == 302 and BankRequest.objects.filter(account=FARMER, bank=w.ccb).exists()


def test_the_desk_sees_overdue_bank_clocks(bank_world, client_for):
    w = bank_world
    _send(w, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    page = client_for(w.officer).get("/fraud/").content.decode()
    assert 'id="bank-attention"' in page and "overdue" in page
    losses = client_for(w.officer).get("/fraud/losses/").content.decode()
    assert w.loss.case.number in losses and 'class="countdown badge overdue"' in losses


# --- the API for banks ------------------------------------------------------------------------------------------


def test_a_banks_system_answers_once_whatever_it_repeats(bank_world, api_as):
    w = bank_world
    request = _send(w)
    bank = api_as(w.bank_liaison)
    listed = bank.get("/bank/requests").json()
    assert [r["id"] for r in listed] == [request.pk] and listed[0]["account"] == FIRST
    assert api_as(w.ccb_liaison).get("/bank/requests").json() == []
    body = {"answer": "held", "held_fen": 50_000, "idempotency_key": "icbc-msg-1"}
    first = bank.post(f"/bank/requests/{request.pk}/answer", body)
    again = bank.post(f"/bank/requests/{request.pk}/answer", body)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["status"] == "held" and first.json()["hold_until"] is not None
    assert RequestStep.objects.filter(request=request, kind=RequestStepKind.ANSWERED).count() == 1
    other = bank.post(f"/bank/requests/{request.pk}/answer", {**body, "idempotency_key": "icbc-msg-2"})
    assert other.status_code == 422 and "answer" in other.content.decode()
    assert api_as(w.ccb_liaison).post(f"/bank/requests/{request.pk}/answer", body).status_code == 404
    assert api_as(w.b.bank_liaison).get(f"/bank/requests/{request.pk}").status_code == 404
    assert api_as(w.volunteer).get("/bank/requests").status_code == 403


def test_a_bank_uploads_its_ledger_through_the_api_and_the_desk_reads_the_trace(bank_world, api_as):
    w = bank_world
    request = _send(w)
    from django.test import Client

    from lianxin.core.services import api_token_create

    _token, key = api_token_create(user=w.bank_liaison, name="bank system")
    client = Client()
    upload = SimpleUploadedFile("ledger.csv", csv_bytes(story_rows(STARTED)))
    response = client.post(
        f"/api/v1/bank/requests/{request.pk}/ledger", {"file": upload}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 202, response.content
    ledger = BankLedger.objects.get()
    assert response.json()["id"] == ledger.pk and response.json()["status"] == "queued"


@pytest.mark.django_db(transaction=True)
def test_the_ledger_is_read_by_the_database_worker_not_in_the_request(world, settings, tmp_path, client_for):
    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    world.bank.name = "中国工商银行丹东分行"
    world.bank.save(update_fields=["name"])
    from lianxin.antifraud.services.common import CATEGORY_LOSS, desk_category
    from lianxin.cases.services import case_open

    case = case_open(
        station=world.station,
        actor=world.officer,
        channel="walk_in",
        category=desk_category(station=world.station, code=CATEGORY_LOSS),
        description="被骗49000元",
        lat=world.in_grid1[0],
        lon=world.in_grid1[1],
        now=NOW,
    )
    loss = FraudLoss.objects.create(station=world.station, case=case, reported_at=NOW)
    loss_transfer_add(loss=loss, actor=world.officer, at=STARTED, amount_fen=LOST_FEN, to_account=FIRST, now=NOW)
    request = bank_request_send(
        loss=loss, actor=world.officer, bank=world.bank, kind="stop", account=FIRST, amount_fen=LOST_FEN, now=NOW
    )
    upload = SimpleUploadedFile("ledger.csv", csv_bytes(story_rows(STARTED)))
    response = client_for(world.bank_liaison).post(
        f"/fraud/bank/requests/{request.pk}/", {"action": "ledger", "file": upload}
    )
    ledger = BankLedger.objects.get()
    assert response.status_code == 302 and ledger.status == LedgerStatus.QUEUED  # not read in the request
    status = client_for(world.bank_liaison).get(f"/fraud/ledgers/{ledger.pk}/?fragment=1").content.decode()
    assert 'data-working="1"' in status
    call_command("db_worker", "--batch")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.READY
    trace = ledger.traces.get()
    assert trace.status == TraceStatus.DONE and trace.seeds == ["T0001"]  # found by account, amount and time


def test_the_trace_exports_to_xlsx_with_the_engines_amounts(bank_world, client_for, django_capture_on_commit_callbacks):
    import io

    from openpyxl import load_workbook

    w = bank_world
    request = _send(w)
    trace = _upload(w, request, csv_bytes(story_rows(STARTED)), capture=django_capture_on_commit_callbacks).traces.get()
    response = client_for(w.officer).get(f"/fraud/traces/{trace.pk}/export.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == w.loss.case.number and "86号" in rows[3][1] and rows[4][1] == str(w.officer)
    by_account = {r[1]: r for r in rows[8:]}
    policies = trace.result["policies"]
    for row in trace.result["accounts"]:
        assert list(by_account[row["account"]][4 : 4 + len(policies)]) == [
            row["tainted_held_now_fen"][p] / 100 for p in policies
        ]
    trace.status = TraceStatus.FAILED
    trace.save(update_fields=["status"])
    response = client_for(w.officer).get(f"/fraud/traces/{trace.pk}/export.xlsx")
    assert response.status_code == 302
    assert client_for(w.bank_liaison).get(f"/fraud/traces/{trace.pk}/export.xlsx").status_code == 404


def test_the_trace_exports_to_pdf_with_a_cjk_font(bank_world, client_for, django_capture_on_commit_callbacks):
    import io

    from pypdf import PdfReader

    w = bank_world
    request = _send(w)
    trace = _upload(w, request, csv_bytes(story_rows(STARTED)), capture=django_capture_on_commit_callbacks).traces.get()
    response = client_for(w.officer).get(f"/fraud/traces/{trace.pk}/export.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert FARMER in text and "30,000.00" in text and "赵卡农" in text and str(w.officer) in text and "86号" in text
    trace.result = {**trace.result, "accounts": []}
    trace.save(update_fields=["result"])
    assert client_for(w.officer).get(f"/fraud/traces/{trace.pk}/export.pdf").status_code == 302


RQ_TEST_URL = "redis://127.0.0.1:6379/14"


def test_the_ledger_is_indexed_by_an_rq_worker_on_redis(
    bank_world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The RQ backend works too: the indexing task goes through Redis and an RQ worker runs it."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(RQ_TEST_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    import django_rq.settings
    from django_tasks_rq.backend import Job
    from rq.worker import SimpleWorker

    from lianxin.antifraud.models import FundTrace

    connection.flushdb()
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", {"URL": RQ_TEST_URL, "DEFAULT_TIMEOUT": 300})
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    w = bank_world
    request = _send(w)
    with django_capture_on_commit_callbacks(execute=True):
        ledger = ledger_upload(
            loss=w.loss,
            actor=w.bank_liaison,
            request=request,
            upload=SimpleUploadedFile("ledger.csv", csv_bytes(story_rows(STARTED))),
            now=NOW,
        )
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.QUEUED and connection.llen("rq:queue:default") == 1
    worker = django_rq.get_worker("default", worker_class=SimpleWorker, job_class=Job)
    with django_capture_on_commit_callbacks(execute=True):
        worker.work(burst=True)
    worker.work(burst=True)  # the trace the index queued
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.READY and ledger.rows_read == 23
    assert FundTrace.objects.get(ledger=ledger).status == TraceStatus.DONE
    connection.flushdb()


def test_a_parquet_ledger_is_read_as_the_engine_reads_it(bank_world, django_capture_on_commit_callbacks):
    import io

    import polars as pl

    w = bank_world
    request = _send(w)
    rows = story_rows(STARTED, noise=4)
    frame = pl.DataFrame(
        {
            "txn_id": [r[0] for r in rows],
            "from_account": [r[1] for r in rows],
            "to_account": [r[2] for r in rows],
            "amount_fen": [round(float(r[3]) * 100) for r in rows],
            "timestamp": [int(dt.datetime.fromisoformat(r[4]).timestamp()) for r in rows],
            "to_bank": [r[8] for r in rows],
        }
    )
    out = io.BytesIO()
    frame.write_parquet(out)
    ledger = _upload(w, request, out.getvalue(), name="ledger.parquet", capture=django_capture_on_commit_callbacks)
    assert ledger.status == LedgerStatus.READY and ledger.file_format == "parquet" and ledger.rows_read == len(rows)
    assert ledger.traces.get().status == TraceStatus.DONE
    with pytest.raises(ValidationError) as exc:
        _upload(w, request, b"PAR1 not really", name="ledger.parquet")
    assert "file" in exc.value.message_dict


def test_a_victim_reports_a_loss_at_the_counter_and_the_case_opens_urgent(world, client_for):
    officer = client_for(world.officer)
    page = officer.get("/fraud/losses/new/", {"q": world.resident.name}).content.decode()
    assert f'value="{world.resident.pk}"' in page
    empty = officer.post("/fraud/losses/new/", {"channel": "walk_in", "description": ""})
    assert empty.status_code == 200 and not FraudLoss.objects.exists()
    nobody = officer.post("/fraud/losses/new/", {"channel": "walk_in", "description": "被骗了"})
    assert "请选择被害人，或写明其姓名。" in nobody.content.decode()
    other = officer.post(
        "/fraud/losses/new/", {"channel": "walk_in", "description": "被骗了", "resident": world.b.resident.pk}
    )
    assert other.status_code == 200 and not FraudLoss.objects.exists()
    response = officer.post(
        "/fraud/losses/new/",
        {
            "channel": "walk_in",
            "description": "冒充老师要求垫付学校饮料款，已转出49000元",
            "resident": world.resident.pk,
        },
    )
    loss = FraudLoss.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fraud/losses/{loss.pk}/"
    assert loss.resident == world.resident and loss.case.category.code == "fraud-report" and loss.case.priority == 4
    assert loss.case.channel == "walk_in" and loss.case.grid_id == world.grid1.pk
    assert client_for(world.volunteer).get("/fraud/losses/new/").status_code == 403
