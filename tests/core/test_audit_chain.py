"""The audit log is tamper-evident: a hash chain `lianxin audit verify` checks, append-only rows on PostgreSQL,
and retention that never keeps it shorter than six months and audits its own deletions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from lianxin.core.models import AuditEntry
from lianxin.core.services import audit_record, audit_retention_sweep, audit_verify
from tests.conftest import NOW


def _entries(world, n: int, *, start: dt.datetime = NOW) -> list[AuditEntry]:
    return [
        audit_record(
            actor=world.officer,
            action="pii_reveal",
            target=world.resident,
            field="phone",
            now=start + dt.timedelta(minutes=i),
        )
        for i in range(n)
    ]


def test_rows_chain_and_verify_passes(world):
    first, second, third = _entries(world, 3)
    assert second.prev_hash == first.row_hash and third.prev_hash == second.row_hash
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "3 rows" in out.getvalue()


def test_a_changed_or_removed_row_is_found(world):
    rows = _entries(world, 4)
    if connection.vendor == "postgresql":
        import pgtrigger

        ignore = pgtrigger.ignore("core.AuditEntry:audit_append_only")
    else:
        import contextlib

        ignore = contextlib.nullcontext()
    with ignore:
        AuditEntry.objects.filter(pk=rows[1].pk).update(detail="nothing to see")
        AuditEntry.objects.filter(pk=rows[2].pk).delete()
    checked, problems = audit_verify()
    assert checked == 3
    assert any(f"row {rows[1].pk}: its fields" in p for p in problems)
    assert any(f"row {rows[3].pk}: does not follow" in p for p in problems)
    with pytest.raises(CommandError, match="problems"):
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_postgresql_refuses_to_update_or_delete_an_audit_row(world):
    [row] = _entries(world, 1)
    for statement in (
        lambda: AuditEntry.objects.filter(pk=row.pk).update(detail="x"),
        lambda: AuditEntry.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()


def test_retention_keeps_six_months_at_least_and_audits_its_deletions(world, settings):
    settings.LIANXIN_AUDIT_RETENTION_DAYS = 30  # too short: raised to 183
    old = _entries(world, 2, start=NOW - dt.timedelta(days=200))
    recent = _entries(world, 2, start=NOW - dt.timedelta(days=100))
    assert audit_retention_sweep(now=NOW) == 2
    left = list(AuditEntry.objects.order_by("id"))
    assert [e.pk for e in left[:2]] == [e.pk for e in recent]
    assert left[-1].action == "retention_delete" and left[-1].target_id == f"{old[0].pk}-{old[1].pk}"
    assert audit_verify()[1] == []  # the oldest remaining row is the chain's anchor


def test_closed_cases_lose_their_contact_data_after_the_retention_period(world, open_case, settings):
    from lianxin.cases.models import Case, Status
    from lianxin.cases.services import case_transition
    from lianxin.cases.services.spine import case_contact_retention_sweep

    settings.LIANXIN_RETENTION_CASE_CONTACT_DAYS = 365
    old = open_case(contact_name="张三", contact_phone="13912345678", now=NOW - dt.timedelta(days=800))
    case_transition(
        case=old,
        actor=world.officer,
        to_status=Status.RESOLVED,
        resolution="advice_given",
        now=NOW - dt.timedelta(days=799),
    )
    case_transition(case=old, actor=world.officer, to_status=Status.CLOSED, now=NOW - dt.timedelta(days=798))
    fresh = open_case(contact_name="李四", contact_phone="13912345679", now=NOW)
    assert case_contact_retention_sweep(now=NOW) == 1
    old, fresh = Case.objects.get(pk=old.pk), Case.objects.get(pk=fresh.pk)
    assert (old.contact_name, old.contact_phone) == ("", None) and fresh.contact_name == "李四"
    assert AuditEntry.objects.filter(action="retention_clear", station=world.station).exists()
