"""Pages of the care app: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.care import selectors, services
from lianxin.care.models import (
    AlarmStatus,
    Answer,
    CareState,
    ConsentBy,
    ContactKind,
    EnrolmentStatus,
    VisitKind,
    VisitOutcome,
    station_zone,
)
from lianxin.people.selectors import resident_get_for, resident_list_for

CONTACT_ROWS = 3


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"": list(exc.messages)}


def _require_carer(user) -> None:
    if not services.may_care(user):
        raise PermissionDenied(_("Your role may not look after residents under care."))


def _time(value: str, field: str) -> dt.time:
    try:
        return dt.time.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: [_("Give a time like 07:00.")]}) from None


def _local_datetime(value: str, field: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat((value or "").strip()).replace(tzinfo=station_zone())
    except ValueError:
        raise ValidationError({field: [_("Give the date and time.")]}) from None


def _int(value: str, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ValidationError({field: [_("Give a whole number.")]}) from None


@login_required
def elder_list(request):
    _require_carer(request.user)
    now = timezone.now()
    return render(
        request,
        "care/elder_list.html",
        {
            "rows": selectors.elder_rows_for(user=request.user, now=now),
            "alarms": selectors.alarm_list_for(user=request.user),
        },
    )


@login_required
def alarm_panel(request):
    _require_carer(request.user)
    return render(request, "care/_alarm_panel.html", {"alarms": selectors.alarm_list_for(user=request.user)})


@login_required
def enrolment_new(request):
    _require_carer(request.user)
    errors: dict[str, list[str]] = {}
    data = request.POST if request.method == "POST" else request.GET
    candidates = resident_list_for(user=request.user, q=request.GET.get("q", "")).filter(care_enrolment__isnull=True)[
        :50
    ]
    if request.method == "POST":
        try:
            resident = resident_get_for(user=request.user, pk=data.get("resident") or 0)
            enrolment = services.enrolment_create(
                actor=request.user,
                resident=resident,
                consent_by=data.get("consent_by", ""),
                proxy_name=data.get("proxy_name", ""),
                proxy_reason=data.get("proxy_reason", ""),
                has_monitoring_consent=data.get("has_monitoring_consent") == "on",
                has_health_consent=data.get("has_health_consent") == "on",
                window_starts=_time(data.get("window_starts", ""), "window_starts"),
                window_ends=_time(data.get("window_ends", ""), "window_ends"),
                grace_minutes=_int(data.get("grace_minutes", "30"), "grace_minutes"),
                contacts=[
                    services.ContactIn(
                        kind=data.get(f"contact_{i}_kind", ContactKind.FAMILY),
                        name=data.get(f"contact_{i}_name", ""),
                        relation=data.get(f"contact_{i}_relation", ""),
                        phone=data.get(f"contact_{i}_phone", ""),
                    )
                    for i in range(1, CONTACT_ROWS + 1)
                ],
                plan=data.get("plan", ""),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        except Http404:
            errors = {"resident": [_("Choose a resident of your grids.")]}
        else:
            messages.success(request, _("%(who)s is enrolled.") % {"who": enrolment.resident.name})
            return redirect("care:detail", pk=enrolment.pk)
    return render(
        request,
        "care/enrolment_new.html",
        {
            "candidates": candidates,
            "errors": errors,
            "all_errors": [m for msgs in errors.values() for m in msgs],
            "data": data,
            "contact_rows": range(1, CONTACT_ROWS + 1),
            "contact_kinds": ContactKind.choices,
            "consent_choices": ConsentBy.choices,
        },
    )


@login_required
def enrolment_detail(request, pk):
    enrolment = selectors.enrolment_get_for(user=request.user, pk=pk)
    now = timezone.now()
    plan = request.session.pop(f"care-plan-{enrolment.pk}", None)
    device_key = request.session.pop(f"care-device-key-{enrolment.pk}", None)
    return render(
        request,
        "care/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "state": enrolment.state_at(now),
            "state_label": CareState(enrolment.state_at(now)).label,
            "contacts": selectors.contacts_for(viewer=request.user, enrolment=enrolment),
            "alarms": enrolment.alarms.select_related("case").order_by("-started_at")[:10],
            "live_alarm": enrolment.alarms.filter(status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED]).first(),
            "timeline": selectors.timeline_for(enrolment=enrolment),
            "devices": enrolment.devices.order_by("device_id"),
            "visits": enrolment.visits.filter(visited_at__isnull=False).select_related("visited_by", "case")[:10],
            "booked": enrolment.visits.filter(visited_at__isnull=True).select_related("visited_by", "case"),
            "may_book": services.may_schedule_visits(request.user),
            "visit_kinds": VisitKind.choices,
            "visit_outcomes": VisitOutcome.choices,
            "plan": plan,
            "device_key": device_key,
            "elder_url": request.build_absolute_uri(reverse("care:elder", args=[enrolment.checkin_token])),
            "is_active": enrolment.status == EnrolmentStatus.ACTIVE,
            "now": now,
        },
    )


def _act(request, pk, action, success: str):
    enrolment = selectors.enrolment_get_for(user=request.user, pk=pk)
    try:
        action(enrolment)
    except ValidationError as exc:
        for msgs in _errors(exc).values():
            for m in msgs:
                messages.error(request, m)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Not allowed."))
    else:
        if success:
            messages.success(request, success)
    return redirect("care:detail", pk=enrolment.pk)


@login_required
@require_POST
def checkin_for(request, pk):
    def action(enrolment):
        services.require_carer(request.user, enrolment)
        services.checkin_record(enrolment=enrolment, via=request.POST.get("via", "staff"), actor=request.user)

    return _act(request, pk, action, _("Checked in for today."))


@login_required
@require_POST
def away(request, pk):
    def action(enrolment):
        services.away_set(
            enrolment=enrolment,
            actor=request.user,
            away_from=_local_datetime(request.POST.get("away_from", ""), "away_from"),
            away_until=_local_datetime(request.POST.get("away_until", ""), "away_until"),
            note=request.POST.get("note", ""),
        )

    return _act(request, pk, action, _("Check-ins are paused for that period."))


@login_required
@require_POST
def withdraw(request, pk):
    def action(enrolment):
        services.enrolment_withdraw(enrolment=enrolment, actor=request.user, reason=request.POST.get("reason", ""))

    return _act(request, pk, action, _("Monitoring is withdrawn; nothing more will be sent."))


@login_required
@require_POST
def plan(request, pk):
    def action(enrolment):
        text = services.plan_open(enrolment=enrolment, actor=request.user, reason=request.POST.get("reason", ""))
        request.session[f"care-plan-{enrolment.pk}"] = text

    return _act(request, pk, action, "")


@login_required
@require_POST
def visit(request, pk):
    def action(enrolment):
        services.visit_record(
            enrolment=enrolment,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )

    return _act(request, pk, action, _("The visit is recorded."))


@login_required
@require_POST
def visit_book(request, pk):
    def action(enrolment):
        services.visit_schedule(
            enrolment=enrolment,
            actor=request.user,
            scheduled_for=_local_datetime(request.POST.get("scheduled_for", ""), "scheduled_for"),
            note=request.POST.get("note", ""),
        )

    return _act(request, pk, action, _("The home visit is booked; its case is open."))


@login_required
@require_POST
def visit_done(request, pk):
    visit = selectors.visit_get_for(user=request.user, pk=pk)

    def action(enrolment):
        services.visit_complete(
            visit=visit, actor=request.user, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", "")
        )

    return _act(request, visit.enrolment_id, action, _("The visit is recorded."))


@login_required
@require_POST
def device_new(request, pk):
    def action(enrolment):
        _device, key = services.device_add(
            enrolment=enrolment,
            actor=request.user,
            device_id=request.POST.get("device_id", ""),
            heartbeat_seconds=_int(request.POST.get("heartbeat_seconds", "300"), "heartbeat_seconds"),
        )
        request.session[f"care-device-key-{enrolment.pk}"] = [_device.device_id, key]

    return _act(request, pk, action, _("The device is registered."))


@login_required
def alarm_detail(request, pk):
    alarm = selectors.alarm_get_for(user=request.user, pk=pk)
    return render(
        request,
        "care/alarm_detail.html",
        {
            "alarm": alarm,
            "notifications": alarm.notifications.select_related("user"),
            "events": alarm.events.order_by("at", "id"),
            "answers": Answer.choices,
        },
    )


@login_required
@require_POST
def alarm_ack(request, pk):
    alarm = selectors.alarm_get_for(user=request.user, pk=pk)
    try:
        services.alarm_answer(alarm=alarm, answer=request.POST.get("answer", ""), actor=request.user)
    except ValidationError as exc:
        for msgs in _errors(exc).values():
            for m in msgs:
                messages.error(request, m)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you; the others will not be called."))
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith("/care/") else reverse("care:alarm", args=[alarm.pk]))


def _big_button(request, enrolment, *, template_url: str):
    done = False
    if request.method == "POST":
        services.checkin_record(enrolment=enrolment, via=services.CheckinVia.BUTTON, actor_name=enrolment.resident.name)
        done = True
    now = timezone.now()
    return render(
        request,
        "care/elder_button.html",
        {
            "enrolment": enrolment,
            "done": done or enrolment.state_at(now) == "checked_in",
            "just_done": done,
            "action": template_url,
            "may_set_away": template_url == reverse("care:me"),
        },
    )


def elder_button(request, token):
    """The elder's own page (the link is their key): one big button, no typing."""
    enrolment = selectors.enrolment_by_token(token=token)
    return _big_button(request, enrolment, template_url=reverse("care:elder", args=[token]))


@login_required
def me(request):
    """A signed-in resident under care: the same big button."""
    enrolment = selectors.enrolment_of_resident_user(user=request.user)
    if enrolment is None:
        return render(request, "care/elder_button.html", {"enrolment": None})
    return _big_button(request, enrolment, template_url=reverse("care:me"))


@login_required
@require_POST
def me_away(request):
    """The resident going away (to a daughter's home, to hospital) pauses their own check-ins."""
    enrolment = selectors.enrolment_of_resident_user(user=request.user)
    if enrolment is None:
        raise Http404("not enrolled")
    try:
        services.away_set(
            enrolment=enrolment,
            actor=None,
            actor_name=enrolment.resident.name,
            away_from=_local_datetime(request.POST.get("away_from", ""), "away_from"),
            away_until=_local_datetime(request.POST.get("away_until", ""), "away_until"),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        for msgs in _errors(exc).values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("Check-ins are paused for that period."))
    return redirect("care:me")


def notice(request, token):
    """A family member's link from their notice: what happened and three answers."""
    notification = selectors.notification_by_token(token=token)
    alarm = notification.alarm
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.alarm_answer(alarm=alarm, answer=request.POST.get("answer", ""), notification=notification)
        except ValidationError as exc:
            errors = [m for msgs in _errors(exc).values() for m in msgs]
        else:
            return redirect("care:notice", token=token)
        alarm.refresh_from_db()
    return render(
        request,
        "care/notice.html",
        {"notification": notification, "alarm": alarm, "answers": Answer.choices, "errors": errors},
    )
