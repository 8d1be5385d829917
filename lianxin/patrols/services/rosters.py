"""Writes of the patrol rosters: shifts from a weekly rule, sign-up and withdrawal, the buddy rule, forecasts and the
silver-hair cut-offs, reminders before a shift, and the secret calendar links.

The rules, decided here:

1. Who makes shifts and records forecasts: a leader of the team (TeamMembership.is_leader) or a
   caseworker of its station (patrols.roles.may_lead_roster). Members sign themselves up.
2. Night: a shift is a night shift when any part of it falls between LIANXIN_PATROL_NIGHT_FROM_HOUR
   and LIANXIN_PATROL_NIGHT_UNTIL_HOUR in the station's zone (worked out once, when it is made).
3. Buddy rule, nobody alone on a night shift: a night shift with exactly one member signed up
   "needs a buddy" (the roster shows it: selectors.shift_rows_for). Signing up first is allowed
   (someone has to be first). Withdrawing so that exactly one member is left is allowed (people
   fall ill), but the withdrawal's event row is flagged `leaves_alone`, and the team's leaders and
   the member left alone are told (a ShiftNotice and a live push). A reminder to a member still
   alone on a night shift tells them not to set off alone.
4. Limits of a silver-hair team (RosterPolicy.is_silver_hair): a shift longer than
   LIANXIN_PATROL_MAX_SHIFT_HOURS is refused when made (ValidationError on `hours`); a shift whose
   recorded forecast is above LIANXIN_PATROL_HEAT_CUTOFF_C or below LIANXIN_PATROL_COLD_CUTOFF_C
   is called off for heat or cold and its members are told; a later forecast inside the limits
   puts it on again (members told again). Another team's shifts may last up to PATROL_HOURS_MAX
   and a forecast is only recorded.
5. Reminders: LIANXIN_PATROL_REMINDER_MINUTES before a shift that is on, each member signed up
   hears once (the sweep claims the sign-up row with a conditional update of reminded_at, so two
   workers never remind twice; withdrawing and signing up again does not remind again).

6. Change and cancel: whoever may make a team's shifts may change one that has not begun (day,
   start, length, place or segment, minimum people; the silver-hair length limit and the buddy
   rule are checked again) or cancel it with a reason. Either bumps the shift's iCalendar
   SEQUENCE, so a subscribed calendar replaces its copy (a cancelled one shows STATUS:CANCELLED),
   and the members signed up are told. A cancelled shift stays cancelled: it takes no sign-up,
   no forecast and no change.

Every change writes a ShiftEvent row; every message to a person is a ShiftNotice row, pushed
live to their open pages (core.live, topic user:<id>).
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dateutil.rrule import WEEKLY, rrule  # type: ignore[import-untyped,unused-ignore]
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.live import live_publish
from lianxin.core.models import User
from lianxin.core.services import audit_record
from lianxin.patrols.models import (
    NoticeKind,
    RosterFeed,
    RosterPolicy,
    Shift,
    ShiftEvent,
    ShiftEventKind,
    ShiftNotice,
    ShiftSeries,
    ShiftSignup,
    ShiftStatus,
)
from lianxin.patrols.roles import PATROL_TEAM_KINDS, is_team_member, may_lead_roster, team_leader_ids
from lianxin.patrols.services import PATROL_HOURS_MAX
from lianxin.people.models import Team
from lianxin.places.models import Landmark

LIVE_KIND = "patrol_roster"
# A rule makes shifts for at most this many weeks ahead (half a year); make another rule after.
WEEKS_MAX = 26
# The first shift of a rule lies within this many days from today.
FIRST_ON_MAX_DAYS_AHEAD = 366
SHIFT_MINUTES_MIN = 30
PEOPLE_MAX = 50
PLACE_MAX_CHARS = 100
# Forecasts outside this range (°C) are typing mistakes, not weather.
FORECAST_RANGE_C = (-60.0, 60.0)
FEED_TOKEN_BYTES = 24
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The buddy rule: a night shift is planned for at least this many people.
BUDDY_PEOPLE_MIN = 2
REASON_MAX_CHARS = 200


def alone_on_night_message() -> str:
    """Return what a member signing up first for a night shift is told (the page and the API say the same)."""
    return _("You are the only one on this night shift so far: nobody walks alone at night. Wait for a buddy.")


def _buddy_message() -> str:
    return _("A night shift needs at least %(n)d people: nobody walks alone at night.") % {"n": BUDDY_PEOPLE_MIN}


def _now(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def _local(at: dt.datetime) -> str:
    return f"{at.astimezone(_zone()):%m-%d %H:%M}"


def shift_is_night(*, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Return True if any part of [starts_at, ends_at) lies in the night hours of the station's zone.

    Night runs from LIANXIN_PATROL_NIGHT_FROM_HOUR to LIANXIN_PATROL_NIGHT_UNTIL_HOUR local time
    (across midnight when FROM > UNTIL, the usual case: 20 → 6).
    """
    zone = _zone()
    night_from, night_until = settings.LIANXIN_PATROL_NIGHT_FROM_HOUR, settings.LIANXIN_PATROL_NIGHT_UNTIL_HOUR
    first, last = starts_at.astimezone(zone).date(), ends_at.astimezone(zone).date()
    day = first - dt.timedelta(days=1)
    while day <= last:
        begin = dt.datetime.combine(day, dt.time(night_from), tzinfo=zone)
        until_day = day + dt.timedelta(days=1) if night_from > night_until else day
        end = dt.datetime.combine(until_day, dt.time(night_until), tzinfo=zone)
        if begin < ends_at and starts_at < end:
            return True
        day += dt.timedelta(days=1)
    return False


def is_silver_hair(team: Team) -> bool:
    return RosterPolicy.objects.filter(team=team, is_silver_hair=True).exists()


def max_shift_hours(team: Team) -> float:
    """Return the longest shift (hours) the team may be given: the silver-hair limit, else PATROL_HOURS_MAX."""
    return float(settings.LIANXIN_PATROL_MAX_SHIFT_HOURS) if is_silver_hair(team) else float(PATROL_HOURS_MAX)


def _event(shift: Shift, kind: str, *, now: dt.datetime, actor: User | None = None, member=None, **data) -> ShiftEvent:
    return ShiftEvent.objects.create(shift=shift, kind=kind, actor=actor, member=member, at=now, data=data)


def _notify(shift: Shift, user_ids: Iterable[int], *, kind: str, text: str, now: dt.datetime) -> list[ShiftNotice]:
    """Keep what each user is told about shift and push it to their open pages."""
    notices = ShiftNotice.objects.bulk_create(
        ShiftNotice(shift=shift, user_id=pk, kind=kind, text=text[:300], sent_at=now) for pk in dict.fromkeys(user_ids)
    )
    for notice in notices:
        live_publish(
            topic=f"user:{notice.user_id}",
            kind=LIVE_KIND,
            data={"shift": shift.pk, "notice": kind, "text": notice.text},
        )
    return notices


def _active_member_ids(shift: Shift) -> list[int]:
    return list(
        shift.signups.filter(withdrawn_at__isnull=True)
        .order_by("signed_up_at", "id")
        .values_list("member_id", flat=True)
    )


@transaction.atomic
def roster_policy_set(*, actor: User, team: Team, is_silver_hair: bool) -> RosterPolicy:
    """Mark a patrol team as silver-hair (or not), so the shift-length and heat/cold limits apply to it.

    The limits apply to shifts made or changed from now on; shifts already planned keep their
    length (their leader may change them). A change is written to the audit log.
    """
    if team.kind not in PATROL_TEAM_KINDS:
        raise ValidationError({"team": [_("Choose a patrol team.")]})
    if not may_lead_roster(actor, team):
        raise PermissionDenied(_("Only the team's leader or an officer may change its roster."))
    before = RosterPolicy.objects.filter(team=team).values_list("is_silver_hair", flat=True).first() or False
    policy, _created = RosterPolicy.objects.update_or_create(team=team, defaults={"is_silver_hair": is_silver_hair})
    if before != is_silver_hair:
        audit_record(
            actor=actor,
            action="patrols.roster_policy_set",
            target=team,
            field="is_silver_hair",
            detail=f"{before} -> {is_silver_hair}",
            station_id=team.station_id,
        )
    return policy


@dataclass(frozen=True)
class WeeklyRule:
    """A weekly rule as a leader gives it: from first_on, on weekdays (0 = Monday), at start (local), hours long."""

    first_on: dt.date | None
    weekdays: Sequence[int]
    start: dt.time | None
    hours: float | None
    weeks: int | None


def _rule_errors(team: Team, rule: WeeklyRule, *, place: str, min_people, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if rule.first_on is None:
        errors["first_on"] = [_("Give the date of the first shift.")]
    elif rule.first_on < today:
        errors["first_on"] = [_("The first shift cannot be in the past.")]
    elif rule.first_on > today + dt.timedelta(days=FIRST_ON_MAX_DAYS_AHEAD):
        errors["first_on"] = [_("The first shift must be within a year from today.")]
    if not rule.weekdays or any(not isinstance(d, int) or not 0 <= d <= 6 for d in rule.weekdays):
        errors["weekdays"] = [_("Choose at least one day of the week.")]
    if rule.start is None:
        errors["start"] = [_("Give the start time (hours:minutes).")]
    limit = max_shift_hours(team)
    if rule.hours is None or not math.isfinite(rule.hours) or rule.hours * 60 < SHIFT_MINUTES_MIN:
        errors["hours"] = [_("Give the length in hours (at least half an hour).")]
    elif rule.hours > limit:
        errors["hours"] = [
            _("At most %(h)s hours for this team: a longer shift is too much for its members.") % {"h": f"{limit:g}"}
            if is_silver_hair(team)
            else _("At most %(h)s hours for one shift.") % {"h": f"{limit:g}"}
        ]
    if rule.weeks is None or not 1 <= rule.weeks <= WEEKS_MAX:
        errors["weeks"] = [_("Between 1 and %(n)d weeks.") % {"n": WEEKS_MAX}]
    if len(place) > PLACE_MAX_CHARS:
        errors["place"] = [_("At most %(n)d characters, please.") % {"n": PLACE_MAX_CHARS}]
    if not isinstance(min_people, int) or not 1 <= min_people <= PEOPLE_MAX:
        errors["min_people"] = [_("Between 1 and %(n)d people.") % {"n": PEOPLE_MAX}]
    return errors


@transaction.atomic
def shifts_create_weekly(
    *,
    actor: User,
    team: Team,
    rule: WeeklyRule,
    place: str = "",
    segment: Landmark | None = None,
    min_people: int = 2,
    now: dt.datetime | None = None,
) -> list[Shift]:
    """Make a team's shifts from a weekly rule, in the station's local wall time; return them in time order.

    Steps: 1. check the rule and the fields (ValidationError naming first_on, weekdays, start,
    hours, weeks, place, segment or min_people; nothing is written then); 2. expand the rule with
    dateutil from first_on at the local start time for `weeks` weeks; 3. leave out occurrences
    that have already begun (a rule made at 23:50 for 23:00 starts next week; one for 00:30 starts
    in forty minutes, on the next local day); 4. save the series, the shifts and an event row each.
    """
    if team.kind not in PATROL_TEAM_KINDS:
        raise ValidationError({"team": [_("Choose a patrol team.")]})
    if not may_lead_roster(actor, team):
        raise PermissionDenied(_("Only the team's leader or an officer may make its shifts."))
    now = _now(now)
    zone = _zone()
    place = (place or "").strip()
    errors = _rule_errors(team, rule, place=place, min_people=min_people, today=now.astimezone(zone).date())
    if segment is not None and (segment.station_id != team.station_id or segment.kind != Landmark.Kind.BORDER):
        errors["segment"] = [_("Choose a border segment of this station.")]
    if errors:
        raise ValidationError(errors)
    assert rule.first_on is not None and rule.start is not None and rule.hours is not None and rule.weeks is not None
    days = sorted(set(rule.weekdays))
    recurrence = rrule(
        WEEKLY,
        byweekday=days,
        dtstart=dt.datetime.combine(rule.first_on, rule.start),
        until=dt.datetime.combine(rule.first_on + dt.timedelta(weeks=rule.weeks, days=-1), dt.time(23, 59)),
    )
    length = dt.timedelta(minutes=round(rule.hours * 60))
    starts = [at.replace(tzinfo=zone) for at in recurrence]
    starts = [at for at in starts if at > now]
    if not starts:
        raise ValidationError({"first_on": [_("No shift of this rule is still ahead; choose later dates.")]})
    if min_people < BUDDY_PEOPLE_MIN and any(shift_is_night(starts_at=at, ends_at=at + length) for at in starts):
        raise ValidationError({"min_people": [_buddy_message()]})
    text = f"FREQ=WEEKLY;BYDAY={','.join(WEEKDAY_CODES[d] for d in days)};BYHOUR={rule.start.hour};BYMINUTE={rule.start.minute}"
    series = ShiftSeries.objects.create(team=team, rrule=text, created_by=actor, created_at=now)
    shifts = Shift.objects.bulk_create(
        Shift(
            station_id=team.station_id,
            team=team,
            series=series,
            starts_at=at,
            ends_at=at + length,
            place=place,
            segment=segment,
            min_people=min_people,
            is_night=shift_is_night(starts_at=at, ends_at=at + length),
            created_by=actor,
            created_at=now,
        )
        for at in starts
    )
    ShiftEvent.objects.bulk_create(
        ShiftEvent(shift=s, kind=ShiftEventKind.CREATED, actor=actor, at=now, data={"series": series.pk})
        for s in shifts
    )
    return shifts


def _locked(shift: Shift) -> Shift:
    return Shift.objects.select_for_update().select_related("team").get(pk=shift.pk)


@transaction.atomic
def shift_signup(*, actor: User, shift: Shift, now: dt.datetime | None = None) -> ShiftSignup:
    """Put actor on a shift of their team; signing up twice changes nothing.

    Raises PermissionDenied for someone outside the team, ValidationError on `shift` for a shift
    that has begun or is called off.
    """
    now = _now(now)
    shift = _locked(shift)
    if not is_team_member(actor, shift.team):
        raise PermissionDenied(_("Only members of the team sign up for its shifts."))
    if shift.has_started_at(now):
        raise ValidationError({"shift": [_("This shift has begun; sign up for a later one.")]})
    if shift.is_cancelled:
        raise ValidationError({"shift": [_("This shift is cancelled.")]})
    if shift.is_called_off:
        raise ValidationError({"shift": [_("This shift is called off.")]})
    signup, created = ShiftSignup.objects.get_or_create(shift=shift, member=actor, defaults={"signed_up_at": now})
    if not created and signup.is_active:
        return signup
    if not created:
        signup.withdrawn_at, signup.signed_up_at = None, now
        signup.save(update_fields=["withdrawn_at", "signed_up_at"])
    people = len(_active_member_ids(shift))
    _event(
        shift,
        ShiftEventKind.SIGNUP,
        now=now,
        actor=actor,
        member=actor,
        people=people,
        needs_buddy=shift.is_night and people == 1,
    )
    return signup


@dataclass(frozen=True)
class Withdrawal:
    signup: ShiftSignup
    leaves_alone: bool  # a night shift now has exactly one member: the leaders were told


@transaction.atomic
def shift_withdraw(*, actor: User, shift: Shift, now: dt.datetime | None = None) -> Withdrawal:
    """Take actor off a shift before it begins; leaving one member alone on a night shift is allowed but flagged.

    Flagged means: the event row carries leaves_alone, and the team's leaders and the member left
    alone get a notice. Raises ValidationError on `shift` if actor is not signed up or it has begun.
    """
    now = _now(now)
    shift = _locked(shift)
    signup = ShiftSignup.objects.filter(shift=shift, member=actor, withdrawn_at__isnull=True).first()
    if signup is None:
        raise ValidationError({"shift": [_("You are not signed up for this shift.")]})
    if shift.has_started_at(now):
        raise ValidationError({"shift": [_("This shift has begun; tell your leader instead.")]})
    signup.withdrawn_at = now
    signup.save(update_fields=["withdrawn_at"])
    left = _active_member_ids(shift)
    leaves_alone = shift.is_night and len(left) == 1 and not shift.is_called_off
    _event(
        shift, ShiftEventKind.WITHDRAW, now=now, actor=actor, member=actor, people=len(left), leaves_alone=leaves_alone
    )
    if leaves_alone:
        text = _(
            "%(who)s withdrew from the night shift of %(team)s at %(at)s: one member is left alone and needs a buddy."
        ) % {
            "who": str(actor),
            "team": shift.team.name,
            "at": _local(shift.starts_at),
        }
        _notify(shift, [*team_leader_ids(shift.team), *left], kind=NoticeKind.ALONE, text=text, now=now)
    return Withdrawal(signup=signup, leaves_alone=leaves_alone)


def _status_for(shift: Shift, temperature_c: float, *, silver: bool) -> str:
    if not silver:
        return ShiftStatus.OPEN
    if temperature_c > settings.LIANXIN_PATROL_HEAT_CUTOFF_C:
        return ShiftStatus.CALLED_OFF_HEAT
    if temperature_c < settings.LIANXIN_PATROL_COLD_CUTOFF_C:
        return ShiftStatus.CALLED_OFF_COLD
    return ShiftStatus.OPEN


@transaction.atomic
def shift_forecast_record(
    *, actor: User, shift: Shift, temperature_c: float | None, now: dt.datetime | None = None
) -> Shift:
    """Record the forecast temperature (°C) for a shift; a silver-hair team's shift outside the cut-offs is called off.

    The members signed up are told when the shift is called off or comes on again. Raises
    ValidationError on `temperature_c` for a missing or impossible value and on `shift` for a
    shift that has ended; PermissionDenied for someone who does not lead the team.
    """
    now = _now(now)
    shift = _locked(shift)
    if not may_lead_roster(actor, shift.team):
        raise PermissionDenied(_("Only the team's leader or an officer may record the forecast."))
    low, high = FORECAST_RANGE_C
    if temperature_c is None or not math.isfinite(temperature_c) or not low <= temperature_c <= high:
        raise ValidationError({"temperature_c": [_("Give the forecast in °C, between -60 and 60.")]})
    if now >= shift.ends_at:
        raise ValidationError({"shift": [_("This shift is over.")]})
    if shift.is_cancelled:
        raise ValidationError({"shift": [_("This shift is cancelled.")]})
    before = shift.status
    shift.forecast_c = round(float(temperature_c), 1)
    shift.status = _status_for(shift, shift.forecast_c, silver=is_silver_hair(shift.team))
    fields = ["forecast_c", "status"]
    if shift.status != before:
        # Called off or on again: the calendars must show it.
        shift.sequence, shift.updated_at = shift.sequence + 1, now
        fields += ["sequence", "updated_at"]
    shift.save(update_fields=fields)
    _event(shift, ShiftEventKind.FORECAST, now=now, actor=actor, temperature_c=shift.forecast_c)
    if shift.status == before:
        return shift
    members = _active_member_ids(shift)
    values = {"team": shift.team.name, "at": _local(shift.starts_at), "c": f"{shift.forecast_c:g}"}
    if shift.is_called_off:
        _event(shift, ShiftEventKind.CALLED_OFF, now=now, actor=actor, status=shift.status)
        text = (
            _("The shift of %(team)s at %(at)s is called off: %(c)s °C forecast, too hot to patrol. Stay cool at home.")
            if shift.status == ShiftStatus.CALLED_OFF_HEAT
            else _(
                "The shift of %(team)s at %(at)s is called off: %(c)s °C forecast, too cold to patrol. Stay warm at home."
            )
        ) % values
        _notify(shift, members, kind=NoticeKind.CALLED_OFF, text=text, now=now)
    else:
        _event(shift, ShiftEventKind.REINSTATED, now=now, actor=actor)
        text = _("The shift of %(team)s at %(at)s is on again (%(c)s °C forecast).") % values
        _notify(shift, members, kind=NoticeKind.REINSTATED, text=text, now=now)
    return shift


@dataclass(frozen=True)
class ShiftChange:
    """A shift as its leader changes it: the local day and start time, the length, where, how many people."""

    starts_on: dt.date | None
    start: dt.time | None
    hours: float | None
    place: str = ""
    segment: Landmark | None = None
    min_people: int | None = 2


def _change_errors(shift: Shift, change: ShiftChange, *, place: str, now: dt.datetime) -> dict[str, list[str]]:
    team = shift.team
    today = now.astimezone(_zone()).date()
    errors: dict[str, list[str]] = {}
    if change.starts_on is None:
        errors["starts_on"] = [_("Give the day of the shift.")]
    elif change.starts_on > today + dt.timedelta(days=FIRST_ON_MAX_DAYS_AHEAD):
        errors["starts_on"] = [_("The shift must be within a year from today.")]
    if change.start is None:
        errors["start"] = [_("Give the start time (hours:minutes).")]
    if change.starts_on is not None and change.start is not None:
        if dt.datetime.combine(change.starts_on, change.start, tzinfo=_zone()) <= now:
            errors["starts_on"] = [_("The shift cannot start in the past.")]
    limit = max_shift_hours(team)
    if change.hours is None or not math.isfinite(change.hours) or change.hours * 60 < SHIFT_MINUTES_MIN:
        errors["hours"] = [_("Give the length in hours (at least half an hour).")]
    elif change.hours > limit:
        errors["hours"] = [
            _("At most %(h)s hours for this team: a longer shift is too much for its members.") % {"h": f"{limit:g}"}
            if is_silver_hair(team)
            else _("At most %(h)s hours for one shift.") % {"h": f"{limit:g}"}
        ]
    if len(place) > PLACE_MAX_CHARS:
        errors["place"] = [_("At most %(n)d characters, please.") % {"n": PLACE_MAX_CHARS}]
    if change.segment is not None and (
        change.segment.station_id != team.station_id or change.segment.kind != Landmark.Kind.BORDER
    ):
        errors["segment"] = [_("Choose a border segment of this station.")]
    if not isinstance(change.min_people, int) or not 1 <= change.min_people <= PEOPLE_MAX:
        errors["min_people"] = [_("Between 1 and %(n)d people.") % {"n": PEOPLE_MAX}]
    return errors


def _may_change(actor: User, shift: Shift, now: dt.datetime) -> None:
    if not may_lead_roster(actor, shift.team):
        raise PermissionDenied(_("Only the team's leader or an officer may change its shifts."))
    if shift.is_cancelled:
        raise ValidationError({"shift": [_("This shift is cancelled.")]})
    if shift.has_started_at(now):
        raise ValidationError({"shift": [_("This shift has begun; it can no longer be changed.")]})


@transaction.atomic
def shift_edit(*, actor: User, shift: Shift, change: ShiftChange, now: dt.datetime | None = None) -> Shift:
    """Change a shift that has not begun; the members signed up are told and calendars get the new version.

    Steps: 1. check who asks and the shift's state (PermissionDenied; ValidationError on `shift`
    for a cancelled or begun one); 2. check the fields as for a new shift (ValidationError naming
    starts_on, start, hours, place, segment or min_people; the silver-hair length limit; a night
    shift needs BUDDY_PEOPLE_MIN people); nothing is written then; 3. nothing changed: return the
    shift as it is, nobody is told; 4. save, work out the night flag again, bump the SEQUENCE; a
    new start time clears the reminders sent, so each member is reminded of the new time;
    5. write the event row (old and new values) and tell the members signed up.
    """
    now = _now(now)
    shift = _locked(shift)
    _may_change(actor, shift, now)
    place = (change.place or "").strip()
    errors = _change_errors(shift, change, place=place, now=now)
    if errors:
        raise ValidationError(errors)
    assert change.starts_on is not None and change.start is not None and change.hours is not None
    assert change.min_people is not None
    starts_at = dt.datetime.combine(change.starts_on, change.start, tzinfo=_zone())
    ends_at = starts_at + dt.timedelta(minutes=round(change.hours * 60))
    is_night = shift_is_night(starts_at=starts_at, ends_at=ends_at)
    if is_night and change.min_people < BUDDY_PEOPLE_MIN:
        raise ValidationError({"min_people": [_buddy_message()]})
    before = {
        "starts_at": _local(shift.starts_at),
        "ends_at": _local(shift.ends_at),
        "place": shift.place,
        "segment": shift.segment_id,
        "min_people": shift.min_people,
    }
    after = {
        "starts_at": _local(starts_at),
        "ends_at": _local(ends_at),
        "place": place,
        "segment": change.segment.pk if change.segment else None,
        "min_people": change.min_people,
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changed:
        return shift
    moved = shift.starts_at != starts_at
    old_at = _local(shift.starts_at)
    shift.starts_at, shift.ends_at, shift.is_night = starts_at, ends_at, is_night
    shift.place, shift.segment, shift.min_people = place, change.segment, change.min_people
    shift.sequence, shift.updated_at = shift.sequence + 1, now
    shift.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "is_night",
            "place",
            "segment",
            "min_people",
            "sequence",
            "updated_at",
        ]
    )
    if moved:
        shift.signups.filter(withdrawn_at__isnull=True).update(reminded_at=None)
    members = _active_member_ids(shift)
    _event(shift, ShiftEventKind.EDITED, now=now, actor=actor, changes=changed, people=len(members))
    values = {
        "team": shift.team.name,
        "old": old_at,
        "at": _local(starts_at),
        "until": f"{ends_at.astimezone(_zone()):%H:%M}",
        "place": shift.where or shift.team.name,
    }
    text = _("The shift of %(team)s at %(old)s is changed: now %(at)s–%(until)s, %(place)s.") % values
    if is_night and len(members) == 1:
        text += " " + _("It is a night shift and you are the only one on it so far: do not set off alone.")
    _notify(shift, members, kind=NoticeKind.CHANGED, text=text, now=now)
    return shift


@transaction.atomic
def shift_cancel(*, actor: User, shift: Shift, reason: str, now: dt.datetime | None = None) -> Shift:
    """Cancel a shift that has not begun, with a reason the members signed up are told.

    Raises PermissionDenied for someone who does not lead the team, ValidationError on `reason`
    (missing or too long) and on `shift` (already cancelled, or begun).
    """
    now = _now(now)
    shift = _locked(shift)
    _may_change(actor, shift, now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the shift is cancelled; its members are told.")]})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": [_("At most %(n)d characters, please.") % {"n": REASON_MAX_CHARS}]})
    before = shift.status
    shift.status, shift.cancel_reason = ShiftStatus.CANCELLED, reason
    shift.sequence, shift.updated_at = shift.sequence + 1, now
    shift.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    members = _active_member_ids(shift)
    _event(shift, ShiftEventKind.CANCELLED, now=now, actor=actor, reason=reason, was=before, people=len(members))
    text = _("The shift of %(team)s at %(at)s is cancelled: %(reason)s") % {
        "team": shift.team.name,
        "at": _local(shift.starts_at),
        "reason": reason,
    }
    _notify(shift, members, kind=NoticeKind.CANCELLED, text=text, now=now)
    return shift


def shift_reminders_send(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Remind each member signed up for a shift that is on and starts within the reminder time (a worker sweep).

    Returns how many were reminded. Each sign-up is claimed by a conditional update of its
    reminded_at (still empty), so several workers never send the same reminder twice.
    """
    now = _now(now)
    horizon = now + dt.timedelta(minutes=settings.LIANXIN_PATROL_REMINDER_MINUTES)
    due = (
        ShiftSignup.objects.filter(
            reminded_at__isnull=True,
            withdrawn_at__isnull=True,
            shift__status=ShiftStatus.OPEN,
            shift__starts_at__gt=now,
            shift__starts_at__lte=horizon,
        )
        .select_related("shift__team", "shift__segment")
        .order_by("shift__starts_at", "id")[:limit]
    )
    sent = 0
    for signup in due:
        with transaction.atomic():
            claimed = ShiftSignup.objects.filter(
                pk=signup.pk, reminded_at__isnull=True, withdrawn_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            shift = signup.shift
            alone = shift.is_night and len(_active_member_ids(shift)) == 1
            values = {"team": shift.team.name, "at": _local(shift.starts_at), "place": shift.where or shift.team.name}
            text = (
                _(
                    "Reminder: your night shift of %(team)s at %(at)s (%(place)s). Nobody else has signed up: do not set off alone, call your leader."
                )
                if alone
                else _("Reminder: your shift of %(team)s at %(at)s (%(place)s).")
            ) % values
            _notify(shift, [signup.member_id], kind=NoticeKind.REMINDER, text=text, now=now)
            _event(shift, ShiftEventKind.REMINDED, now=now, member=signup.member, alone=alone)
            sent += 1
    return sent


@transaction.atomic
def roster_feed_create(*, actor: User, team: Team, now: dt.datetime | None = None) -> tuple[RosterFeed, str]:
    """Make actor's secret calendar link for a team's roster; return it with the token, shown only this once.

    An earlier link of the same person for the same team is revoked (one live link each).
    """
    if not (is_team_member(actor, team) or may_lead_roster(actor, team)):
        raise PermissionDenied(_("Only members of the team subscribe to its roster."))
    now = _now(now)
    RosterFeed.objects.filter(team=team, user=actor, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    feed = RosterFeed.objects.create(team=team, user=actor, token_digest=RosterFeed.digest_of(token), created_at=now)
    return feed, token


@transaction.atomic
def roster_feed_revoke(*, actor: User, team: Team, now: dt.datetime | None = None) -> int:
    """Revoke actor's calendar links for a team (the old URL answers 404 from now on); return how many."""
    return RosterFeed.objects.filter(team=team, user=actor, revoked_at__isnull=True).update(revoked_at=_now(now))
