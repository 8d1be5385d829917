"""Pages of the 1+N network for officers: trade posts and their lookouts, beats, and the coverage map."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lianxin.core.models import Role, User
from lianxin.places.selectors import base_map_for, building_list_for, grid_list_for
from lianxin.tips import coverage as network
from lianxin.tips import posts, selectors
from lianxin.tips.models import PostKind

WEEKDAY_LABELS = (
    (1, gettext_lazy("Mon")),
    (2, gettext_lazy("Tue")),
    (3, gettext_lazy("Wed")),
    (4, gettext_lazy("Thu")),
    (5, gettext_lazy("Fri")),
    (6, gettext_lazy("Sat")),
    (7, gettext_lazy("Sun")),
)


def _need_coverage_role(user) -> None:
    if not selectors.may_see_coverage(user):
        raise PermissionDenied(_("Your role may not see the lookout network."))


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _beat_rows(beats) -> list[dict]:
    """Return each beat with what it covers and when, in words (grids, buildings, an area; days)."""
    labels = dict(WEEKDAY_LABELS)
    rows = []
    for beat in beats:
        covers = [g.name for g in beat.grids.all()]
        buildings = len(beat.buildings.all())
        if buildings:
            covers.append(ngettext("%(n)s building", "%(n)s buildings", buildings) % {"n": buildings})
        if beat.area:
            covers.append(_("an area"))
        days = [str(labels[d]) for d in sorted(beat.weekday_set())]
        if beat.month_days:
            days.append(_("days %(days)s of the month") % {"days": beat.month_days})
        rows.append({"beat": beat, "covers": "、".join(covers), "days": " ".join(days) or _("every day")})
    return rows


def _station_lookouts(user) -> list[User]:
    return list(User.objects.filter(station_id=user.station_id, role=Role.LOOKOUT, is_active=True).order_by("username"))


@login_required
def post_list(request):
    """The station's trade posts, with a summary of the coverage by grid."""
    user = request.user
    _need_coverage_role(user)
    picture = network.coverage_for(user=user)
    rows = [(grid, picture.coverage.grids.get(grid.pk)) for grid in picture.grids]
    return render(
        request,
        "tips/post_list.html",
        {
            "posts": selectors.trade_post_list_for(user=user),
            "rows": rows,
            "may_manage": selectors.may_manage_posts(user),
            "uncovered": len(picture.coverage.buildings_uncovered),
            "buildings": len(picture.buildings),
        },
    )


@login_required
def post_edit(request, pk=None):
    """Create a trade post (pk None) or edit one: kind, name, place and its lookouts; field errors beside each field."""
    user = request.user
    _need_coverage_role(user)
    post = selectors.trade_post_get_for(user=user, pk=pk) if pk is not None else None
    may_edit = selectors.may_edit_post(user, post) if post is not None else selectors.may_manage_posts(user)
    errors: dict[str, list[str]] = {}
    lookouts = _station_lookouts(user)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("You may not edit this post."))
        chosen = set(_ids(request.POST.getlist("lookouts")))
        try:
            saved = posts.trade_post_save(
                actor=user,
                station=user.station,
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
                lat=_number(request.POST.get("lat")),
                lon=_number(request.POST.get("lon")),
                lookouts=[u for u in lookouts if u.pk in chosen],
                post=post,
            )
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, _("Post saved."))
            return redirect("tips:post", pk=saved.pk)
    chosen_ids = (
        set(_ids(request.POST.getlist("lookouts")))
        if request.method == "POST"
        else {u.pk for u in post.lookouts.all()}
        if post
        else set()
    )
    # The chosen lookouts first: among hundreds, who is on the post must be seen at once.
    lookouts.sort(key=lambda u: u.pk not in chosen_ids)
    return render(
        request,
        "tips/post_edit.html",
        {
            "post": post,
            "may_edit": may_edit,
            "kinds": PostKind.choices,
            "lookouts": lookouts,
            "chosen": chosen_ids,
            "chosen_names": [u.display_name or u.username for u in lookouts if u.pk in chosen_ids],
            "beats": _beat_rows(selectors.beat_list_of(post=post)) if post else [],
            "errors": errors,
            "posted": request.POST if request.method == "POST" else None,
        },
        status=400 if errors else 200,
    )


@login_required
def beat_edit(request, post_pk, pk=None):
    """Add a beat to a post (pk None), edit or delete one: which lookout, which buildings, grids or area, which days."""
    user = request.user
    _need_coverage_role(user)
    post = selectors.trade_post_get_for(user=user, pk=post_pk)
    beat = selectors.beat_get_for(user=user, post=post, pk=pk) if pk is not None else None
    if not selectors.may_edit_post(user, post):
        raise PermissionDenied(_("You may not edit this post."))
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and beat is not None and request.POST.get("delete") == "1":
        posts.beat_delete(actor=user, beat=beat)
        messages.success(request, _("Beat deleted."))
        return redirect("tips:post", pk=post.pk)
    area_text = ""
    if request.method == "POST":
        area_text = request.POST.get("area", "").strip()
        area, area_error = _area(area_text)
        lookout = post.lookouts.filter(pk__in=_ids([request.POST.get("lookout", "")])).first()
        try:
            if area_error:
                raise ValidationError({"area": [area_error]})
            posts.beat_save(
                actor=user,
                post=post,
                lookout=lookout,
                building_ids=_ids(request.POST.getlist("buildings")),
                grid_ids=_ids(request.POST.getlist("grids")),
                area=area,
                weekdays=request.POST.getlist("weekdays"),
                month_days=request.POST.get("month_days", ""),
                note=request.POST.get("note", ""),
                beat=beat,
            )
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, _("Beat saved."))
            return redirect("tips:post", pk=post.pk)
    elif beat is not None and beat.area:
        area_text = json.dumps(beat.area, ensure_ascii=False)
    if request.method == "POST":
        chosen = {
            "lookout": _ids([request.POST.get("lookout", "")]),
            "buildings": set(_ids(request.POST.getlist("buildings"))),
            "grids": set(_ids(request.POST.getlist("grids"))),
            "weekdays": set(_ids(request.POST.getlist("weekdays"))),
            "month_days": request.POST.get("month_days", ""),
            "note": request.POST.get("note", ""),
        }
    elif beat is not None:
        chosen = {
            "lookout": [beat.lookout_id],
            "buildings": {b.pk for b in beat.buildings.all()},
            "grids": {g.pk for g in beat.grids.all()},
            "weekdays": set(beat.weekday_set()),
            "month_days": beat.month_days,
            "note": beat.note,
        }
    else:
        chosen = {"lookout": [], "buildings": set(), "grids": set(), "weekdays": set(), "month_days": "", "note": ""}
    return render(
        request,
        "tips/beat_edit.html",
        {
            "post": post,
            "beat": beat,
            "lookouts": post.lookouts.order_by("username"),
            "grids": grid_list_for(user=user),
            "buildings": sorted(building_list_for(user=user), key=_building_order),
            "weekdays": WEEKDAY_LABELS,
            "chosen": chosen,
            "area_text": area_text,
            "errors": errors,
            "map": {
                "base": base_map_for(station_id=user.station_id),
                "center": [user.station.center_lat, user.station.center_lon],
            },
        },
        status=400 if errors else 200,
    )


def _building_order(building) -> tuple:
    # By grid, then street, then house number as a number ("浪头路 2 号" before "浪头路 16 号").
    street, _sep, rest = building.name.partition(" ")
    number = "".join(ch for ch in rest if ch.isdigit())
    return (building.grid.code if building.grid else "~", street, int(number) if number else 0, building.name)


def _area(text: str) -> tuple[dict | None, str]:
    """Return (GeoJSON geometry or None, why it is unreadable or "") from the area field's text."""
    if not text:
        return None, ""
    try:
        value = json.loads(text)
    except ValueError:
        return None, _("The area is not GeoJSON (JSON text of a Polygon).")
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict):
        return None, _("The area is not GeoJSON (JSON text of a Polygon).")
    return value, ""


def _day(request) -> dt.date | None:
    text = request.GET.get("on", "")
    if text == "today":
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
def coverage_map(request):
    """The coverage map: posts, beats' areas, covered and uncovered buildings, grids by coverage."""
    user = request.user
    _need_coverage_role(user)
    on = _day(request)
    return render(
        request,
        "tips/coverage_map.html",
        {
            "on": on,
            "today": timezone.localdate(),
            "data": {
                "base": base_map_for(station_id=user.station_id),
                "center": [user.station.center_lat, user.station.center_lon],
            },
        },
    )


@login_required
def coverage_geojson(request):
    """GeoJSON of the network's coverage (?on=YYYY-MM-DD or today: only beats walked that day); for officers only.

    Nothing personal: posts and beats carry counts of lookouts, never who they are.
    """
    user = request.user
    if not selectors.may_see_coverage(user):
        return JsonResponse({"detail": "forbidden"}, status=403)
    on = _day(request)
    if request.GET.get("on") and on is None:
        return JsonResponse({"detail": "on: give a date as YYYY-MM-DD or 'today'", "field": "on"}, status=400)
    picture = network.coverage_for(user=user, on=on)
    return JsonResponse(network.coverage_geojson(picture), json_dumps_params={"ensure_ascii": False})
