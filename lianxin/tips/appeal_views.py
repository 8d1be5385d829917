"""Pages of appeals to lookouts: the officers write one and read the replies; a lookout reads and answers."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lianxin.places.selectors import base_map_for, grid_list_for
from lianxin.tips import appeals, selectors

# What the officer's form offers as the appeal's length, in hours (the service accepts any moment up to a week).
APPEAL_HOURS_CHOICES = (2, 6, 12, 24, 48, 72, 168)
APPEAL_HOURS_DEFAULT = 12


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"text": list(exc.messages)}


def _number(value, kind=float):
    try:
        return kind(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _officer_context(request, **extra) -> dict:
    user = request.user
    return {
        "appeals": selectors.appeal_list_for(user=user)[:50],
        "grids": grid_list_for(user=user),
        "hours_choices": APPEAL_HOURS_CHOICES,
        "hours_default": APPEAL_HOURS_DEFAULT,
        "may_write": appeals.may_write_appeals(user),
        "now": timezone.now(),
        "map": {
            "base": base_map_for(station_id=user.station_id),
            "center": [user.station.center_lat, user.station.center_lon],
        },
        **extra,
    }


@login_required
@never_cache
def appeal_list(request):
    """The officers' appeals to lookouts: the ones sent (with replies counted) and the form for a new one."""
    user = request.user
    if not selectors.may_read_tips(user):
        raise PermissionDenied(_("Your role may not read tips."))
    if request.method != "POST":
        return render(request, "tips/appeal_list.html", _officer_context(request))
    data = request.POST
    area = data.get("area", "point")
    grid = None
    if area == "grid":
        grid = grid_list_for(user=user).filter(pk=_number(data.get("grid"), int)).first()
    hours = _number(data.get("hours"), int)
    expires_at = timezone.now() + dt.timedelta(hours=hours) if hours in APPEAL_HOURS_CHOICES else None
    try:
        if area == "grid" and grid is None:
            raise ValidationError({"grid": [_("Choose a grid of your station.")]})
        appeal = appeals.appeal_send(
            actor=user,
            text=data.get("text", ""),
            lat=_number(data.get("lat")) if area != "grid" else None,
            lon=_number(data.get("lon")) if area != "grid" else None,
            radius_m=_number(data.get("radius_m"), int) if area != "grid" else None,
            grid=grid,
            expires_at=expires_at,
        )
    except ValidationError as exc:
        return render(
            request,
            "tips/appeal_list.html",
            _officer_context(request, field_errors=_field_errors(exc), posted=data),
            status=400,
        )
    n = appeal.recipients.count()
    messages.success(request, _("Appeal sent to %(n)d lookouts.") % {"n": n})
    return redirect("tips:appeal", pk=appeal.pk)


@login_required
@never_cache
def appeal_detail(request, pk):
    """One appeal for the officers: its area, who it went to, and the thread of replies (write to all of them)."""
    user = request.user
    appeal = selectors.appeal_get_for(user=user, pk=pk)
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            appeals.appeal_write(appeal=appeal, actor=user, text=request.POST.get("text", ""))
        except (ValidationError, PermissionDenied) as exc:
            field_errors = _field_errors(exc) if isinstance(exc, ValidationError) else {"text": [str(exc)]}
        else:
            messages.success(request, _("Sent to the lookouts of this appeal."))
            return redirect("tips:appeal", pk=appeal.pk)
    return render(
        request,
        "tips/appeal_detail.html",
        {
            "appeal": appeal,
            "recipients": list(appeal.recipients.order_by("display_name", "username")),
            "thread": selectors.appeal_thread_for(user=user, appeal=appeal),
            "is_live": appeal.is_live_at(timezone.now()),
            "field_errors": field_errors,
            "map": {
                "base": base_map_for(station_id=appeal.station_id),
                "center": [appeal.station.center_lat, appeal.station.center_lon],
                "appeal": _area(appeal),
            },
        },
        status=400 if field_errors else 200,
    )


def _area(appeal) -> dict:
    if appeal.grid_id is not None:
        return {"grid": appeal.grid.boundary}
    return {"lat": appeal.lat, "lon": appeal.lon, "radius_m": appeal.radius_m}


@login_required
@never_cache
def appeal_received(request, pk):
    """One appeal as the lookout it was sent to sees it: the station's words, their own replies, a reply form."""
    user = request.user
    appeal = selectors.appeal_get_received(user=user, pk=pk)
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            appeals.appeal_write(appeal=appeal, actor=user, text=request.POST.get("text", ""))
        except ValidationError as exc:
            field_errors = _field_errors(exc)
        else:
            messages.success(request, _("Reply sent to the station."))
            return redirect("tips:appeal_received", pk=appeal.pk)
    return render(
        request,
        "tips/appeal_received.html",
        {
            "appeal": appeal,
            "thread": selectors.appeal_thread_for(user=user, appeal=appeal),
            "is_live": appeal.is_live_at(timezone.now()),
            "field_errors": field_errors,
            "posted": request.POST if field_errors else {},
        },
        status=400 if field_errors else 200,
    )


@login_required
@never_cache
def appeals_panel(request):
    """The lookout's appeals panel of the /tips/ home, re-read when a live hint arrives."""
    return render(
        request,
        "tips/_appeals_panel.html",
        {"appeals_received": selectors.appeal_list_received(user=request.user, now=timezone.now())},
    )
