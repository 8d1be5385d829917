"""Several victims of one ring traced together: the engine's refund plan grouped per victim on the trace page,
and one click per holding account recording each victim's share as money returned (issue 19)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.antifraud.models import FraudLoss, LossStatus, Refund, TraceStatus
from lianxin.antifraud.services import fundtrace_start, ledger_upload, loss_report, loss_transfer_add
from lianxin.antifraud.templatetags.antifraud_tags import yuan
from tests.antifraud.ledger_files import FARMER, FIRST, VICTIM, ZONE, csv_bytes
from tests.antifraud.test_bank import NOW, STARTED, bank_world  # noqa: F401

VICTIM2 = "6217000099998888"
LOST1, LOST2 = 1_000_000, 600_000  # 10,000 and 6,000 yuan


def ring_rows(start: dt.datetime) -> list[list[str]]:
    """Two victims pay the same first-level account; it sends 12,000 on to a card farmer in one transfer."""

    def at(minutes: int) -> str:
        return (start + dt.timedelta(minutes=minutes)).astimezone(ZONE).isoformat()

    return [
        ["R0001", VICTIM, FIRST, "10000.00", at(0), "王秀兰", "李强", "邮储银行", "工商银行", "手机银行"],
        ["R0002", VICTIM2, FIRST, "6000.00", at(5), "刘芳", "李强", "农业银行", "工商银行", "手机银行"],
        ["R0003", FIRST, FARMER, "12000.00", at(10), "李强", "赵卡农", "工商银行", "建设银行", "网银"],
    ]


def _loss(world, station, actor, name: str, amount: int, ref: str) -> FraudLoss:
    loss = loss_report(
        station=station,
        actor=actor,
        resident=None,
        channel="walk_in",
        description="冒充学校订购饮料",
        contact_name=name,
        now=NOW,
    )
    loss_transfer_add(
        loss=loss,
        actor=actor,
        at=STARTED,
        amount_fen=amount,
        to_account=FIRST,
        to_bank="工商银行",
        txn_ref=ref,
        now=NOW,
    )
    return loss


@pytest.fixture
def ring(bank_world, django_capture_on_commit_callbacks):  # noqa: F811
    """Station A's loss (victim 1, its transfer re-recorded as R0001) and a second victim's loss, one ledger."""
    w = bank_world
    w.loss.transfers.all().delete()
    loss_transfer_add(
        loss=w.loss, actor=w.officer, at=STARTED, amount_fen=LOST1, to_account=FIRST, txn_ref="R0001", now=NOW
    )
    w.loss2 = _loss(w, w.station, w.officer, "刘芳", LOST2, "R0002")
    upload = SimpleUploadedFile("ring.csv", csv_bytes(ring_rows(STARTED)))
    with django_capture_on_commit_callbacks(execute=True):
        w.ledger = ledger_upload(loss=w.loss, actor=w.officer, bank=w.bank, upload=upload, now=NOW)
    w.ledger.refresh_from_db()
    return w


def _trace_together(w, capture, others):
    with capture(execute=True):
        trace = fundtrace_start(ledger=w.ledger, actor=w.officer, other_losses=others, now=NOW)
    trace.refresh_from_db()
    return trace


def test_two_victims_traced_together_get_the_engines_plan_and_one_click_records_it(
    ring, client_for, api_as, django_capture_on_commit_callbacks
):
    w = ring
    trace = _trace_together(w, django_capture_on_commit_callbacks, [w.loss2])
    assert trace.status == TraceStatus.DONE, trace.error
    assert trace.seeds == ["R0001", "R0002"] and trace.seed_losses == [w.loss.pk, w.loss2.pk]
    plan = trace.result["refund_plan"]
    by_seed = {v["seed_txn_id"]: v for v in plan["victims"]}
    assert by_seed["R0001"]["loss_fen"] == LOST1 and by_seed["R0002"]["loss_fen"] == LOST2
    rows = {r["account"]: r for r in plan["accounts"]}
    assert set(rows) == {FIRST, FARMER}
    share = {(a, s["seed_txn_id"]): s["amount_fen"] for a, r in rows.items() for s in r["shares"]}
    assert share[(FARMER, "R0001")] > 0 and share[(FARMER, "R0002")] > 0  # both victims' money reached the farmer

    officer = client_for(w.officer)
    page = officer.get(f"/fraud/traces/{trace.pk}/").content.decode()
    start = page.index('id="refund-victims"')
    section = page[start : page.index('id="unallocated"', start)]
    for loss, seed in ((w.loss, "R0001"), (w.loss2, "R0002")):
        card = section[section.index(f'data-case="{loss.case.number}"') :].split("</li>", 1)[0]
        assert yuan(by_seed[seed]["loss_fen"]) in card and yuan(by_seed[seed]["refund_fen"]) in card
        for account in (FIRST, FARMER):
            if (account, seed) in share:
                assert yuan(share[(account, seed)]) in card
    assert VICTIM not in page and VICTIM2 not in page  # the victims' own accounts stay masked
    assert yuan(plan["unallocated_fen"]) in page[page.index('id="unallocated"') :]
    assert f"/fraud/traces/{trace.pk}/" in officer.get(f"/fraud/losses/{w.loss2.pk}/").content.decode()

    response = officer.post(f"/fraud/traces/{trace.pk}/refunds/", {"plan_account": FARMER})
    assert response.status_code == 302
    made = {r.loss_id: r.amount_fen for r in Refund.objects.filter(trace=trace)}
    assert made == {w.loss.pk: share[(FARMER, "R0001")], w.loss2.pk: share[(FARMER, "R0002")]}
    assert all(r.plan_account == FARMER and r.from_account == FARMER for r in Refund.objects.all())
    again = officer.post(f"/fraud/traces/{trace.pk}/refunds/", {"plan_account": FARMER}, follow=True)
    assert "已登记过" in again.content.decode()
    assert Refund.objects.count() == 2
    assert 'data-plan-account="' + FARMER in again.content.decode()

    api = api_as(w.officer)
    read = api.get(f"/bank/traces/{trace.pk}").json()
    assert read["seed_losses"] == [w.loss.pk, w.loss2.pk] and read["recorded_accounts"] == [FARMER]
    assert {v["loss_id"]: v["refund_fen"] for v in read["plan_by_victim"]} == {
        w.loss.pk: by_seed["R0001"]["refund_fen"],
        w.loss2.pk: by_seed["R0002"]["refund_fen"],
    }
    recorded = api.post(f"/bank/traces/{trace.pk}/refunds", {"account": FIRST})
    assert recorded.status_code == 201, recorded.content
    assert {r["loss_id"]: r["amount_fen"] for r in recorded.json()} == {
        loss.pk: share[(FIRST, seed)]
        for loss, seed in ((w.loss, "R0001"), (w.loss2, "R0002"))
        if (FIRST, seed) in share
    }
    twice = api.post(f"/bank/traces/{trace.pk}/refunds", {"account": FIRST})
    assert twice.status_code == 422 and "account" in twice.content.decode()
    assert api_as(w.b.officer).post(f"/bank/traces/{trace.pk}/refunds", {"account": FIRST}).status_code == 404
    for loss, seed in ((w.loss, "R0001"), (w.loss2, "R0002")):
        loss.refresh_from_db()
        assert loss.refunded_fen == by_seed[seed]["refund_fen"]
        assert loss.status == (LossStatus.SETTLED if by_seed[seed]["refund_fen"] == loss.total_fen else LossStatus.OPEN)


def test_recording_a_plan_row_is_all_or_nothing(ring, django_capture_on_commit_callbacks):
    from lianxin.antifraud.services import loss_write_off, trace_refunds_record

    w = ring
    trace = _trace_together(w, django_capture_on_commit_callbacks, [w.loss2])
    loss_write_off(loss=w.loss2, actor=w.officer, reason="受害人放弃", now=NOW)
    with pytest.raises(ValidationError) as exc:
        trace_refunds_record(trace=trace, actor=w.officer, account=FARMER, now=NOW)
    assert "account" in exc.value.message_dict and w.loss2.case.number in str(exc.value)
    assert not Refund.objects.exists()
    w.loss.refresh_from_db()
    assert w.loss.refunded_fen == 0


def test_another_stations_loss_is_refused_naming_the_field(ring, client_for, django_capture_on_commit_callbacks):
    w = ring
    other = _loss(w, w.b.station, w.b.officer, "外所受害人", LOST2, "R0002")
    with pytest.raises(ValidationError) as exc:
        fundtrace_start(ledger=w.ledger, actor=w.officer, other_losses=[other], now=NOW)
    assert list(exc.value.message_dict) == ["other_losses"]
    before = w.ledger.traces.count()
    response = client_for(w.officer).post(f"/fraud/ledgers/{w.ledger.pk}/trace/", {"other_losses": [other.pk]})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="trace-errors"' in page and 'name="other_losses"' in page
    assert w.ledger.traces.count() == before
    assert f'value="{w.loss2.pk}"' in page and f'value="{other.pk}"' not in page  # the list is this station's


def test_a_victim_with_no_transfer_in_the_ledger_is_said_on_the_page(
    ring, client_for, django_capture_on_commit_callbacks
):
    w = ring
    w.loss2.transfers.update(txn_ref="ELSEWHERE", to_account="6200000000000000")
    trace = _trace_together(w, django_capture_on_commit_callbacks, [w.loss2])
    assert trace.status == TraceStatus.DONE and trace.seeds == ["R0001"]
    page = client_for(w.officer).get(f"/fraud/traces/{trace.pk}/").content.decode()
    note = page[page.index('id="missing-losses"') :].split("</p>", 1)[0]
    assert w.loss2.case.number in note


def test_the_exports_give_the_refund_plan_victim_by_victim(ring, client_for, django_capture_on_commit_callbacks):
    """XLSX and PDF for the bank and the file: each holding account names the victims' cases it returns to, and the
    plan is listed per victim with the engine's figures added up (as the page shows them), accounts masked."""
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    w = ring
    trace = _trace_together(w, django_capture_on_commit_callbacks, [w.loss2])
    plan = trace.result["refund_plan"]
    by_seed = {v["seed_txn_id"]: v for v in plan["victims"]}
    share = {(r["account"], s["seed_txn_id"]): s["amount_fen"] for r in plan["accounts"] for s in r["shares"]}
    officer = client_for(w.officer)
    numbers = {"R0001": w.loss.case.number, "R0002": w.loss2.case.number}

    book = load_workbook(io.BytesIO(officer.get(f"/fraud/traces/{trace.pk}/export.xlsx").content))
    accounts = list(book["trace"].iter_rows(values_only=True))
    header = accounts[7]
    returns_to = {row[1]: row[len(header) - 1] for row in accounts[8:]}
    assert set(returns_to[FARMER].split("; ")) == set(numbers.values())
    victims = list(book["refund plan"].iter_rows(values_only=True))
    for seed, number in numbers.items():
        rows = [r for r in victims if r and r[0] == number]
        assert rows[0][2] == by_seed[seed]["loss_fen"] / 100 and rows[0][3] == by_seed[seed]["refund_fen"] / 100
        assert {r[4]: r[5] for r in rows} == {
            account: share[(account, seed)] / 100 for account in (FIRST, FARMER) if (account, seed) in share
        }
        assert rows[0][1].endswith("′") or "****" in rows[0][1]
    assert VICTIM not in str(victims) and VICTIM2 not in str(victims)

    response = officer.get(f"/fraud/traces/{trace.pk}/export.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    section = text[text.index("返还方案（第八条），按受害人") :]
    for seed, number in numbers.items():
        part = section[section.index(number) :]
        part = part[: part.index(numbers["R0002"])] if seed == "R0001" else part
        assert yuan(by_seed[seed]["loss_fen"]) in part and yuan(by_seed[seed]["refund_fen"]) in part
        assert yuan(share[(FARMER, seed)]) in part
    assert VICTIM not in text and VICTIM2 not in text
