"""The service cart: outings (stops) and the contacts recorded at them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.cases.models import (
    CartStop,
    Case,
    Category,
    Channel,
    Resolution,
    Status,
)
from lianxin.cases.services.events import _now, _require_role
from lianxin.cases.services.spine import case_open, case_transition
from lianxin.core.models import User
from lianxin.core.roles import INTAKE_ROLES, SUPERVISOR_ROLES, has_role

PLACE_MAX_CHARS = 100


@transaction.atomic
def cart_stop_start(
    *, actor: User, place: str, lat: float | None = None, lon: float | None = None, now: dt.datetime | None = None
) -> CartStop:
    """Start an outing of the service cart at place; an earlier open stop of actor ends now."""
    now = _now(now)
    _require_role(actor, INTAKE_ROLES, _("Your role may not run the service cart."))
    if actor.station_id is None:
        raise PermissionDenied(_("Your account belongs to no station."))
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": [_("Say where the cart is.")]})
    if len(place) > PLACE_MAX_CHARS:
        raise ValidationError({"place": [_("At most %(n)d characters, please.") % {"n": PLACE_MAX_CHARS}]})
    if (lat is None) != (lon is None):
        raise ValidationError({"location": [_("Give both latitude and longitude, or neither.")]})
    CartStop.objects.filter(officer=actor, ended_at__isnull=True).update(ended_at=now)
    return CartStop.objects.create(
        station_id=actor.station_id, place=place, lat=lat, lon=lon, officer=actor, started_at=now
    )


def cart_stop_end(*, stop: CartStop, actor: User, now: dt.datetime | None = None) -> CartStop:
    """End an outing of the cart."""
    now = _now(now)
    if stop.officer_id != actor.pk and not has_role(actor, SUPERVISOR_ROLES):
        raise PermissionDenied(_("Only the officer at the cart may end this stop."))
    if stop.ended_at is None:
        stop.ended_at = now
        stop.save(update_fields=["ended_at"])
    return stop


@transaction.atomic
def cart_contact_record(
    *,
    actor: User,
    category: Category,
    description: str,
    solved_on_the_spot: bool,
    stop: CartStop | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    people_served: int = 1,
    lat: float | None = None,
    lon: float | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record one contact at the service cart: solved on the spot (closed at once) or for follow-up."""
    now = _now(now)
    _require_role(actor, INTAKE_ROLES, _("Your role may not record cart contacts."))
    if stop is not None:
        if stop.station_id != actor.station_id:
            raise ValidationError({"stop": [_("That cart stop belongs to another station.")]})
        if lat is None and stop.lat is not None:
            lat, lon = stop.lat, stop.lon
    if actor.station is None:
        raise PermissionDenied(_("Your account belongs to no station."))
    case = case_open(
        station=actor.station,
        actor=actor,
        channel=Channel.SERVICE_CART,
        category=category,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        people_served=people_served,
        cart_stop=stop,
        lat=lat,
        lon=lon,
        address=stop.place if stop is not None else "",
        now=now,
    )
    if solved_on_the_spot:
        if case.status == Status.REFERRED:
            raise ValidationError({"category": [_("This category goes to a department; submit it for follow-up.")]})
        case_transition(
            case=case,
            actor=actor,
            to_status=Status.RESOLVED,
            resolution=Resolution.ON_THE_SPOT,
            note=_("Solved on the spot at the service cart."),
            now=now,
        )
        case_transition(case=case, actor=actor, to_status=Status.CLOSED, now=now)
        case.refresh_from_db()
    return case
