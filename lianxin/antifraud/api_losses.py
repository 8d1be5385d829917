"""The officers' API of the police–bank channel: fraud-loss cases with their clock, the victim's transfers,
stop-payment and freeze requests, and traces started from a ledger and polled until the engine is done.

Scoped as the desk's pages are: the desk's roles of the loss's station (another station's loss is a
404, a bank's liaison or a volunteer gets 403). Creates honour an Idempotency-Key header
(lianxin.core.idempotency, paths declared in the app's plugin). The victim's own account is
masked in every answer; the whole number is only shown through the audited reveal on the page.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from lianxin.antifraud import selectors as sel
from lianxin.antifraud import services as svc
from lianxin.antifraud.api_bank import RequestOut, _request_out
from lianxin.antifraud.models import FraudLoss, FundTrace
from lianxin.antifraud.present import victim_accounts_masked
from lianxin.antifraud.roles import BANK_DESK_ROLES
from lianxin.antifraud.services.bank import LOSS_CHANNELS
from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, Paging, Text, viewer
from lianxin.core.errors import input_names
from lianxin.core.roles import has_role
from lianxin.people.selectors import resident_get_for

router = Router(tags=["fraud losses"])

IDEMPOTENT = "Accepts an Idempotency-Key header: a retry with the same key and body gets the first answer again."


def _desk(request: HttpRequest):
    user = viewer(request)
    if not has_role(user, BANK_DESK_ROLES):
        raise PermissionDenied(_("Your role may not work fraud losses."))
    return user


# --- shapes ----------------------------------------------------------------------------------------------------


class MilestoneOut(Schema):
    key: str = Field(description="reported, first_request, first_answer, first_trace, first_held, first_refund, closed")
    at: dt.datetime | None
    seconds: float | None = Field(description="Seconds from the report; null until the step happens.")


class TransferOut(Schema):
    id: int
    at: dt.datetime
    amount_fen: int
    from_account: str = Field(description="The victim's own account, masked (6222 **** **** 1234).")
    to_account: str
    to_bank: str
    channel: str
    txn_ref: str


class LossOut(Schema):
    id: int
    case: str
    case_id: int
    status: str
    victim: str
    resident_id: int | None
    reported_at: dt.datetime
    total_fen: int
    refunded_fen: int
    outstanding_fen: int
    closed_at: dt.datetime | None
    close_reason: str


class TraceBriefOut(Schema):
    id: int
    status: str
    ledger_id: int
    created_at: dt.datetime


class LossDetailOut(LossOut):
    clock: list[MilestoneOut]
    transfers: list[TransferOut]
    requests: list[RequestOut]
    traces: list[TraceBriefOut]


def _loss_out(loss: FraudLoss) -> dict:
    return {
        "id": loss.pk,
        "case": loss.case.number,
        "case_id": loss.case_id,
        "status": loss.status,
        "victim": loss.resident.name if loss.resident is not None else loss.case.contact_name,
        "resident_id": loss.resident_id,
        "reported_at": loss.reported_at,
        "total_fen": loss.total_fen,
        "refunded_fen": loss.refunded_fen,
        "outstanding_fen": loss.outstanding_fen,
        "closed_at": loss.closed_at,
        "close_reason": loss.close_reason,
    }


def _transfer_out(t) -> dict:
    return {
        "id": t.pk,
        "at": t.at,
        "amount_fen": t.amount_fen,
        "from_account": t.from_account.masked if t.from_account else "",
        "to_account": t.to_account,
        "to_bank": t.to_bank,
        "channel": t.channel,
        "txn_ref": t.txn_ref,
    }


def _loss_detail(loss: FraudLoss) -> dict:
    traces = (loss.traces.all() | loss.joined_traces.all()).distinct().order_by("-created_at", "-id")
    return {
        **_loss_out(loss),
        "clock": [{"key": m.key, "at": m.at, "seconds": m.seconds} for m in sel.loss_clock(loss=loss)],
        "transfers": [_transfer_out(t) for t in loss.transfers.all()],
        "requests": [_request_out(r) for r in loss.requests.select_related("loss__case")],
        "traces": [
            {"id": t.pk, "status": t.status, "ledger_id": t.ledger_id, "created_at": t.created_at} for t in traces
        ],
    }


# --- losses ----------------------------------------------------------------------------------------------------


class LossIn(Schema):
    resident_id: DbId | None = Field(default=None, description="The victim, a resident of your station.")
    contact_name: Text = Field(default="", max_length=60, description="The victim's name when not a known resident.")
    channel: str = Field(description="Where the victim reported it: " + ", ".join(LOSS_CHANNELS))
    description: Text = Field(max_length=4000, description="What happened: who called, what they asked for.")


@router.get("/losses", response=list[LossOut], summary="Fraud losses of my station, newest first")
@paginate(Paging)
def loss_list(request: HttpRequest, is_open: bool = False):
    return [_loss_out(loss) for loss in sel.loss_list_for(user=_desk(request), open_only=is_open)]


@router.post(
    "/losses",
    response={201: LossDetailOut, **WRITE_ERRORS},
    summary="Open a fraud-loss case from the victim's report (urgent)",
    description=IDEMPOTENT,
)
def loss_create(request: HttpRequest, payload: LossIn):
    user = _desk(request)
    resident = None
    if payload.resident_id is not None:
        try:
            resident = resident_get_for(user=user, pk=payload.resident_id)
        except Http404:
            raise ValidationError({"resident_id": [_("No such resident.")]}) from None
    with input_names({"resident": "resident_id"}):
        loss = svc.loss_report(
            station=user.station,
            actor=user,
            resident=resident,
            channel=payload.channel,
            description=payload.description,
            contact_name=payload.contact_name,
        )
    return Status(201, _loss_detail(loss))


@router.get(
    "/losses/{pk}", response={200: LossDetailOut, **READ_ERRORS}, summary="One loss with its clock from the report"
)
def loss_read(request: HttpRequest, pk: DbId):
    return _loss_detail(sel.loss_get_for(user=_desk(request), pk=pk))


class TransferIn(Schema):
    at: dt.datetime = Field(description="When the money left, with its UTC offset (2026-06-15T09:00:00+08:00).")
    amount_fen: int = Field(description="More than 0, in fen.")
    to_account: Text = Field(max_length=80, description="The receiving account, what a bank is asked to stop.")
    to_bank: Text = ""
    from_account: Text = Field(default="", max_length=80, description="The victim's own account (kept sealed).")
    channel: Text = ""
    txn_ref: Text = Field(default="", description="The bank's serial number of the transfer (交易流水号).")


@router.post(
    "/losses/{pk}/transfers",
    response={201: TransferOut, **WRITE_ERRORS},
    summary="Record a transfer out of the victim's account",
    description=IDEMPOTENT,
)
def transfer_create(request: HttpRequest, pk: DbId, payload: TransferIn):
    user = _desk(request)
    loss = sel.loss_get_for(user=user, pk=pk)
    if payload.at.tzinfo is None or payload.at.utcoffset() is None:
        raise ValidationError({"at": [_("Give the time with its UTC offset, e.g. 2026-06-15T09:00:00+08:00.")]})
    transfer = svc.loss_transfer_add(
        loss=loss,
        actor=user,
        at=payload.at,
        amount_fen=payload.amount_fen,
        to_account=payload.to_account,
        to_bank=payload.to_bank,
        from_account=payload.from_account,
        channel=payload.channel,
        txn_ref=payload.txn_ref,
    )
    return Status(201, _transfer_out(transfer))


class BankRequestIn(Schema):
    bank_id: DbId = Field(description="One of the station's partner banks.")
    kind: str = Field(description="stop (紧急止付) or freeze (冻结)")
    account: Text = Field(max_length=80, description="An account the case named: a transfer's or a traced account.")
    amount_fen: int = Field(description="The amount to hold, more than 0, in fen.")
    legal_basis: Text = Field(default="", description="Empty: the default legal basis of the kind.")
    is_ledger_requested: bool = Field(default=True, description="Also ask for the account's ledger (调单).")


@router.post(
    "/losses/{pk}/requests",
    response={201: RequestOut, **WRITE_ERRORS},
    summary="Send a stop-payment or freeze to a partner bank for a named receiving account",
    description=IDEMPOTENT + " The bank must answer by answer_due_at.",
)
def bank_request_create(request: HttpRequest, pk: DbId, payload: BankRequestIn):
    user = _desk(request)
    loss = sel.loss_get_for(user=user, pk=pk)
    bank = sel.partner_banks(station_id=loss.station_id).filter(pk=payload.bank_id).first()
    with input_names({"bank": "bank_id"}):
        sent = svc.bank_request_send(
            loss=loss,
            actor=user,
            bank=bank,
            kind=payload.kind,
            account=payload.account,
            amount_fen=payload.amount_fen,
            legal_basis=payload.legal_basis,
            is_ledger_requested=payload.is_ledger_requested,
        )
    return Status(201, _request_out(sent))


# --- traces ----------------------------------------------------------------------------------------------------


class TraceStartIn(Schema):
    other_loss_ids: list[DbId] = Field(
        default_factory=list, max_length=200, description="Other open losses of the same ring, traced together."
    )


class TraceOut(Schema):
    id: int
    status: str = Field(description="queued, running, done or failed: poll until done or failed.")
    error: str
    loss_id: int
    ledger_id: int
    other_loss_ids: list[int]
    created_at: dt.datetime
    finished_at: dt.datetime | None
    engine_version: str
    policies: list[str]
    accounts: list[dict] = Field(description="The ranked accounts exactly as the engine returned them.")
    sinks: list[dict]
    recoverable_total_fen: dict


def _trace_out(trace: FundTrace) -> dict:
    result = victim_accounts_masked(trace.result or {})
    return {
        "id": trace.pk,
        "status": trace.status,
        "error": trace.error,
        "loss_id": trace.loss_id,
        "ledger_id": trace.ledger_id,
        "other_loss_ids": sorted(trace.other_losses.values_list("pk", flat=True)),
        "created_at": trace.created_at,
        "finished_at": trace.finished_at,
        "engine_version": trace.engine_version,
        "policies": list(result.get("policies", [])),
        "accounts": list(result.get("accounts", [])),
        "sinks": list(result.get("sinks", [])),
        "recoverable_total_fen": dict(result.get("recoverable_total_fen", {})),
    }


@router.post(
    "/ledgers/{pk}/traces",
    response={202: TraceOut, **WRITE_ERRORS},
    summary="Trace the loss's transfers through a read ledger (a background task: poll the trace)",
    description=IDEMPOTENT,
)
def trace_start(request: HttpRequest, pk: DbId, payload: TraceStartIn):
    user = _desk(request)
    ledger = sel.ledger_get_for(user=user, pk=pk)
    wanted = set(payload.other_loss_ids)
    others = list(sel.loss_list_for(user=user, ids=sorted(wanted)))
    if len(others) != len(wanted):
        missing = sorted(wanted - {o.pk for o in others})
        raise ValidationError(
            {"other_loss_ids": [_("No such loss of your station: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]}
        )
    with input_names({"other_losses": "other_loss_ids"}):
        trace = svc.fundtrace_start(ledger=ledger, actor=user, other_losses=others)
    trace.refresh_from_db()  # an immediate task backend may have run it already
    return Status(202, _trace_out(trace))


@router.get(
    "/traces/{pk}",
    response={200: TraceOut, **READ_ERRORS},
    summary="A trace's status and, once done, its ranked accounts as the engine returned them",
)
def trace_read(request: HttpRequest, pk: DbId):
    return _trace_out(sel.trace_get_for(user=_desk(request), pk=pk))
