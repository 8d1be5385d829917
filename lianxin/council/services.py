"""Writes of the council app: series and meetings, sign-in, concerns (each a case of channel council), minutes.

Recurrence rules are RFC 5545 RRULEs read by python-dateutil, expanded in the station's
zone (every Tuesday 15:00 stays 15:00 local). A concern's case is opened through
cases.services.case_open, so it is routed to the grid's team like any other case.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil.rrule import rrulestr  # type: ignore[import-untyped,unused-ignore]
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.cases.models import Category, Channel
from lianxin.cases.services import case_open
from lianxin.core.models import User
from lianxin.core.roles import CASEWORKER_ROLES, has_role
from lianxin.council.models import Attendance, Concern, Meeting, MeetingSeries, Speaker
from lianxin.places.models import Grid

MEETINGS_AHEAD = 8  # occurrences materialised when a series is created
RULE_LOOKAHEAD_DAYS = 366 * 2
SIGNIN_PEOPLE_MAX = 50
SIGNIN_PER_DEVICE_PER_MINUTE = 5
MINUTES_MAX_CHARS = 20000
SPEAKER_NAME_MAX = 40
SPEAKER_TOPIC_MAX = 100


class RateLimited(Exception):
    """Too many sign-ins from one device in a short time."""


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def _require_host_role(actor: User) -> int:
    """Refuse an actor who may not run councils; return their station's id."""
    if not has_role(actor, CASEWORKER_ROLES) or actor.station_id is None:
        raise PermissionDenied(_("Your role may not run councils."))
    return actor.station_id


def rule_occurrences(*, rrule: str, first_at: dt.datetime, after: dt.datetime, count: int) -> list[dt.datetime]:
    """Return up to count occurrences of rrule from first_at (local wall time) at or after `after`, as aware times.

    Raises ValidationError naming `rrule` for a rule dateutil cannot read.
    """
    local_first = first_at.astimezone(_zone()).replace(tzinfo=None)
    try:
        rule = rrulestr(rrule, dtstart=local_first)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"rrule": [_("Not a recurrence rule: %(e)s") % {"e": exc}]}) from None
    local_after = after.astimezone(_zone()).replace(tzinfo=None)
    found: list[dt.datetime] = []
    current = rule.after(local_after, inc=True)
    limit = local_after + dt.timedelta(days=RULE_LOOKAHEAD_DAYS)
    while current is not None and len(found) < count and current <= limit:
        found.append(current.replace(tzinfo=_zone()))
        current = rule.after(current)
    return found


def _validate_place(*, actor, grid, host, title, place) -> dict:
    errors: dict[str, list[str]] = {}
    if not isinstance(grid, Grid) or grid.station_id != actor.station_id:
        errors["grid"] = [_("Choose a grid of your station.")]
    if host is None or host.station_id != actor.station_id or not has_role(host, CASEWORKER_ROLES):
        errors["host"] = [_("The host must be an officer of this station.")]
    if not (title or "").strip():
        errors["title"] = [_("Give the council a title.")]
    if not (place or "").strip():
        errors["place"] = [_("Say where the council meets.")]
    return errors


@transaction.atomic
def series_create(
    *,
    actor: User,
    grid: Grid,
    title: str,
    place: str,
    rrule: str,
    first_at: dt.datetime,
    host: User | None = None,
    duration_minutes: int = 60,
    lat: float | None = None,
    lon: float | None = None,
    now: dt.datetime | None = None,
) -> MeetingSeries:
    """Create a recurring council and its next MEETINGS_AHEAD meetings (from first_at if that is later than now).

    A rule that never occurs within two years is refused (ValidationError on `rrule`).
    """
    station_id = _require_host_role(actor)
    host = host or actor
    errors = _validate_place(actor=actor, grid=grid, host=host, title=title, place=place)
    if timezone.is_naive(first_at):
        errors["first_at"] = [_("Give the time with its zone.")]
    if not 15 <= duration_minutes <= 600:
        errors["duration_minutes"] = [_("A council lasts 15 to 600 minutes.")]
    if errors:
        raise ValidationError(errors)
    occurrences = rule_occurrences(rrule=rrule, first_at=first_at, after=first_at, count=MEETINGS_AHEAD * 60)
    if not occurrences:
        raise ValidationError({"rrule": [_("This rule never occurs: no meeting would ever take place.")]})
    series = MeetingSeries.objects.create(
        station_id=station_id,
        grid=grid,
        title=title.strip()[:100],
        place=place.strip()[:100],
        lat=lat,
        lon=lon,
        host=host,
        rrule=rrule.strip(),
        first_at=first_at,
        duration_minutes=duration_minutes,
    )
    now = now or timezone.now()
    upcoming = [at for at in occurrences if at >= now][:MEETINGS_AHEAD] or occurrences[:MEETINGS_AHEAD]
    past = [at for at in occurrences if at < now]
    for at in sorted(set(past[-MEETINGS_AHEAD:] + upcoming)):
        _meeting_for(series, at)
    return series


def _meeting_for(series: MeetingSeries, at: dt.datetime) -> Meeting:
    meeting, _created = Meeting.objects.get_or_create(
        series=series,
        starts_at=at,
        defaults={
            "station_id": series.station_id,
            "grid_id": series.grid_id,
            "title": series.title,
            "place": series.place,
            "lat": series.lat,
            "lon": series.lon,
            "host_id": series.host_id,
            "ends_at": at + dt.timedelta(minutes=series.duration_minutes),
        },
    )
    return meeting


def series_extend(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Keep MEETINGS_AHEAD future meetings in every series (a worker sweep); return meetings made."""
    now = now or timezone.now()
    made = 0
    for series in MeetingSeries.objects.order_by("id")[:limit]:
        have = series.meetings.filter(starts_at__gte=now).count()
        if have >= MEETINGS_AHEAD:
            continue
        for at in rule_occurrences(rrule=series.rrule, first_at=series.first_at, after=now, count=MEETINGS_AHEAD):
            if not series.meetings.filter(starts_at=at).exists():
                _meeting_for(series, at)
                made += 1
    return made


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    grid: Grid,
    title: str,
    place: str,
    starts_at: dt.datetime,
    duration_minutes: int = 60,
    host: User | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Meeting:
    """Create a one-off council meeting."""
    station_id = _require_host_role(actor)
    host = host or actor
    errors = _validate_place(actor=actor, grid=grid, host=host, title=title, place=place)
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give the time with its zone.")]
    if errors:
        raise ValidationError(errors)
    return Meeting.objects.create(
        station_id=station_id,
        grid=grid,
        title=title.strip()[:100],
        place=place.strip()[:100],
        lat=lat,
        lon=lon,
        host=host,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
    )


def _require_runs(actor: User, meeting: Meeting) -> None:
    _require_host_role(actor)
    if actor.station_id != meeting.station_id:
        raise PermissionDenied(_("This council belongs to another station."))


@transaction.atomic
def meeting_agenda_save(*, meeting: Meeting, actor: User, agenda: str) -> Meeting:
    """Save the host's edited agenda."""
    _require_runs(actor, meeting)
    agenda = (agenda or "").strip()
    if len(agenda) > MINUTES_MAX_CHARS:
        raise ValidationError({"agenda": [_("The agenda is too long.")]})
    meeting.agenda = agenda
    meeting.save(update_fields=["agenda"])
    return meeting


@transaction.atomic
def meeting_minutes_save(*, meeting: Meeting, actor: User, minutes: str, now: dt.datetime | None = None) -> Meeting:
    """Save the minutes of a meeting."""
    _require_runs(actor, meeting)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationError({"minutes": [_("Write the minutes first.")]})
    if len(minutes) > MINUTES_MAX_CHARS:
        raise ValidationError({"minutes": [_("The minutes are too long.")]})
    meeting.minutes, meeting.minutes_saved_at = minutes, now or timezone.now()
    meeting.save(update_fields=["minutes", "minutes_saved_at"])
    return meeting


def attendance_sign_in(
    *, meeting: Meeting, device_key: str, name: str = "", people: int = 1, now: dt.datetime | None = None
) -> tuple[Attendance, bool]:
    """Sign a passer-by in (no account): once per device; return (attendance, whether it is new).

    A device signing again changes nothing; more than SIGNIN_PER_DEVICE_PER_MINUTE tries a
    minute raise RateLimited. Raises ValidationError naming `people`.
    """
    now = now or timezone.now()
    device_key = (device_key or "")[:64]
    if not device_key:
        raise ValidationError({"device": [_("Your browser did not send a sign-in key; reload the page.")]})
    bucket = f"council:signin:{meeting.pk}:{device_key}:{int(now.timestamp() // 60)}"
    cache.add(bucket, 0, timeout=120)
    if cache.incr(bucket) > SIGNIN_PER_DEVICE_PER_MINUTE:
        raise RateLimited
    if not isinstance(people, int) or not 1 <= people <= SIGNIN_PEOPLE_MAX:
        raise ValidationError({"people": [_("Give a number from 1 to %(n)d.") % {"n": SIGNIN_PEOPLE_MAX}]})
    existing = Attendance.objects.filter(meeting=meeting, device_key=device_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                meeting=meeting, device_key=device_key, name=(name or "").strip()[:40], people=people, signed_at=now
            )
    except IntegrityError:
        return Attendance.objects.get(meeting=meeting, device_key=device_key), False
    return attendance, True


def speaker_add(
    *,
    meeting: Meeting,
    name: str,
    topic: str = "",
    actor: User | None = None,
    device_key: str = "",
    now: dt.datetime | None = None,
) -> Speaker:
    """Put someone on the meeting's speaker list: the host (actor) for anyone, or a passer-by's device once.

    Raises ValidationError naming `name` or `topic`; a device asking again gets its first place back.
    """
    now = now or timezone.now()
    if actor is not None:
        _require_runs(actor, meeting)
        device_key = ""
    elif not device_key:
        raise ValidationError({"device": [_("Your browser did not send a sign-in key; reload the page.")]})
    name, topic = (name or "").strip(), (topic or "").strip()
    errors = {}
    if not name or len(name) > SPEAKER_NAME_MAX:
        errors["name"] = [_("Give a name of at most %(n)d characters.") % {"n": SPEAKER_NAME_MAX}]
    if len(topic) > SPEAKER_TOPIC_MAX:
        errors["topic"] = [_("Give a topic of at most %(n)d characters.") % {"n": SPEAKER_TOPIC_MAX}]
    if errors:
        raise ValidationError(errors)
    if device_key:
        existing = Speaker.objects.filter(meeting=meeting, device_key=device_key[:64]).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return Speaker.objects.create(
                meeting=meeting, name=name, topic=topic, device_key=device_key[:64], requested_at=now
            )
    except IntegrityError:
        return Speaker.objects.get(meeting=meeting, device_key=device_key[:64])


def speaker_done(*, speaker: Speaker, actor: User, now: dt.datetime | None = None) -> Speaker:
    """Mark that the speaker has had their turn (the host only); doing it twice keeps the first time."""
    _require_runs(actor, speaker.meeting)
    if speaker.spoke_at is None:
        speaker.spoke_at = now or timezone.now()
        speaker.save(update_fields=["spoke_at"])
    return speaker


@transaction.atomic
def concern_raise(
    *,
    meeting: Meeting,
    actor: User,
    category: Category,
    description: str,
    contact_name: str = "",
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> Concern:
    """Take a concern raised at meeting in as a case of channel council, placed at the meeting's place and grid."""
    _require_runs(actor, meeting)
    now = now or timezone.now()
    case = case_open(
        station=meeting.station,
        actor=actor,
        channel=Channel.COUNCIL,
        category=category,
        description=description,
        lat=meeting.lat,
        lon=meeting.lon,
        address=meeting.place,
        contact_name=contact_name,
        contact_phone=contact_phone,
        now=now,
    )
    if case.grid_id is None:
        case.grid_id = meeting.grid_id
        case.save(update_fields=["grid"])
    return Concern.objects.create(meeting=meeting, case=case, raised_at=now)


@transaction.atomic
def concern_commit(*, concern: Concern, actor: User, who: str, what: str, due_on: dt.date | None) -> Concern:
    """Record the station's commitment on a concern: who does what by when (shown on the public board)."""
    _require_runs(actor, concern.meeting)
    errors = {}
    if not (what or "").strip():
        errors["what"] = [_("Say what was committed to.")]
    if due_on is not None and due_on < concern.meeting.starts_at.astimezone(_zone()).date():
        errors["due_on"] = [_("The date is before the meeting.")]
    if errors:
        raise ValidationError(errors)
    concern.commitment_who, concern.commitment_what, concern.commitment_due_on = (
        (who or "").strip()[:60],
        what.strip()[:200],
        due_on,
    )
    concern.save(update_fields=["commitment_who", "commitment_what", "commitment_due_on"])
    return concern


@transaction.atomic
def council_delete_for_station(*, station) -> None:
    """Delete a station's councils (before its cases go, as a station is taken down)."""
    Meeting.objects.filter(station=station).delete()
    MeetingSeries.objects.filter(station=station).delete()
