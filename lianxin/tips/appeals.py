"""Writes of appeals: an officer asks the lookouts of an area for help; they answer in the appeal's thread.

The recipients are found once, as the appeal goes out: the lookouts whose beat covers some of
the area (tips.coverage.lookout_ids_covering_area). Each gets a live hint on their phone
(`user:<id>`, kind APPEAL_LIVE_KIND); the record is the Appeal row, read on the /tips/ home.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.live import live_publish
from lianxin.core.models import Role, User
from lianxin.core.roles import CASEWORKER_ROLES, SUPERVISOR_ROLES, has_role
from lianxin.places.models import Grid
from lianxin.tips.coverage import lookout_ids_covering_area
from lianxin.tips.models import Appeal, AppealMessage

APPEAL_LIVE_KIND = "tip_appeal"
APPEAL_TEXT_MAX_CHARS = 500
APPEAL_MESSAGE_MAX_CHARS = 1000
APPEAL_RADIUS_MIN_METRES = 50
APPEAL_RADIUS_MAX_METRES = 5000
APPEAL_EXPIRY_MAX_HOURS = 7 * 24
# Roles that send appeals to lookouts (the officers and the station's desk).
APPEAL_WRITER_ROLES = SUPERVISOR_ROLES


def may_write_appeals(user) -> bool:
    return has_role(user, APPEAL_WRITER_ROLES)


def _text(value: str, field: str, limit: int, empty: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [empty]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(n)d characters, please.") % {"n": limit}]})
    return value


def _publish(appeal: Appeal, *, user_ids, event: str) -> None:
    for pk in user_ids:
        live_publish(topic=f"user:{pk}", kind=APPEAL_LIVE_KIND, data={"appeal": appeal.pk, "event": event})


@transaction.atomic
def appeal_send(
    *,
    actor: User,
    text: str,
    expires_at: dt.datetime | None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: int | None = None,
    grid: Grid | None = None,
    now: dt.datetime | None = None,
) -> Appeal:
    """Send an appeal to the lookouts whose beat covers the area: a point with a radius, or a grid.

    Raises PermissionDenied for a role that may not, ValidationError naming `text`, `area`,
    `lat`/`lon`, `radius_m`, `grid` or `expires_at`. The recipients are fixed here; an appeal
    whose area no beat covers is refused (naming `area`), so the officer knows nobody would see it.
    """
    if not may_write_appeals(actor) or not actor.station_id:
        raise PermissionDenied(_("Your role may not send appeals to lookouts."))
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        text = _text(text, "text", APPEAL_TEXT_MAX_CHARS, _("Say what you are asking the lookouts to look out for."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    has_point = lat is not None or lon is not None
    if grid is not None and has_point:
        errors["area"] = [_("Give a point with a radius or a grid, not both.")]
    elif grid is None and not has_point:
        errors["area"] = [_("Choose the area: a point on the map with a radius, or a grid.")]
    elif grid is not None and grid.station_id != actor.station_id:
        errors["grid"] = [_("Choose a grid of your station.")]
    elif has_point:
        if lat is None or lon is None or not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
            errors["lat"] = [_("Give the point as a latitude and a longitude.")]
        if radius_m is None or not (APPEAL_RADIUS_MIN_METRES <= radius_m <= APPEAL_RADIUS_MAX_METRES):
            errors["radius_m"] = [
                _("The radius is %(low)d to %(high)d metres.")
                % {"low": APPEAL_RADIUS_MIN_METRES, "high": APPEAL_RADIUS_MAX_METRES}
            ]
    if expires_at is None or timezone.is_naive(expires_at):
        errors["expires_at"] = [_("Say until when the appeal holds.")]
    elif not (now < expires_at <= now + dt.timedelta(hours=APPEAL_EXPIRY_MAX_HOURS)):
        errors["expires_at"] = [
            _("The appeal must end after now and within %(n)d days.") % {"n": APPEAL_EXPIRY_MAX_HOURS // 24}
        ]
    if errors:
        raise ValidationError(errors)
    assert expires_at is not None  # refused above
    lookout_ids = lookout_ids_covering_area(
        station_id=actor.station_id, lat=lat, lon=lon, radius_m=radius_m, grid_id=grid.pk if grid else None
    )
    recipients = list(
        User.objects.filter(pk__in=lookout_ids, station_id=actor.station_id, role=Role.LOOKOUT, is_active=True)
    )
    if not recipients:
        raise ValidationError({"area": [_("No lookout's beat covers this area; widen it or choose a grid.")]})
    appeal = Appeal.objects.create(
        station_id=actor.station_id,
        author=actor,
        text=text,
        lat=lat if grid is None else None,
        lon=lon if grid is None else None,
        radius_m=radius_m if grid is None else None,
        grid=grid,
        created_at=now,
        expires_at=expires_at,
    )
    appeal.recipients.set(recipients)
    _publish(appeal, user_ids=[u.pk for u in recipients], event="sent")
    return appeal


@transaction.atomic
def appeal_write(*, appeal: Appeal, actor: User, text: str, now: dt.datetime | None = None) -> AppealMessage:
    """Add to an appeal's thread: a recipient lookout's reply (while it holds), or an officer's word to them all."""
    now = now or timezone.now()
    is_station = has_role(actor, CASEWORKER_ROLES) and actor.station_id == appeal.station_id
    if not is_station:
        if not appeal.recipients.filter(pk=actor.pk).exists():
            raise PermissionDenied(_("This appeal was not sent to you."))
        if not appeal.is_live_at(now):
            raise ValidationError({"text": [_("This appeal has ended; thank you.")]})
    message = AppealMessage.objects.create(
        appeal=appeal,
        author=actor,
        is_from_station=is_station,
        text=_text(text, "text", APPEAL_MESSAGE_MAX_CHARS, _("Write a message first.")),
        written_at=now,
    )
    if is_station:
        _publish(appeal, user_ids=appeal.recipients.values_list("pk", flat=True), event="station_wrote")
    else:
        _publish(appeal, user_ids=[appeal.author_id], event="reply")
    return message
