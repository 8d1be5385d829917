"""The victim's own account number is personal data: sealed at rest, masked on the loss page, the trace
page and its exports, whole only through the case officer's audited reveal, and never whole to a bank."""

from __future__ import annotations

import io
import json

from django.db import connection

from lianxin.antifraud.models import LossTransfer
from lianxin.antifraud.present import account_masked, victim_accounts_masked
from lianxin.antifraud.services import loss_transfer_add
from lianxin.core.models import AuditEntry
from tests.antifraud.ledger_files import FIRST, VICTIM, csv_bytes, story_rows
from tests.antifraud.test_bank import NOW, STARTED, _send, _upload, bank_world  # noqa: F401

MASKED = "6217 **** **** 2222"


def _transfer(w) -> LossTransfer:
    return loss_transfer_add(
        loss=w.loss,
        actor=w.officer,
        at=STARTED,
        amount_fen=100_00,
        from_account="6217 0000 1111 2222",
        to_account=FIRST,
        now=NOW,
    )


def test_the_victims_account_is_sealed_and_a_bad_one_is_named(bank_world):  # noqa: F811
    w = bank_world
    transfer = _transfer(w)
    with connection.cursor() as cursor:
        cursor.execute("SELECT from_account FROM antifraud_losstransfer WHERE id = %s", [transfer.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("v2:") and VICTIM not in raw
    stored = LossTransfer.objects.get(pk=transfer.pk)
    assert stored.from_account.reveal() == VICTIM and str(stored.from_account) == MASKED
    try:
        loss_transfer_add(
            loss=w.loss,
            actor=w.officer,
            at=STARTED,
            amount_fen=100,
            from_account="no digits",
            to_account=FIRST,
            now=NOW,
        )
    except Exception as exc:  # noqa: BLE001 - the error must name the field
        assert "from_account" in exc.message_dict
    else:
        raise AssertionError("a bad account was accepted")


def test_the_loss_page_masks_it_and_the_officer_reveals_it_once_audited(bank_world, client_for):  # noqa: F811
    w = bank_world
    transfer = _transfer(w)
    officer = client_for(w.officer)
    page = officer.get(f"/fraud/losses/{w.loss.pk}/").content.decode()
    assert MASKED in page and VICTIM not in page and f'id="reveal-{transfer.pk}"' in page
    assert FIRST in page  # the receiving account, what is stopped, stays whole for the officer
    url = f"/fraud/losses/{w.loss.pk}/transfers/{transfer.pk}/account/"
    no_reason = officer.post(url, {"reason": ""})
    assert no_reason.status_code == 400 and 'role="alert"' in no_reason.content.decode()
    assert not AuditEntry.objects.filter(action="pii_reveal", field="from_account").exists()
    shown = officer.post(url, {"reason_text": "核对返还账户"})
    assert shown.status_code == 200 and VICTIM in shown.content.decode()
    entry = AuditEntry.objects.get(action="pii_reveal", field="from_account")
    assert (entry.actor, entry.target_id, entry.detail) == (w.officer, str(transfer.pk), "核对返还账户")
    again = officer.get(f"/fraud/losses/{w.loss.pk}/").content.decode()
    assert VICTIM not in again and MASKED in again  # whole once, masked again after


def test_a_bank_user_never_sees_the_victims_whole_account(bank_world, client_for):  # noqa: F811
    w = bank_world
    transfer = _transfer(w)
    request = _send(w)
    bank = client_for(w.bank_liaison)
    url = f"/fraud/losses/{w.loss.pk}/transfers/{transfer.pk}/account/"
    assert bank.post(url, {"reason_text": "想看"}).status_code == 403
    assert bank.get(f"/fraud/losses/{w.loss.pk}/").status_code == 403
    for page in ("/fraud/bank/", f"/fraud/bank/requests/{request.pk}/"):
        response = bank.get(page)
        assert response.status_code == 200 and VICTIM not in response.content.decode()
    assert client_for(w.b.officer).post(url, {"reason_text": "x"}).status_code == 404  # another station's
    auxiliary = client_for(w.auxiliary)  # works the desk, may not see whole account numbers
    page = auxiliary.get(f"/fraud/losses/{w.loss.pk}/").content.decode()
    assert MASKED in page and f'id="reveal-{transfer.pk}"' not in page
    assert auxiliary.post(url, {"reason_text": "x"}).status_code == 403
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


def test_the_trace_page_and_its_exports_mask_the_victims_account(
    bank_world,  # noqa: F811
    client_for,
    django_capture_on_commit_callbacks,
):
    from openpyxl import load_workbook

    w = bank_world
    trace = _upload(
        w, _send(w), csv_bytes(story_rows(STARTED)), capture=django_capture_on_commit_callbacks
    ).traces.get()
    assert VICTIM in json.dumps(trace.result)  # the engine's result keeps it whole, to match the ledger
    masked = victim_accounts_masked(trace.result)
    assert VICTIM not in json.dumps(masked) and account_masked(VICTIM) in json.dumps(masked)
    assert masked["accounts"] == trace.result["accounts"]  # the traced accounts are untouched
    officer = client_for(w.officer)
    page = officer.get(f"/fraud/traces/{trace.pk}/").content.decode()
    assert VICTIM not in page and MASKED in page and FIRST in page
    sheet = load_workbook(io.BytesIO(officer.get(f"/fraud/traces/{trace.pk}/export.xlsx").content)).active
    assert VICTIM not in json.dumps([list(r) for r in sheet.iter_rows(values_only=True)], default=str)
