"""Anti-fraud campaigns: short videos (a link or an uploaded file, with a view counter), talks and trainings.

A video's file is checked by its first bytes (an MP4, WebM or Ogg video, whatever its name
says), stored under MEDIA_ROOT under a random name and deleted with its campaign.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from lianxin.antifraud.models import Campaign, CampaignKind
from lianxin.antifraud.roles import CAMPAIGN_ROLES
from lianxin.antifraud.services.common import now_or, own_station, require
from lianxin.core.models import User
from lianxin.places.models import Grid

ATTENDANCE_MAX = 100_000
VIDEO_FIELD = "video"
VIDEO_FOLDER = "campaign-videos"
# The first bytes read to tell what a file is (an MP4's ftyp box, WebM's EBML DocType, Ogg's Theora header).
VIDEO_SNIFF_BYTES = 512
# ISO base media files that are pictures or sound, not video (HEIF/AVIF photos, M4A audio).
NOT_VIDEO_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis", b"M4A ", b"M4B "}
)
# One viewer (address and browser) playing the same video again within this long counts once.
VIEW_REPEAT_MINUTES = 30
BYTES_PER_MB = 1024 * 1024


def video_kind_of(head: bytes) -> tuple[str, str] | None:
    """Return (content type, file extension) of a video from its first bytes, or None if it is not one."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in NOT_VIDEO_BRANDS:
            return None
        return ("video/quicktime", "mov") if brand == b"qt  " else ("video/mp4", "mp4")
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM names itself in its DocType; other Matroska is refused
        return ("video/webm", "webm") if b"webm" in head[:64] else None
    if head[:4] == b"OggS" and b"\x80theora" in head:  # Ogg that carries video (not Vorbis sound alone)
        return ("video/ogg", "ogv")
    return None


def _video_check(upload) -> tuple[str, str]:
    """Check an uploaded video's size and first bytes; ValidationError names `video`."""
    most = settings.LIANXIN_CAMPAIGN_VIDEO_MAX_BYTES
    size = int(getattr(upload, "size", 0) or 0)
    if size == 0:
        raise ValidationError({VIDEO_FIELD: [_("The video file is empty.")]})
    if size > most:
        raise ValidationError(
            {
                VIDEO_FIELD: [
                    _("The video is too large: %(mb).1f MB (at most %(most)d MB).")
                    % {"mb": size / BYTES_PER_MB, "most": max(1, most // BYTES_PER_MB)}
                ]
            }
        )
    upload.seek(0)
    kind = video_kind_of(upload.read(VIDEO_SNIFF_BYTES))
    upload.seek(0)
    if kind is None:
        raise ValidationError({VIDEO_FIELD: [_("This file is not a video (MP4, WebM or Ogg).")]})
    return kind


def campaign_create(
    *,
    actor: User,
    kind: str,
    title: str,
    link: str = "",
    video=None,
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
    """Record a video, talk or training; a video takes a link, an uploaded file (`video`) or both.

    The file is stored before the row is written and removed again if the write fails; a bad
    file is refused with a message on `video` and nothing is written.
    """
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
    video_type = extension = ""
    if kind == CampaignKind.VIDEO and not link and video is None:
        errors["link"] = [_("Give the video's link, or upload its file.")]
    if video is not None and kind != CampaignKind.VIDEO:
        errors[VIDEO_FIELD] = [_("Only a short video takes a video file.")]
    elif video is not None:
        try:
            video_type, extension = _video_check(video)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    station_id = own_station(actor).pk
    stored = ""
    if video is not None:
        stored = default_storage.save(f"{VIDEO_FOLDER}/{station_id}/{secrets.token_hex(16)}.{extension}", video)
    try:
        return Campaign.objects.create(
            station_id=station_id,
            kind=kind,
            title=title[:120],
            link=link,
            video=stored,
            video_content_type=video_type,
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
    except Exception:
        if stored:
            default_storage.delete(stored)
        raise


def campaign_view_count(*, campaign: Campaign, viewer: str) -> bool:
    """Count one play of a video, from the page that plays it; return whether it was counted.

    viewer names who plays it (their address and browser, as the view sees them): the same viewer
    again within VIEW_REPEAT_MINUTES counts once, so a reload storm does not inflate the figure.
    The mark is kept in the cache (shared by every process when the cache is Redis), hashed.
    """
    digest = hashlib.sha256(f"{campaign.pk}:{viewer}".encode()).hexdigest()[:32]
    if not cache.add(f"lianxin:campaign-view:{digest}", 1, timeout=VIEW_REPEAT_MINUTES * 60):
        return False
    Campaign.objects.filter(pk=campaign.pk).update(views=F("views") + 1)
    return True


def campaign_delete(*, actor: User, campaign: Campaign) -> None:
    """Delete a campaign and, once that is committed, its video file."""
    require(actor, CAMPAIGN_ROLES, _("Your role may not record campaigns."))
    if campaign.station_id != actor.station_id:
        raise ValidationError(_("That campaign belongs to another station."))
    names = [campaign.video.name] if campaign.video else []
    campaign.delete()
    transaction.on_commit(lambda: _files_delete(names))


def campaigns_delete_for_station(*, station_id: int) -> None:
    """Delete a station's campaigns and their video files (as the demo station is rebuilt or a station taken down)."""
    names = [n for n in Campaign.objects.filter(station_id=station_id).values_list("video", flat=True) if n]
    Campaign.objects.filter(station_id=station_id).delete()
    transaction.on_commit(lambda: _files_delete(names))


def _files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
