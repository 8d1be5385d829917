"""Anti-fraud campaigns: short videos (with a view counter), talks and trainings (with attendance)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import F
from django.utils.translation import gettext as _

from lianxin.antifraud.models import Campaign, CampaignKind
from lianxin.antifraud.roles import CAMPAIGN_ROLES
from lianxin.antifraud.services.common import now_or, own_station, require
from lianxin.core.models import User
from lianxin.places.models import Grid

ATTENDANCE_MAX = 100_000


def campaign_create(
    *,
    actor: User,
    kind: str,
    title: str,
    link: str = "",
    held_on: dt.date | None = None,
    place: str = "",
    enterprise: str = "",
    attendance: int = 0,
    attendees: str = "",
    materials: str = "",
    grid: Grid | None = None,
    residents_reached: int = 0,
    views: int = 0,
    now: dt.datetime | None = None,
) -> Campaign:
    """Record a video, talk or training."""
    now = now_or(now)
    require(actor, CAMPAIGN_ROLES, _("Your role may not record campaigns."))
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if kind not in CampaignKind.values:
        errors["kind"] = [_("Choose video, talk or training.")]
    if not title:
        errors["title"] = [_("Give the campaign a title.")]
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            errors["link"] = [_("Enter a web address starting with http:// or https://.")]
    if kind in (CampaignKind.TALK, CampaignKind.TRAINING) and held_on is None:
        errors["held_on"] = [_("Give the date it was held.")]
    for name, value in (("attendance", attendance), ("residents_reached", residents_reached), ("views", views)):
        if not (0 <= int(value) <= 10**9):
            errors[name] = [_("Must be zero or more.")]
    if attendance > ATTENDANCE_MAX:
        errors["attendance"] = [_("That is more people than a talk can hold.")]
    if grid is not None and grid.station_id != actor.station_id:
        errors["grid"] = [_("That grid belongs to another station.")]
    if errors:
        raise ValidationError(errors)
    return Campaign.objects.create(
        station_id=own_station(actor).pk,
        kind=kind,
        title=title[:120],
        link=link,
        views=views,
        held_on=held_on,
        place=place[:120],
        enterprise=enterprise[:120],
        attendance=attendance,
        attendees=attendees,
        materials=materials[:300],
        grid=grid,
        residents_reached=residents_reached,
        created_by=actor,
        created_at=now,
    )


def campaign_view_count(*, campaign: Campaign) -> None:
    """Count one play of a video (called by the page that plays it)."""
    Campaign.objects.filter(pk=campaign.pk).update(views=F("views") + 1)
