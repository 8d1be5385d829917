"""Messages banks' own systems send the station (the machine channel, inbound): checked, then answered once.

Each message carries the bank's key id, a timestamp and HMAC-SHA256 over "<timestamp>.<body>"
(services.outbox.sign). Refused with nothing written: an unknown key or a wrong signature (401), a
timestamp outside the replay window (401), the very same signed message again (409). A new message
with an idempotency key already answered gets that first answer again, changing nothing. An answer
to a request the bank was never sent is a clear 404.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from lianxin.antifraud.models import BankLink, BankMessage, BankRequest, MessageDirection, MessageStatus
from lianxin.antifraud.services.bank import bank_request_answer
from lianxin.antifraud.services.common import now_or
from lianxin.antifraud.services.outbox import sign

logger = logging.getLogger("lianxin.antifraud.bank")

DEFAULT_REPLAY_WINDOW_SECONDS = 300


def replay_window_seconds() -> int:
    """How far a message's timestamp may be from now, either way (ANTIFRAUD_BANK_REPLAY_WINDOW_SECONDS)."""
    return int(getattr(settings, "ANTIFRAUD_BANK_REPLAY_WINDOW_SECONDS", DEFAULT_REPLAY_WINDOW_SECONDS))


@dataclass(frozen=True)
class Reply:
    """What the endpoint answers: an HTTP status and a JSON body."""

    status: int
    body: dict


def _refused(status: int, detail: str) -> Reply:
    return Reply(status, {"detail": detail})


def _request_out(request: BankRequest) -> dict:
    return {
        "request_id": request.pk,
        "status": request.status,
        "held_fen": request.held_fen,
        "hold_until": request.hold_until.isoformat() if request.hold_until else None,
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
    }


def verify(*, key_id: str, timestamp: str, signature: str, body: bytes, now: dt.datetime) -> BankLink | Reply:
    """Return the bank's link when the message is signed by it within the replay window, else the refusal."""
    link = BankLink.objects.filter(key_id=key_id or "", is_active=True).select_related("bank", "user").first()
    if link is None:
        return _refused(401, "unknown key")
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return _refused(401, "the timestamp must be epoch seconds")
    try:
        secret = link.signing_secret()
    except ValueError:  # sealed under a key this station no longer has: nobody can be checked
        logger.error("bank link %s: its secret cannot be opened with the configured keys", link.key_id)
        return _refused(503, "the station cannot check this key now")
    if not hmac.compare_digest(sign(secret, sent_at, body), (signature or "").lower()):
        return _refused(401, "wrong signature")
    if abs(int(now.timestamp()) - sent_at) > replay_window_seconds():
        return _refused(401, "the timestamp is outside the replay window")
    return link


def inbound_answer(
    *, key_id: str, timestamp: str, signature: str, body: bytes, now: dt.datetime | None = None
) -> Reply:
    """Take one signed answer from a bank's system: {request_id, idempotency_key, answer, held_fen, note}."""
    now = now_or(now)
    checked = verify(key_id=key_id, timestamp=timestamp, signature=signature, body=body, now=now)
    if isinstance(checked, Reply):
        return checked
    link = checked
    if BankMessage.objects.filter(bank=link.bank, direction=MessageDirection.IN, signature=signature.lower()).exists():
        return _refused(409, "this exact message was already received (replay)")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Reply(422, {"detail": "the body is not JSON", "errors": [{"field": "body", "message": "not JSON"}]})
    if not isinstance(data, dict):
        return Reply(422, {"detail": "the body must be an object", "errors": []})
    key = str(data.get("idempotency_key") or "")[:80]
    if not key:
        return Reply(422, {"detail": "idempotency_key is required", "errors": [{"field": "idempotency_key"}]})
    earlier = BankMessage.objects.filter(bank=link.bank, direction=MessageDirection.IN, idempotency_key=key).first()
    if earlier is not None:
        return Reply(earlier.response_code or 200, earlier.response)
    request_id = data.get("request_id")
    request = BankRequest.objects.filter(pk=request_id, bank=link.bank).first() if isinstance(request_id, int) else None
    if request is None:
        return _refused(404, f"no request {request_id!r} was sent to {link.bank.code}")
    held = data.get("held_fen")
    try:
        with transaction.atomic():
            answered = bank_request_answer(
                request=request,
                actor=link.user,
                answer=str(data.get("answer") or ""),
                held_fen=held if isinstance(held, int) else None,
                note=str(data.get("note") or ""),
                key=key,
                now=now,
            )
            reply = Reply(200, _request_out(answered))
            BankMessage.objects.create(
                bank=link.bank,
                request=answered,
                direction=MessageDirection.IN,
                idempotency_key=key,
                signature=signature.lower(),
                body=data,
                status=MessageStatus.ANSWERED,
                response_code=reply.status,
                response=reply.body,
                created_at=now,
            )
    except ValidationError as exc:
        errors = [{"field": f, "message": m} for f, ms in exc.message_dict.items() for m in ms]
        return Reply(422, {"detail": "invalid answer", "errors": errors})
    except PermissionDenied as exc:
        return _refused(403, str(exc))
    except IntegrityError:  # the same key raced in from another worker: its answer stands
        earlier = BankMessage.objects.get(bank=link.bank, direction=MessageDirection.IN, idempotency_key=key)
        return Reply(earlier.response_code or 200, earlier.response)
    return reply
