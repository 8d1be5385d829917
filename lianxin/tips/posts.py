"""Writes of the 1+N network: trade lookout posts (行业瞭望哨), their lookouts, and each lookout's beat.

Who may edit: the station-wide roles for every post of their station, a community officer for
the posts whose point lies in a grid they lead (tips.selectors.may_edit_post says it once).
Every save and delete is written to the audit log (action trade_post_save, beat_save, beat_delete).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.models import Role, Station, User
from lianxin.core.services import audit_record
from lianxin.places.geometry import boundary_error, grid_id_for_point
from lianxin.places.models import Building, Grid
from lianxin.tips.models import Beat, PostKind, TradePost
from lianxin.tips.selectors import may_edit_post, may_manage_posts

NAME_MAX_CHARS = 100
NOTE_MAX_CHARS = 200
ISO_WEEKDAYS = range(1, 8)
MONTH_DAYS = range(1, 32)


def _point_errors(lat, lon) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(lat, int | float) or not -90 <= lat <= 90:
        errors["lat"] = [_("Give the post's place: a latitude between -90 and 90 (or pick it on the map).")]
    if not isinstance(lon, int | float) or not -180 <= lon <= 180:
        errors["lon"] = [_("Give the post's place: a longitude between -180 and 180 (or pick it on the map).")]
    return errors


@transaction.atomic
def trade_post_save(
    *,
    actor: User,
    station: Station,
    kind: str,
    name: str,
    lat: float | None,
    lon: float | None,
    lookouts: Sequence[User] = (),
    post: TradePost | None = None,
    now: dt.datetime | None = None,
) -> TradePost:
    """Create a trade post (post None) or update one; return it.

    The grid is the one the point lies in. A lookout taken off the post loses their beat there.
    Raises PermissionDenied for a role that may not edit posts (or another station's post), and
    ValidationError naming `kind`, `name`, `lat`, `lon`, `lookouts` or `grid`.
    """
    if not may_manage_posts(actor) or actor.station_id != station.pk:
        raise PermissionDenied(_("Your role may not edit lookout posts."))
    if post is not None and (post.station_id != station.pk or not may_edit_post(actor, post)):
        raise PermissionDenied(_("You may not edit this post."))
    name = (name or "").strip()
    errors = _point_errors(lat, lon)
    if kind not in PostKind.values:
        errors["kind"] = [_("Choose the kind of post.")]
    if not name:
        errors["name"] = [_("Give the post a name (the office, route or shop).")]
    elif len(name) > NAME_MAX_CHARS:
        errors["name"] = [_("At most %(n)d characters, please.") % {"n": NAME_MAX_CHARS}]
    elif TradePost.objects.filter(station=station, name=name).exclude(pk=post.pk if post else 0).exists():
        errors["name"] = [_("Another post of the station has this name.")]
    strangers = [u for u in lookouts if u.role != Role.LOOKOUT or u.station_id != station.pk]
    if strangers:
        errors["lookouts"] = [_("Only the station's safety lookouts can belong to a post.")]
    grid_id = None
    if not errors:
        assert isinstance(lat, int | float) and isinstance(lon, int | float)
        grid_id = grid_id_for_point(station_id=station.pk, lat=lat, lon=lon)
        if actor.role == Role.COMMUNITY_OFFICER and not actor.is_superuser:
            if grid_id is None or not Grid.objects.filter(pk=grid_id, police_chief=actor).exists():
                errors["lat"] = [_("The place must lie in a grid you lead.")]
    if errors:
        raise ValidationError(errors)
    assert isinstance(lat, int | float) and isinstance(lon, int | float)  # checked above
    if post is None:
        post = TradePost(station=station)
    post.kind, post.name, post.lat, post.lon, post.grid_id = kind, name, lat, lon, grid_id
    post.save()
    wanted = {u.pk for u in lookouts}
    post.lookouts.set(list(wanted))
    Beat.objects.filter(post=post).exclude(lookout_id__in=wanted).delete()
    audit_record(actor=actor, action="trade_post_save", target=post, detail=f"lookouts={len(wanted)}", now=now)
    return post


def _day_numbers(value, allowed: range, field: str, message: str) -> tuple[list[int], dict[str, list[str]]]:
    """Return the sorted distinct day numbers in value (an iterable of ints or a "1, 15" string)."""
    parts: Iterable = value.replace("，", ",").split(",") if isinstance(value, str) else (value or ())
    numbers: set[int] = set()
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if not text.isdigit() or int(text) not in allowed:
            return [], {field: [message]}
        numbers.add(int(text))
    return sorted(numbers), {}


@transaction.atomic
def beat_save(
    *,
    actor: User,
    post: TradePost,
    lookout: User | None,
    building_ids: Iterable[int] = (),
    grid_ids: Iterable[int] = (),
    area: dict | None = None,
    weekdays: Iterable[int] | str = (),
    month_days: Iterable[int] | str = "",
    note: str = "",
    beat: Beat | None = None,
    now: dt.datetime | None = None,
) -> Beat:
    """Create (beat None) or update the beat of one of post's lookouts: what they cover and on which days.

    Coverage is the union of buildings, whole grids and an area (GeoJSON Polygon/MultiPolygon);
    at least one is needed. Days: ISO weekdays (1 = Monday) and/or days of the month; none
    means every day. Raises ValidationError naming `lookout`, `buildings`, `grids`, `area`,
    `weekdays`, `month_days` or `note`.
    """
    if not may_edit_post(actor, post):
        raise PermissionDenied(_("You may not edit this post."))
    if beat is not None and beat.post_id != post.pk:
        raise PermissionDenied(_("This beat belongs to another post."))
    errors: dict[str, list[str]] = {}
    if lookout is None or not post.lookouts.filter(pk=lookout.pk).exists():
        errors["lookout"] = [_("Choose one of the post's lookouts.")]
    building_ids, grid_ids = sorted(set(building_ids)), sorted(set(grid_ids))
    if Building.objects.filter(pk__in=building_ids, station_id=post.station_id).count() != len(building_ids):
        errors["buildings"] = [_("Choose buildings of this station.")]
    if Grid.objects.filter(pk__in=grid_ids, station_id=post.station_id).count() != len(grid_ids):
        errors["grids"] = [_("Choose grids of this station.")]
    if area is not None:
        problem = boundary_error(area)
        if problem:
            errors["area"] = [_("The area must be a GeoJSON polygon: %(why)s.") % {"why": problem}]
    if not building_ids and not grid_ids and area is None and not errors:
        errors["buildings"] = [_("Name at least one building, grid or area the lookout covers.")]
    days, problem_days = _day_numbers(
        weekdays, ISO_WEEKDAYS, "weekdays", _("Weekdays are numbers 1 (Monday) to 7 (Sunday).")
    )
    dates, problem_dates = _day_numbers(
        month_days, MONTH_DAYS, "month_days", _("Days of the month are numbers 1 to 31, separated by commas.")
    )
    errors.update(problem_days)
    errors.update(problem_dates)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("At most %(n)d characters, please.") % {"n": NOTE_MAX_CHARS}]
    if errors:
        raise ValidationError(errors)
    assert lookout is not None  # checked above
    beat = beat or Beat(post=post)
    beat.lookout = lookout
    beat.area = area
    beat.weekdays = "".join(str(d) for d in days)
    beat.month_days = ",".join(str(d) for d in dates)
    beat.note = note
    beat.save()
    beat.buildings.set(building_ids)
    beat.grids.set(grid_ids)
    audit_record(
        actor=actor,
        action="beat_save",
        target=beat,
        station_id=post.station_id,
        detail=f"post={post.pk} buildings={len(building_ids)} grids={len(grid_ids)} area={area is not None}",
        now=now or timezone.now(),
    )
    return beat


@transaction.atomic
def beat_delete(*, actor: User, beat: Beat, now: dt.datetime | None = None) -> None:
    """Delete a beat (the lookout stays on the post)."""
    if not may_edit_post(actor, beat.post):
        raise PermissionDenied(_("You may not edit this post."))
    audit_record(
        actor=actor,
        action="beat_delete",
        target=beat,
        station_id=beat.post.station_id,
        detail=f"post={beat.post_id}",
        now=now,
    )
    beat.delete()
