"""Alarms and their ladder: a missed check-in, an SOS or a silent device notifies one person after another.

Ladders (chosen here, in `ladder_for`):
  missed check-in: the resident's contacts in order → the grid member → the community officer
                   (this rung opens the welfare-check case on the spine), then again from the top;
  SOS:             the community officer and the duty desk at once (case opened on the spot) →
                   the grid member → the contacts, repeating;
  device offline:  the grid member only, every hour (a lower alarm: the device is silent, not
                   necessarily the person; it never opens a case).
Each rung is one Notification row, unique per (alarm, rung): two workers racing on the same
`escalate_after` claim it with a conditional UPDATE, and the constraint is the second guard, so
nobody is sent twice. An answer sets escalate_after to None, so no further rung is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.care.models import (
    Alarm,
    AlarmReason,
    AlarmStatus,
    Answer,
    CareEvent,
    Contact,
    Device,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    Notification,
)
from lianxin.care.senders import sender_for
from lianxin.care.services.common import care_category, event, now_or, publish
from lianxin.care.services.enrolment import CheckinVia, checkin_record
from lianxin.cases.models import Case, Channel, Priority
from lianxin.cases.services import case_note, case_open
from lianxin.core.models import Role, User
from lianxin.core.roles import CASEWORKER_ROLES, INTAKE_ROLES, STATION_WIDE_ROLES, has_role
from lianxin.places.models import Grid
from lianxin.places.selectors import grid_ids_owned_by

logger = logging.getLogger("lianxin.care")

# The settings that say how many minutes a rung waits for an answer before the next one is sent.
RUNG_MINUTES_SETTINGS: dict[str, str] = {
    AlarmReason.MISSED: "LIANXIN_CARE_RUNG_MINUTES_MISSED",
    AlarmReason.SOS: "LIANXIN_CARE_RUNG_MINUTES_SOS",
    AlarmReason.DEVICE_OFFLINE: "LIANXIN_CARE_RUNG_MINUTES_OFFLINE",
}
STEP_CONTACT = "contact"
STEP_GRID_MEMBER = "grid_member"
STEP_OFFICER = "officer"
CLOSED_BY_ANSWER = "answer"


def rung_minutes(reason: str) -> int:
    """Minutes a rung of an alarm for reason waits for an answer (settings LIANXIN_CARE_RUNG_MINUTES_*)."""
    return int(getattr(settings, RUNG_MINUTES_SETTINGS[reason]))


@dataclass(frozen=True)
class Step:
    kind: str
    name: str
    user: User | None = None
    contact: Contact | None = None


def _grid_member(enrolment: Enrolment, *, first_member: User | None | bool = False) -> User | None:
    """The grid's first grid member (first_member, when the caller fetched it already), else the enroller if one."""
    member = first_member if first_member is not False else None
    if first_member is False and enrolment.grid is not None:
        member = (
            enrolment.grid.members.filter(is_active=True, role=Role.GRID_MEMBER, station_id=enrolment.station_id)
            .order_by("id")
            .first()
        )
    if isinstance(member, User):
        return member
    by = enrolment.enrolled_by
    return by if by.role == Role.GRID_MEMBER and by.is_active else None


def _officer(enrolment: Enrolment) -> User | None:
    chief = enrolment.grid.police_chief if enrolment.grid is not None else None
    if chief is not None and chief.is_active and chief.station_id == enrolment.station_id:
        return chief
    by = enrolment.enrolled_by
    return by if by.role != Role.GRID_MEMBER and by.is_active else None


def _ladder(reason: str, *, contacts: list[Contact], member: User | None, officer: User | None) -> list[Step]:
    people = [Step(STEP_CONTACT, c.name, contact=c) for c in contacts]
    staff_member = [Step(STEP_GRID_MEMBER, str(member), user=member)] if member else []
    staff_officer = [Step(STEP_OFFICER, str(officer), user=officer)] if officer else []
    if reason == AlarmReason.SOS:
        return staff_officer + staff_member + people
    if reason == AlarmReason.DEVICE_OFFLINE:
        return staff_member or staff_officer
    return people + staff_member + staff_officer


def ladder_for(alarm: Alarm) -> list[Step]:
    """Return the rungs of alarm's ladder in order (see the module docstring)."""
    enrolment = alarm.enrolment
    return _ladder(
        alarm.reason,
        contacts=list(enrolment.contacts.order_by("order", "id")),
        member=_grid_member(enrolment),
        officer=_officer(enrolment),
    )


def _notice_text(alarm: Alarm) -> str:
    who = alarm.enrolment.resident.name
    if alarm.reason == AlarmReason.SOS:
        return _("%(who)s pressed the SOS key on the call device.") % {"who": who}
    if alarm.reason == AlarmReason.DEVICE_OFFLINE:
        return _("%(who)s's call device has gone silent.") % {"who": who}
    return _("%(who)s has not checked in today.") % {"who": who}


def _welfare_case_open(alarm: Alarm, *, actor: User | None, now: dt.datetime) -> Case | None:
    """Open the welfare-check case on the spine for alarm (once), in the resident's grid."""
    if alarm.case_id is not None:
        return alarm.case
    enrolment = alarm.enrolment
    if actor is None or not has_role(actor, INTAKE_ROLES):
        actor = _officer(enrolment) or enrolment.enrolled_by
    resident = enrolment.resident
    if alarm.reason == AlarmReason.SOS:
        title = _("SOS: %(who)s") % {"who": resident.name}
        description = _("%(who)s pressed the SOS key on the call device at home. Go at once.")
    else:
        title = _("Welfare check: %(who)s") % {"who": resident.name}
        description = _(
            "%(who)s did not check in today; family and the grid member did not answer. Visit the home. "
            "The missed-check-in plan is on the care page (opening it is recorded)."
        )
    case = case_open(
        station=enrolment.station,
        actor=actor,
        channel=Channel.CHECKIN_MISSED if alarm.reason == AlarmReason.MISSED else Channel.DEVICE_ALARM,
        category=care_category(station=enrolment.station),
        title=title,
        description=description % {"who": resident.name},
        address=resident.address,
        subjects=[resident],
        priority=Priority.URGENT,
        now=now,
    )
    if enrolment.grid_id is not None and case.grid_id != enrolment.grid_id:
        case.grid_id = enrolment.grid_id
        case.save(update_fields=["grid"])
    alarm.case = case
    alarm.save(update_fields=["case"])
    event(enrolment, EventKind.CASE_OPENED, now=now, alarm=alarm, case=case.number)
    return case


def _notify_next(alarm: Alarm, *, now: dt.datetime) -> Notification | None:
    """Send the alarm's next rung and schedule the one after; None if another worker sent it or no one is left."""
    steps = ladder_for(alarm)
    if not steps:
        logger.warning("care alarm %s has nobody to notify", alarm.pk)
        alarm.escalate_after = None
        alarm.save(update_fields=["escalate_after"])
        return None
    step = steps[alarm.rung % len(steps)]
    sender = sender_for(has_user=step.user is not None)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                alarm=alarm,
                rung=alarm.rung,
                step=step.kind,
                user=step.user,
                contact=step.contact,
                name=step.name[:60],
                channel=sender.channel,
                sent_at=now,
            )
    except IntegrityError:
        return None
    alarm.rung += 1
    alarm.escalate_after = now + dt.timedelta(minutes=rung_minutes(alarm.reason))
    alarm.save(update_fields=["rung", "escalate_after"])
    event(
        alarm.enrolment,
        EventKind.NOTIFIED,
        now=now,
        alarm=alarm,
        rung=notification.rung + 1,
        step=step.kind,
        to=notification.name,
        channel=sender.channel,
    )
    at_station = step.kind == STEP_OFFICER
    if at_station and alarm.reason != AlarmReason.DEVICE_OFFLINE:
        _welfare_case_open(alarm, actor=step.user, now=now)
    _send(alarm, notification, sender=sender, at_station=at_station)
    return notification


def alarm_start(
    *,
    enrolment: Enrolment,
    reason: str,
    now: dt.datetime | None = None,
    device: Device | None = None,
    missed_on: dt.date | None = None,
) -> tuple[Alarm, bool]:
    """Start an alarm and send its first rung; return (alarm, is_new).

    A second alarm for the same reason while one is live joins it (an event, nothing sent):
    a double SOS press or a second missed day does not start a second ladder.
    """
    now = now_or(now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                alarm = Alarm.objects.create(
                    station_id=enrolment.station_id,
                    enrolment=enrolment,
                    reason=reason,
                    started_at=now,
                    missed_on=missed_on,
                    device=device,
                )
        except IntegrityError:
            live = Alarm.objects.get(
                enrolment=enrolment, reason=reason, status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED]
            )
            event(enrolment, EventKind.ALARM_STARTED, now=now, alarm=live, reason=reason, joined=True)
            return live, False
        event(enrolment, EventKind.ALARM_STARTED, now=now, alarm=alarm, reason=reason)
        _notify_next(alarm, now=now)
        return alarm, True


def alarms_escalate(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send the next rung of every alarm nobody answered in time (a `lianxin worker` sweep); return rungs sent.

    Polls the indexed (status, escalate_after) column; each row is claimed by a conditional
    UPDATE on its (rung, escalate_after), so of several workers exactly one sends each rung.
    """
    now = now_or(now)
    due = list(
        Alarm.objects.filter(status=AlarmStatus.OPEN, escalate_after__lte=now)
        .order_by("escalate_after")
        .values_list("pk", "rung", "escalate_after")[:limit]
    )
    sent = 0
    for pk, rung, escalate_after in due:
        if escalate_after is None:  # answered between the read and now
            continue
        if _escalate_claimed(pk=pk, rung=rung, escalate_after=escalate_after, now=now) is not None:
            sent += 1
    return sent


def _escalate_claimed(*, pk: int, rung: int, escalate_after: dt.datetime, now: dt.datetime) -> Notification | None:
    with transaction.atomic():
        claimed = Alarm.objects.filter(pk=pk, status=AlarmStatus.OPEN, rung=rung, escalate_after=escalate_after).update(
            escalate_after=None
        )
        if not claimed:
            return None
        alarm = Alarm.objects.select_related("enrolment__resident", "enrolment__grid", "case").get(pk=pk)
        return _notify_next(alarm, now=now)


def alarm_escalate(*, alarm: Alarm, now: dt.datetime | None = None) -> Notification | None:
    """Send alarm's next rung if it is due at now (the sweep's step for one alarm); None if it is not due or taken."""
    now = now_or(now)
    due = alarm.escalate_after
    if alarm.status != AlarmStatus.OPEN or due is None or due > now:
        return None
    return _escalate_claimed(pk=alarm.pk, rung=alarm.rung, escalate_after=due, now=now)


def checkins_missed(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Raise an alarm for every enrolment whose check-in deadline passed (a `lianxin worker` sweep); return how many.

    Steps (a batch of up to limit rows, a fixed number of statements whatever its size):
    1. read the due ids from the indexed (status, alert_after) column;
    2. claim them with one conditional UPDATE that stamps this call's token on the rows still
       due (a check-in, or another worker whose claim committed first, moved alert_after past
       now; on PostgreSQL a second worker's UPDATE waits for the first and then finds nothing);
    3. move each claimed row's deadline to its next day (computed from its own fields) in one
       bulk UPDATE, write the MISSED events, start the alarms (a live one is joined, not doubled),
       send each alarm's first rung and schedule the second.
    """
    now = now_or(now)
    due_ids = list(
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE, alert_after__lte=now)
        .order_by("alert_after")
        .values_list("pk", flat=True)[:limit]
    )
    if not due_ids:
        return 0
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimed = Enrolment.objects.filter(pk__in=due_ids, status=EnrolmentStatus.ACTIVE, alert_after__lte=now).update(
            sweep_claim=token
        )
        if not claimed:
            return 0
        enrolments = list(
            Enrolment.objects.filter(sweep_claim=token)
            .select_related("resident", "grid__police_chief", "enrolled_by", "station")
            .order_by("alert_after", "pk")
        )
        missed_on: dict[int, dt.date | None] = {}
        for e in enrolments:
            missed_on[e.pk] = e.alert_on
            e.settled_through_on = e.last_missed_on = e.alert_on
            e.schedule()
            e.sweep_claim = ""
        # Rows with the same window move to the same next deadline: one UPDATE per distinct change
        # (a handful of windows), not a CASE per row as bulk_update would build.
        groups: dict[tuple, list[int]] = {}
        for e in enrolments:
            groups.setdefault((e.settled_through_on, e.alert_on, e.alert_after), []).append(e.pk)
        for (settled, alert_on, alert_after), pks in groups.items():
            Enrolment.objects.filter(pk__in=pks).update(
                settled_through_on=settled,
                last_missed_on=settled,
                alert_on=alert_on,
                alert_after=alert_after,
                sweep_claim="",
            )
        CareEvent.objects.bulk_create(
            CareEvent(
                enrolment=e,
                kind=EventKind.MISSED,
                at=now,
                data={"day": str(missed_on[e.pk] or "")},
            )
            for e in enrolments
        )
        _alarms_start_missed(enrolments, missed_on=missed_on, now=now)
    return len(enrolments)


def _alarms_start_missed(
    enrolments: list[Enrolment], *, missed_on: dict[int, dt.date | None], now: dt.datetime
) -> None:
    """Start the missed-check-in alarms of enrolments and send each one's first rung, in bulk."""
    live = dict(
        Alarm.objects.filter(
            enrolment__in=enrolments,
            reason=AlarmReason.MISSED,
            status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED],
        ).values_list("enrolment_id", "pk")
    )
    CareEvent.objects.bulk_create(
        CareEvent(
            enrolment=e,
            alarm_id=live[e.pk],
            kind=EventKind.ALARM_STARTED,
            at=now,
            data={"reason": "missed", "joined": True},
        )
        for e in enrolments
        if e.pk in live
    )
    fresh = [e for e in enrolments if e.pk not in live]
    if not fresh:
        return
    alarms = Alarm.objects.bulk_create(
        Alarm(
            station_id=e.station_id,
            enrolment=e,
            reason=AlarmReason.MISSED,
            started_at=now,
            missed_on=missed_on[e.pk],
            rung=1,
            escalate_after=now + dt.timedelta(minutes=rung_minutes(AlarmReason.MISSED)),
        )
        for e in fresh
    )
    contacts: dict[int, list[Contact]] = {}
    for c in Contact.objects.filter(enrolment__in=fresh).order_by("enrolment_id", "order", "id"):
        contacts.setdefault(c.enrolment_id, []).append(c)
    grid_ids = {e.grid_id for e in fresh if e.grid_id is not None}
    first_member: dict[int, User] = {}
    through = Grid.members.through
    for grid_id, user in (
        (m.grid_id, m.user)
        for m in through.objects.filter(grid_id__in=grid_ids, user__is_active=True, user__role=Role.GRID_MEMBER)
        .select_related("user")
        .order_by("grid_id", "user_id")
    ):
        if user.station_id is not None:
            first_member.setdefault(grid_id, user)
    firsts: list[tuple[Alarm, Step]] = []
    nobody: list[Alarm] = []
    for alarm, e in zip(alarms, fresh, strict=True):
        alarm.enrolment = e
        steps = _ladder(
            AlarmReason.MISSED,
            contacts=contacts.get(e.pk, []),
            member=_grid_member(e, first_member=first_member.get(e.grid_id) if e.grid_id else None),
            officer=_officer(e),
        )
        if steps:
            firsts.append((alarm, steps[0]))
        else:
            nobody.append(alarm)
    if nobody:
        logger.warning("care alarms %s have nobody to notify", [a.pk for a in nobody])
        Alarm.objects.filter(pk__in=[a.pk for a in nobody]).update(rung=0, escalate_after=None)
    senders = {True: sender_for(has_user=True), False: sender_for(has_user=False)}
    notifications = Notification.objects.bulk_create(
        Notification(
            alarm=alarm,
            rung=0,
            step=step.kind,
            user=step.user,
            contact=step.contact,
            name=step.name[:60],
            channel=senders[step.user is not None].channel,
            sent_at=now,
        )
        for alarm, step in firsts
    )
    events = [
        CareEvent(enrolment=a.enrolment, alarm=a, kind=EventKind.ALARM_STARTED, at=now, data={"reason": "missed"})
        for a in alarms
    ]
    events += [
        CareEvent(
            enrolment=alarm.enrolment,
            alarm=alarm,
            kind=EventKind.NOTIFIED,
            at=now,
            data={
                "rung": 1,
                "step": step.kind,
                "to": step.name[:60],
                "channel": senders[step.user is not None].channel,
            },
        )
        for alarm, step in firsts
    ]
    CareEvent.objects.bulk_create(events)
    for (alarm, step), notification in zip(firsts, notifications, strict=True):
        if step.kind == STEP_OFFICER:
            _welfare_case_open(alarm, actor=step.user, now=now)
        _send(alarm, notification, sender=senders[step.user is not None], at_station=step.kind == STEP_OFFICER)


def _send(alarm: Alarm, notification: Notification, *, sender, at_station: bool) -> None:
    if notification.user_id is not None:
        url = reverse("care:alarm", args=[alarm.pk])
    else:
        url = getattr(settings, "LIANXIN_PUBLIC_URL", "") + reverse("care:notice", args=[notification.token])
    try:
        sender.send(notification=notification, text=_notice_text(alarm), url=url)
    except Exception:
        # The rung is recorded and the next one follows on time; a gateway failure must not undo it.
        logger.exception("care notice %s could not be sent", notification.pk)
    publish(alarm, event_name="notified", station=at_station or alarm.reason == AlarmReason.SOS)


def may_answer(actor: User, alarm: Alarm) -> bool:
    """Return True if actor may answer alarm: someone it was sent to, the station's desk, or the grid's staff."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    if actor.station_id != alarm.station_id:
        return False
    if alarm.notifications.filter(user=actor).exists():
        return True
    if has_role(actor, STATION_WIDE_ROLES):
        return True
    return has_role(actor, CASEWORKER_ROLES) and alarm.enrolment.grid_id in grid_ids_owned_by(user=actor)


@transaction.atomic
def alarm_answer(
    *,
    alarm: Alarm,
    answer: str,
    actor: User | None = None,
    notification: Notification | None = None,
    now: dt.datetime | None = None,
) -> Alarm:
    """Answer an alarm: 'I'm going' stops the ladder; 'all fine' closes it; 'need help' opens the case at once.

    The answerer is a signed-in actor or the holder of a notification's link (a family member).
    Raises ValidationError naming `alarm` when it is closed already, `answer` for an unknown
    answer or a second 'I'm going'; PermissionDenied for someone it was not sent to.
    """
    now = now_or(now)
    if answer not in Answer.values:
        raise ValidationError({"answer": [_("Choose an answer.")]})
    alarm = (
        Alarm.objects.select_for_update(of=("self",))
        .select_related("enrolment__resident", "enrolment__grid", "enrolment__enrolled_by", "case")
        .get(pk=alarm.pk)
    )
    if notification is not None:
        if notification.alarm_id != alarm.pk:
            raise PermissionDenied(_("This link belongs to another alarm."))
    elif actor is None or not may_answer(actor, alarm):
        raise PermissionDenied(_("This alarm was not sent to you."))
    if alarm.status == AlarmStatus.CLOSED:
        raise ValidationError({"alarm": [_("This alarm is already closed; nothing more is needed.")]})
    if answer == Answer.GOING and alarm.status == AlarmStatus.ACKNOWLEDGED:
        raise ValidationError({"answer": [_("%(who)s is already going.") % {"who": alarm.acknowledged_by_name or "-"}]})
    who = str(actor) if actor is not None else (notification.name if notification else "")
    if alarm.acknowledged_at is None:
        alarm.acknowledged_at, alarm.acknowledged_by, alarm.acknowledged_by_name = now, actor, who[:60]
    alarm.answer, alarm.escalate_after = answer, None
    alarm.status = AlarmStatus.CLOSED if answer == Answer.FINE else AlarmStatus.ACKNOWLEDGED
    if answer == Answer.FINE:
        alarm.closed_at, alarm.closed_by = now, CLOSED_BY_ANSWER
    alarm.save(
        update_fields=[
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_by_name",
            "answer",
            "escalate_after",
            "status",
            "closed_at",
            "closed_by",
        ]
    )
    enrolment = alarm.enrolment
    event(enrolment, EventKind.ACKNOWLEDGED, now=now, alarm=alarm, actor=actor, actor_name=who, answer=answer)
    if answer == Answer.NEED_HELP:
        _welfare_case_open(alarm, actor=actor, now=now)
    if alarm.case is not None and actor is not None and has_role(actor, CASEWORKER_ROLES):
        case_note(
            case=alarm.case,
            actor=actor,
            text=_("Care alarm answered: %(answer)s") % {"answer": Answer(answer).label},
            now=now,
        )
    if answer == Answer.FINE and alarm.reason == AlarmReason.MISSED and enrolment.status == EnrolmentStatus.ACTIVE:
        checkin_record(
            enrolment=enrolment,
            via=CheckinVia.STAFF if actor is not None and has_role(actor, CASEWORKER_ROLES) else CheckinVia.FAMILY,
            actor=actor,
            actor_name=who,
            now=now,
        )
    if answer == Answer.FINE:
        event(enrolment, EventKind.ALARM_CLOSED, now=now, alarm=alarm, closed_by=CLOSED_BY_ANSWER)
    publish(
        alarm,
        event_name="answered",
        users=list(alarm.notifications.filter(user__isnull=False).values_list("user_id", flat=True)),
        station=alarm.case_id is not None,
    )
    return alarm
