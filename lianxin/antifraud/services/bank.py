"""The police–bank channel (警银通): a loss's transfers, stop-payment and freeze requests with their legal
clocks, the bank's answers, the clock sweep, money returned.

Ledgers and traces are in services.ledgers. Every state change writes a RequestStep (the
request's audit trail, also read by the case clock) and, for an officer's action, a note on
the case. Times are aware UTC; money is integer fen.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from lianxin.antifraud.models import (
    OPEN_REQUEST_STATUSES,
    BankRequest,
    FraudLoss,
    FundTrace,
    LossStatus,
    LossTransfer,
    Refund,
    RequestKind,
    RequestStatus,
    RequestStep,
    RequestStepKind,
    TraceStatus,
)
from lianxin.antifraud.roles import (
    BANK_ANSWER_ROLES,
    BANK_DESK_ROLES,
    bank_answer_minutes,
    freeze_days,
    freeze_warn_days,
    stop_hold_hours,
    stop_max_times,
    stop_warn_hours,
)
from lianxin.antifraud.services.common import CATEGORY_LOSS, desk_category, now_or, require
from lianxin.antifraud.services.outbox import outbound_queue
from lianxin.cases.models import CaseEvent, Channel, EventKind, Priority, Resolution, Status
from lianxin.cases.services import case_note, case_open, case_system_note, case_transition
from lianxin.core import pii
from lianxin.core.live import live_publish
from lianxin.core.models import Partner, PartnerKind, Role, Station, User
from lianxin.core.roles import has_role
from lianxin.people.models import Resident

FEN_PER_YUAN = 100
AMOUNT_MAX_FEN = 10_000_000_000  # 100 million yuan: more is a typing error
ACCOUNT_MAX_CHARS = 40
NOTE_MAX_CHARS = 300
# A bank's answer: the request's status it leads to.
ANSWERS = {
    "held": RequestStatus.HELD,
    "empty": RequestStatus.EMPTY,
    "not_found": RequestStatus.NOT_FOUND,
    "rejected": RequestStatus.REJECTED,
}
DEFAULT_LEGAL_BASIS = {
    RequestKind.STOP: "《电信网络新型违法犯罪案件冻结资金返还若干规定》；银发〔2016〕86号 紧急止付",
    RequestKind.FREEZE: "《中华人民共和国刑事诉讼法》第一百四十四条 冻结",
}


def yuan(fen: int) -> str:
    return f"{fen / FEN_PER_YUAN:,.2f}"


def station_time(at: dt.datetime) -> str:
    """Format an aware time in the station's zone, for notes (the page shows times the same way)."""
    return at.astimezone(zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)).strftime("%Y-%m-%d %H:%M")


LIVE_KIND = "bank_request"


def _step(request: BankRequest, kind: str, *, now: dt.datetime, actor: User | None = None, **data) -> RequestStep:
    """Write the request's step and tell, live, who must act on it: the bank's liaisons for a new request,
    the officer who sent it (and the station's desk) for the bank's answer and every clock warning."""
    step = RequestStep.objects.create(request=request, kind=kind, actor=actor, at=now, data=data)
    event = {"id": request.pk, "step": kind, "status": request.status, "loss": request.loss_id}
    if kind in (RequestStepKind.SENT, RequestStepKind.RENEWED):
        for pk in User.objects.filter(partner_id=request.bank_id, role=Role.BANK_LIAISON).values_list("pk", flat=True):
            live_publish(topic=f"user:{pk}", kind=LIVE_KIND, data=event)
    if kind != RequestStepKind.SENT:
        live_publish(topic=f"user:{request.requested_by_id}", kind=LIVE_KIND, data=event)
    live_publish(topic=f"station:{request.station_id}", kind=LIVE_KIND, data=event)
    return step


def _note(loss: FraudLoss, actor: User, text: str, now: dt.datetime) -> None:
    if has_role(actor, BANK_DESK_ROLES):
        case_note(case=loss.case, actor=actor, text=text, now=now)


def _require_open(loss: FraudLoss) -> None:
    if loss.status != LossStatus.OPEN:
        raise ValidationError({"loss": [_("This loss is closed: nothing more can be sent or recorded on it.")]})


def _in_progress(loss: FraudLoss, actor: User, now: dt.datetime) -> None:
    case = loss.case
    if case.status in (Status.NEW, Status.ACCEPTED):
        case_transition(case=case, actor=actor, to_status=Status.IN_PROGRESS, now=now)


def _clean_account(value: str, field: str, errors: dict) -> str:
    text = "".join((value or "").split())
    if not text:
        errors[field] = [_("Enter the account number.")]
    elif len(text) > ACCOUNT_MAX_CHARS:
        errors[field] = [_("An account number has at most %(n)d characters.") % {"n": ACCOUNT_MAX_CHARS}]
    return text


# --- the loss's transfers ----------------------------------------------------------------------------------

# Where a victim reports a loss in person or by phone (a warning's loss opens through the warning).
LOSS_CHANNELS = (Channel.WALK_IN, Channel.SERVICE_CART, Channel.HOTLINE)


@transaction.atomic
def loss_report(
    *,
    station: Station,
    actor: User,
    resident: Resident | None,
    channel: str,
    description: str,
    contact_name: str = "",
    now: dt.datetime | None = None,
) -> FraudLoss:
    """Open a fraud-loss case from a victim's report at the counter, the cart or by phone (urgent priority)."""
    now = now_or(now)
    require(actor, BANK_DESK_ROLES, _("Your role may not record a loss."))
    errors: dict[str, list[str]] = {}
    if resident is None and not (contact_name or "").strip():
        errors["resident"] = [_("Choose the victim, or write their name.")]
    if resident is not None and resident.station_id != station.pk:
        errors["resident"] = [_("Choose a resident of your station.")]
    if channel not in LOSS_CHANNELS:
        errors["channel"] = [_("Choose where the victim reported it.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Say what happened: who called, what they asked for, how the money went.")]
    if errors:
        raise ValidationError(errors)
    who = resident.name if resident is not None else contact_name.strip()
    case = case_open(
        station=station,
        actor=actor,
        channel=channel,
        category=desk_category(station=station, code=CATEGORY_LOSS),
        title=(_("Fraud loss: %(who)s") % {"who": who})[:120],
        description=description,
        reporter=resident,
        contact_name=contact_name.strip() if resident is None else "",
        priority=Priority.URGENT,
        now=now,
    )
    return FraudLoss.objects.create(station=station, case=case, resident=resident, reported_at=now)


@transaction.atomic
def loss_transfer_add(
    *,
    loss: FraudLoss,
    actor: User,
    at: dt.datetime | None,
    amount_fen: int | None,
    to_account: str,
    to_bank: str = "",
    from_account: str = "",
    channel: str = "",
    txn_ref: str = "",
    now: dt.datetime | None = None,
) -> LossTransfer:
    """Record one transfer out of the victim's account; the loss's total becomes the sum of its transfers."""
    now = now_or(now)
    require(actor, BANK_DESK_ROLES, _("Your role may not record a loss."))
    loss = FraudLoss.objects.select_for_update().select_related("case").get(pk=loss.pk)
    _require_open(loss)
    errors: dict[str, list[str]] = {}
    if amount_fen is None or amount_fen <= 0:
        errors["amount_fen"] = [_("The amount of a transfer must be more than zero.")]
    elif amount_fen > AMOUNT_MAX_FEN:
        errors["amount_fen"] = [_("The amount is too large.")]
    if at is None:
        errors["at"] = [_("Enter the time of the transfer.")]
    elif at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    elif at > now:
        errors["at"] = [_("The transfer cannot be in the future.")]
    to_account = _clean_account(to_account, "to_account", errors)
    victim_account = ""
    if (from_account or "").strip():  # the victim's own account: personal data, validated and sealed
        try:
            victim_account = pii.validate(pii.KIND_ACCOUNT, from_account)
        except ValidationError as exc:
            errors["from_account"] = list(exc.messages)
    for name, value, limit in (("to_bank", to_bank, 60), ("channel", channel, 30), ("txn_ref", txn_ref, 60)):
        if len((value or "").strip()) > limit:
            errors[name] = [_("At most %(n)d characters, please.") % {"n": limit}]
    if errors:
        raise ValidationError(errors)
    assert at is not None and amount_fen is not None
    transfer = LossTransfer.objects.create(
        loss=loss,
        at=at,
        amount_fen=amount_fen,
        from_account=victim_account,
        to_account=to_account,
        to_bank=(to_bank or "").strip(),
        channel=(channel or "").strip(),
        txn_ref=(txn_ref or "").strip(),
    )
    total = sum(loss.transfers.values_list("amount_fen", flat=True))
    FraudLoss.objects.filter(pk=loss.pk).update(total_fen=total)
    loss.total_fen = total
    _in_progress(loss, actor, now)
    _note(
        loss,
        actor,
        _("Transfer recorded: %(y)s yuan to %(a)s (%(b)s) at %(t)s.")
        % {"y": yuan(amount_fen), "a": to_account, "b": transfer.to_bank or "-", "t": station_time(at)},
        now,
    )
    return transfer


# --- requests to banks -------------------------------------------------------------------------------------


def named_accounts(loss: FraudLoss) -> set[str]:
    """The accounts a loss's case has named: its transfers' receiving accounts and every traced account."""
    accounts = set(loss.transfers.exclude(to_account="").values_list("to_account", flat=True))
    for result in FundTrace.objects.filter(loss=loss, status=TraceStatus.DONE).values_list("result", flat=True):
        accounts.update(row["account"] for row in (result or {}).get("accounts", ()))
    return accounts


def _stops_placed(loss: FraudLoss, account: str) -> int:
    """Stops a bank actually placed on an account for this loss (a renewal counts as one more)."""
    return BankRequest.objects.filter(
        loss=loss,
        account=account,
        kind=RequestKind.STOP,
        status__in=(RequestStatus.HELD, RequestStatus.LAPSED, RequestStatus.RENEWED),
    ).count()


@transaction.atomic
def bank_request_send(
    *,
    loss: FraudLoss,
    actor: User,
    bank: Partner | None,
    kind: str,
    account: str,
    amount_fen: int | None,
    holder_name: str = "",
    legal_basis: str = "",
    is_ledger_requested: bool = True,
    renewal_of: BankRequest | None = None,
    now: dt.datetime | None = None,
) -> BankRequest:
    """Send a stop-payment or freeze for one account the case named; the bank must answer by `answer_due_at`.

    Refused (ValidationError naming the field): an account the case never named, a bank that is
    not one of the station's partner banks, an amount of 0 or less, a second open request of the
    same kind for the account, a stop past the legal number of stops (ask for a freeze instead).
    """
    now = now_or(now)
    require(actor, BANK_DESK_ROLES, _("Your role may not send requests to banks."))
    loss = FraudLoss.objects.select_for_update().select_related("case").get(pk=loss.pk)
    _require_open(loss)
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose a stop-payment or a freeze.")]
    if bank is None or bank.station_id != loss.station_id or bank.kind != PartnerKind.BANK:
        errors["bank"] = [_("Choose one of the station's partner banks.")]
    account = _clean_account(account, "account", errors)
    if account and renewal_of is None and account not in named_accounts(loss):
        errors["account"] = [
            _("Account %(a)s is not named in this case: record the transfer to it or trace the ledger first.")
            % {"a": account}
        ]
    if amount_fen is None or amount_fen <= 0:
        errors["amount_fen"] = [_("The amount to hold must be more than zero.")]
    elif amount_fen > AMOUNT_MAX_FEN:
        errors["amount_fen"] = [_("The amount is too large.")]
    if len(legal_basis or "") > 200:
        errors["legal_basis"] = [_("At most %(n)d characters, please.") % {"n": 200}]
    if not errors and renewal_of is None:
        if BankRequest.objects.filter(loss=loss, account=account, kind=kind, status__in=OPEN_REQUEST_STATUSES).exists():
            errors["account"] = [_("A request of this kind for this account is already open.")]
        elif kind == RequestKind.STOP and _stops_placed(loss, account) >= stop_max_times():
            errors["kind"] = [
                _("This account was already stopped %(n)d times, the legal limit: ask for a freeze.")
                % {"n": stop_max_times()}
            ]
    if errors:
        raise ValidationError(errors)
    assert bank is not None and amount_fen is not None
    request = BankRequest.objects.create(
        station=loss.station,
        loss=loss,
        bank=bank,
        kind=kind,
        account=account,
        holder_name=(holder_name or "")[:60],
        amount_fen=amount_fen,
        legal_basis=(legal_basis or "").strip() or DEFAULT_LEGAL_BASIS[RequestKind(kind)],
        renewal_of=renewal_of,
        renewals=(renewal_of.renewals + 1) if renewal_of else 0,
        requested_by=actor,
        sent_at=now,
        answer_due_at=now + dt.timedelta(minutes=bank_answer_minutes()),
        is_ledger_requested=is_ledger_requested,
    )
    request.warn_after = request.answer_due_at
    request.save(update_fields=["warn_after"])
    _step(request, RequestStepKind.SENT, now=now, actor=actor, amount_fen=amount_fen, renewal_of=request.renewal_of_id)
    outbound_queue(request=request, now=now)
    _in_progress(loss, actor, now)
    _note(
        loss,
        actor,
        _("%(k)s sent to %(b)s for account %(a)s, %(y)s yuan; the bank must answer by %(t)s.")
        % {
            "k": RequestKind(kind).label,
            "b": bank.name,
            "a": account,
            "y": yuan(amount_fen),
            "t": station_time(request.answer_due_at),
        },
        now,
    )
    return request


def _may_answer(actor: User, request: BankRequest) -> bool:
    if has_role(actor, BANK_ANSWER_ROLES):
        return actor.partner_id == request.bank_id and actor.station_id == request.station_id
    return has_role(actor, BANK_DESK_ROLES) and actor.station_id == request.station_id


def hold_period(kind: str) -> dt.timedelta:
    if kind == RequestKind.STOP:
        return dt.timedelta(hours=stop_hold_hours())
    return dt.timedelta(days=freeze_days())


def _warn_before(kind: str) -> dt.timedelta:
    if kind == RequestKind.STOP:
        return dt.timedelta(hours=stop_warn_hours())
    return dt.timedelta(days=freeze_warn_days())


@transaction.atomic
def bank_request_answer(
    *,
    request: BankRequest,
    actor: User,
    answer: str,
    held_fen: int | None = None,
    note: str = "",
    key: str = "",
    now: dt.datetime | None = None,
) -> BankRequest:
    """Record the bank's answer: money held (the amount actually held), nothing to hold, no such account, rejected.

    A hold runs from the answer for the legal period (a renewal: from the end of the hold it
    renews). `key` is the bank system's idempotency key: the same key again returns the request
    as it is, changing nothing; another answer to an answered request is refused.
    """
    now = now_or(now)
    request = BankRequest.objects.select_for_update().select_related("loss__case", "bank").get(pk=request.pk)
    if not _may_answer(actor, request):
        raise PermissionDenied(_("This request was not sent to your bank."))
    if request.status != RequestStatus.SENT:
        if key and key == request.answer_key:
            return request
        raise ValidationError({"answer": [_("This request was already answered.")]})
    errors: dict[str, list[str]] = {}
    if answer not in ANSWERS:
        errors["answer"] = [_("Choose the bank's answer.")]
    if answer == "held":
        if held_fen is None or held_fen <= 0:
            errors["held_fen"] = [_("Enter the amount the bank actually holds (more than zero).")]
        elif held_fen > request.amount_fen:
            errors["held_fen"] = [
                _("The bank cannot hold more than the %(y)s yuan asked for.") % {"y": yuan(request.amount_fen)}
            ]
    else:
        held_fen = 0
    note = (note or "").strip()
    if answer == "rejected" and not note:
        errors["note"] = [_("Say why the bank rejects the request.")]
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("The note is too long.")]
    if len(key) > 80:
        errors["key"] = [_("An idempotency key has at most 80 characters.")]
    previous = request.renewal_of
    if previous is not None and previous.status != RequestStatus.HELD and answer == "held":
        errors["answer"] = [_("The hold this request renews has already lapsed: send a new request instead.")]
    if errors:
        raise ValidationError(errors)
    assert held_fen is not None
    request.status = ANSWERS[answer]
    request.answered_at = now
    request.answered_by = actor
    request.held_fen = held_fen
    request.answer_note = note
    request.answer_key = key
    request.warn_after = None
    if request.status == RequestStatus.HELD:
        start = previous.hold_until if previous is not None and previous.hold_until else now
        request.hold_until = max(start, now) + hold_period(request.kind)
        request.warn_after = request.hold_until - _warn_before(request.kind)
    request.save(
        update_fields=[
            "status",
            "answered_at",
            "answered_by",
            "held_fen",
            "answer_note",
            "answer_key",
            "hold_until",
            "warn_after",
        ]
    )
    if previous is not None and request.status == RequestStatus.HELD:
        BankRequest.objects.filter(pk=previous.pk).update(status=RequestStatus.RENEWED, warn_after=None)
        _step(previous, RequestStepKind.RENEWED, now=now, actor=actor, by=request.pk)
    _step(
        request,
        RequestStepKind.ANSWERED,
        now=now,
        actor=actor,
        answer=answer,
        held_fen=held_fen,
        is_late=now > request.answer_due_at,
    )
    return request


@transaction.atomic
def bank_request_renew(*, request: BankRequest, actor: User, now: dt.datetime | None = None) -> BankRequest:
    """Ask the bank to extend a hold before it lapses: a stop up to the legal number of stops, a freeze any time."""
    now = now_or(now)
    require(actor, BANK_DESK_ROLES, _("Your role may not send requests to banks."))
    request = BankRequest.objects.select_for_update().select_related("loss", "bank").get(pk=request.pk)
    if request.status != RequestStatus.HELD or request.hold_until is None or request.hold_until <= now:
        raise ValidationError({"request": [_("Only a hold that is still in force can be renewed.")]})
    if hasattr(request, "renewed_by"):
        raise ValidationError({"request": [_("A renewal of this hold is already sent.")]})
    if request.kind == RequestKind.STOP and _stops_placed(request.loss, request.account) >= stop_max_times():
        raise ValidationError(
            {
                "kind": [
                    _("This account was already stopped %(n)d times, the legal limit: ask for a freeze.")
                    % {"n": stop_max_times()}
                ]
            }
        )
    return bank_request_send(
        loss=request.loss,
        actor=actor,
        bank=request.bank,
        kind=request.kind,
        account=request.account,
        holder_name=request.holder_name,
        amount_fen=request.held_fen,
        legal_basis=request.legal_basis,
        is_ledger_requested=False,
        renewal_of=request,
        now=now,
    )


CLOCK_NOTES = {
    RequestStepKind.ANSWER_OVERDUE: _lazy(
        "Clock warning: %(bank)s has not answered the %(kind)s request on account %(account)s; "
        "its answer was due %(time)s (%(zone)s)."
    ),
    RequestStepKind.HOLD_ENDING: _lazy(
        "Clock warning: the %(kind)s at %(bank)s on account %(account)s ends %(time)s (%(zone)s): "
        "renew it or ask for a freeze before then."
    ),
    RequestStepKind.LAPSED: _lazy(
        "Clock warning: the %(kind)s at %(bank)s on account %(account)s lapsed %(time)s (%(zone)s)."
    ),
}


def _clock_note(request: BankRequest, kind: str, deadline: dt.datetime, now: dt.datetime) -> None:
    """Put a legal clock's warning on the loss case's timeline: internal, written by the sweep (no actor),
    once per request and warning however often the sweep runs, the deadline in the station's time zone."""
    case = request.loss.case
    marker = {"bank_request": request.pk, "clock": kind}
    if CaseEvent.objects.filter(
        case=case, kind=EventKind.NOTE, data__bank_request=request.pk, data__clock=kind
    ).exists():
        return
    text = CLOCK_NOTES[RequestStepKind(kind)] % {
        "bank": request.bank.name,
        "kind": RequestKind(request.kind).label,
        "account": request.account,
        "time": station_time(deadline),
        "zone": settings.STATION_TIME_ZONE,
    }
    case_system_note(case=case, text=text, data={**marker, "deadline": deadline.isoformat()}, now=now)


def bank_requests_sweep(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Tell the case officer what the legal clocks say (the worker's sweep; returns requests changed).

    Polls the indexed `warn_after`: a request the bank has not answered in time is flagged once;
    a hold is flagged once before it ends and lapses when it ends. Each row is claimed with a
    conditional update, so two workers never act on it twice.
    """
    now = now_or(now)
    changed = 0
    due = list(
        BankRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES, warn_after__lte=now)
        .order_by("warn_after")
        .values_list("pk", "status", "warn_after", "hold_until")[:limit]
    )
    for pk, status, warn_after, hold_until in due:
        with transaction.atomic():
            if status == RequestStatus.SENT:
                claimed = BankRequest.objects.filter(pk=pk, status=status, warn_after=warn_after).update(
                    warn_after=None
                )
                if claimed:
                    request = BankRequest.objects.get(pk=pk)
                    _step(request, RequestStepKind.ANSWER_OVERDUE, now=now, due_at=request.answer_due_at.isoformat())
                    _clock_note(request, RequestStepKind.ANSWER_OVERDUE, request.answer_due_at, now)
            elif hold_until is not None and now >= hold_until:
                claimed = BankRequest.objects.filter(pk=pk, status=status, warn_after=warn_after).update(
                    status=RequestStatus.LAPSED, warn_after=None
                )
                if claimed:
                    request = BankRequest.objects.get(pk=pk)
                    _step(request, RequestStepKind.LAPSED, now=now)
                    _clock_note(request, RequestStepKind.LAPSED, hold_until, now)
            else:
                claimed = BankRequest.objects.filter(pk=pk, status=status, warn_after=warn_after).update(
                    warn_after=hold_until
                )
                if claimed:
                    request = BankRequest.objects.get(pk=pk)
                    assert hold_until is not None
                    _step(request, RequestStepKind.HOLD_ENDING, now=now, hold_until=hold_until.isoformat())
                    _clock_note(request, RequestStepKind.HOLD_ENDING, hold_until, now)
            changed += claimed
    return changed


# --- money returned ---------------------------------------------------------------------------------------


@transaction.atomic
def refund_record(
    *,
    loss: FraudLoss,
    actor: User,
    amount_fen: int | None,
    request: BankRequest | None = None,
    from_account: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Refund:
    """Record money returned to the victim; when all the loss is back the loss is settled and its case resolved."""
    now = now_or(now)
    require(actor, BANK_DESK_ROLES, _("Your role may not record money returned."))
    loss = FraudLoss.objects.select_for_update().select_related("case").get(pk=loss.pk)
    _require_open(loss)
    errors: dict[str, list[str]] = {}
    if amount_fen is None or amount_fen <= 0:
        errors["amount_fen"] = [_("The amount returned must be more than zero.")]
    elif amount_fen > loss.outstanding_fen:
        errors["amount_fen"] = [
            _("Only %(y)s yuan of this loss is still outstanding.") % {"y": yuan(loss.outstanding_fen)}
        ]
    if request is not None and request.loss_id != loss.pk:
        errors["request"] = [_("That request belongs to another case.")]
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("The note is too long.")]
    if errors:
        raise ValidationError(errors)
    assert amount_fen is not None
    refund = Refund.objects.create(
        loss=loss,
        station=loss.station,
        request=request,
        amount_fen=amount_fen,
        from_account=from_account or (request.account if request else ""),
        note=note,
        recorded_by=actor,
        returned_at=now,
    )
    FraudLoss.objects.filter(pk=loss.pk).update(refunded_fen=F("refunded_fen") + amount_fen)
    loss.refresh_from_db(fields=["refunded_fen"])
    _note(
        loss,
        actor,
        _("Money returned to the victim: %(y)s yuan (%(r)s of %(t)s yuan back).")
        % {"y": yuan(amount_fen), "r": yuan(loss.refunded_fen), "t": yuan(loss.total_fen)},
        now,
    )
    if loss.outstanding_fen == 0:
        _loss_close(loss, actor, LossStatus.SETTLED, "", now)
    return refund


def _loss_close(loss: FraudLoss, actor: User, status: str, reason: str, now: dt.datetime) -> None:
    FraudLoss.objects.filter(pk=loss.pk).update(status=status, closed_at=now, close_reason=reason)
    loss.status, loss.closed_at, loss.close_reason = status, now, reason
    case = loss.case
    case.refresh_from_db()
    if case.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS):
        case_transition(
            case=case,
            actor=actor,
            to_status=Status.RESOLVED,
            resolution=Resolution.HANDLED_AS_INCIDENT,
            note=reason,
            now=now,
        )


@transaction.atomic
def loss_write_off(*, loss: FraudLoss, actor: User, reason: str, now: dt.datetime | None = None) -> FraudLoss:
    """Close a loss whose money cannot come back, with the reason; its case is resolved."""
    now = now_or(now)
    require(actor, BANK_DESK_ROLES, _("Your role may not close a loss."))
    loss = FraudLoss.objects.select_for_update().select_related("case").get(pk=loss.pk)
    _require_open(loss)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the rest of the money is written off.")]})
    if len(reason) > NOTE_MAX_CHARS:
        raise ValidationError({"reason": [_("At most %(n)d characters, please.") % {"n": NOTE_MAX_CHARS}]})
    _loss_close(loss, actor, LossStatus.WRITTEN_OFF, reason, now)
    return loss
