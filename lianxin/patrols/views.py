"""Pages of the patrols app: the member's phone page, a patrol, the team log, GPX in and out, the desk map."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.cases.models import Channel
from lianxin.cases.selectors import category_list_for
from lianxin.patrols import roles as roster_roles
from lianxin.patrols import selectors, services
from lianxin.patrols.models import FindingKind
from lianxin.patrols.services import rosters
from lianxin.places.selectors import base_map_for


def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") else exc.messages


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180 <= number <= 180 else None


def _map_context(user, **extra) -> dict:
    station = user.station
    return {
        "base": base_map_for(station_id=user.station_id),
        "center": [station.center_lat, station.center_lon] if station and station.center_lat else [0, 0],
        **extra,
    }


@login_required
def patrol_home(request):
    """The member's phone page: start, the running patrol (recording, report, help, stop), their last patrols."""
    user = request.user
    if not selectors.may_patrol(user):
        if selectors.may_watch(user):
            return redirect("patrols:desk")
        raise PermissionDenied(_("Your role does not patrol."))
    running = selectors.patrol_running_for(user=user)
    mine = selectors.patrol_list_for(user=user).filter(member=user).order_by("-started_at")[:10]
    return render(
        request,
        "patrols/patrol_home.html",
        {
            "running": running,
            "mine": mine,
            "kinds": FindingKind.choices,
            "categories": category_list_for(station_id=user.station_id, channel=Channel.PATROL_FINDING),
            "teams": selectors.teams_for(user=user),
        },
    )


@login_required
@require_POST
def patrol_start(request):
    try:
        services.patrol_start(actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("patrols:home")


@login_required
@require_POST
def patrol_stop(request, pk):
    patrol = selectors.patrol_get_for(user=request.user, pk=pk)
    try:
        patrol = services.patrol_stop(patrol=patrol, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("patrols:home")
    messages.success(request, _("Patrol ended: %(km).2f km.") % {"km": patrol.km})
    return redirect("patrols:detail", pk=patrol.pk)


@login_required
@require_POST
def patrol_finding(request, pk):
    patrol = selectors.patrol_get_for(user=request.user, pk=pk)
    category = (
        category_list_for(station_id=request.user.station_id, channel=Channel.PATROL_FINDING)
        .filter(pk=request.POST.get("category") or 0)
        .first()
        if (request.POST.get("category") or "").isdigit()
        else None
    )
    try:
        finding = services.finding_report(
            patrol=patrol,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            category=category,
            description=request.POST.get("description", ""),
            lat=_float(request.POST.get("lat")),
            lon=_float(request.POST.get("lon")),
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Reported as case %(number)s; it goes to the grid's team.") % {"number": finding.case.number}
        )
    return redirect("patrols:home")


@login_required
@require_POST
def patrol_help(request, pk):
    patrol = selectors.patrol_get_for(user=request.user, pk=pk)
    try:
        services.patrol_help(
            patrol=patrol, actor=request.user, lat=_float(request.POST.get("lat")), lon=_float(request.POST.get("lon"))
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.warning(request, _("The duty desk has been alerted and will call you."))
    return redirect("patrols:home")


@login_required
def patrol_detail(request, pk):
    user = request.user
    patrol = selectors.patrol_get_for(user=user, pk=pk)
    data = _map_context(user, track=selectors.track_for(patrol=patrol), findings=[])
    findings = selectors.findings_for(patrol=patrol)
    data["findings"] = [{"at": [f.lat, f.lon], "label": f.case.number} for f in findings if f.lat is not None]
    return render(
        request,
        "patrols/patrol_detail.html",
        {
            "patrol": patrol,
            "findings": findings,
            "alerts": list(patrol.alerts.all()),
            "minutes": int(patrol.duration_at(timezone.now()).total_seconds() // 60),
            "data": data,
            "may_watch": selectors.may_watch(user),
        },
    )


@login_required
def patrol_gpx(request, pk):
    patrol = selectors.patrol_get_for(user=request.user, pk=pk)
    response = HttpResponse(selectors.patrol_gpx(patrol=patrol), content_type="application/gpx+xml")
    response["Content-Disposition"] = f'attachment; filename="patrol-{patrol.pk}.gpx"'
    return response


@login_required
def patrol_import(request):
    if not selectors.may_patrol(request.user):
        raise PermissionDenied(_("Your role does not patrol."))
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("gpx")
        if upload is None:
            errors = [_("Choose a GPX file.")]
        else:
            try:
                patrol = services.patrol_import_gpx(actor=request.user, data=upload.read())
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Track imported: %(km).2f km.") % {"km": patrol.km})
                return redirect("patrols:detail", pk=patrol.pk)
    return render(request, "patrols/patrol_import.html", {"errors": errors}, status=400 if errors else 200)


@login_required
def team_log(request):
    user = request.user
    teams = selectors.teams_for(user=user)
    if not teams:
        raise PermissionDenied(_("You are in no patrol team."))
    chosen = next((t for t in teams if str(t.pk) == request.GET.get("team")), teams[0])
    return render(
        request,
        "patrols/team_log.html",
        {"teams": teams, "log": selectors.team_log_for(user=user, team=chosen, now=timezone.now())},
    )


@login_required
def desk(request):
    """The duty desk's live map: members on patrol now with their tracks, open alerts, open findings."""
    user = request.user
    if not selectors.may_watch(user):
        raise PermissionDenied(_("Your role may not watch patrols."))
    picture = selectors.desk_picture_for(user=user, now=timezone.now())
    recent = selectors.patrol_list_for(user=user).filter(status="ended").order_by("-started_at")[:20]
    return render(
        request,
        "patrols/desk.html",
        {
            "picture": picture,
            "data": _map_context(user, picture=picture),
            "recent": recent,
            "coverage": selectors.coverage_for(user=user, now=timezone.now()),
            "coverage_days": selectors.COVERAGE_DAYS,
        },
    )


@login_required
@require_POST
def alert_ack(request, pk):
    alert = selectors.alert_get_for(user=request.user, pk=pk)
    try:
        services.alert_acknowledge(alert=alert, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alert acknowledged."))
    return redirect("patrols:desk")


# --- Rosters: the team's shifts on a phone, sign-up, the leader's forms, calendars ------------------

ROSTER_FIELDS = {
    "team": gettext_lazy("Team"),
    "first_on": gettext_lazy("First day"),
    "weekdays": gettext_lazy("Days of the week"),
    "start": gettext_lazy("Start time"),
    "hours": gettext_lazy("Length (hours)"),
    "weeks": gettext_lazy("Weeks"),
    "place": gettext_lazy("Place"),
    "segment": gettext_lazy("Border segment"),
    "min_people": gettext_lazy("Minimum people"),
    "temperature_c": gettext_lazy("Forecast (°C)"),
    "shift": gettext_lazy("Shift"),
    "starts_on": gettext_lazy("Day"),
    "reason": gettext_lazy("Reason"),
}
WEEKDAY_LABELS = (
    (0, gettext_lazy("Mon")),
    (1, gettext_lazy("Tue")),
    (2, gettext_lazy("Wed")),
    (3, gettext_lazy("Thu")),
    (4, gettext_lazy("Fri")),
    (5, gettext_lazy("Sat")),
    (6, gettext_lazy("Sun")),
)


def _field_errors(exc: ValidationError) -> list[str]:
    """Return one line per problem, each starting with the name of its field as the page shows it."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return [
        _("%(field)s: %(message)s") % {"field": ROSTER_FIELDS.get(field, field), "message": message}
        for field, messages_ in exc.message_dict.items()
        for message in messages_
    ]


def _parsed(value, parse):
    try:
        return parse((value or "").strip())
    except (TypeError, ValueError):
        return None


def _roster_team(request, value=None):
    teams = selectors.roster_teams_for(user=request.user)
    if not teams:
        raise PermissionDenied(_("You are in no patrol team."))
    wanted = str(value if value is not None else request.GET.get("team", ""))
    return teams, next((t for t in teams if str(t.pk) == wanted), teams[0])


def _roster_page(request, team_value=None, *, errors=(), status=200, feed_url="", form=None):
    user = request.user
    teams, team = _roster_team(request, team_value)
    now = timezone.now()
    may_lead = roster_roles.may_lead_roster(user, team)
    return render(
        request,
        "patrols/roster.html",
        {
            "teams": teams,
            "team": team,
            "rows": selectors.roster_for(user=user, team=team, now=now),
            "notices": selectors.notices_for(user=user),
            "may_lead": may_lead,
            "is_member": roster_roles.is_team_member(user, team),
            "is_silver_hair": rosters.is_silver_hair(team),
            "limits": {
                "hours": rosters.max_shift_hours(team),
                "heat": settings.LIANXIN_PATROL_HEAT_CUTOFF_C,
                "cold": settings.LIANXIN_PATROL_COLD_CUTOFF_C,
                "reminder": settings.LIANXIN_PATROL_REMINDER_MINUTES,
            },
            "weekdays": WEEKDAY_LABELS,
            "segments": selectors.border_segments_for(user=user) if may_lead else [],
            "errors": errors,
            "feed_url": feed_url,
            # webcal:// makes a phone open its calendar app and subscribe (the same URL, another scheme).
            "feed_webcal": "webcal://" + feed_url.split("://", 1)[-1] if feed_url else "",
            "form": form or {},
            "form_weekdays": form.getlist("weekdays") if form is not None else [],
            "today": timezone.localdate(now),
        },
        status=status,
    )


@login_required
def roster(request):
    """The team's roster on a phone: upcoming shifts, who is on them, sign up or withdraw; the leader's forms."""
    return _roster_page(request)


@login_required
@require_POST
def shifts_new(request):
    data = request.POST
    teams, team = _roster_team(request, data.get("team", ""))
    if str(team.pk) != data.get("team"):
        return _roster_page(request, errors=[_("Team: choose a patrol team of yours.")], status=400)
    segment = selectors.border_segments_for(user=request.user).filter(pk=_parsed(data.get("segment"), int) or 0).first()
    if data.get("segment") and segment is None:
        wrong = ValidationError({"segment": [_("Choose a border segment of this station.")]})
        return _roster_page(request, team.pk, errors=_field_errors(wrong), status=400, form=data)
    rule = rosters.WeeklyRule(
        first_on=_parsed(data.get("first_on"), dt.date.fromisoformat),
        weekdays=[d for d in (_parsed(v, int) for v in data.getlist("weekdays")) if d is not None],
        start=_parsed(data.get("start"), dt.time.fromisoformat),
        hours=_parsed(data.get("hours"), float),
        weeks=_parsed(data.get("weeks"), int),
    )
    try:
        made = rosters.shifts_create_weekly(
            actor=request.user,
            team=team,
            rule=rule,
            place=data.get("place", ""),
            segment=segment,
            min_people=_parsed(data.get("min_people") or "2", int) or 0,
        )
    except ValidationError as exc:
        return _roster_page(request, team.pk, errors=_field_errors(exc), status=400, form=data)
    messages.success(request, _("%(n)d shifts made.") % {"n": len(made)})
    return redirect(f"{reverse('patrols:roster')}?team={team.pk}")


def _shift_action(request, pk, act):
    shift = selectors.shift_get_for(user=request.user, pk=pk)
    try:
        message = act(shift)
    except ValidationError as exc:
        return _roster_page(request, shift.team_id, errors=_field_errors(exc), status=400)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        if message:
            messages.success(request, message)
    return redirect(f"{reverse('patrols:roster')}?team={shift.team_id}#shift-{shift.pk}")


@login_required
@require_POST
def shift_signup(request, pk):
    def act(shift):
        rosters.shift_signup(actor=request.user, shift=shift)
        if selectors.shift_row_for(user=request.user, shift=shift, now=timezone.now()).needs_buddy:
            messages.warning(request, rosters.alone_on_night_message())
        return _("You are on the shift of %(at)s.") % {
            "at": timezone.localtime(shift.starts_at).strftime("%m-%d %H:%M")
        }

    return _shift_action(request, pk, act)


@login_required
@require_POST
def shift_withdraw(request, pk):
    def act(shift):
        done = rosters.shift_withdraw(actor=request.user, shift=shift)
        if done.leaves_alone:
            messages.warning(request, _("One member is now alone on this night shift; the leader has been told."))
            return ""
        return _("You have withdrawn from the shift.")

    return _shift_action(request, pk, act)


@login_required
@require_POST
def shift_forecast(request, pk):
    def act(shift):
        shift = rosters.shift_forecast_record(
            actor=request.user, shift=shift, temperature_c=_parsed(request.POST.get("temperature_c"), float)
        )
        return (
            _("Forecast recorded: the shift is called off and its members are told.")
            if shift.is_called_off
            else _("Forecast recorded.")
        )

    return _shift_action(request, pk, act)


@login_required
@require_POST
def shift_edit(request, pk):
    data = request.POST

    def act(shift):
        segment = None
        if data.get("segment"):
            segment = (
                selectors.border_segments_for(user=request.user)
                .filter(pk=_parsed(data.get("segment"), int) or 0)
                .first()
            )
            if segment is None:
                raise ValidationError({"segment": [_("Choose a border segment of this station.")]})
        change = rosters.ShiftChange(
            starts_on=_parsed(data.get("starts_on"), dt.date.fromisoformat),
            start=_parsed(data.get("start"), dt.time.fromisoformat),
            hours=_parsed(data.get("hours"), float),
            place=data.get("place", ""),
            segment=segment,
            min_people=_parsed(data.get("min_people"), int),
        )
        rosters.shift_edit(actor=request.user, shift=shift, change=change)
        return _("Shift changed; its members are told.")

    return _shift_action(request, pk, act)


@login_required
@require_POST
def shift_cancel(request, pk):
    def act(shift):
        rosters.shift_cancel(actor=request.user, shift=shift, reason=request.POST.get("reason", ""))
        return _("Shift cancelled; its members are told.")

    return _shift_action(request, pk, act)


@login_required
def team_settings(request, pk):
    """A patrol team's roster settings for its leader or an officer: silver-hair (its limits apply) or not."""
    teams = selectors.roster_teams_for(user=request.user)
    team = next((t for t in teams if t.pk == pk), None)
    if team is None:
        raise Http404("no such team")
    if not roster_roles.may_lead_roster(request.user, team):
        raise PermissionDenied(_("Only the team's leader or an officer may change its roster."))
    if request.method == "POST":
        rosters.roster_policy_set(
            actor=request.user, team=team, is_silver_hair=request.POST.get("is_silver_hair") == "on"
        )
        messages.success(request, _("Team settings saved."))
        return redirect("patrols:team_settings", pk=team.pk)
    return render(
        request,
        "patrols/team_settings.html",
        {
            "team": team,
            "is_silver_hair": rosters.is_silver_hair(team),
            "limits": {
                "hours": settings.LIANXIN_PATROL_MAX_SHIFT_HOURS,
                "heat": settings.LIANXIN_PATROL_HEAT_CUTOFF_C,
                "cold": settings.LIANXIN_PATROL_COLD_CUTOFF_C,
            },
            "leaders": selectors.team_leaders_for(team=team),
            "members": team.memberships.count(),
        },
    )


@login_required
def shift_ics(request, pk):
    shift = selectors.shift_get_for(user=request.user, pk=pk)
    response = HttpResponse(
        selectors.shift_calendar(shift=shift, member_id=request.user.pk), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="patrol-shift-{shift.pk}.ics"'
    return response


@login_required
@require_POST
def roster_feed_new(request):
    _teams, team = _roster_team(request, request.POST.get("team", ""))
    try:
        _feed, token = rosters.roster_feed_create(actor=request.user, team=team)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('patrols:roster')}?team={team.pk}")
    url = request.build_absolute_uri(reverse("patrols:roster_feed", args=[token]))
    return _roster_page(request, team.pk, feed_url=url)


@login_required
@require_POST
def roster_feed_revoke(request):
    _teams, team = _roster_team(request, request.POST.get("team", ""))
    if rosters.roster_feed_revoke(actor=request.user, team=team):
        messages.success(request, _("Calendar link revoked: a calendar that used it gets nothing more."))
    return redirect(f"{reverse('patrols:roster')}?team={team.pk}")


def roster_feed(request, token):
    """A team's roster as an iCalendar feed, for a phone calendar to subscribe to without signing in."""
    feed = selectors.roster_feed_by_token(token=token)
    body = selectors.roster_calendar(team=feed.team, member_id=feed.user_id, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="roster.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
