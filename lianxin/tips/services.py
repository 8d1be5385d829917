"""Writes of the tips app: a tip sent (named or anonymous, each a case of channel lookout tip), its thread, its outcome.

The case is opened through cases.services.case_open, placed in its grid by the tip's
point and routed to that grid's team, so the grid's officer gets it. An anonymous tip's
case is opened by the station's tip line (one account per station that nobody signs in
with), at the hour rather than the minute, with no contact: the case, its timeline and
the tip hold nothing that points at the tipster. The receipt code is the tipster's only
key; the database keeps only its HMAC (so "wrong code" and "no such tip" are the same lookup).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import zoneinfo
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.cases.models import Case, Category, Channel, Priority
from lianxin.cases.selectors import category_list_for
from lianxin.cases.services import case_assign, case_note, case_open
from lianxin.core.models import Role, Station, User
from lianxin.core.roles import CASEWORKER_ROLES, has_role
from lianxin.tips.models import (
    KIND_RULES,
    SAFETY_CHECK_CATEGORIES,
    Appeal,
    Tip,
    TipKind,
    TipMessage,
    TipOutcome,
    TipPhoto,
)
from lianxin.tips.photos import photo_files_delete, photo_store, photos_clean

DESCRIPTION_MAX_CHARS = 2000
MESSAGE_MAX_CHARS = 1000
RECEIPT_BYTES = 10  # 80 random bits: 16 characters of base32
TIPLINE_PREFIX = "tipline-"


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def receipt_digest(code: str) -> str:
    """Return the HMAC-SHA256 (hex) of a receipt code, normalised (spaces and dashes dropped, upper case)."""
    clean = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hmac.new(settings.SECRET_KEY.encode(), f"tip-receipt:{clean}".encode(), hashlib.sha256).hexdigest()


def _new_receipt() -> str:
    import base64

    raw = base64.b32encode(secrets.token_bytes(RECEIPT_BYTES)).decode().rstrip("=")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def tipline_for(station: Station) -> User:
    """Return the station's tip line: the account anonymous tips are opened under (no one signs in with it)."""
    username = f"{TIPLINE_PREFIX}{station.pk}"
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create(
                username=username,
                role=Role.LOOKOUT,
                station=station,
                display_name=_("Anonymous tip line"),
                password=make_password(None),
                is_active=False,
            )
    except IntegrityError:
        return User.objects.get(username=username)


def _category_for(station: Station, kind: str) -> Category | None:
    offered = list(category_list_for(station_id=station.pk, channel=Channel.LOOKOUT_TIP))
    by_code = {c.code: c for c in offered}
    for code in KIND_RULES[kind].categories:
        if code in by_code:
            return by_code[code]
    return offered[0] if offered else None


def _grid_officer(case: Case) -> User | None:
    """Return the active officer leading case's grid, or None (no grid, or no one leads it)."""
    officer = case.grid.police_chief if case.grid_id is not None and case.grid is not None else None
    if officer is None or not officer.is_active or officer.station_id != case.station_id:
        return None
    return officer


def _safety_check_open(*, tip: Tip, now: dt.datetime) -> Case:
    """Give a restricted tip's case to its grid's officer and open the safety check they are to make.

    The safety check is a case of its own (restricted like the tip's, high priority, in the tip's
    grid), opened and held by the grid's officer; without one, by the station chief, whom the
    restricted rule lets see both. The tip's case notes the check's number on its internal timeline.
    """
    case = tip.case
    officer = _grid_officer(case)
    holder = (
        officer
        or User.objects.filter(station_id=case.station_id, role=Role.STATION_CHIEF, is_active=True)
        .order_by("id")
        .first()
    )
    if officer is not None:
        case = tip.case = case_assign(case=case, actor=None, assignee=officer, now=now)
    station = case.station
    offered = {c.code: c for c in category_list_for(station_id=station.pk)}
    category = next((offered[c] for c in SAFETY_CHECK_CATEGORIES if c in offered), case.category)
    kind = TipKind(tip.kind).label
    safety = case_open(
        station=station,
        actor=holder or tipline_for(station),
        channel=Channel.LOOKOUT_TIP,
        category=category,
        title=_("Safety check: %(kind)s") % {"kind": kind},
        description=_(
            "A lookout tip (%(kind)s, case %(number)s) asks for a safety check: visit, see that everyone there "
            "is safe, and record what you found."
        )
        % {"kind": kind, "number": case.number},
        lat=case.lat,
        lon=case.lon,
        address=case.address,
        is_anonymous=case.is_anonymous,
        priority=Priority.HIGH,
        is_restricted=True,
        now=now,
    )
    if safety.grid_id != case.grid_id:
        # A check with no point of its own belongs to the tip's grid, not the opener's first.
        Case.objects.filter(pk=safety.pk).update(grid_id=case.grid_id)
        safety.grid_id = case.grid_id
    if officer is not None:
        safety = case_assign(case=safety, actor=None, assignee=officer, now=now)
    if holder is not None:
        case_note(
            case=case, actor=holder, text=_("Safety check opened: %(number)s.") % {"number": safety.number}, now=now
        )
    tip.safety_case = safety
    tip.save(update_fields=["safety_case"])
    return safety


@transaction.atomic
def tip_send(
    *,
    station: Station,
    actor: User | None,
    kind: str,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    is_anonymous: bool = False,
    receipt_code: str = "",
    photos: Sequence = (),
    now: dt.datetime | None = None,
) -> tuple[Tip, str]:
    """Take a tip in as a case; return (tip, receipt code) — the code is "" for a named tip.

    actor None (no account) is always anonymous. A named tip needs a signed-in lookout (or
    another role that files tips). Raises ValidationError naming `kind`, `description` or
    the location fields, or `photos` (up to LIANXIN_TIP_PHOTOS_MAX uploaded files, JPEG or PNG,
    re-encoded without EXIF by tips.photos). All or nothing: the photos are checked before any
    row is written, and a failure after a file was stored deletes the files it wrote.
    receipt_code is for the demo seed only (a published code for the
    demo's anonymous tip); everything else lets a fresh random code be drawn.
    """
    now = now or timezone.now()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is None:
        is_anonymous = True
    elif actor.station_id != station.pk:
        raise PermissionDenied(_("You may only send tips to your own station."))
    errors: dict[str, list[str]] = {}
    if kind not in TipKind.values:
        errors["kind"] = [_("Choose what kind of thing you saw.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Say in a sentence or two what you saw, where and when.")]
    elif len(description) > DESCRIPTION_MAX_CHARS:
        errors["description"] = [_("At most %(n)d characters, please.") % {"n": DESCRIPTION_MAX_CHARS}]
    try:
        clean_photos = photos_clean(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        clean_photos = []
    if errors:
        raise ValidationError(errors)
    category = _category_for(station, kind)
    if category is None:
        raise ValidationError({"kind": [_("The station takes no tips yet (no category for them).")]})
    if is_anonymous:
        # The hour, not the minute: a precise time could point at who was there.
        opened_at = now.astimezone(_zone()).replace(minute=0, second=0, microsecond=0)
        opener = tipline_for(station)
    else:
        assert actor is not None  # actor None is always anonymous (above)
        opened_at, opener = now, actor
    case = case_open(
        station=station,
        actor=opener,
        channel=Channel.LOOKOUT_TIP,
        category=category,
        description=description,
        title=_("%(kind)s (lookout tip)") % {"kind": TipKind(kind).label},
        lat=lat,
        lon=lon,
        address=address,
        is_anonymous=is_anonymous,
        priority=KIND_RULES[kind].priority,
        is_restricted=KIND_RULES[kind].is_restricted,
        now=opened_at,
    )
    if is_anonymous:
        # auto_now stamped the insert's exact time; the row keeps the hour like the rest.
        Case.objects.filter(pk=case.pk).update(updated_at=opened_at)
    code = (receipt_code or _new_receipt()) if is_anonymous else ""
    tip = Tip.objects.create(
        station=station,
        case=case,
        kind=kind,
        source_user=None if is_anonymous else actor,
        is_anonymous=is_anonymous,
        receipt_digest=receipt_digest(code) if code else None,
        sent_on=now.astimezone(_zone()).date(),
    )
    stored: list[str] = []
    try:
        for photo in clean_photos:
            stored.append(photo_store(station_id=station.pk, photo=photo))
            TipPhoto.objects.create(
                tip=tip,
                image=stored[-1],
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size_bytes=len(photo.data),
            )
    except BaseException:
        # The rows roll back with the transaction; the files would not.
        photo_files_delete(stored)
        raise
    if KIND_RULES[kind].is_restricted:
        _safety_check_open(tip=tip, now=opened_at)
    return tip, code


def _message_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write a message first.")]})
    if len(text) > MESSAGE_MAX_CHARS:
        raise ValidationError({"text": [_("At most %(n)d characters, please.") % {"n": MESSAGE_MAX_CHARS}]})
    return text


@transaction.atomic
def tip_source_write(*, tip: Tip, text: str, actor: User | None = None, now: dt.datetime | None = None) -> TipMessage:
    """Add the tipster's message (an answer, something more) to the thread.

    The caller proved it is the source: the receipt code (anonymous) or the signed-in sender.
    """
    now = now or timezone.now()
    if not tip.is_anonymous and (actor is None or actor.pk != tip.source_user_id):
        raise PermissionDenied(_("Only the sender of this tip may write as its source."))
    return TipMessage.objects.create(
        tip=tip,
        is_from_station=False,
        author=None if tip.is_anonymous else actor,
        text=_message_text(text),
        written_on=now.astimezone(_zone()).date(),
        written_at=None if tip.is_anonymous else now,
    )


@transaction.atomic
def tip_station_write(*, tip: Tip, actor: User, text: str, now: dt.datetime | None = None) -> TipMessage:
    """Add an officer's message (a question, a thank-you) to the thread, shown to the source under the station's name."""
    if not has_role(actor, CASEWORKER_ROLES) or actor.station_id != tip.station_id:
        raise PermissionDenied(_("Your role may not write to tipsters."))
    now = now or timezone.now()
    return TipMessage.objects.create(
        tip=tip,
        is_from_station=True,
        author=actor,
        text=_message_text(text),
        written_on=now.astimezone(_zone()).date(),
        written_at=now,
    )


@transaction.atomic
def tip_outcome_set(*, tip: Tip, actor: User, outcome: str, now: dt.datetime | None = None) -> Tip:
    """Record what the tip turned out to be (confirmed, useful, unfounded): the source's reliability comes from it."""
    if not has_role(actor, CASEWORKER_ROLES) or actor.station_id != tip.station_id:
        raise PermissionDenied(_("Your role may not assess tips."))
    if outcome not in TipOutcome.values:
        raise ValidationError({"outcome": [_("Choose an outcome.")]})
    now = now or timezone.now()
    tip.outcome, tip.outcome_on = outcome, now.astimezone(_zone()).date()
    tip.save(update_fields=["outcome", "outcome_on"])
    return tip


@transaction.atomic
def tips_delete_for_station(*, station: Station) -> None:
    """Delete a station's tips and their photo files (before its cases and users go, as a station is taken down)."""
    names = list(TipPhoto.objects.filter(tip__station=station).values_list("image", flat=True))
    Appeal.objects.filter(station=station).delete()
    Tip.objects.filter(station=station).delete()
    transaction.on_commit(lambda: photo_files_delete(names))
