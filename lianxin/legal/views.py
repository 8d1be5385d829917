"""Pages of the legal app: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianxin.cases.selectors import cart_stop_open_for
from lianxin.core import feeds as core_feeds
from lianxin.core import pii
from lianxin.core.forms import Outcome, attempt
from lianxin.core.ratelimit import client_address, rate_limited
from lianxin.core.roles import may_see_whole
from lianxin.core.selectors import station_list_public
from lianxin.core.services import REVEAL_REASONS, personal_data_display, personal_data_reveal
from lianxin.legal import adapters, checkups, selectors, services
from lianxin.legal.models import Booking
from lianxin.places.models import Grid

STATION_CODE_MAX_CHARS = 32


def _station(request):
    """The station asked: the user's, the one named in ?station=, or the only one."""
    if request.user.is_authenticated and request.user.station_id:
        return request.user.station
    stations = station_list_public()
    code = request.GET.get("station") or request.POST.get("station") or ""
    if code and len(code) <= STATION_CODE_MAX_CHARS:
        return stations.filter(code=code).first()
    first_two = list(stations[:2])
    return first_two[0] if len(first_two) == 1 else None


def ask(request):
    """Ask in everyday words; the answer (cards, then articles) is on the same page. Nothing is stored."""
    question = (request.GET.get("q") or "").strip()
    is_kiosk = request.GET.get("kiosk") == "1"
    outcome: Outcome = Outcome()
    unavailable = False
    if "q" in request.GET:
        try:
            outcome = attempt(lambda: services.consultation_ask(question=question))
        except adapters.LawSearchUnavailable:
            unavailable = True
    station = _station(request)
    cart_stop = cart_stop_open_for(user=request.user) if is_kiosk else None
    return render(
        request,
        "legal/ask.html",
        {
            "question": question,
            "answer": outcome.result,
            "errors": outcome.errors,
            "unavailable": unavailable,
            "is_kiosk": is_kiosk,
            "station": station,
            "cart_stop": cart_stop,
            "is_night": services.is_night(timezone.now()),
            "question_max": services.QUESTION_MAX_CHARS,
        },
    )


@require_POST
def ask_save(request):
    """Keep the consultation (a case) and go to its page, where a lawyer's slot can be booked."""
    station = _station(request)
    data = request.POST
    question = (data.get("question") or "").strip()
    is_kiosk = data.get("kiosk") == "1"
    errors: dict[str, list[str]] = {}
    if station is None:
        errors = {"station": [_("Choose your police station first.")]}
    elif not request.user.is_authenticated and rate_limited(scope="anonymous_filing", key=client_address(request)):
        errors = {"__all__": [_("Too many consultations were kept from this address; please call 12348.")]}
    else:
        cart_stop = cart_stop_open_for(user=request.user) if is_kiosk else None
        outcome = attempt(
            lambda: services.consultation_save(
                station=station,
                actor=request.user if request.user.is_authenticated else None,
                question=question,
                contact_name=data.get("contact_name", ""),
                contact_phone=data.get("contact_phone", ""),
                cart_stop=cart_stop,
                is_kiosk=is_kiosk,
            ),
            refused_status=400,
        )
        if outcome.ok:
            return redirect("legal:consultation", token=outcome.result.token)
        errors = outcome.errors
    answer = None
    try:
        answer = services.consultation_ask(question=question)
    except (ValidationError, adapters.LawSearchUnavailable):
        pass
    return render(
        request,
        "legal/ask.html",
        {
            "question": question,
            "answer": answer,
            "errors": errors,
            "is_kiosk": is_kiosk,
            "station": station,
            "is_night": services.is_night(timezone.now()),
            "question_max": services.QUESTION_MAX_CHARS,
            "contact_name": data.get("contact_name", ""),
            "contact_phone": data.get("contact_phone", ""),
        },
        status=400,
    )


def _consultation_context(request, consultation, errors=None):
    now = timezone.now()
    slots = selectors.slots_open_for(station_id=consultation.station_id, now=now)
    bookings = list(consultation.bookings.select_related("slot", "slot__lawyer").order_by("slot__starts_at"))
    first_day = slots[0].starts_at.astimezone(services._zone()).date() if slots else None
    return {
        "c": consultation,
        "case": consultation.case,
        "slots": slots,
        "bookings": [(b, services.room_url(b)) for b in bookings],
        "errors": errors or {},
        "is_night": services.is_night(now),
        "has_upcoming": any(b.slot.ends_at > now for b in bookings),
        "next_day_only": first_day is not None and first_day > now.astimezone(services._zone()).date(),
    }


def consultation(request, token):
    """The resident's page of a kept consultation: the engine's answer, bookings, the lawyer's answer."""
    c = selectors.consultation_get_by_token(token=token)
    return render(request, "legal/consultation.html", _consultation_context(request, c))


@require_POST
def consultation_book(request, token):
    c = selectors.consultation_get_by_token(token=token)
    slot = selectors.slot_get_open(station_id=c.station_id, pk=request.POST.get("slot"))
    outcome = attempt(lambda: services.booking_make(consultation=c, slot=slot))
    if not outcome.ok:
        return render(
            request, "legal/consultation.html", _consultation_context(request, c, outcome.errors), status=outcome.status
        )
    messages.success(request, _("Booked. Download the invitation and join the video room at the time."))
    return redirect("legal:consultation", token=token)


def booking_ics(request, token, pk):
    c = selectors.consultation_get_by_token(token=token)
    booking = Booking.objects.select_related("slot", "slot__lawyer", "consultation__case").filter(consultation=c, pk=pk)
    found = booking.first()
    if found is None:
        return HttpResponse(status=404)
    page_url = request.build_absolute_uri(reverse("legal:consultation", args=[token]))
    response = HttpResponse(selectors.booking_ics(booking=found, page_url=page_url), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="legal-{found.pk}.ics"'
    return response


@login_required
def inbox(request):
    if not selectors.may_read_consultations(request.user):
        raise PermissionDenied(_("Your role may not read legal consultations."))
    return render(
        request,
        "legal/inbox.html",
        {
            **selectors.inbox_for(user=request.user),
            "is_lawyer": selectors.is_lawyer(request.user),
            "may_subscribe": selectors.may_subscribe_duty(request.user),
        },
    )


@login_required
def consultation_detail(request, pk):
    """A lawyer reads the question and the engine's hits, and writes the answer and the follow-up advice."""
    c = selectors.consultation_get_for(user=request.user, pk=pk)
    outcome: Outcome = Outcome()
    if request.method == "POST":
        outcome = attempt(
            lambda: services.consultation_answer(
                consultation=c,
                actor=request.user,
                answer=request.POST.get("answer", ""),
                advice=request.POST.get("advice", ""),
            )
        )
        if outcome.ok:
            messages.success(request, _("Answer sent; the resident sees it on their consultation."))
            return redirect("legal:inbox")
    return render(
        request,
        "legal/consultation_detail.html",
        {
            "c": c,
            "case": c.case,
            "errors": outcome.errors,
            "is_lawyer": selectors.is_lawyer(request.user),
            "bookings": [(b, services.room_url(b)) for b in c.bookings.select_related("slot", "slot__lawyer")],
            "form": request.POST if request.method == "POST" else {},
        },
        status=outcome.status,
    )


@login_required
def rota(request):
    """The duty lawyers' rota: who is on duty when; supervisors add slots (one or a run of them)."""
    if not selectors.may_keep_rota(request.user) and not selectors.is_lawyer(request.user):
        raise PermissionDenied(_("Your role may not see the rota."))
    outcome: Outcome = Outcome()
    if request.method == "POST":
        lawyer = selectors.lawyers_for(user=request.user).filter(pk=request.POST.get("lawyer") or 0).first()

        def submit():
            try:
                local = dt.datetime.fromisoformat(request.POST.get("starts_at", ""))
            except ValueError:
                raise ValidationError({"starts_at": [_("Give the slot's date and time.")]}) from None
            starts_at = local.replace(tzinfo=services._zone()) if timezone.is_naive(local) else local
            try:
                minutes = int(request.POST.get("minutes") or 30)
                count = int(request.POST.get("count") or 1)
            except ValueError:
                raise ValidationError({"minutes": [_("Give whole numbers.")]}) from None
            if not 1 <= count <= 16:
                raise ValidationError({"count": [_("Add 1 to 16 slots at a time.")]})
            for n in range(count):
                services.slot_create(
                    actor=request.user,
                    lawyer=lawyer,
                    starts_at=starts_at + dt.timedelta(minutes=minutes * n),
                    minutes=minutes,
                )

        outcome = attempt(submit, refused_status=400)
        if outcome.ok:
            messages.success(request, _("Added to the rota."))
            return redirect("legal:rota")
    return render(
        request,
        "legal/rota.html",
        {
            "slots": selectors.rota_for(user=request.user),
            "lawyers": selectors.lawyers_for(user=request.user),
            "may_keep": selectors.may_keep_rota(request.user),
            "may_subscribe": selectors.may_subscribe_duty(request.user),
            "errors": outcome.errors,
        },
        status=outcome.status,
    )


# --- the duty lawyer's private calendar link (core.feeds) --------------------------------------------------


def _feed_rows(user) -> list[core_feeds.FeedRow]:
    if not selectors.may_subscribe_duty(user):
        return []
    tokens = core_feeds.feed_tokens_active_for(user=user, kinds=(selectors.FEED_KIND_DUTY,))
    return [
        core_feeds.FeedRow(
            kind=selectors.FEED_KIND_DUTY,
            target_id="",
            title=_("My duty slots"),
            detail=_("Your slots on the rota; a booked one shows its case number."),
            token=tokens.get((selectors.FEED_KIND_DUTY, "")),
        )
    ]


@never_cache
@login_required
def feeds(request):
    """A duty lawyer's private calendar link: make it, copy it, reset it (the old one stops), or stop it."""
    if not selectors.may_subscribe_duty(request.user):
        raise PermissionDenied(_("Only a duty lawyer has a rota calendar."))
    rows = _feed_rows(request.user)
    if request.method == "POST":
        stopped = core_feeds.feed_links_post(
            request, rows, url_name_for=lambda _kind: "legal:duty_feed", back="legal:feeds"
        )
        if stopped is not None:
            return stopped
    return render(request, "legal/feeds.html", {"rows": rows})


def duty_feed(request, token):
    """A lawyer's rota slots as an iCalendar feed a calendar application subscribes to without signing in."""
    feed = core_feeds.feed_token_get_or_404(token=token, kind=selectors.FEED_KIND_DUTY)

    def link(consultation):
        return request.build_absolute_uri(reverse("legal:detail", args=[consultation.pk]))

    return core_feeds.calendar_response(selectors.duty_calendar_for(feed=feed, link=link), filename="duty.ics")


# --- enterprise legal check-ups (法治体检) and micro-classrooms -------------------------------


def _require_checkups(user):
    if not selectors.may_run_checkups(user):
        raise PermissionDenied(_("Your role may not run legal check-ups."))


@login_required
def enterprise_list(request):
    _require_checkups(request.user)
    outcome: Outcome = Outcome()
    if request.method == "POST":
        data = request.POST
        grid = Grid.objects.filter(station_id=request.user.station_id, pk=data.get("grid") or 0).first()
        outcome = attempt(
            lambda: checkups.enterprise_register(
                actor=request.user,
                name=data.get("name", ""),
                credit_code=data.get("credit_code", ""),
                sector=data.get("sector", ""),
                contact_name=data.get("contact_name", ""),
                contact_phone=data.get("contact_phone", ""),
                grid=grid,
            )
        )
        if outcome.ok:
            messages.success(request, _("Enterprise registered."))
            return redirect("legal:enterprise", pk=outcome.result.pk)
    return render(
        request,
        "legal/enterprise_list.html",
        {
            "enterprises": selectors.enterprises_for(user=request.user),
            "grids": Grid.objects.filter(station_id=request.user.station_id).order_by("code"),
            "findings_due": selectors.findings_due_for(user=request.user),
            "errors": outcome.errors,
            "post": request.POST,
        },
        status=outcome.status,
    )


@login_required
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_get_for(user=request.user, pk=pk)
    checklists = selectors.checklists_for(user=request.user)
    outcome: Outcome = Outcome()
    if request.method == "POST":
        checklist = checklists.filter(pk=request.POST.get("checklist") or 0).first()
        previous = enterprise.checkups.filter(pk=request.POST.get("previous") or 0).first()

        def submit():
            if checklist is None:
                raise ValidationError({"checklist": [_("Choose a checklist.")]})
            answers = {}
            for index in range(len(checklist.items)):
                value = request.POST.get(f"q{index}", "")
                if value.isdigit():
                    answers[index] = int(value)
            try:
                checked_on = dt.date.fromisoformat(request.POST.get("checked_on") or "")
            except ValueError:
                raise ValidationError({"checked_on": [_("Give the date of the check-up.")]}) from None
            return checkups.checkup_record(
                actor=request.user,
                enterprise=enterprise,
                checklist=checklist,
                answers=answers,
                checked_on=checked_on,
                previous=previous,
            )

        outcome = attempt(submit)
        if outcome.ok:
            messages.success(request, _("Check-up recorded."))
            return redirect("legal:checkup", pk=outcome.result.pk)
    return _enterprise_page(request, enterprise, checklists=checklists, errors=outcome.errors)


def _enterprise_page(request, enterprise, *, checklists, errors, whole_phone: str = "", reveal_error: str = ""):
    """Render an enterprise's page; its contact phone masked unless just revealed (audited)."""
    phone = enterprise.contact_phone
    return render(
        request,
        "legal/enterprise_detail.html",
        {
            "e": enterprise,
            "phone": whole_phone or (personal_data_display(viewer=request.user, value=phone) if phone else ""),
            "phone_is_whole": bool(whole_phone),
            "may_reveal_phone": bool(phone) and not whole_phone and may_see_whole(request.user, pii.KIND_PHONE),
            "reasons": REVEAL_REASONS,
            "reveal_error": reveal_error,
            "checkups": enterprise.checkups.prefetch_related("findings").order_by("-checked_on"),
            "checklists": checklists,
            "trainings": enterprise.trainings.order_by("-held_at")[:20],
            "errors": errors,
            "today": timezone.localdate(),
        },
        status=400 if errors or reveal_error else 200,
    )


@never_cache
@login_required
@require_POST
def enterprise_reveal(request, pk):
    """Show the enterprise contact's whole phone number to a role allowed it; each view is audited."""
    enterprise = selectors.enterprise_get_for(user=request.user, pk=pk)
    checklists = selectors.checklists_for(user=request.user)
    reason = request.POST.get("reason_text", "").strip() or request.POST.get("reason", "")
    try:
        whole = personal_data_reveal(actor=request.user, target=enterprise, field="contact_phone", reason=reason)
    except ValidationError as exc:
        return _enterprise_page(request, enterprise, checklists=checklists, errors={}, reveal_error=exc.messages[0])
    return _enterprise_page(request, enterprise, checklists=checklists, errors={}, whole_phone=whole)


@login_required
def checkup_detail(request, pk):
    checkup = selectors.checkup_get_for(user=request.user, pk=pk)
    outcome: Outcome = Outcome()
    if request.method == "POST":
        finding = checkup.findings.filter(pk=request.POST.get("finding") or 0).first()

        def submit():
            if finding is None:
                raise ValidationError({"finding": [_("No such finding.")]})
            checkups.finding_fix(actor=request.user, finding=finding, note=request.POST.get("fix_note", ""))

        outcome = attempt(submit)
        if outcome.ok:
            messages.success(request, _("Finding closed."))
            return redirect("legal:checkup", pk=checkup.pk)
    return render(
        request,
        "legal/checkup_detail.html",
        {"c": checkup, "findings": checkup.findings.all(), "errors": outcome.errors},
        status=outcome.status,
    )


@login_required
def checkup_pdf(request, pk):
    checkup = selectors.checkup_get_for(user=request.user, pk=pk)
    response = HttpResponse(checkups.checkup_report_pdf(checkup=checkup), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="checkup-{checkup.pk}.pdf"'
    return response


@login_required
def training_list(request):
    _require_checkups(request.user)
    outcome: Outcome = Outcome()
    enterprises = selectors.enterprises_for(user=request.user)
    if request.method == "POST":
        data = request.POST

        def submit():
            try:
                local = dt.datetime.fromisoformat(data.get("held_at", ""))
                attendance = int(data.get("attendance") or 0)
            except ValueError:
                raise ValidationError(
                    {"held_at": [_("Give the date and time, and the attendance as a number.")]}
                ) from None
            checkups.training_record(
                actor=request.user,
                held_at=local.replace(tzinfo=services._zone()) if timezone.is_naive(local) else local,
                place=data.get("place", ""),
                topic=data.get("topic", ""),
                attendance=attendance,
                enterprises=list(enterprises.filter(pk__in=[v for v in data.getlist("enterprises") if v.isdigit()])),
            )

        outcome = attempt(submit)
        if outcome.ok:
            messages.success(request, _("Micro-classroom recorded."))
            return redirect("legal:trainings")
    return render(
        request,
        "legal/training_list.html",
        {
            "trainings": selectors.trainings_for(user=request.user)[:100],
            "enterprises": enterprises,
            "errors": outcome.errors,
        },
        status=outcome.status,
    )
