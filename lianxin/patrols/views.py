"""Pages of the patrols app: the member's phone page, a patrol, the team log, GPX in and out, the desk map."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.cases.models import Channel
from lianxin.cases.selectors import category_list_for
from lianxin.patrols import selectors, services
from lianxin.patrols.models import FindingKind
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
