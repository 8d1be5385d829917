"""The police–bank channel's API for banks' own systems (and the desk): the bank's open requests, its
answers (with an idempotency key: the same message twice changes nothing), its ledger uploads; a trace
as the engine returned it.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from lianxin.antifraud import selectors as sel
from lianxin.antifraud import services as svc
from lianxin.antifraud.present import refund_plan_by_victim, victim_accounts_masked
from lianxin.antifraud.roles import BANK_ANSWER_ROLES, BANK_DESK_ROLES
from lianxin.antifraud.services import channel, outbox
from lianxin.antifraud.services.ledgers import trace_seed_losses
from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, viewer
from lianxin.core.roles import has_role

router = Router(tags=["bank"])


class RequestOut(Schema):
    id: int
    case: str
    kind: str
    account: str
    holder_name: str
    amount_fen: int
    legal_basis: str
    status: str
    sent_at: dt.datetime
    answer_due_at: dt.datetime
    answered_at: dt.datetime | None
    held_fen: int
    hold_until: dt.datetime | None
    is_ledger_requested: bool


def _request_out(r) -> dict:
    return {
        "id": r.pk,
        "case": r.loss.case.number,
        "kind": r.kind,
        "account": r.account,
        "holder_name": r.holder_name,
        "amount_fen": r.amount_fen,
        "legal_basis": r.legal_basis,
        "status": r.status,
        "sent_at": r.sent_at,
        "answer_due_at": r.answer_due_at,
        "answered_at": r.answered_at,
        "held_fen": r.held_fen,
        "hold_until": r.hold_until,
        "is_ledger_requested": r.is_ledger_requested,
    }


def _bank_user(request: HttpRequest):
    user = viewer(request)
    if not has_role(user, BANK_ANSWER_ROLES | BANK_DESK_ROLES):
        raise PermissionDenied(_("Your role may not use the bank channel."))
    return user


@router.get("/requests", response={200: list[RequestOut], **READ_ERRORS}, summary="Requests to my bank")
def request_list(request: HttpRequest, status: str = "sent"):
    user = _bank_user(request)
    qs = sel.bank_request_list_for(user=user).order_by("answer_due_at", "id")
    if status:
        qs = qs.filter(status=status)
    return [_request_out(r) for r in qs[:500]]


@router.get("/requests/{pk}", response={200: RequestOut, **READ_ERRORS}, summary="One request")
def request_read(request: HttpRequest, pk: DbId):
    return _request_out(sel.bank_request_get_for(user=_bank_user(request), pk=pk))


class AnswerIn(Schema):
    answer: str = Field(description="held, empty (nothing to hold), not_found or rejected")
    held_fen: int | None = Field(default=None, description="The amount actually held, in fen (answer 'held').")
    note: str = Field(default="", description="Required for a rejection: the reason.")
    idempotency_key: str = Field(
        min_length=1, max_length=80, description="The bank system's key of this message: a repeat changes nothing."
    )


@router.post("/requests/{pk}/answer", response={200: RequestOut, **WRITE_ERRORS}, summary="Answer a request")
def request_answer(request: HttpRequest, pk: DbId, payload: AnswerIn):
    user = _bank_user(request)
    answered = svc.bank_request_answer(
        request=sel.bank_request_get_for(user=user, pk=pk),
        actor=user,
        answer=payload.answer,
        held_fen=payload.held_fen,
        note=payload.note,
        key=payload.idempotency_key,
    )
    return _request_out(answered)


class LedgerOut(Schema):
    id: int
    status: str
    file_name: str
    rows_read: int
    accounts: int
    problems: dict
    error: str


def _ledger_out(ledger) -> dict:
    return {
        "id": ledger.pk,
        "status": ledger.status,
        "file_name": ledger.file_name,
        "rows_read": ledger.rows_read,
        "accounts": ledger.accounts,
        "problems": ledger.problems,
        "error": ledger.error,
    }


@router.post(
    "/requests/{pk}/ledger",
    response={202: LedgerOut, **WRITE_ERRORS},
    summary="Upload the ledger (CSV, XLSX, Parquet, or an AMLSim output as .zip)",
)
def request_ledger(request: HttpRequest, pk: DbId, file: File[UploadedFile]):
    user = _bank_user(request)
    bank_request = sel.bank_request_get_for(user=user, pk=pk)
    ledger = svc.ledger_upload(loss=bank_request.loss, actor=user, upload=file, request=bank_request)
    return Status(202, _ledger_out(ledger))


@router.get("/ledgers/{pk}", response={200: LedgerOut, **READ_ERRORS}, summary="A ledger's reading status")
def ledger_read(request: HttpRequest, pk: DbId):
    return _ledger_out(sel.ledger_get_for(user=_bank_user(request), pk=pk))


class PlanRowOut(Schema):
    account: str
    amount_fen: int
    method: str
    reason: str


class PlanVictimOut(Schema):
    loss_id: int | None
    case: str
    loss_fen: int
    refund_fen: int
    rows: list[PlanRowOut]


class TraceOut(Schema):
    id: int
    status: str
    error: str
    engine_version: str
    result: dict
    other_losses: list[int]
    seed_losses: list[int]
    plan_by_victim: list[PlanVictimOut]
    recorded_accounts: list[str]


class PlanRefundIn(Schema):
    account: str = Field(description="The plan's holding account whose money the bank returned")


class RefundOut(Schema):
    id: int
    loss_id: int
    case: str
    amount_fen: int
    from_account: str


@router.get(
    "/traces/{pk}",
    response={200: TraceOut, **READ_ERRORS},
    summary="A trace as the engine returned it (the victims' own accounts masked)",
)
def trace_read(request: HttpRequest, pk: DbId):
    trace = sel.trace_get_for(user=viewer(request), pk=pk)
    result = victim_accounts_masked(trace.result)
    losses = {trace.loss_id: trace.loss}
    losses.update((o.pk, o) for o in trace.other_losses.select_related("case").order_by("pk"))
    recorded = set(trace.refunds.values_list("plan_account", flat=True))
    plan = refund_plan_by_victim(result, trace_seed_losses(trace), losses, recorded)
    return {
        "id": trace.pk,
        "status": trace.status,
        "error": trace.error,
        "engine_version": trace.engine_version,
        "result": result,
        "other_losses": [pk for pk in losses if pk != trace.loss_id],
        "seed_losses": trace.seed_losses,
        "plan_by_victim": [
            {
                "loss_id": v["loss"].pk if v["loss"] is not None else None,
                "case": v["case_number"],
                "loss_fen": v["loss_fen"],
                "refund_fen": v["refund_fen"],
                "rows": [{**r, "method": str(r["method"])} for r in v["rows"]],
            }
            for v in plan["victims"]
        ],
        "recorded_accounts": sorted(recorded),
    }


@router.post(
    "/traces/{pk}/refunds",
    response={201: list[RefundOut], **WRITE_ERRORS},
    summary="The bank returned a holding account's money: record each victim's share of the refund plan",
)
def trace_refunds(request: HttpRequest, pk: DbId, payload: PlanRefundIn):
    user = viewer(request)
    trace = sel.trace_get_for(user=user, pk=pk)
    refunds = svc.trace_refunds_record(trace=trace, actor=user, account=payload.account)
    return Status(
        201,
        [
            {
                "id": r.pk,
                "loss_id": r.loss_id,
                "case": r.loss.case.number,
                "amount_fen": r.amount_fen,
                "from_account": r.from_account,
            }
            for r in refunds
        ],
    )


@router.post(
    "/signed/answers",
    auth=None,
    summary="A bank system's signed answer to a request",
    description=(
        "Headers: X-Lianxin-Key (the bank's key id), X-Lianxin-Timestamp (epoch seconds), X-Lianxin-Signature "
        "(hex HMAC-SHA256 of '<timestamp>.<raw body>' under the bank's secret). Body: {request_id, idempotency_key, "
        "answer: held|empty|not_found|rejected, held_fen, note}. 401: unknown key, wrong signature or a timestamp "
        "outside the replay window; 409: the same signed message again; a repeated idempotency key returns the first "
        "answer; 404: no such request for this bank; 422: an invalid answer, by field; 503: the station cannot open "
        "this bank's key (its personal-data key is missing)."
    ),
)
def signed_answer(request: HttpRequest):
    reply = channel.inbound_answer(
        key_id=request.headers.get(outbox.HEADER_KEY, ""),
        timestamp=request.headers.get(outbox.HEADER_TIMESTAMP, ""),
        signature=request.headers.get(outbox.HEADER_SIGNATURE, ""),
        body=request.body,
    )
    return JsonResponse(reply.body, status=reply.status, json_dumps_params={"ensure_ascii": False})
