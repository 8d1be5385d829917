"""Reads of the council app: meetings a user may run, the draft agenda, "you said, we did", the public board, the feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from icalendar import Calendar, Event

from lianxin.cases.models import OPEN_STATUSES, Case
from lianxin.core.models import User
from lianxin.core.roles import CASEWORKER_ROLES, STATION_WIDE_ROLES, has_role
from lianxin.council.models import Concern, Meeting, Speaker
from lianxin.places.models import Grid
from lianxin.places.selectors import grid_ids_owned_by

AGENDA_TOP_CATEGORIES = 5
PUBLIC_BOARD_MEETINGS = 6


def may_run_councils(user) -> bool:
    return has_role(user, CASEWORKER_ROLES)


def meeting_list_for(*, user: User) -> QuerySet[Meeting]:
    """Return the meetings user may run: the station's for station-wide roles, else their grids' and their own."""
    if not may_run_councils(user):
        return Meeting.objects.none()
    meetings = Meeting.objects.filter(station_id=user.station_id).select_related("grid", "host")
    if not has_role(user, STATION_WIDE_ROLES):
        meetings = meetings.filter(Q(grid_id__in=grid_ids_owned_by(user=user)) | Q(host_id=user.pk))
    return meetings


def meeting_get_for(*, user: User, pk) -> Meeting:
    try:
        return meeting_list_for(user=user).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404("no such meeting") from None


def meeting_get_by_token(*, token: str) -> Meeting:
    try:
        return Meeting.objects.select_related("grid").get(signin_token=token)
    except Meeting.DoesNotExist:
        raise Http404("no such meeting") from None


def meeting_previous(*, meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(grid_id=meeting.grid_id, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at", "-id")
        .first()
    )


def agenda_draft(*, meeting: Meeting) -> str:
    """Return a draft agenda from the grid's open concerns: unresolved cases and the most-raised categories."""
    previous = meeting_previous(meeting=meeting)
    since = previous.starts_at if previous else meeting.starts_at - dt.timedelta(days=30)
    grid_cases = Case.objects.filter(station_id=meeting.station_id, grid_id=meeting.grid_id)
    lines = []
    if previous is not None:
        lines.append(f"1. 上次议事的承诺落实情况（{previous.starts_at:%m-%d}）")
    top = (
        grid_cases.filter(opened_at__gte=since, opened_at__lt=meeting.starts_at)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:AGENDA_TOP_CATEGORIES]
    )
    for row in top:
        lines.append(f"{len(lines) + 1}. {row['category__name']}（{row['n']}）")
    open_count = grid_cases.filter(status__in=OPEN_STATUSES).count()
    lines.append(f"{len(lines) + 1}. 未办结诉求 {open_count} 件")
    lines.append(f"{len(lines) + 1}. 居民现场提出的问题")
    return "\n".join(lines)


@dataclass(frozen=True)
class ConcernStatus:
    concern: Concern
    case: Case

    @property
    def is_done(self) -> bool:
        return self.case.status not in OPEN_STATUSES


def you_said_we_did(*, meeting: Meeting) -> tuple[Meeting | None, list[ConcernStatus]]:
    """Return the grid's previous meeting and every concern raised there with its case's status now."""
    previous = meeting_previous(meeting=meeting)
    if previous is None:
        return None, []
    concerns = previous.concerns.select_related("case", "case__category")
    return previous, [ConcernStatus(c, c.case) for c in concerns]


def speaker_of_device(*, meeting: Meeting, device_key: str) -> Speaker | None:
    """The device's place on the meeting's speaker list (with .place, counting from 1), or None."""
    speaker = Speaker.objects.filter(meeting=meeting, device_key=device_key).first() if device_key else None
    if speaker is not None:
        speaker.place = (  # type: ignore[attr-defined]
            Speaker.objects.filter(meeting=meeting)
            .filter(Q(requested_at__lt=speaker.requested_at) | Q(requested_at=speaker.requested_at, id__lte=speaker.id))
            .count()
        )
    return speaker


def meeting_attendance(*, meeting: Meeting) -> int:
    return meeting.attendances.aggregate(n=Sum("people"))["n"] or 0


def grid_get_public(*, pk) -> Grid:
    try:
        return Grid.objects.select_related("station").get(pk=pk)
    except (Grid.DoesNotExist, ValueError, TypeError):
        raise Http404("no such grid") from None


def board_for(*, grid: Grid) -> list[tuple[Meeting, list[ConcernStatus]]]:
    """Return the grid's last meetings with their concerns' status, for the public board (no personal data)."""
    meetings = Meeting.objects.filter(grid=grid, concerns__isnull=False).distinct().order_by("-starts_at")
    return [
        (m, [ConcernStatus(c, c.case) for c in m.concerns.select_related("case", "case__category")])
        for m in meetings[:PUBLIC_BOARD_MEETINGS]
    ]


def calendar_for(*, grid: Grid, base_url: str) -> bytes:
    """Return the grid's council meetings as an iCalendar feed residents can subscribe to."""
    cal = Calendar()
    cal.add("prodid", "-//Lianxin//council//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{grid.name} 露天议事厅")
    for meeting in Meeting.objects.filter(grid=grid).order_by("starts_at"):
        event = Event()
        event.add("uid", f"council-{meeting.pk}@lianxin")
        event.add("summary", meeting.title)
        event.add("location", meeting.place)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("dtstamp", meeting.starts_at)
        event.add("url", f"{base_url}")
        if meeting.lat is not None:
            event.add("geo", (meeting.lat, meeting.lon))
        cal.add_component(event)
    return cal.to_ical()
