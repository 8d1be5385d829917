"""A partner bank's signing secret is sealed at rest under the personal-data keys: the database file alone
does not give it away, signed messages still verify both ways, `lianxin pii rotate` re-seals it under the
newest key, and the migration sealed the rows that were plain text."""

from __future__ import annotations

import importlib
import io

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from lianxin.antifraud.models import BankLink, RequestStatus
from lianxin.core import pii
from tests.antifraud.test_bank import LOST_FEN, NOW, STARTED, bank_world  # noqa: F401
from tests.antifraud.test_bank_channel import SECRET, link, post, send


def _raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, secret_digest FROM antifraud_banklink WHERE id = %s", [pk])
        raw, digest = cursor.fetchone()
    assert digest == ""  # a secret is never searched: no digest of it rests beside it either
    return raw


def test_the_secret_rests_sealed_and_signed_answers_still_verify(bank_world, client):  # noqa: F811
    w = bank_world
    bank_link = link(w)
    raw = _raw_secret(bank_link.pk)
    assert SECRET not in raw and raw.startswith(f"v2:{pii.current_key_id()}:")
    assert str(BankLink.objects.get(pk=bank_link.pk).secret) == pii.SECRET_MASK  # prints masked, whatever its length
    assert BankLink.objects.get(pk=bank_link.pk).signing_secret() == SECRET
    request = send(w, now=timezone.now())
    body = {"request_id": request.pk, "idempotency_key": "m-1", "answer": "held", "held_fen": 50_000}
    answer, _ = post(client, body)  # signed by the bank with the plain secret it holds
    assert answer.status_code == 200 and answer.json()["status"] == RequestStatus.HELD


def test_rotate_reseals_the_secret_under_the_newest_key(bank_world, client, settings):  # noqa: F811
    w = bank_world
    bank_link = link(w)
    old = settings.LIANXIN_PII_KEYS
    settings.LIANXIN_PII_KEYS = (("k2", "a-new-key-of-this-station"), *old)
    out = io.StringIO()
    call_command("pii", "rotate", stdout=out)
    assert "antifraud.BankLink=1" in out.getvalue()
    assert _raw_secret(bank_link.pk).startswith("v2:k2:")
    settings.LIANXIN_PII_KEYS = (("k2", "a-new-key-of-this-station"),)  # the old key retired
    request = send(w, now=timezone.now())
    body = {"request_id": request.pk, "idempotency_key": "m-1", "answer": "held", "held_fen": 50_000}
    answer, _ = post(client, body)
    assert answer.status_code == 200


def test_a_secret_no_key_opens_refuses_with_503_not_500(bank_world, client, settings):  # noqa: F811
    w = bank_world
    link(w)
    request = send(w, now=timezone.now())
    settings.LIANXIN_PII_KEYS = (("k9", "some-other-key"),)
    body = {"request_id": request.pk, "idempotency_key": "m-1", "answer": "held", "held_fen": 50_000}
    answer, _ = post(client, body)
    assert answer.status_code == 503 and "key" in answer.json()["detail"]


def test_the_migration_seals_plain_secrets_and_going_back_opens_them(bank_world):  # noqa: F811
    w = bank_world
    bank_link = link(w)
    with connection.cursor() as cursor:  # as a row stood before the migration: plain text
        cursor.execute("UPDATE antifraud_banklink SET secret = %s WHERE id = %s", [SECRET, bank_link.pk])
    migration = importlib.import_module("lianxin.antifraud.migrations.0005_bank_link_secret_sealed")
    migration.seal(apps, None)
    sealed = _raw_secret(bank_link.pk)
    assert sealed.startswith("v2:") and SECRET not in sealed
    migration.seal(apps, None)  # again: a sealed row is left as it is
    assert _raw_secret(bank_link.pk) == sealed
    assert BankLink.objects.get(pk=bank_link.pk).signing_secret() == SECRET
    migration.unseal(apps, None)
    assert _raw_secret(bank_link.pk) == SECRET
