"""Reads of the patrols app: whose patrols a user sees, the team log and its totals, the desk's live picture, GPX."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import gpxpy
import gpxpy.gpx
from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from lianxin.cases.models import OPEN_STATUSES
from lianxin.core.models import User
from lianxin.core.roles import has_role
from lianxin.patrols.adapters import spikes
from lianxin.patrols.models import (
    Finding,
    Patrol,
    PatrolAlert,
    PatrolStatus,
    RosterFeed,
    Shift,
    ShiftNotice,
    ShiftSignup,
    TrackPoint,
)
from lianxin.patrols.roles import (
    PATROL_ROLES,
    PATROL_TEAM_KINDS,
    WATCH_ROLES,
    is_team_member,
    may_lead_roster,
)
from lianxin.people.models import Team

# The desk map draws at most this many points of one track (evenly thinned; the distance uses them all).
MAP_POINTS_MAX = 600
# The desk draws each patrol under way with at most this many points (200 patrols on one map).
DESK_TRACK_POINTS = 200
TEAM_LOG_ROWS = 50
MONTHS_SHOWN = 6
COVERAGE_DAYS = 30
# Not patrolled for this many days: a gap on the desk's coverage table.
COVERAGE_GAP_DAYS = 7


def may_patrol(user) -> bool:
    return has_role(user, PATROL_ROLES)


def may_watch(user) -> bool:
    return has_role(user, WATCH_ROLES)


def patrol_list_for(*, user: User) -> QuerySet[Patrol]:
    """Return the patrols user may see: the station's for the desk, else their own and their patrol teams'."""
    if not getattr(user, "is_authenticated", False) or user.station_id is None:
        return Patrol.objects.none()
    patrols = Patrol.objects.filter(station_id=user.station_id).select_related("member", "team")
    if may_watch(user):
        return patrols
    teams = Team.objects.filter(members=user, kind__in=PATROL_TEAM_KINDS).values("id")
    return patrols.filter(Q(member_id=user.pk) | Q(team_id__in=teams))


def patrol_get_for(*, user: User, pk) -> Patrol:
    try:
        return patrol_list_for(user=user).get(pk=pk)
    except (Patrol.DoesNotExist, ValueError, TypeError):
        raise Http404("no such patrol") from None


def patrol_running_for(*, user: User) -> Patrol | None:
    """Return user's own patrol under way, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Patrol.objects.filter(member_id=user.pk, status=PatrolStatus.ACTIVE).select_related("team").first()


def alert_get_for(*, user: User, pk) -> PatrolAlert:
    if not may_watch(user):
        raise Http404("no such alert")
    try:
        return PatrolAlert.objects.select_related("patrol").get(pk=pk, patrol__station_id=user.station_id)
    except (PatrolAlert.DoesNotExist, ValueError, TypeError):
        raise Http404("no such alert") from None


def track_for(*, patrol: Patrol, limit: int = MAP_POINTS_MAX) -> list[list[float]]:
    """Return the patrol's track as [lat, lon] pairs in time order, lone jumps left out, thinned to at most limit points."""
    return _drawn(list(patrol.points.order_by("recorded_at").values_list("lat", "lon")), limit)


def tracks_for(*, patrol_ids: list[int], limit: int = MAP_POINTS_MAX) -> dict[int, list[list[float]]]:
    """Return track_for of several patrols, read in one query (the desk's map: every patrol under way)."""
    rows: dict[int, list[tuple[float, float]]] = {pk: [] for pk in patrol_ids}
    for pk, lat, lon in (
        TrackPoint.objects.filter(patrol_id__in=patrol_ids)
        .order_by("patrol_id", "recorded_at")
        .values_list("patrol_id", "lat", "lon")
        .iterator(chunk_size=20_000)
    ):
        rows[pk].append((lat, lon))
    return {pk: _drawn(track, limit) for pk, track in rows.items()}


def _drawn(rows: list[tuple[float, float]], limit: int) -> list[list[float]]:
    noise = spikes([r[0] for r in rows], [r[1] for r in rows])
    rows = [r for r, is_spike in zip(rows, noise, strict=True) if not is_spike]
    if len(rows) > limit:
        step = len(rows) / limit
        rows = [rows[int(i * step)] for i in range(limit)] + [rows[-1]]
    return [[round(lat, 6), round(lon, 6)] for lat, lon in rows]


def findings_for(*, patrol: Patrol) -> list[Finding]:
    return list(patrol.findings.select_related("case", "case__category"))


@dataclass(frozen=True)
class MonthRow:
    month: str
    patrols: int
    km: float
    hours: float


@dataclass(frozen=True)
class MemberRow:
    member: str
    patrols: int
    km: float
    hours: float


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def team_log_for(*, user: User, team: Team, now: dt.datetime) -> dict:
    """Return a patrol team's log: recent patrols, km/hours/patrols by month and by member (ended patrols)."""
    patrols = patrol_list_for(user=user).filter(team=team)
    ended = patrols.filter(status=PatrolStatus.ENDED)
    zone = _zone()
    local = now.astimezone(zone)
    months: list[MonthRow] = []
    year, month = local.year, local.month
    for _month in range(MONTHS_SHOWN):
        start = dt.datetime(year, month, 1, tzinfo=zone)
        end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
        rows = list(
            ended.filter(started_at__gte=start, started_at__lt=end).values_list("distance_m", "started_at", "ended_at")
        )
        months.append(
            MonthRow(
                month=f"{year}-{month:02d}",
                patrols=len(rows),
                km=round(sum(r[0] for r in rows) / 1000, 1),
                hours=round(sum(((r[2] or r[1]) - r[1]).total_seconds() for r in rows) / 3600, 1),
            )
        )
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    since = (
        dt.datetime(year, month % 12 + 1, 1, tzinfo=zone) if month != 12 else dt.datetime(year + 1, 1, 1, tzinfo=zone)
    )
    by_member: dict[int, list] = {}
    names: dict[int, str] = {}
    for member_id, name, username, metres, started, ended_at in ended.filter(started_at__gte=since).values_list(
        "member_id", "member__display_name", "member__username", "distance_m", "started_at", "ended_at"
    ):
        row = by_member.setdefault(member_id, [0, 0.0, 0.0])
        row[0] += 1
        row[1] += metres
        row[2] += ((ended_at or started) - started).total_seconds()
        names[member_id] = name or username
    members = sorted(
        (MemberRow(names[k], v[0], round(v[1] / 1000, 1), round(v[2] / 3600, 1)) for k, v in by_member.items()),
        key=lambda r: -r.km,
    )
    totals = ended.aggregate(n=Count("id"), metres=Sum("distance_m"))
    return {
        "team": team,
        "recent": list(patrols.order_by("-started_at")[:TEAM_LOG_ROWS]),
        "months": months,
        "members": members,
        "total_patrols": totals["n"] or 0,
        "total_km": round((totals["metres"] or 0) / 1000, 1),
        "findings": Finding.objects.filter(patrol__in=patrols).count(),
    }


def teams_for(*, user: User) -> list[Team]:
    """Return the patrol teams whose log user may read: all the station's for the desk, else their own."""
    teams = Team.objects.filter(station_id=user.station_id, kind__in=PATROL_TEAM_KINDS).order_by("kind", "name")
    if may_watch(user):
        return list(teams)
    return list(teams.filter(members=user))


def desk_picture_for(*, user: User, now: dt.datetime) -> dict:
    """Return what the duty desk's map shows: patrols under way with their tracks, open alerts, open findings."""
    if not may_watch(user):
        return {"patrols": [], "alerts": [], "findings": []}
    active = list(patrol_list_for(user=user).filter(status=PatrolStatus.ACTIVE).order_by("started_at"))
    tracks = tracks_for(patrol_ids=[p.pk for p in active], limit=DESK_TRACK_POINTS)
    patrols = []
    for p in active:
        patrols.append(
            {
                "id": p.pk,
                "member": str(p.member),
                "team": str(p.team) if p.team else "",
                "started_at": p.started_at.isoformat(),
                "last_point_at": p.last_point_at.isoformat() if p.last_point_at else None,
                "last": [p.last_lat, p.last_lon] if p.last_lat is not None else None,
                "distance_m": round(p.distance_m),
                "km": f"{p.distance_m / 1000:.2f}",
                "track": tracks[p.pk],
                "url": reverse("patrols:detail", args=[p.pk]),
            }
        )
    alerts = [
        {
            "id": a.pk,
            "kind": a.kind,
            "label": str(a.get_kind_display()),
            "member": str(a.patrol.member),
            "raised_at": a.raised_at.isoformat(),
            "at": [a.lat, a.lon] if a.lat is not None else None,
            "patrol_url": reverse("patrols:detail", args=[a.patrol_id]),
        }
        for a in PatrolAlert.objects.filter(patrol__station_id=user.station_id, acknowledged_at__isnull=True)
        .select_related("patrol__member")
        .order_by("-raised_at")[:50]
    ]
    findings = [
        {
            "case": f.case.number,
            "kind": str(f.get_kind_display()),
            "at": [f.lat, f.lon] if f.lat is not None else None,
            "url": reverse("cases:detail", args=[f.case_id]),
        }
        for f in Finding.objects.filter(patrol__station_id=user.station_id, case__status__in=OPEN_STATUSES)
        .select_related("case")
        .order_by("-found_at")[:100]
    ]
    return {"patrols": patrols, "alerts": alerts, "findings": findings}


@dataclass(frozen=True)
class CoverageRow:
    kind: str  # "grid" or "segment"
    name: str
    last_on: dt.date | None
    days_since: int | None
    patrols: int

    @property
    def is_gap(self) -> bool:
        return self.days_since is None or self.days_since >= COVERAGE_GAP_DAYS


def coverage_for(*, user: User, now: dt.datetime, days: int = COVERAGE_DAYS) -> list[CoverageRow]:
    """Return, for each grid and border segment, when an ended patrol last covered it and how often in `days`.

    Reads the coverage each patrol kept when it ended (grid_ids, segment_ids); gaps first.
    """
    if not may_watch(user):
        return []
    from lianxin.places.models import Grid, Landmark

    since = now - dt.timedelta(days=days)
    rows = Patrol.objects.filter(station_id=user.station_id, status=PatrolStatus.ENDED, started_at__gte=since)
    last: dict[tuple[str, int], dt.datetime] = {}
    counts: dict[tuple[str, int], int] = {}
    for started_at, grid_ids, segment_ids in rows.values_list("started_at", "grid_ids", "segment_ids"):
        for key in [("grid", g) for g in grid_ids or ()] + [("segment", s) for s in segment_ids or ()]:
            counts[key] = counts.get(key, 0) + 1
            if key not in last or started_at > last[key]:
                last[key] = started_at
    zone = _zone()
    today = now.astimezone(zone).date()
    places = [
        ("grid", pk, name) for pk, name in Grid.objects.filter(station_id=user.station_id).values_list("id", "name")
    ]
    places += [
        ("segment", pk, name)
        for pk, name in Landmark.objects.filter(station_id=user.station_id, kind=Landmark.Kind.BORDER).values_list(
            "id", "name"
        )
    ]
    out = []
    for kind, pk, name in places:
        at = last.get((kind, pk))
        day = at.astimezone(zone).date() if at else None
        out.append(CoverageRow(kind, name, day, (today - day).days if day else None, counts.get((kind, pk), 0)))
    return sorted(out, key=lambda r: (-(r.days_since if r.days_since is not None else 10**6), r.kind, r.name))


def patrol_gpx(*, patrol: Patrol) -> str:
    """Return the patrol's whole track as a GPX 1.1 document (times in UTC)."""
    doc = gpxpy.gpx.GPX()
    doc.creator = "Lianxin"
    track = gpxpy.gpx.GPXTrack(name=f"{patrol.member} {patrol.started_at:%Y-%m-%d %H:%M}")
    segment = gpxpy.gpx.GPXTrackSegment()
    for at, lat, lon in patrol.points.order_by("recorded_at").values_list("recorded_at", "lat", "lon").iterator():
        segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon, time=at))
    track.segments.append(segment)
    doc.tracks.append(track)
    return doc.to_xml(version="1.1")


# --- Rosters ------------------------------------------------------------------------------------

# The roster page shows shifts starting within this many days (the calendar feed carries them all).
ROSTER_DAYS = 14
NOTICES_SHOWN = 8
# A team's calendar feed carries its shifts from this many days back (and all ahead).
FEED_PAST_DAYS = 30


def shift_list_for(*, user: User) -> QuerySet[Shift]:
    """Return the shifts user may see: all the station's for the desk, else those of their patrol teams."""
    if not getattr(user, "is_authenticated", False) or user.station_id is None:
        return Shift.objects.none()
    shifts = Shift.objects.filter(station_id=user.station_id).select_related("team", "segment")
    if may_watch(user):
        return shifts
    return shifts.filter(team__in=Team.objects.filter(members=user).values("id"))


def shift_get_for(*, user: User, pk) -> Shift:
    try:
        return shift_list_for(user=user).get(pk=pk)
    except (Shift.DoesNotExist, ValueError, TypeError):
        raise Http404("no such shift") from None


def roster_teams_for(*, user: User) -> list[Team]:
    """Return the patrol teams whose roster user may see (their own; every one of the station for the desk)."""
    return teams_for(user=user) if getattr(user, "is_authenticated", False) else []


@dataclass(frozen=True)
class ShiftRow:
    """One shift as the roster shows it, with who is on it and what it still needs."""

    shift: Shift
    people: list[str]
    is_mine: bool
    has_begun: bool

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def needs_buddy(self) -> bool:
        """A night shift with exactly one member: the buddy rule is not met (see services.rosters)."""
        return self.shift.is_night and not self.shift.is_called_off and self.count == 1

    @property
    def short_by(self) -> int:
        return 0 if self.shift.is_called_off else max(0, self.shift.min_people - self.count)


def roster_for(*, user: User, team: Team, now: dt.datetime, days: int = ROSTER_DAYS) -> list[ShiftRow]:
    """Return the team's shifts not yet over and starting within `days`, with their members (two queries)."""
    return roster_rows_for(user=user, teams=[team], now=now, days=days)


def shift_row_for(*, user: User, shift: Shift, now: dt.datetime) -> ShiftRow:
    """Return one shift as the roster shows it, read afresh (after a sign-up or a withdrawal)."""
    return _rows(user, list(shift_list_for(user=user).filter(pk=shift.pk)), now)[0]


def roster_rows_for(*, user: User, teams: list[Team], now: dt.datetime, days: int = ROSTER_DAYS) -> list[ShiftRow]:
    """Return the shifts of these teams not yet over and starting within `days`, in time order (two queries)."""
    shifts = list(
        shift_list_for(user=user)
        .filter(team__in=[t.pk for t in teams], ends_at__gt=now, starts_at__lt=now + dt.timedelta(days=days))
        .order_by("starts_at", "id")
    )
    return _rows(user, shifts, now)


def _rows(user: User, shifts: list[Shift], now: dt.datetime) -> list[ShiftRow]:
    people: dict[int, list[tuple[int, str]]] = {s.pk: [] for s in shifts}
    for shift_id, member_id, name, username in (
        ShiftSignup.objects.filter(shift_id__in=people, withdrawn_at__isnull=True)
        .order_by("signed_up_at", "id")
        .values_list("shift_id", "member_id", "member__display_name", "member__username")
    ):
        people[shift_id].append((member_id, name or username))
    return [
        ShiftRow(
            shift=s,
            people=[name for _pk, name in people[s.pk]],
            is_mine=any(pk == user.pk for pk, _name in people[s.pk]),
            has_begun=s.has_started_at(now),
        )
        for s in shifts
    ]


def notices_for(*, user: User, limit: int = NOTICES_SHOWN) -> list[ShiftNotice]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ShiftNotice.objects.filter(user=user).select_related("shift__team").order_by("-sent_at", "-id")[:limit])


def roster_feed_by_token(*, token: str) -> RosterFeed:
    """Return the live calendar link of token (a revoked or unknown one is 404, alike)."""
    feed = (
        RosterFeed.objects.filter(token_digest=RosterFeed.digest_of(token or ""), revoked_at__isnull=True)
        .select_related("team", "user")
        .first()
    )
    if feed is None:
        raise Http404("no such calendar")
    # A member who left the team, or an officer moved to another station, reads nothing any more.
    if not (is_team_member(feed.user, feed.team) or may_lead_roster(feed.user, feed.team)):
        raise Http404("no such calendar")
    return feed


def _event_for(shift: Shift, *, people: int, is_mine: bool) -> Event:
    event = Event()
    event.add("uid", f"patrol-shift-{shift.pk}@lianxin")
    title = shift.team.name + (" · " + _("night") if shift.is_night else "")
    if is_mine:
        title = _("(signed up)") + " " + title
    event.add("summary", title)
    event.add("dtstart", shift.starts_at.astimezone(dt.UTC))
    event.add("dtend", shift.ends_at.astimezone(dt.UTC))
    # A calendar keeps the copy with the highest SEQUENCE (RFC 5545 3.8.7.4): each change bumps it.
    event.add("sequence", shift.sequence)
    event.add("dtstamp", (shift.updated_at or shift.created_at).astimezone(dt.UTC))
    event.add("created", shift.created_at.astimezone(dt.UTC))
    if shift.updated_at:
        event.add("last-modified", shift.updated_at.astimezone(dt.UTC))
    place = shift.where
    if place:
        event.add("location", place)
    lines = [_("%(n)d of %(min)d signed up") % {"n": people, "min": shift.min_people}]
    if shift.is_night and people == 1 and not shift.is_called_off:
        lines.append(_("Needs a buddy: nobody walks alone at night."))
    if shift.is_called_off:
        lines.append(str(shift.get_status_display()) + (f": {shift.cancel_reason}" if shift.cancel_reason else ""))
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if shift.is_called_off else "CONFIRMED")
    return event


def roster_calendar(*, team: Team, member_id: int | None, now: dt.datetime) -> bytes:
    """Return a team's shifts (from FEED_PAST_DAYS back) as an iCalendar feed; member_id's own are marked."""
    shifts = list(
        Shift.objects.filter(team=team, ends_at__gt=now - dt.timedelta(days=FEED_PAST_DAYS))
        .select_related("team", "segment")
        .order_by("starts_at", "id")
    )
    counts = dict(
        ShiftSignup.objects.filter(shift__in=shifts, withdrawn_at__isnull=True)
        .values("shift_id")
        .annotate(n=Count("id"))
        .values_list("shift_id", "n")
    )
    mine = set(
        ShiftSignup.objects.filter(shift__in=shifts, withdrawn_at__isnull=True, member_id=member_id).values_list(
            "shift_id", flat=True
        )
    )
    cal = Calendar()
    cal.add("prodid", "-//Lianxin//patrols//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("%(team)s roster") % {"team": team.name})
    for shift in shifts:
        cal.add_component(_event_for(shift, people=counts.get(shift.pk, 0), is_mine=shift.pk in mine))
    return cal.to_ical()


def shift_calendar(*, shift: Shift, member_id: int | None) -> bytes:
    """Return one shift as an iCalendar file (to add to a phone calendar)."""
    people = ShiftSignup.objects.filter(shift=shift, withdrawn_at__isnull=True)
    cal = Calendar()
    cal.add("prodid", "-//Lianxin//patrols//ZH")
    cal.add("version", "2.0")
    cal.add_component(_event_for(shift, people=people.count(), is_mine=people.filter(member_id=member_id).exists()))
    return cal.to_ical()


def team_leaders_for(*, team: Team) -> list[str]:
    """Return the names of a team's leaders, for its settings page."""
    return [
        name or username
        for name, username in team.memberships.filter(is_leader=True)
        .order_by("user_id")
        .values_list("user__display_name", "user__username")
    ]


def border_segments_for(*, user: User) -> QuerySet:
    """Return the station's border segments (places.Landmark of kind border) a shift may be placed on."""
    from lianxin.places.models import Landmark

    return Landmark.objects.filter(station_id=user.station_id, kind=Landmark.Kind.BORDER).order_by("name")
