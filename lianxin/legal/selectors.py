"""Reads of the legal app, scoped to who is asking: a resident's consultation by its link, a lawyer's inbox, the rota."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, vDuration

from lianxin.core.models import FeedToken, Role, User
from lianxin.core.roles import CASEWORKER_ROLES, SUPERVISOR_ROLES, has_role
from lianxin.legal.checkups import CHECKUP_ROLES
from lianxin.legal.models import Booking, Checklist, CheckUp, Consultation, DutySlot, Enterprise, Finding, Training
from lianxin.legal.services import REMINDER_MINUTES_BEFORE, room_url

SLOTS_SHOWN_DAYS = 7
INBOX_ROWS = 50
# A duty lawyer's private calendar link (core.feeds): their rota slots, booked or free.
FEED_KIND_DUTY = "legal.duty"
# A subscribed calendar gets slots from this many days back onwards (all future ones).
FEED_PAST_DAYS = 90
# How often a subscribed calendar should fetch again (RFC 7986 REFRESH-INTERVAL).
FEED_REFRESH = dt.timedelta(hours=1)


def is_lawyer(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.LAWYER))


def may_read_consultations(user) -> bool:
    """Lawyers answer consultations; the station's caseworkers may read them."""
    return is_lawyer(user) or has_role(user, CASEWORKER_ROLES)


def may_keep_rota(user) -> bool:
    return has_role(user, SUPERVISOR_ROLES)


def consultation_get_by_token(*, token: str) -> Consultation:
    """Return the consultation behind a resident's link (the link is the key), or 404."""
    try:
        return Consultation.objects.select_related("case", "answered_by").get(token=token)
    except (Consultation.DoesNotExist, ValueError, TypeError):
        raise Http404("no such consultation") from None


def _station_consultations(user: User) -> QuerySet[Consultation]:
    if not may_read_consultations(user):
        return Consultation.objects.none()
    qs = Consultation.objects.select_related("case", "case__assignee", "answered_by")
    return qs if user.is_superuser else qs.filter(station_id=user.station_id)


def consultation_get_for(*, user: User, pk: int) -> Consultation:
    try:
        return _station_consultations(user).get(pk=pk)
    except (Consultation.DoesNotExist, ValueError, TypeError):
        raise Http404("no such consultation") from None


def inbox_for(*, user: User, now: dt.datetime | None = None) -> dict:
    """Return a lawyer's day: upcoming sessions booked with them, questions waiting for an answer, answers given."""
    now = now or timezone.now()
    consultations = _station_consultations(user)
    waiting = consultations.filter(answered_at__isnull=True).order_by("asked_at")
    if is_lawyer(user) and not user.is_superuser:
        # Mine first (booked with me or assigned to me), then the station's unclaimed questions.
        waiting = waiting.filter(Q(case__assignee_id=user.pk) | Q(case__assignee__isnull=True))
    bookings = Booking.objects.filter(
        consultation__in=consultations, slot__ends_at__gte=now - dt.timedelta(hours=1)
    ).select_related("slot", "slot__lawyer", "consultation", "consultation__case")
    if is_lawyer(user) and not user.is_superuser:
        bookings = bookings.filter(slot__lawyer=user)
    answered = consultations.filter(answered_at__isnull=False).order_by("-answered_at")
    if is_lawyer(user) and not user.is_superuser:
        answered = answered.filter(answered_by=user)
    return {
        "bookings": list(bookings.order_by("slot__starts_at")[:INBOX_ROWS]),
        "waiting": list(waiting.order_by("asked_at")[:INBOX_ROWS]),
        "answered": list(answered[:INBOX_ROWS]),
    }


def slots_open_for(*, station_id: int, now: dt.datetime | None = None) -> list[DutySlot]:
    """Return the rota's slots not yet booked, starting after now, for the next SLOTS_SHOWN_DAYS days."""
    now = now or timezone.now()
    return list(
        DutySlot.objects.filter(
            station_id=station_id,
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=SLOTS_SHOWN_DAYS),
            booking__isnull=True,
        )
        .select_related("lawyer")
        .order_by("starts_at", "id")
    )


def slot_get_open(*, station_id: int, pk) -> DutySlot | None:
    try:
        return DutySlot.objects.filter(station_id=station_id).get(pk=pk)
    except (DutySlot.DoesNotExist, ValueError, TypeError):
        return None


def rota_for(*, user: User, now: dt.datetime | None = None) -> list[DutySlot]:
    now = now or timezone.now()
    return list(
        DutySlot.objects.filter(station_id=user.station_id, ends_at__gte=now - dt.timedelta(days=1))
        .select_related("lawyer", "booking", "booking__consultation__case")
        .order_by("starts_at")[:200]
    )


def lawyers_for(*, user: User) -> QuerySet[User]:
    return User.objects.filter(station_id=user.station_id, role=Role.LAWYER, is_active=True).order_by("username")


def booking_ics(*, booking: Booking, page_url: str) -> bytes:
    """Return the booking as an iCalendar invitation (one VEVENT with the video room as location and URL)."""
    slot, case = booking.slot, booking.consultation.case
    url = room_url(booking)
    cal = Calendar()
    cal.add("prodid", "-//Lianxin//legal//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"legal-booking-{booking.pk}@lianxin")
    event.add("summary", f"法律咨询视频会面 {case.number}")
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("dtstamp", booking.booked_at)
    event.add("location", url)
    event.add("url", url)
    event.add(
        "description",
        f"值班律师：{slot.lawyer.display_name or slot.lawyer.username}\n视频会议室：{url}\n咨询记录：{page_url}",
    )
    # The phone's calendar reminds the resident too, when the worker's reminder note does.
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"法律咨询视频会面 {case.number} 将在 {REMINDER_MINUTES_BEFORE} 分钟后开始")
    alarm.add("trigger", -dt.timedelta(minutes=REMINDER_MINUTES_BEFORE))
    event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()


def may_subscribe_duty(user) -> bool:
    """A duty lawyer of a station may have the calendar of their own slots (a superuser has no rota)."""
    return bool(user.is_active and user.role == Role.LAWYER and user.station_id is not None)


def duty_calendar_for(*, feed: FeedToken, now: dt.datetime | None = None, link=None) -> bytes:
    """Return a lawyer's slots as an iCalendar feed, checking again that they may still have it; else Http404.

    A booked slot shows the case number only (a phone's lock screen shows the summary): never
    the resident's name, number or question, nor the video room's link, which lets one join the
    session; link(consultation) -> URL adds the consultation's page (which asks for sign-in).
    """
    user = feed.user
    if feed.kind != FEED_KIND_DUTY or not may_subscribe_duty(user):
        raise Http404("no such calendar")
    now = now or timezone.now()
    slots = (
        DutySlot.objects.filter(
            lawyer=user, station_id=user.station_id, ends_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS)
        )
        .select_related("booking__consultation__case")
        .order_by("starts_at", "id")
    )
    cal = Calendar()
    cal.add("prodid", "-//Lianxin//legal//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("My duty slots"))
    cal.add("refresh-interval", vDuration(FEED_REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(FEED_REFRESH))
    for slot in slots:
        booking = getattr(slot, "booking", None)
        event = Event()
        event.add("uid", f"legal-slot-{slot.pk}@lianxin")
        event.add("dtstart", slot.starts_at)
        event.add("dtend", slot.ends_at)
        event.add("dtstamp", booking.booked_at if booking else slot.starts_at)
        if booking is None:
            event.add("summary", _("Legal duty (not booked)"))
            event.add("transp", "TRANSPARENT")
        else:
            number = booking.consultation.case.number
            event.add("summary", _("Legal consultation video session %(number)s") % {"number": number})
            if link is not None:
                url = link(booking.consultation)
                event.add("url", url)
                event.add("description", _("The consultation and its video room (sign in): %(url)s") % {"url": url})
        cal.add_component(event)
    return cal.to_ical()


def may_run_checkups(user) -> bool:
    return has_role(user, CHECKUP_ROLES)


def enterprises_for(*, user: User) -> QuerySet[Enterprise]:
    if not may_run_checkups(user):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(station_id=user.station_id).select_related("grid")


def enterprise_get_for(*, user: User, pk) -> Enterprise:
    try:
        return enterprises_for(user=user).get(pk=pk)
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404("no such enterprise") from None


def checkup_get_for(*, user: User, pk) -> CheckUp:
    try:
        return CheckUp.objects.select_related("enterprise", "checklist", "checked_by", "previous").get(
            pk=pk, enterprise__in=enterprises_for(user=user)
        )
    except (CheckUp.DoesNotExist, ValueError, TypeError):
        raise Http404("no such check-up") from None


def checklists_for(*, user: User) -> QuerySet[Checklist]:
    return Checklist.objects.filter(station_id=user.station_id, is_active=True).order_by("id")


def findings_due_for(*, user: User, now: dt.datetime | None = None, days: int = 14) -> list[Finding]:
    """Open findings whose fix deadline is within `days` (or passed): the follow-ups to make."""
    today = (now or timezone.now()).date()
    return list(
        Finding.objects.filter(
            checkup__enterprise__in=enterprises_for(user=user),
            fixed_at__isnull=True,
            fix_due_on__lte=today + dt.timedelta(days=days),
        )
        .select_related("checkup__enterprise")
        .order_by("fix_due_on")[:INBOX_ROWS]
    )


def trainings_for(*, user: User) -> QuerySet[Training]:
    if not may_run_checkups(user):
        return Training.objects.none()
    return Training.objects.filter(station_id=user.station_id).prefetch_related("enterprises")
