"""Pages of the police–bank channel: fraud losses, requests to banks with their clocks, the bank's inbox,
ledgers, traces and money returned.

Views parse, call one service or selector, and render; a service's ValidationError becomes a
message naming the field, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianxin.antifraud import forms as f
from lianxin.antifraud import selectors as sel
from lianxin.antifraud import services as svc
from lianxin.antifraud.models import FraudLoss, LedgerStatus, RequestKind, RequestStatus, TraceStatus
from lianxin.antifraud.present import (
    duration_words,
    plan_cases_per_account,
    problem_rows,
    refund_plan_by_victim,
    trace_graph,
    trace_workbook,
    victim_accounts_masked,
)
from lianxin.antifraud.present import yuan_exact as yuan
from lianxin.antifraud.roles import BANK_ANSWER_ROLES, BANK_DESK_ROLES
from lianxin.antifraud.services.bank import DEFAULT_LEGAL_BASIS, named_accounts
from lianxin.antifraud.services.ledgers import account_hold_amount, trace_seed_losses
from lianxin.core import pii
from lianxin.core.forms import error_lines, form_errors_from, messages_from_error
from lianxin.core.roles import has_role, may_see_whole
from lianxin.core.services import REVEAL_REASONS, personal_data_display, personal_data_reveal
from lianxin.people.selectors import resident_get_for, resident_list_for

MILESTONE_LABELS = {
    "reported": gettext_lazy("Reported"),
    "first_request": gettext_lazy("First stop request sent"),
    "first_answer": gettext_lazy("Bank's first answer"),
    "first_trace": gettext_lazy("First trace done"),
    "first_held": gettext_lazy("Money held"),
    "first_refund": gettext_lazy("Money returned"),
    "closed": gettext_lazy("Case closed"),
}


# A clock's words; the page's script fills in the same formats as the time passes.
CLOCK_LEFT = gettext_lazy("%(time)s left")
CLOCK_OVER = gettext_lazy("overdue by %(time)s")


def _need(request, roles) -> None:
    if not has_role(request.user, roles):
        raise PermissionDenied(_("Your role may not use this page."))


def with_clock(requests, now) -> list:
    """Give each request the clock that runs now: `left` seconds (negative: overdue) and its words."""
    rows = list(requests)
    for r in rows:
        r.left = r.seconds_left(now)
        r.left_words = duration_words(r.left)
        r.deadline_at = r.deadline()
        r.is_overdue = r.left is not None and r.left < 0
        r.left_format, r.over_format = str(CLOCK_LEFT), str(CLOCK_OVER)
        if r.left is not None:
            r.clock_text = (CLOCK_OVER if r.is_overdue else CLOCK_LEFT) % {"time": r.left_words}
    return rows


def _fen(form, name: str) -> int | None:
    return f.yuan_to_fen(form.data.get(name, ""), name.replace("_yuan", "_fen"))


# --- losses ---------------------------------------------------------------------------------------------------


@login_required
def loss_list(request):
    """Fraud losses: the open ones first, and the requests whose clocks need the desk now."""
    _need(request, BANK_DESK_ROLES)
    now = timezone.now()
    return render(
        request,
        "antifraud/loss_list.html",
        {
            "open_losses": list(sel.loss_list_for(user=request.user, open_only=True)[:50]),
            "closed_losses": list(sel.loss_list_for(user=request.user).exclude(status="open")[:20]),
            "attention": with_clock(sel.requests_needing_attention(user=request.user, now=now), now),
            "dead_letters": sel.dead_letters_for(user=request.user),
        },
    )


@login_required
def loss_detail(request, pk: int):
    _need(request, BANK_DESK_ROLES)
    return _loss_page(request, sel.loss_get_for(user=request.user, pk=pk))


def _transfer_rows(request, transfers, *, revealed: dict[int, str], reveal_errors: dict[int, str]) -> list:
    """Give each transfer what this viewer sees of the victim's account: masked, or whole just after a reveal."""
    rows = list(transfers)
    for t in rows:
        t.from_whole = revealed.get(t.pk, "")
        t.from_shown = t.from_whole or personal_data_display(viewer=request.user, value=t.from_account)
        t.may_reveal = bool(t.from_account) and not t.from_whole and may_see_whole(request.user, pii.KIND_ACCOUNT)
        t.reveal_error = reveal_errors.get(t.pk, "")
    return rows


def _loss_page(request, loss, *, revealed: dict[int, str] | None = None, reveal_errors: dict[int, str] | None = None):
    now = timezone.now()
    requests = with_clock(loss.requests.select_related("bank", "requested_by", "answered_by"), now)
    clock = [
        {"label": MILESTONE_LABELS[m.key], "at": m.at, "words": duration_words(m.seconds), "key": m.key}
        for m in sel.loss_clock(loss=loss)
    ]
    held_requests = [r for r in requests if r.held_fen]
    return render(
        request,
        "antifraud/loss_detail.html",
        {
            "loss": loss,
            "transfers": _transfer_rows(
                request, loss.transfers.all(), revealed=revealed or {}, reveal_errors=reveal_errors or {}
            ),
            "reasons": REVEAL_REASONS,
            "requests": requests,
            "held_requests": held_requests,
            "ledgers": list(loss.ledgers.select_related("bank")),
            "traces": list(
                (loss.traces.all() | loss.joined_traces.all()).distinct().select_related("ledger__bank", "loss__case")
            ),
            "refunds": list(loss.refunds.select_related("recorded_by")),
            "clock": clock,
            "banks": sel.partner_banks(station_id=loss.station_id),
            "named_accounts": sorted(named_accounts(loss)),
            "total_yuan": yuan(loss.total_fen),
            "refunded_yuan": yuan(loss.refunded_fen),
            "outstanding_yuan": yuan(loss.outstanding_fen),
            "held_yuan": yuan(sum(r.held_fen for r in requests if r.status == RequestStatus.HELD)),
            "request_form": f.BankRequestForm(initial={"is_ledger_requested": True}),
            "is_open": loss.status == "open",
        },
        status=400 if reveal_errors else 200,
    )


@never_cache
@login_required
@require_POST
def transfer_account_reveal(request, pk: int, transfer_pk: int):
    """Show the victim's whole account of one transfer to the case officer, once; each view is audited.

    Only the desk's roles allowed whole account numbers reach it (a bank's liaison gets 403); the
    reason is required and written to the audit log with the view.
    """
    _need(request, BANK_DESK_ROLES)
    loss = sel.loss_get_for(user=request.user, pk=pk)
    transfer = loss.transfers.filter(pk=transfer_pk).first()
    if transfer is None:
        raise Http404("no such transfer")
    reason = request.POST.get("reason_text", "").strip() or request.POST.get("reason", "")
    try:
        whole = personal_data_reveal(actor=request.user, target=transfer, field="from_account", reason=reason)
    except ValidationError as exc:
        return _loss_page(request, loss, reveal_errors={transfer.pk: exc.messages[0]})
    return _loss_page(request, loss, revealed={transfer.pk: whole})


@login_required
def loss_new(request):
    """A victim reports money already sent (at the counter, the cart, by phone): open the fraud-loss case."""
    _need(request, BANK_DESK_ROLES)
    form = f.LossForm(request.POST or request.GET or None)
    matches = []
    if form.is_bound and form.data.get("q"):
        matches = list(resident_list_for(user=request.user, q=form.data["q"])[:10])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = resident_get_for(user=request.user, pk=data["resident"]) if data.get("resident") else None
            loss = svc.loss_report(
                station=request.user.station,
                actor=request.user,
                resident=resident,
                contact_name=data.get("contact_name", ""),
                channel=data["channel"],
                description=data["description"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except Http404:
            form.add_error(None, _("Choose a resident of your station."))
        else:
            messages.success(
                request, _("Fraud-loss case %(n)s opened: record the transfers.") % {"n": loss.case.number}
            )
            return redirect(reverse("antifraud:loss", args=[loss.pk]))
    return render(request, "antifraud/loss_new.html", {"form": form, "matches": matches})


def _back(loss_pk: int):
    return redirect(reverse("antifraud:loss", args=[loss_pk]))


@login_required
@require_POST
def loss_transfer_add(request, pk: int):
    loss = sel.loss_get_for(user=request.user, pk=pk)
    form = f.TransferForm(request.POST)
    form.is_valid()
    try:
        transfer = svc.loss_transfer_add(
            loss=loss,
            actor=request.user,
            at=f.local_time(form.data.get("at", ""), "at"),
            amount_fen=_fen(form, "amount_yuan"),
            to_account=form.data.get("to_account", ""),
            to_bank=form.data.get("to_bank", ""),
            from_account=form.data.get("from_account", ""),
            channel=form.data.get("channel", ""),
            txn_ref=form.data.get("txn_ref", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Transfer of %(y)s yuan recorded.") % {"y": yuan(transfer.amount_fen)})
    return _back(loss.pk)


@login_required
@require_POST
def bank_request_new(request, pk: int):
    loss = sel.loss_get_for(user=request.user, pk=pk)
    form = f.BankRequestForm(request.POST)
    form.is_valid()
    bank_id = form.data.get("bank", "")
    bank = sel.partner_banks(station_id=loss.station_id).filter(pk=int(bank_id)).first() if bank_id.isdigit() else None
    try:
        sent = svc.bank_request_send(
            loss=loss,
            actor=request.user,
            bank=bank,
            kind=form.data.get("kind", ""),
            account=form.data.get("account", ""),
            amount_fen=_fen(form, "amount_yuan"),
            legal_basis=form.data.get("legal_basis", ""),
            is_ledger_requested=bool(form.data.get("is_ledger_requested")),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(
            request,
            _("Sent to %(b)s; the bank must answer within %(w)s.")
            % {"b": sent.bank.name, "w": duration_words((sent.answer_due_at - sent.sent_at).total_seconds())},
        )
    return _back(loss.pk)


@login_required
@require_POST
def bank_request_renew(request, pk: int):
    _need(request, BANK_DESK_ROLES)
    bank_request = sel.bank_request_get_for(user=request.user, pk=pk)
    try:
        svc.bank_request_renew(request=bank_request, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Renewal sent to %(b)s.") % {"b": bank_request.bank.name})
    return _back(bank_request.loss_id)


@login_required
@require_POST
def loss_ledger_upload(request, pk: int):
    """The desk uploads a ledger a bank sent by other means (naming the bank)."""
    loss = sel.loss_get_for(user=request.user, pk=pk)
    form = f.LedgerForm(request.POST, request.FILES)
    form.is_valid()
    bank_id = form.data.get("bank", "")
    bank = sel.partner_banks(station_id=loss.station_id).filter(pk=int(bank_id)).first() if bank_id.isdigit() else None
    try:
        ledger = svc.ledger_upload(loss=loss, actor=request.user, upload=request.FILES.get("file"), bank=bank)
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
        return _back(loss.pk)
    messages.success(request, _("Ledger received; it is being read."))
    return redirect(reverse("antifraud:ledger", args=[ledger.pk]))


@login_required
@require_POST
def refund_add(request, pk: int):
    loss = sel.loss_get_for(user=request.user, pk=pk)
    form = f.RefundForm(request.POST)
    form.is_valid()
    request_id = form.data.get("request", "")
    held = loss.requests.filter(pk=int(request_id)).first() if request_id.isdigit() else None
    try:
        refund = svc.refund_record(
            loss=loss,
            actor=request.user,
            amount_fen=_fen(form, "amount_yuan"),
            request=held,
            note=form.data.get("note", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("%(y)s yuan returned to the victim recorded.") % {"y": yuan(refund.amount_fen)})
    return _back(loss.pk)


@login_required
@require_POST
def loss_write_off(request, pk: int):
    loss = sel.loss_get_for(user=request.user, pk=pk)
    try:
        svc.loss_write_off(loss=loss, actor=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("The loss is closed."))
    return _back(loss.pk)


# --- the bank's inbox -------------------------------------------------------------------------------------------


@login_required
def bank_inbox(request):
    """A bank liaison's day: requests to their bank waiting for an answer, the nearest deadline first."""
    _need(request, BANK_ANSWER_ROLES | BANK_DESK_ROLES)
    now = timezone.now()
    answered = sel.bank_request_list_for(user=request.user).exclude(status=RequestStatus.SENT).order_by("-answered_at")
    return render(
        request,
        "antifraud/bank_inbox.html",
        {
            "waiting": with_clock(sel.bank_inbox_for(user=request.user)[:100], now),
            "answered": with_clock(answered[:30], now),
            "partner": request.user.partner,
        },
    )


@login_required
def bank_request_detail(request, pk: int):
    """One request: the bank answers it (held amount, empty, not found, rejected) and uploads the ledger."""
    _need(request, BANK_ANSWER_ROLES | BANK_DESK_ROLES)
    bank_request = sel.bank_request_get_for(user=request.user, pk=pk)
    now = timezone.now()
    form = f.AnswerForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "answer":
        form.is_valid()
        try:
            svc.bank_request_answer(
                request=bank_request,
                actor=request.user,
                answer=form.data.get("answer", ""),
                held_fen=f.yuan_to_fen(form.data.get("held_yuan", ""), "held_fen"),
                note=form.data.get("note", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Answer sent to the station."))
            return redirect(reverse("antifraud:bank_request", args=[pk]))
    if request.method == "POST" and request.POST.get("action") == "ledger":
        try:
            ledger = svc.ledger_upload(
                loss=bank_request.loss, actor=request.user, upload=request.FILES.get("file"), request=bank_request
            )
        except (ValidationError, PermissionDenied) as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Ledger received; it is being read."))
            return redirect(reverse("antifraud:ledger", args=[ledger.pk]))
    return render(
        request,
        "antifraud/bank_request.html",
        {
            "r": with_clock([bank_request], now)[0],
            "form": form,
            "steps": bank_request.steps.select_related("actor"),
            "ledgers": list(bank_request.ledgers.all()),
            "amount_yuan": yuan(bank_request.amount_fen),
            "held_yuan": yuan(bank_request.held_fen),
        },
    )


# --- ledgers and traces ----------------------------------------------------------------------------------------


def _ledger_context(request, ledger, **extra) -> dict:
    desk = has_role(request.user, BANK_DESK_ROLES)
    return {
        "ledger": ledger,
        "problems": problem_rows(ledger.problems),
        "traces": list(ledger.traces.all()) if desk else [],
        "is_working": ledger.status in (LedgerStatus.QUEUED, LedgerStatus.INDEXING)
        or (desk and ledger.traces.filter(status__in=(TraceStatus.QUEUED, TraceStatus.RUNNING)).exists()),
        "may_trace": desk,
        "other_losses": sel.open_losses_besides(station_id=ledger.station_id, loss_id=ledger.loss_id) if desk else [],
        **extra,
    }


@login_required
def ledger_detail(request, pk: int):
    """A ledger being read, then what was read (rows, accounts, bad rows by kind and line) and its traces."""
    _need(request, BANK_ANSWER_ROLES | BANK_DESK_ROLES)
    ledger = sel.ledger_get_for(user=request.user, pk=pk)
    template = "antifraud/_ledger_status.html" if request.GET.get("fragment") else "antifraud/ledger_detail.html"
    return render(request, template, _ledger_context(request, ledger))


@login_required
@require_POST
def ledger_trace(request, pk: int):
    """Run the trace again as of now (e.g. after more transfers were recorded), with other victims of the ring."""
    _need(request, BANK_DESK_ROLES)
    ledger = sel.ledger_get_for(user=request.user, pk=pk)
    raw = request.POST.getlist("other_losses")
    ids = [int(v) for v in raw if v.strip().isdigit()]
    others = list(FraudLoss.objects.filter(pk__in=ids).select_related("case"))
    try:
        if len(ids) != len(raw) or len(others) != len(set(ids)):
            raise ValidationError({"other_losses": [_("Other victims of the same ring: choose losses from the list.")]})
        svc.fundtrace_start(ledger=ledger, actor=request.user, other_losses=others)
    except (ValidationError, PermissionDenied) as exc:
        context = _ledger_context(request, ledger, trace_errors=error_lines(exc), chosen=set(ids))
        return render(request, "antifraud/ledger_detail.html", context, status=400)
    messages.success(request, _("Tracing again; the page updates when it is done."))
    return redirect(reverse("antifraud:ledger", args=[ledger.pk]))


def _trace_losses(trace) -> dict:
    """The trace's losses by id: its own first, then the other victims traced with it."""
    losses = {trace.loss_id: trace.loss}
    losses.update((o.pk, o) for o in trace.other_losses.select_related("case").order_by("pk"))
    return losses


def _trace_plan(trace, result: dict, losses: dict | None = None) -> dict:
    """The engine's refund plan of a (masked) result grouped per victim, with the rows already recorded."""
    recorded = set(trace.refunds.values_list("plan_account", flat=True))
    return refund_plan_by_victim(result, trace_seed_losses(trace), losses or _trace_losses(trace), recorded)


@login_required
def trace_detail(request, pk: int):
    """The trace as the engine returned it: accounts by level with what they hold, sinks, totals, graph."""
    trace = sel.trace_get_for(user=request.user, pk=pk)
    if trace.status != TraceStatus.DONE:
        return redirect(reverse("antifraud:ledger", args=[trace.ledger_id]))
    result = victim_accounts_masked(trace.result)
    losses = _trace_losses(trace)
    policies = result.get("policies", [])
    requested = set(trace.loss.requests.exclude(status="renewed").values_list("account", flat=True))
    accounts = []
    for row in result.get("accounts", ()):
        accounts.append(
            {
                **row,
                "held": [row["tainted_held_now_fen"].get(p, 0) for p in policies],
                "hold_fen": account_hold_amount(row),
                "is_requested": row["account"] in requested,
            }
        )
    return render(
        request,
        "antifraud/trace_detail.html",
        {
            "trace": trace,
            "result": result,
            "policies": policies,
            "accounts": accounts,
            "recoverable": [result.get("recoverable_total_fen", {}).get(p, 0) for p in policies],
            "sinks": [
                {**s, "amounts": [s.get("amount_fen", {}).get(p, 0) for p in policies]} for s in result.get("sinks", ())
            ],
            "graph": trace_graph(result),
            "plan": _trace_plan(trace, result, losses),
            "missing_losses": [
                loss for pk, loss in losses.items() if pk != trace.loss_id and pk not in set(trace.seed_losses or ())
            ],
        },
    )


@login_required
@require_POST
def trace_refunds(request, pk: int):
    """The bank returned a holding account's money: record each victim's share of the plan, all or nothing."""
    trace = sel.trace_get_for(user=request.user, pk=pk)
    try:
        refunds = svc.trace_refunds_record(
            trace=trace, actor=request.user, account=request.POST.get("plan_account", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(
            request,
            _("Money returned recorded for %(n)d victims: %(y)s yuan.")
            % {"n": len(refunds), "y": yuan(sum(r.amount_fen for r in refunds))},
        )
    return redirect(reverse("antifraud:trace", args=[pk]) + "#refund-accounts")


@login_required
@require_POST
def trace_stop(request, pk: int):
    """One click: stop or freeze the chosen accounts at their banks, as the engine recommends."""
    trace = sel.trace_get_for(user=request.user, pk=pk)
    try:
        sent = svc.trace_stop_requests(trace=trace, actor=request.user, accounts=request.POST.getlist("account"))
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
        return redirect(reverse("antifraud:trace", args=[pk]))
    messages.success(request, _("%(n)d requests sent to the banks.") % {"n": len(sent)})
    return _back(trace.loss_id)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def trace_export(request, pk: int):
    """The trace's accounts and amounts as XLSX, for the bank and the case file."""
    trace = sel.trace_get_for(user=request.user, pk=pk)
    if trace.status != TraceStatus.DONE or not trace.result.get("accounts"):
        messages.error(request, _("This trace has no account to export."))
        return redirect(reverse("antifraud:ledger", args=[trace.ledger_id]))
    result = victim_accounts_masked(trace.result)
    data = trace_workbook(
        result=result,
        plan=_trace_plan(trace, result),
        case_number=trace.loss.case.number,
        bank_name=trace.ledger.bank.name,
        officer_name=str(request.user),
        legal_basis=DEFAULT_LEGAL_BASIS[RequestKind.STOP],
    )
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="trace-{trace.loss.case.number}-{trace.pk}.xlsx"'
    return response


@login_required
def trace_export_pdf(request, pk: int):
    """The trace's accounts and amounts as a PDF (CJK font) with the legal basis line and the officer's name."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    trace = sel.trace_get_for(user=request.user, pk=pk)
    if trace.status != TraceStatus.DONE or not trace.result.get("accounts"):
        messages.error(request, _("This trace has no account to export."))
        return redirect(reverse("antifraud:ledger", args=[trace.ledger_id]))
    policies = trace.result.get("policies", [])
    result = victim_accounts_masked(trace.result)
    plan = _trace_plan(trace, result)
    cases_of = plan_cases_per_account(plan)
    html = render_to_string(
        "antifraud/trace_pdf.html",
        {
            "result": result,
            "policies": policies,
            "accounts": [
                {
                    **row,
                    "held": [row["tainted_held_now_fen"].get(p, 0) for p in policies],
                    "cases": cases_of.get(row["account"], []),
                }
                for row in result["accounts"]
            ],
            "plan": plan,
            "case_number": trace.loss.case.number,
            "bank_name": trace.ledger.bank.name,
            "legal_basis": DEFAULT_LEGAL_BASIS[RequestKind.STOP],
            "officer_name": str(request.user),
            "printed_at": timezone.now(),
        },
        request=request,
    )
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="trace-{trace.loss.case.number}-{trace.pk}.pdf"'
    return response
