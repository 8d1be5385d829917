"""Requests to banks' own systems (the machine channel, outbound): signed, delivered from a task, retried
with backoff, dead-lettered when the bank does not answer.

A request sent to a bank that has an active BankLink with an endpoint gets one outbound BankMessage;
`message_deliver` POSTs it signed (HMAC-SHA256 over "<timestamp>.<body>", see `sign`), and the
`antifraud_bank_deliveries` sweep retries the ones still pending when their `next_attempt_at` comes.
Only loopback or configured endpoints are ever contacted: the URL is the bank's own, set by an admin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django_tasks import task

from lianxin.antifraud.models import BankLink, BankMessage, BankRequest, MessageDirection, MessageStatus
from lianxin.antifraud.services.common import now_or

DEFAULT_DELIVERY_ATTEMPTS = 5
DEFAULT_RETRY_SECONDS = 30  # doubled after each failed attempt
DELIVERY_TIMEOUT_SECONDS = 5
HEADER_KEY = "X-Lianxin-Key"
HEADER_TIMESTAMP = "X-Lianxin-Timestamp"
HEADER_SIGNATURE = "X-Lianxin-Signature"
HEADER_IDEMPOTENCY = "Idempotency-Key"


def delivery_attempts() -> int:
    """How many times a request is offered to a bank's system before it is dead-lettered (a setting)."""
    return int(getattr(settings, "ANTIFRAUD_BANK_DELIVERY_ATTEMPTS", DEFAULT_DELIVERY_ATTEMPTS))


def retry_seconds(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones (exponential backoff)."""
    base = int(getattr(settings, "ANTIFRAUD_BANK_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    return base * 2 ** max(0, attempts - 1)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of "<timestamp>.<body>" under the bank's secret."""
    return hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def request_body(request: BankRequest) -> dict:
    """What a bank's system is sent for one request (no personal data beyond the account it must act on)."""
    return {
        "request_id": request.pk,
        "case": request.loss.case.number,
        "kind": request.kind,
        "account": request.account,
        "holder_name": request.holder_name,
        "amount_fen": request.amount_fen,
        "legal_basis": request.legal_basis,
        "answer_due_at": request.answer_due_at.isoformat(),
        "is_ledger_requested": request.is_ledger_requested,
        "renewal_of": request.renewal_of_id,
    }


def outbound_queue(*, request: BankRequest, now: dt.datetime) -> BankMessage | None:
    """Queue a just-sent request for the bank's system, if the bank has one; delivered after commit."""
    link = BankLink.objects.filter(bank_id=request.bank_id, is_active=True).exclude(endpoint_url="").first()
    if link is None:
        return None
    message = BankMessage.objects.create(
        bank_id=request.bank_id,
        request=request,
        direction=MessageDirection.OUT,
        idempotency_key=f"lianxin-request-{request.pk}",
        body=request_body(request),
        status=MessageStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(pk: int) -> None:
    bank_deliver.enqueue(pk)


def message_deliver(*, message_id: int, now: dt.datetime | None = None) -> BankMessage | None:
    """Offer one pending message to the bank's endpoint; on failure schedule the next try or dead-letter it.

    Claimed with a conditional update (pending and due → attempts + 1, next try pushed back), so two
    workers never send the same attempt. Returns the message, or None when nothing was due.
    """
    now = now_or(now)
    claimed = BankMessage.objects.filter(pk=message_id, status=MessageStatus.PENDING, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=now + dt.timedelta(seconds=DELIVERY_TIMEOUT_SECONDS * 4)
    )
    if not claimed:
        return None
    message = BankMessage.objects.get(pk=message_id)
    link = BankLink.objects.get(bank_id=message.bank_id)
    try:
        secret = link.signing_secret()
    except ValueError:  # sealed under a key no longer configured: retried, then dead-lettered, never sent unsigned
        secret = ""
    body = json.dumps(message.body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    timestamp = int(now.timestamp())
    http = urllib.request.Request(
        link.endpoint_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            HEADER_KEY: link.key_id,
            HEADER_TIMESTAMP: str(timestamp),
            HEADER_SIGNATURE: sign(secret, timestamp, body) if secret else "",
            HEADER_IDEMPOTENCY: message.idempotency_key,
        },
    )
    error, code = "", None
    if not secret:
        error = "the link's secret cannot be opened with the configured keys"
    else:
        try:
            with urllib.request.urlopen(http, timeout=DELIVERY_TIMEOUT_SECONDS) as answer:  # noqa: S310 - the bank's URL
                code = answer.status
        except urllib.error.HTTPError as exc:
            code, error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            error = str(getattr(exc, "reason", exc))[:300]
    if code is not None and 200 <= code < 300:
        message.status, message.next_attempt_at, message.last_error = MessageStatus.DELIVERED, None, ""
    elif message.attempts >= delivery_attempts():
        message.status, message.next_attempt_at, message.last_error = MessageStatus.DEAD, None, error
    else:
        message.next_attempt_at = now + dt.timedelta(seconds=retry_seconds(message.attempts))
        message.last_error = error
    message.response_code = code
    message.save(update_fields=["status", "next_attempt_at", "last_error", "response_code"])
    return message


def bank_deliveries_sweep(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Retry the outbound messages whose next attempt is due (the worker's sweep); returns attempts made."""
    now = now_or(now)
    due = list(
        BankMessage.objects.filter(
            direction=MessageDirection.OUT, status=MessageStatus.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if message_deliver(message_id=pk, now=now) is not None)


# The background task of this module (django-tasks), beside the service it runs.
@task()
def bank_deliver(message_id: int) -> str:
    """Offer one request to its bank's system; the sweep retries it with backoff if the bank does not answer."""
    message = message_deliver(message_id=message_id)
    return message.status if message is not None else "not due"
