"""Reads of the mediation app, scoped to the station of who is asking (mediators and caseworkers)."""

from __future__ import annotations

import datetime as dt
import statistics

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, vDuration

from lianxin.cases.models import OPEN_STATUSES, Case
from lianxin.core.models import FeedToken, Role, User
from lianxin.core.roles import has_role
from lianxin.mediation.models import (
    CONCLUDED_STATUSES,
    SETTLED_STATUSES,
    Agreement,
    Dispute,
    DisputeStatus,
    Room,
    Session,
)
from lianxin.mediation.services import MEDIATION_ROLES
from lianxin.people.models import TeamKind

# Legal consultations also go to the mediation centre's team, but lawyers answer them.
NOT_DISPUTE_CATEGORY_CODES = ("legal-consult",)
INBOX_ROWS = 50
# Private calendar links (core.feeds): a room's sessions, and a mediator's own sessions.
FEED_KIND_ROOM = "mediation.room"
FEED_KIND_MINE = "mediation.mine"
FEED_KINDS = (FEED_KIND_ROOM, FEED_KIND_MINE)
# A subscribed calendar gets sessions from this many days back onwards (all future ones).
FEED_PAST_DAYS = 90
# How often a subscribed calendar should fetch again (RFC 7986 REFRESH-INTERVAL).
FEED_REFRESH = dt.timedelta(hours=1)


def may_mediate(user) -> bool:
    return has_role(user, MEDIATION_ROLES)


def _station_filter(user: User) -> Q:
    return Q() if user.is_superuser else Q(station_id=user.station_id)


def rooms_for(*, user: User) -> QuerySet[Room]:
    if not may_mediate(user):
        return Room.objects.none()
    return (
        Room.objects.filter(_station_filter(user))
        .prefetch_related("mediators")
        .annotate(open_disputes=Count("disputes", filter=Q(disputes__status=DisputeStatus.OPEN)))
        .order_by("sort_order", "code")
    )


def room_get_for(*, user: User, pk) -> Room:
    try:
        return rooms_for(user=user).get(pk=pk)
    except (Room.DoesNotExist, ValueError, TypeError):
        raise Http404("no such room") from None


def disputes_for(*, user: User) -> QuerySet[Dispute]:
    if not may_mediate(user):
        return Dispute.objects.none()
    return Dispute.objects.filter(_station_filter(user)).select_related("case", "room", "mediator", "case__grid")


def dispute_get_for(*, user: User, pk) -> Dispute:
    try:
        return disputes_for(user=user).get(pk=pk)
    except (Dispute.DoesNotExist, ValueError, TypeError):
        raise Http404("no such dispute") from None


def agreement_get_for(*, user: User, pk) -> Agreement:
    try:
        return Agreement.objects.select_related("dispute", "dispute__case", "dispute__mediator", "dispute__room").get(
            pk=pk, dispute__in=disputes_for(user=user)
        )
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404("no such agreement") from None


def session_get_for(*, user: User, pk) -> Session:
    try:
        return Session.objects.select_related("dispute", "dispute__case", "room", "dispute__mediator").get(
            pk=pk, dispute__in=disputes_for(user=user)
        )
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404("no such session") from None


def cases_waiting_for(*, user: User) -> QuerySet[Case]:
    """Open dispute cases not yet in a room: the mediation centre's and those assigned to user."""
    if not may_mediate(user):
        return Case.objects.none()
    return (
        Case.objects.filter(_station_filter(user), status__in=OPEN_STATUSES, dispute__isnull=True)
        .filter(
            Q(team__kind=TeamKind.MEDIATION)
            | Q(category__default_team__kind=TeamKind.MEDIATION)
            | Q(assignee_id=user.pk)
        )
        # A restricted case (a family dispute from a lookout) reaches a mediator only when its
        # officer gives it to them; the centre's queue never shows it.
        .filter(Q(is_restricted=False) | Q(assignee_id=user.pk))
        .exclude(category__code__in=NOT_DISPUTE_CATEGORY_CODES)
        .select_related("category", "reporter", "assignee")
        .order_by("opened_at")
    )


def case_for_dispute(*, user: User, pk) -> Case:
    try:
        return cases_waiting_for(user=user).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("no such case waiting for mediation") from None


def inbox_for(*, user: User, now: dt.datetime | None = None) -> dict:
    """Return a mediator's day: cases to take into a room, open disputes, sessions coming, agreements to follow up."""
    now = now or timezone.now()
    disputes = disputes_for(user=user)
    mine = disputes.filter(mediator=user) if user.role == Role.MEDIATOR else disputes
    return {
        "waiting": list(cases_waiting_for(user=user)[:INBOX_ROWS]),
        "open": list(mine.filter(status=DisputeStatus.OPEN).order_by("opened_at")[:INBOX_ROWS]),
        "sessions": list(
            Session.objects.filter(
                dispute__in=mine, state=Session.State.SCHEDULED, ends_at__gte=now - dt.timedelta(hours=2)
            )
            .select_related("dispute__case", "room")
            .order_by("starts_at")[:INBOX_ROWS]
        ),
        "followups": list(
            Agreement.objects.filter(
                dispute__in=mine,
                signed_at__isnull=False,
                followup_done_at__isnull=True,
                followup_on__lte=(now + dt.timedelta(days=7)).date(),
            )
            .select_related("dispute__case")
            .order_by("followup_on")[:INBOX_ROWS]
        ),
        "concluded": list(mine.exclude(status=DisputeStatus.OPEN).order_by("-concluded_at")[:10]),
    }


# When a session invitation's calendar reminds its holder: a day before, an hour before.
INVITATION_ALARM_MINUTES = (24 * 60, 60)


def session_ics(*, sessions, name: str, link=None, is_feed: bool = False) -> bytes:
    """Return sessions as an iCalendar file (an invitation for one, a room's feed for many).

    What an event shows is what a phone's lock screen may show: the case number, the room and
    its place, the time. No party's name, number or claim; link(session) -> URL adds the
    dispute's page (which asks for sign-in) to the description.
    """
    cal = Calendar()
    cal.add("prodid", "-//Lianxin//mediation//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    if is_feed:
        cal.add("refresh-interval", vDuration(FEED_REFRESH), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(FEED_REFRESH))
    for s in sessions:
        event = Event()
        event.add("uid", f"mediation-session-{s.pk}@lianxin")
        event.add("summary", f"调解 {s.dispute.case.number} · {s.room.name}")
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("dtstamp", s.starts_at)
        event.add("location", f"{s.room.name} {s.room.place}".strip())
        event.add("status", "CANCELLED" if s.state == Session.State.CANCELLED else "CONFIRMED")
        if link is not None:
            url = link(s)
            event.add("url", url)
            event.add("description", _("The dispute's page (sign in): %(url)s") % {"url": url})
        if not is_feed and s.state != Session.State.CANCELLED:
            # An invitation reminds its holder the day before and an hour before; a subscribed feed
            # leaves reminders to the calendar's own settings.
            for minutes in INVITATION_ALARM_MINUTES:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", f"调解 {s.dispute.case.number} · {s.room.name}")
                alarm.add("trigger", -dt.timedelta(minutes=minutes))
                event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def feed_rooms_for(*, user: User) -> QuerySet[Room]:
    """Return the rooms whose calendar user may subscribe to: those they mediate in, at their own station."""
    if not user.is_active or not may_mediate(user) or user.station_id is None:
        return Room.objects.none()
    return Room.objects.filter(station_id=user.station_id, mediators=user).order_by("sort_order", "code")


def feed_calendar_for(*, feed: FeedToken, now: dt.datetime | None = None, link=None) -> bytes:
    """Return the calendar behind a verified link, checking again that its user may still see it; else Http404.

    A mediator taken off a room (or out of the mediation roles, or to another station) loses
    the room's feed at once, although the link itself was never revoked.
    """
    now = now or timezone.now()
    user = feed.user
    if feed.kind == FEED_KIND_ROOM:
        room = feed_rooms_for(user=user).filter(pk=int(feed.target_id) if feed.target_id.isdigit() else 0).first()
        if room is None:
            raise Http404("no such room")
        sessions = Session.objects.filter(room=room)
        name = room.name
    elif feed.kind == FEED_KIND_MINE and user.is_active and may_mediate(user) and user.station_id is not None:
        sessions = Session.objects.filter(dispute__mediator=user, dispute__station_id=user.station_id)
        name = _("My mediation sessions")
    else:
        raise Http404("no such calendar")
    sessions = (
        sessions.filter(starts_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS))
        .select_related("dispute__case", "room")
        .order_by("starts_at", "id")
    )
    return session_ics(sessions=sessions, name=name, link=link, is_feed=True)


def figures_for(*, user: User, start: dt.datetime, end: dt.datetime) -> dict:
    """Return received, settled locally, the resolved rate and median days to agreement, overall and per room and grid.

    Resolved locally = disputes concluded in [start, end) with an agreement or a partial
    agreement; the rate divides them by all disputes concluded in the period with an outcome
    (agreement, partial, no agreement): withdrawn disputes are left out of both.
    """
    disputes = disputes_for(user=user)
    received = disputes.filter(opened_at__gte=start, opened_at__lt=end)
    concluded = disputes.filter(concluded_at__gte=start, concluded_at__lt=end, status__in=CONCLUDED_STATUSES)

    def summary(rec, conc) -> dict:
        settled = [d for d in conc if d.status in SETTLED_STATUSES]
        days = [(d.concluded_at - d.opened_at).total_seconds() / 86400 for d in settled]
        return {
            "received": len(rec),
            "concluded": len(conc),
            "settled": len(settled),
            "rate": len(settled) / len(conc) if conc else None,
            "median_days": statistics.median(days) if days else None,
        }

    rec_list, conc_list = list(received), list(concluded)
    rooms = {}
    for room in rooms_for(user=user):
        rooms[room.name] = summary(
            [d for d in rec_list if d.room_id == room.pk], [d for d in conc_list if d.room_id == room.pk]
        )
    grids: dict[str, dict] = {}
    grid_names = sorted({str(d.case.grid) for d in rec_list + conc_list if d.case.grid_id})
    for name in grid_names:
        grids[name] = summary(
            [d for d in rec_list if str(d.case.grid) == name], [d for d in conc_list if str(d.case.grid) == name]
        )
    return {"total": summary(rec_list, conc_list), "rooms": rooms, "grids": grids}
