"""Pages of the anti-fraud desk: the residents' check, the clinic, warnings, blacklist, campaigns, figures.

Views parse, call one service or selector, and render; a service's ValidationError becomes
a message naming the field, never a 500.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.antifraud import forms as f
from lianxin.antifraud import selectors as sel
from lianxin.antifraud import services as svc
from lianxin.antifraud.adapters import EngineUnavailable
from lianxin.antifraud.models import Decision, EntryStatus, Screenshot, ScreenshotStatus, WarningSource
from lianxin.antifraud.present import highlight_segments, panel_state, yuan
from lianxin.antifraud.roles import BLACKLIST_ROLES, CAMPAIGN_ROLES, DESK_ROLES, RESPONDER_ROLES, duty_phone
from lianxin.antifraud.services.screening import SCREENSHOT_KEEP_HOURS
from lianxin.antifraud.views_bank import with_clock
from lianxin.cases.selectors import cart_stop_open_for
from lianxin.core.errors import Conflict
from lianxin.core.forms import form_errors_from, messages_from_error
from lianxin.core.ranged import ranged_file_response
from lianxin.core.ratelimit import client_address
from lianxin.core.roles import has_role
from lianxin.core.selectors import station_list_public
from lianxin.people.selectors import resident_get_for, resident_list_for

BAND_WORDS = {
    "high": gettext_lazy("This looks like a scam. Do not transfer any money."),
    "medium": gettext_lazy("This may be a scam. Be careful and check before you do anything."),
    "low": gettext_lazy("We found no sign of a scam in this message, but stay careful."),
}


def _station(request):
    if request.user.is_authenticated and request.user.station_id:
        return request.user.station
    stations = station_list_public()
    code = request.GET.get("station") or request.POST.get("station")
    if code:
        return stations.filter(code=code).first()
    first_two = list(stations[:2])
    return first_two[0] if len(first_two) == 1 else None


def _need(request, roles) -> None:
    if not has_role(request.user, roles):
        raise PermissionDenied(_("Your role may not use this page."))


def _verdict_context(check: svc.CheckResult) -> dict:
    r = check.result
    return {
        "check": check,
        "r": r,
        "words": BAND_WORDS.get(r.band, ""),
        "segments": highlight_segments(check.text, r.cues, check.hits),
        "risk_percent": round(r.risk * 100),
    }


# --- the residents' check ------------------------------------------------------------------------------------


def check(request):
    """'Is this a scam?': paste a message (or upload a screenshot) and see the verdict; no sign-in needed."""
    station = _station(request)
    if station is None:
        return render(request, "antifraud/check_station.html", {"stations": station_list_public()})
    form = f.CheckForm(request.POST or None)
    context: dict = {"form": form, "station": station, "shot_form": f.ScreenshotForm(), "duty_phone": duty_phone()}
    if request.method == "POST" and form.is_valid():
        try:
            result = svc.screening_check(station=station, text=form.cleaned_data["text"], grid=_grid_of(request.user))
        except ValidationError as exc:
            form_errors_from(form, exc)
        except EngineUnavailable:
            form.add_error(None, _("The screening service is not available right now. Call 96110 if in doubt."))
        else:
            context.update(_verdict_context(result))
            context["pay_form"] = f.PayAlertForm(initial={"text": result.text})
            context["ask_contact"] = not request.user.is_authenticated
    return render(request, "antifraud/check.html", context)


def _grid_of(user):
    if not getattr(user, "is_authenticated", False):
        return None
    resident = getattr(user, "resident", None)
    return getattr(resident, "grid", None) if resident is not None else None


def _screenshot_from(token: str, station) -> Screenshot | None:
    if not token:
        return None
    return Screenshot.objects.filter(token=token, station=station).first()


@require_POST
def check_pay(request):
    """'I am about to pay' / 'I already paid': open the urgent case and show the duty desk's number."""
    station = _station(request)
    if station is None:
        raise Http404("no station")
    form = f.PayAlertForm(request.POST)
    if not form.is_valid():
        messages_from_error(request, ValidationError(form.errors))
        return redirect("antifraud:check")
    data = form.cleaned_data
    try:
        outcome = svc.resident_pay_alert(
            station=station,
            actor=request.user,
            text=data["text"],
            decision=data["decision"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            screenshot=_screenshot_from(data["screenshot"], station),
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
        return redirect("antifraud:check")
    except EngineUnavailable:
        messages.error(request, _("The screening service is not available right now. Call 96110 if in doubt."))
        return redirect("antifraud:check")
    return render(
        request,
        "antifraud/check_pay_done.html",
        {"case": outcome.case, "duty_phone": outcome.duty_phone, "paid": data["decision"] == Decision.ALREADY_PAID},
    )


@require_POST
def check_report(request):
    """'Report this number/link': a blacklist report with the message as evidence (reviewed before it counts)."""
    station = _station(request)
    if station is None:
        raise Http404("no station")
    form = f.ReportForm(request.POST)
    if not form.is_valid():
        messages_from_error(request, ValidationError(form.errors))
        return redirect("antifraud:check")
    data = form.cleaned_data
    try:
        svc.blacklist_report(
            station=station,
            actor=request.user,
            kind=data["kind"],
            value=data["value"],
            evidence=data["text"],
            screenshot=_screenshot_from(data["screenshot"], station),
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
        return redirect("antifraud:check")
    messages.success(request, _("Thank you. The station will check %(v)s and warn others.") % {"v": data["value"]})
    return redirect("antifraud:check")


@require_POST
def screenshot_upload(request):
    station = _station(request)
    if station is None:
        raise Http404("no station")
    form = f.ScreenshotForm(request.POST, request.FILES)
    try:
        shot = svc.screenshot_upload(station=station, actor=request.user, upload=request.FILES.get("image"))
    except ValidationError as exc:
        form_errors_from(form, exc)
        return render(
            request,
            "antifraud/check.html",
            {"form": f.CheckForm(), "shot_form": form, "station": station, "duty_phone": duty_phone()},
            status=400,
        )
    return redirect("antifraud:screenshot", token=shot.token)


def screenshot_page(request, token: str):
    shot = sel.screenshot_get_for(user=request.user, token=token)
    context = {"shot": shot, "keep_hours": SCREENSHOT_KEEP_HOURS, **_screenshot_context(request, shot)}
    return render(request, "antifraud/screenshot.html", context)


def screenshot_status(request, token: str):
    """The part of the screenshot page that changes: progress, then the verdict (polled by the page)."""
    shot = sel.screenshot_get_for(user=request.user, token=token)
    return render(request, "antifraud/_screenshot_status.html", {"shot": shot, **_screenshot_context(request, shot)})


def _screenshot_context(request, shot: Screenshot) -> dict:
    context: dict = {"duty_phone": duty_phone(), "ask_contact": not request.user.is_authenticated}
    if shot.status == ScreenshotStatus.DONE and shot.text.strip():
        try:
            result = svc.screening_check(station=shot.station, text=shot.text, count=False)
        except (ValidationError, EngineUnavailable):
            return context
        context.update(_verdict_context(result))
        context["pay_form"] = f.PayAlertForm(initial={"text": result.text, "screenshot": shot.token})
    return context


@login_required
def screenshot_image(request, pk: int):
    """The picture itself, for the desk's roles only (stored under DATA_DIR, outside the web root)."""
    _need(request, DESK_ROLES)
    shot = sel.screenshot_get_for(user=request.user, pk=pk)
    try:
        handle = open(shot.path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError:
        raise Http404("file gone") from None
    return FileResponse(handle, content_type=shot.content_type)


# --- the desk ------------------------------------------------------------------------------------------------


def _period(request) -> tuple[dt.datetime, dt.datetime, str]:
    zone = zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)
    # The insights registry links with ?start=&end= (ISO dates or times); the desk page with ?month=.
    if request.GET.get("start") and request.GET.get("end"):
        try:
            start = dt.datetime.fromisoformat(request.GET["start"])
            end = dt.datetime.fromisoformat(request.GET["end"])
        except ValueError:
            raise Http404("bad period") from None
        start = start if start.tzinfo else start.replace(tzinfo=zone)
        end = end if end.tzinfo else end.replace(tzinfo=zone)
        return start, end, f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
    month = request.GET.get("month") or ""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start, end = sel.month_bounds(year, mon)
    except ValueError:
        today = timezone.now().astimezone(zone)
        start, end = sel.month_bounds(today.year, today.month)
    return start, end, f"{start:%Y-%m}"


@login_required
def desk(request):
    """The anti-fraud page: this month's figures (per grid if chosen), each linking to its records."""
    _need(request, DESK_ROLES)
    start, end, month = _period(request)
    grid_id = int(request.GET["grid"]) if (request.GET.get("grid") or "").isdigit() else None
    figures = sel.figures(station_id=request.user.station_id, start=start, end=end, grid_id=grid_id)
    open_warnings = list(sel.warning_list_for(user=request.user, open_only=True)[:30])
    return render(
        request,
        "antifraud/desk.html",
        {
            "figures": figures,
            "month": month,
            # Each figure links to its records for the same month and grid.
            "figure_query": "&" + urlencode({"month": month, **({"grid": grid_id} if grid_id else {})}),
            "grid_id": grid_id,
            "grids": request.user.station.grids.order_by("code"),
            "protected_yuan": yuan(figures["protected_fen"].value),
            "open_warnings": open_warnings,
            "outcome_form": f.OutcomeForm(),
            "review_count": sel.review_queue_count(user=request.user),
            "bank_attention": with_clock(
                sel.requests_needing_attention(user=request.user, now=timezone.now()), timezone.now()
            ),
            "open_losses": sel.loss_list_for(user=request.user, open_only=True).count(),
            "returned_yuan": yuan(figures["returned_fen"].value),
            "held_yuan": yuan(figures["held_fen"].value),
            "start": start,
            "end": end,
        },
    )


@login_required
def records(request):
    """The records behind one figure."""
    _need(request, DESK_ROLES)
    start, end, month = _period(request)
    grid_id = int(request.GET["grid"]) if (request.GET.get("grid") or "").isdigit() else None
    # A figure's key, or the MetricSpec key the plugin declares (antifraud_<figure>).
    key = request.GET.get("metric", "").removeprefix("antifraud_")
    key = {"messages_screened": "screened"}.get(key, key)
    figures = sel.figures(station_id=request.user.station_id, start=start, end=end, grid_id=grid_id)
    figure = figures.get(key)
    if figure is None:
        raise Http404("no such figure")
    ids = list(figure.record_ids)
    context = {"figure": figure, "month": month}
    if figure.records == "warnings":
        context["warnings"] = sel.warning_list_for(user=request.user, ids=ids)
    elif figure.records == "consultations":
        context["consultations"] = sel.consultation_list_for(user=request.user, ids=ids)
    elif figure.records == "blacklist":
        context["entries"] = sel.blacklist_list_for(user=request.user).filter(pk__in=ids)
    elif figure.records == "tallies":
        context["tallies"] = sel.tally_list_for(user=request.user, ids=ids)
    elif figure.records == "campaigns":
        context["campaigns"] = sel.campaign_list_for(user=request.user).filter(pk__in=ids)
    elif figure.records == "losses":
        context["losses"] = sel.loss_list_for(user=request.user, ids=ids)
    return render(request, "antifraud/records.html", context)


# --- warnings ------------------------------------------------------------------------------------------------


@login_required
def warning_list(request):
    """My warnings, live: the list refreshes itself when a warning is sent to me (no reload)."""
    _need(request, RESPONDER_ROLES | DESK_ROLES)
    return render(request, "antifraud/warning_list.html", _warning_panel_context(request))


@login_required
def warning_panel(request):
    _need(request, RESPONDER_ROLES | DESK_ROLES)
    return render(request, "antifraud/_warning_panel.html", _warning_panel_context(request))


def _warning_panel_context(request) -> dict:
    open_only = request.GET.get("open") == "1"
    warnings = list(sel.warning_list_for(user=request.user, open_only=open_only)[:30])
    return {"warnings": warnings, "outcome_form": f.OutcomeForm(), "panel_state": panel_state(warnings)}


@login_required
def warning_detail(request, pk: int):
    _need(request, RESPONDER_ROLES | DESK_ROLES)
    warning = sel.warning_get_for(user=request.user, pk=pk)
    return render(
        request,
        "antifraud/warning_detail.html",
        {"w": warning, "steps": warning.steps.select_related("actor", "responder"), "outcome_form": f.OutcomeForm()},
    )


@login_required
@require_POST
def warning_ack(request, pk: int):
    warning = sel.warning_get_for(user=request.user, pk=pk)
    try:
        svc.warning_acknowledge(warning=warning, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("You are on the way. Record the outcome when you have reached them."))
    return redirect(request.POST.get("next") or reverse("antifraud:warning", args=[pk]))


@login_required
@require_POST
def warning_outcome(request, pk: int):
    warning = sel.warning_get_for(user=request.user, pk=pk)
    form = f.OutcomeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        amount = f.yuan_to_fen(form.cleaned_data["amount_yuan"], "amount_yuan")
        result = svc.warning_outcome_record(
            warning=warning,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            amount_protected_fen=amount,
            note=form.cleaned_data["note"],
        )
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        text = _("Outcome recorded: %(o)s.") % {"o": result.warning.get_outcome_display()}
        if result.warning.amount_protected_fen:
            text += " " + _("%(y)s yuan protected.") % {"y": yuan(result.warning.amount_protected_fen)}
        if result.loss_case is not None:
            text += " " + _("Fraud-loss case %(n)s opened for stop-payment.") % {"n": result.loss_case.number}
        messages.success(request, text)
    return redirect(request.POST.get("next") or reverse("antifraud:warning", args=[pk]))


@login_required
def warning_new(request):
    """Raise a warning by hand for a named resident (an officer, the desk, a bank's liaison)."""
    _need(request, DESK_ROLES)
    form = f.WarningForm(request.POST or request.GET or None)
    matches = []
    if form.is_bound and form.data.get("q"):
        matches = list(resident_list_for(user=request.user, q=form.data["q"])[:10])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if not data.get("resident"):
                raise ValidationError({"resident": [_("Choose the resident at risk.")]})
            resident = resident_get_for(user=request.user, pk=data["resident"])
            minutes = data.get("deadline_minutes")
            warning = svc.warning_raise(
                station=request.user.station,
                actor=request.user,
                source=WarningSource.OFFICER,
                risk=data["risk"],
                resident=resident,
                amount_at_stake_fen=f.yuan_to_fen(data["amount_yuan"], "amount_yuan"),
                deadline_at=timezone.now() + dt.timedelta(minutes=minutes) if minutes else None,
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except Http404:  # another station's resident (or a stale id): refused on the field that named them
            form.add_error("resident", _("Choose a resident of your station."))
        else:
            messages.success(request, _("Warning sent."))
            return redirect("antifraud:warning", pk=warning.pk)
    return render(request, "antifraud/warning_new.html", {"form": form, "matches": matches})


@login_required
def warning_import(request):
    _need(request, DESK_ROLES)
    form = f.CsvForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = svc.warnings_import_csv(actor=request.user, data=form.cleaned_data["file"].read())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("%(n)d warnings received and sent out.") % {"n": len(result.warnings)})
            return redirect("antifraud:warnings")
    return render(request, "antifraud/csv_import.html", {"form": form, "what": "warnings"})


# --- the clinic ----------------------------------------------------------------------------------------------


@login_required
def clinic(request):
    """The anti-fraud clinic at the cart or the counter: screen a message for a named resident."""
    _need(request, DESK_ROLES)
    q = request.GET.get("q", "")
    matches = list(resident_list_for(user=request.user, q=q)[:10]) if q else []
    resident = None
    if (request.GET.get("resident") or request.POST.get("resident") or "").isdigit():
        resident = resident_get_for(user=request.user, pk=int(request.GET.get("resident") or request.POST["resident"]))
    stop = cart_stop_open_for(user=request.user)
    form = f.ConsultationForm(request.POST or None, initial={"at_cart": stop is not None})
    context = {"form": form, "q": q, "matches": matches, "resident": resident, "stop": stop}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = svc.consultation_record(
                actor=request.user,
                resident=resident,
                text=data["text"],
                decision=data["decision"],
                cart_stop=stop if data["at_cart"] else None,
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except EngineUnavailable:
            form.add_error(None, _("The screening service is not available right now."))
        else:
            s = consultation.screening
            context.update(
                {
                    "done": consultation,
                    "segments": highlight_segments(s.text, s.cues, s.blacklist_hits),
                    "s": s,
                    "words": BAND_WORDS.get(s.band, ""),
                }
            )
            context["form"] = f.ConsultationForm(initial={"at_cart": stop is not None})
    return render(request, "antifraud/clinic.html", context)


# --- blacklist -----------------------------------------------------------------------------------------------


@login_required
def blacklist(request):
    _need(request, DESK_ROLES)
    status = request.GET.get("status", EntryStatus.ACTIVE)
    entries = sel.blacklist_list_for(
        user=request.user, status=status, kind=request.GET.get("kind", ""), q=request.GET.get("q", "")
    )[:100]
    form = f.BlacklistAddForm(request.POST or None)
    if request.method == "POST":
        _need(request, BLACKLIST_ROLES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.blacklist_add(
                    actor=request.user,
                    kind=d["kind"],
                    value=d["value"],
                    reason=d["reason"],
                    source_detail=d["source_detail"],
                    expires_at=form.expires_at(),
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Added to the blacklist."))
                return redirect("antifraud:blacklist")
    return render(
        request,
        "antifraud/blacklist.html",
        {
            "entries": entries,
            "status": status,
            "form": form,
            "statuses": EntryStatus.choices,
            "may_manage": has_role(request.user, BLACKLIST_ROLES),
        },
    )


@login_required
@require_POST
def blacklist_review(request, pk: int):
    _need(request, BLACKLIST_ROLES)
    entry = sel.blacklist_entry_get_for(user=request.user, pk=pk)
    try:
        svc.blacklist_review(
            entry=entry,
            actor=request.user,
            accept=request.POST.get("accept") == "1",
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, Conflict) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Report reviewed."))
    return redirect(f"{reverse('antifraud:blacklist')}?status=proposed")


@login_required
def blacklist_import(request):
    _need(request, BLACKLIST_ROLES)
    form = f.CsvForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = svc.blacklist_import_csv(
                actor=request.user, data=form.cleaned_data["file"].read(), source_detail=_("Anti-fraud centre list")
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(
                request, _("Imported: %(c)d new, %(u)d updated.") % {"c": result.created, "u": result.updated}
            )
            return redirect("antifraud:blacklist")
    return render(request, "antifraud/csv_import.html", {"form": form, "what": "blacklist"})


# --- campaigns -----------------------------------------------------------------------------------------------


@login_required
def campaigns(request):
    _need(request, DESK_ROLES)
    form = f.CampaignForm(
        request.POST or None, request.FILES or None, grids=list(request.user.station.grids.order_by("code"))
    )
    if request.method == "POST":
        _need(request, CAMPAIGN_ROLES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.campaign_create(
                    actor=request.user,
                    kind=d["kind"],
                    title=d["title"],
                    link=d["link"],
                    video=d["video"],
                    held_on=d["held_on"],
                    place=d["place"],
                    enterprise=d["enterprise"],
                    attendance=d["attendance"] or 0,
                    attendees=d["attendees"],
                    materials=d["materials"],
                    residents_reached=d["residents_reached"] or 0,
                    grid=form.grids.get(d["grid"]) if d["grid"] else None,
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Campaign recorded."))
                return redirect("antifraud:campaigns")
    return render(
        request,
        "antifraud/campaigns.html",
        {
            "campaigns": sel.campaign_list_for(user=request.user)[:50],
            "reach": sel.reach_per_grid(station_id=request.user.station_id),
            "form": form,
            "may_record": has_role(request.user, CAMPAIGN_ROLES),
        },
    )


@login_required
@require_POST
def campaign_delete(request, pk: int):
    _need(request, CAMPAIGN_ROLES)
    campaign = sel.campaign_get_for(user=request.user, pk=pk)
    try:
        svc.campaign_delete(actor=request.user, campaign=campaign)
    except (ValidationError, PermissionDenied) as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Campaign deleted."))
    return redirect("antifraud:campaigns")


# --- the residents' videos (public) --------------------------------------------------------------------------


def video_list(request):
    """The station's anti-fraud videos for residents (linked from the check page); no sign-in needed."""
    station = _station(request)
    if station is None:
        return render(request, "antifraud/check_station.html", {"stations": station_list_public()})
    return render(
        request,
        "antifraud/video_list.html",
        {"station": station, "videos": sel.campaign_video_list(station_id=station.pk)},
    )


def campaign_play(request, pk: int):
    """The page that plays a video: its own file in a <video> player, or its link to open; public.

    Shows the title, the player or link and the view count only: nothing of who recorded it.
    The view is counted by campaign_viewed when the player first plays (or the link is opened).
    """
    campaign = sel.campaign_video_get(pk=pk)
    return render(request, "antifraud/campaign_play.html", {"video": campaign})


def campaign_video(request, pk: int):
    """A video's file, whole or in the byte range the player asks for (206), so a phone can seek."""
    campaign = sel.campaign_video_get(pk=pk)
    if not campaign.video or request.method not in ("GET", "HEAD"):
        raise Http404("no video file")
    try:
        return ranged_file_response(
            request, path=Path(default_storage.path(campaign.video.name)), content_type=campaign.video_content_type
        )
    except OSError:
        raise Http404("file gone") from None


@require_POST
def campaign_viewed(request, pk: int):
    """Count a play: the page's player posts here on its first "play", the link's button when tapped.

    The same viewer (address and browser) within a while counts once (campaign_view_count). A
    script's beacon gets 204; the link's button (a plain form) is sent on to the link.
    """
    campaign = sel.campaign_video_get(pk=pk)
    viewer = f"{client_address(request)}|{request.headers.get('User-Agent', '')}"
    svc.campaign_view_count(campaign=campaign, viewer=viewer)
    if request.headers.get("X-Requested-With") == "fetch" or not campaign.link:
        return HttpResponse(status=204)
    return redirect(campaign.link)
