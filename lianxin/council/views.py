"""Pages of the council app: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
import io
import secrets

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.cases.selectors import category_list_for
from lianxin.council import selectors, services
from lianxin.council.models import Concern, Speaker
from lianxin.places.models import Grid

DEVICE_COOKIE = "lx_council_device"
DEVICE_COOKIE_DAYS = 365


def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") else exc.messages


def _require_runner(user):
    if not selectors.may_run_councils(user):
        raise PermissionDenied(_("Your role may not run councils."))


@login_required
def meeting_list(request):
    _require_runner(request.user)
    now = timezone.now()
    meetings = selectors.meeting_list_for(user=request.user)
    return render(
        request,
        "council/meeting_list.html",
        {
            "upcoming": meetings.filter(starts_at__gte=now - dt.timedelta(hours=3)).order_by("starts_at")[:20],
            "past": meetings.filter(starts_at__lt=now - dt.timedelta(hours=3)).order_by("-starts_at")[:20],
        },
    )


@login_required
def series_new(request):
    _require_runner(request.user)
    grids = Grid.objects.filter(station_id=request.user.station_id).order_by("code")
    errors: list[str] = []
    if request.method == "POST":
        data = request.POST
        try:
            grid = grids.filter(pk=data.get("grid") or 0).first()
            try:
                first_at = dt.datetime.fromisoformat(data.get("first_at", "")).replace(
                    tzinfo=timezone.get_default_timezone()
                )
            except ValueError:
                raise ValidationError({"first_at": [_("Give the first meeting's date and time.")]}) from None
            first_at = timezone.make_aware(first_at.replace(tzinfo=None), timezone=_station_zone())
            rrule = (data.get("rrule") or "").strip()
            if rrule:
                series = services.series_create(
                    actor=request.user,
                    grid=grid,
                    title=data.get("title", ""),
                    place=data.get("place", ""),
                    rrule=rrule,
                    first_at=first_at,
                )
                meeting = series.meetings.order_by("starts_at").filter(starts_at__gte=timezone.now()).first()
            else:
                meeting = services.meeting_create(
                    actor=request.user,
                    grid=grid,
                    title=data.get("title", ""),
                    place=data.get("place", ""),
                    starts_at=first_at,
                )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The council is planned."))
            return redirect("council:detail", pk=meeting.pk) if meeting else redirect("council:list")
    return render(request, "council/series_new.html", {"grids": grids, "errors": errors, "data": request.POST})


def _station_zone():
    import zoneinfo

    from django.conf import settings

    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


@login_required
def meeting_detail(request, pk):
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    previous, said = selectors.you_said_we_did(meeting=meeting)
    signin_url = request.build_absolute_uri(reverse("council:sign_in", args=[meeting.signin_token]))
    return render(
        request,
        "council/meeting_detail.html",
        {
            "meeting": meeting,
            "previous": previous,
            "said": said,
            "agenda": meeting.agenda or selectors.agenda_draft(meeting=meeting),
            "attendance": selectors.meeting_attendance(meeting=meeting),
            "concerns": meeting.concerns.select_related("case", "case__category"),
            "speakers": meeting.speakers.all(),
            "categories": category_list_for(station_id=meeting.station_id),
            "signin_url": signin_url,
        },
    )


def _post(request, pk, action):
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    try:
        action(meeting)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("council:detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_agenda(request, pk):
    return _post(
        request,
        pk,
        lambda m: services.meeting_agenda_save(meeting=m, actor=request.user, agenda=request.POST.get("agenda", "")),
    )


@login_required
@require_POST
def meeting_minutes(request, pk):
    def save(meeting):
        services.meeting_minutes_save(meeting=meeting, actor=request.user, minutes=request.POST.get("minutes", ""))
        messages.success(request, _("Minutes saved."))

    return _post(request, pk, save)


@login_required
@require_POST
def meeting_concern(request, pk):
    def raise_it(meeting):
        category = category_list_for(station_id=meeting.station_id).filter(pk=request.POST.get("category") or 0).first()
        if category is None:
            raise ValidationError({"category": [_("Choose a category of this station.")]})
        concern = services.concern_raise(
            meeting=meeting,
            actor=request.user,
            category=category,
            description=request.POST.get("description", ""),
            contact_name=request.POST.get("contact_name", ""),
        )
        messages.success(request, _("Concern taken in as case %(n)s.") % {"n": concern.case.number})

    return _post(request, pk, raise_it)


@login_required
@require_POST
def concern_commitment(request, pk):
    concern = get_object_or_404(Concern.objects.select_related("meeting"), pk=pk)
    meeting = selectors.meeting_get_for(user=request.user, pk=concern.meeting_id)

    def commit(_meeting):
        raw = request.POST.get("due_on") or ""
        try:
            due_on = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationError({"due_on": [_("Give the date as YYYY-MM-DD.")]}) from None
        services.concern_commit(
            concern=concern,
            actor=request.user,
            who=request.POST.get("who", ""),
            what=request.POST.get("what", ""),
            due_on=due_on,
        )

    return _post(request, meeting.pk, commit)


@login_required
@require_POST
def meeting_speaker(request, pk):
    def add(meeting):
        speaker = services.speaker_add(
            meeting=meeting, actor=request.user, name=request.POST.get("name", ""), topic=request.POST.get("topic", "")
        )
        messages.success(request, _("%(name)s is on the speaker list.") % {"name": speaker.name})

    return _post(request, pk, add)


@login_required
@require_POST
def speaker_done(request, pk):
    speaker = get_object_or_404(Speaker.objects.select_related("meeting"), pk=pk)
    meeting = selectors.meeting_get_for(user=request.user, pk=speaker.meeting_id)
    return _post(request, meeting.pk, lambda _m: services.speaker_done(speaker=speaker, actor=request.user))


@login_required
def meeting_qr(request, pk):
    meeting = selectors.meeting_get_for(user=request.user, pk=pk)
    url = request.build_absolute_uri(reverse("council:sign_in", args=[meeting.signin_token]))
    out = io.BytesIO()
    # A standalone SVG document (with its namespace), so an <img> can show it.
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


def sign_in(request, token):
    """The page a passer-by reaches from the QR code: no account, a name or just a head count."""
    meeting = selectors.meeting_get_by_token(token=token)
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(16)
    status, errors, done = 200, [], False
    if request.method == "POST":
        try:
            people = int(request.POST.get("people") or 1)
        except ValueError:
            people = -1
        name = request.POST.get("name", "")
        try:
            with transaction.atomic():  # signed in and on the speaker list, or neither
                _attendance, _created = services.attendance_sign_in(
                    meeting=meeting, device_key=device, name=name, people=people
                )
                if request.POST.get("speak"):
                    services.speaker_add(
                        meeting=meeting, device_key=device, name=name, topic=request.POST.get("topic", "")
                    )
            done = True
        except services.RateLimited:
            status, errors = 429, [_("Too many tries; wait a minute.")]
        except ValidationError as exc:
            status, errors = 400, _errors(exc)
    speaker = selectors.speaker_of_device(meeting=meeting, device_key=device) if done else None
    response = render(
        request,
        "council/sign_in.html",
        {"meeting": meeting, "errors": errors, "done": done, "speaker": speaker},
        status=status,
    )
    response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax")
    return response


def grid_board(request, pk):
    grid = selectors.grid_get_public(pk=pk)
    return render(request, "council/board.html", {"grid": grid, "board": selectors.board_for(grid=grid)})


def grid_calendar(request, pk):
    grid = selectors.grid_get_public(pk=pk)
    base = request.build_absolute_uri(reverse("council:board", args=[grid.pk]))
    return HttpResponse(selectors.calendar_for(grid=grid, base_url=base), content_type="text/calendar; charset=utf-8")
