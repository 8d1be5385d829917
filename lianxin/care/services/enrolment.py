"""Enrolment with consent, contacts, the sealed plan, away periods, check-ins and withdrawal.

A check-in covers the local day it is made on (an early riser's 06:00 tap counts); the next
deadline is then the following day's window close plus grace (Enrolment.next_deadline), so
the sweep in care.services.alarms never sees a day that was covered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.care.models import (
    CLOSED_BY_CHECKIN,
    CLOSED_BY_WITHDRAWAL,
    Alarm,
    AlarmReason,
    AlarmStatus,
    ConsentBy,
    Contact,
    ContactKind,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    station_zone,
)
from lianxin.care.services.common import NAME_MAX_CHARS, event, now_or, publish, require_carer
from lianxin.core import pii
from lianxin.core.models import User
from lianxin.core.services import audit_record
from lianxin.people.models import Resident

CONTACTS_MAX = 5
GRACE_MINUTES_MAX = 240
PLAN_MAX_CHARS = 2000
AWAY_DAYS_MAX = 120
REASON_MAX_CHARS = 200


class CheckinVia:
    BUTTON = "button"  # the elder's big button
    FAMILY = "family"  # a family member who called them
    STAFF = "staff"  # a grid member who saw them
    DEVICE = "device"  # the call device's check-in key


@dataclass(frozen=True)
class ContactIn:
    kind: str
    name: str
    phone: str
    relation: str = ""


def _clean_contacts(contacts: list[ContactIn]) -> tuple[list[ContactIn], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clean: list[ContactIn] = []
    for i, c in enumerate(contacts, start=1):
        name, phone = (c.name or "").strip(), (c.phone or "").strip()
        if not name and not phone:
            continue
        if c.kind not in ContactKind.values:
            errors[f"contact_{i}_kind"] = [_("Choose family or neighbour.")]
        if not name or len(name) > NAME_MAX_CHARS:
            errors[f"contact_{i}_name"] = [_("Give the contact's name (at most 60 characters).")]
        if not phone:
            errors[f"contact_{i}_phone"] = [_("Give a mobile number to reach this contact.")]
        else:
            try:
                phone = pii.validate(pii.KIND_PHONE, phone)
            except ValidationError as exc:
                errors[f"contact_{i}_phone"] = list(exc.messages)
        clean.append(ContactIn(kind=c.kind, name=name, phone=phone, relation=(c.relation or "").strip()[:30]))
    if not clean:
        errors["contacts"] = [_("Give at least one family member or neighbour to call.")]
    elif len(clean) > CONTACTS_MAX:
        errors["contacts"] = [_("At most %(n)d contacts.") % {"n": CONTACTS_MAX}]
    return clean, errors


def _clean_window(window_starts, window_ends, grace_minutes) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(window_starts, dt.time):
        errors["window_starts"] = [_("Give the time the window opens (e.g. 07:00).")]
    if not isinstance(window_ends, dt.time):
        errors["window_ends"] = [_("Give the time the window closes (e.g. 10:00).")]
    if not errors and window_ends <= window_starts:
        errors["window_ends"] = [_("The window must close after it opens, on the same day.")]
    if not isinstance(grace_minutes, int) or not 0 <= grace_minutes <= GRACE_MINUTES_MAX:
        errors["grace_minutes"] = [_("Grace is 0 to %(n)d minutes.") % {"n": GRACE_MINUTES_MAX}]
    return errors


def _settle_on_enrolment(enrolment: Enrolment, now: dt.datetime) -> None:
    """Expect the first check-in today if the window has not opened yet, else tomorrow."""
    today = now.astimezone(station_zone()).date()
    enrolment.settled_through_on = today - dt.timedelta(days=1) if now < enrolment.opens_on(today) else today
    enrolment.schedule()


@transaction.atomic
def enrolment_create(
    *,
    actor: User,
    resident: Resident,
    consent_by: str,
    has_monitoring_consent: bool,
    has_health_consent: bool,
    window_starts: dt.time,
    window_ends: dt.time,
    contacts: list[ContactIn],
    grace_minutes: int = 30,
    proxy_name: str = "",
    proxy_reason: str = "",
    plan: str = "",
    now: dt.datetime | None = None,
) -> Enrolment:
    """Enrol a resident with their recorded consent, window, contacts in order and sealed plan.

    Raises ValidationError naming the field (no consent, a window that closes before it opens,
    a contact without a number, a proxy without a reason) and writes nothing then;
    PermissionDenied for a role or grid that may not enrol this resident.
    """
    now = now_or(now)
    require_carer(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(resident, Resident) or resident.station_id != actor.station_id:
        raise PermissionDenied(_("This resident belongs to another station."))
    existing = Enrolment.objects.filter(resident=resident).first()
    if existing is not None and existing.status == EnrolmentStatus.ACTIVE:
        errors["resident"] = [_("This resident is already enrolled.")]
    if consent_by not in ConsentBy.values:
        errors["consent_by"] = [_("Say who gave consent.")]
    proxy_name, proxy_reason = (proxy_name or "").strip(), (proxy_reason or "").strip()
    if consent_by == ConsentBy.PROXY:
        if not proxy_name:
            errors["proxy_name"] = [_("Name the person who consented for the resident.")]
        if not proxy_reason:
            errors["proxy_reason"] = [_("Say why the resident could not consent themselves.")]
    if len(proxy_name) > NAME_MAX_CHARS or len(proxy_reason) > REASON_MAX_CHARS:
        errors["proxy_reason"] = [_("At most 200 characters, please.")]
    if not has_monitoring_consent:
        errors["has_monitoring_consent"] = [_("Daily monitoring needs the resident's consent.")]
    plan = (plan or "").strip()
    if plan and not has_health_consent:
        errors["has_health_consent"] = [
            _("The plan holds health data (medicines): record the separate consent for it, or leave the plan empty.")
        ]
    if len(plan) > PLAN_MAX_CHARS:
        errors["plan"] = [_("The plan is too long (at most %(n)d characters).") % {"n": PLAN_MAX_CHARS}]
    errors.update(_clean_window(window_starts, window_ends, grace_minutes))
    clean_contacts, contact_errors = _clean_contacts(list(contacts))
    errors.update(contact_errors)
    if errors:
        raise ValidationError(errors)
    fields = dict(
        station_id=resident.station_id,
        grid_id=resident.grid_id,
        status=EnrolmentStatus.ACTIVE,
        enrolled_by=actor,
        enrolled_at=now,
        consent_by=consent_by,
        proxy_name=proxy_name if consent_by == ConsentBy.PROXY else "",
        proxy_reason=proxy_reason if consent_by == ConsentBy.PROXY else "",
        has_monitoring_consent=True,
        has_health_consent=bool(has_health_consent),
        window_starts=window_starts,
        window_ends=window_ends,
        grace_minutes=grace_minutes,
        plan_sealed=pii.encrypt(plan) if plan else "",
        last_checkin_at=None,
        last_missed_on=None,
        away_from=None,
        away_until=None,
        withdrawn_at=None,
    )
    if existing is not None:  # enrolled again after a withdrawal: the history stays
        enrolment = existing
        for key, value in fields.items():
            setattr(enrolment, key, value)
        enrolment.contacts.all().delete()
    else:
        enrolment = Enrolment(resident=resident, **fields)
    require_carer(actor, enrolment)
    _settle_on_enrolment(enrolment, now)
    enrolment.save()
    Contact.objects.bulk_create(
        Contact(enrolment=enrolment, order=i, kind=c.kind, name=c.name, relation=c.relation, phone=c.phone)
        for i, c in enumerate(clean_contacts, start=1)
    )
    event(enrolment, EventKind.ENROLLED, now=now, actor=actor, contacts=len(clean_contacts))
    event(
        enrolment,
        EventKind.CONSENT,
        now=now,
        actor=actor,
        by=consent_by,
        proxy=enrolment.proxy_name,
        monitoring=True,
        health=enrolment.has_health_consent,
    )
    event(
        enrolment,
        EventKind.WINDOW_SET,
        now=now,
        actor=actor,
        starts=window_starts.strftime("%H:%M"),
        ends=window_ends.strftime("%H:%M"),
        grace=grace_minutes,
    )
    return enrolment


def _lock(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update(of=("self",)).select_related("resident").get(pk=enrolment.pk)


def _close_alarms(enrolment: Enrolment, *, reasons: tuple[str, ...], closed_by: str, now: dt.datetime) -> None:
    live = Alarm.objects.select_for_update(of=("self",)).filter(
        enrolment=enrolment, reason__in=reasons, status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED]
    )
    for alarm in live:
        alarm.status, alarm.closed_at, alarm.closed_by, alarm.escalate_after = AlarmStatus.CLOSED, now, closed_by, None
        alarm.save(update_fields=["status", "closed_at", "closed_by", "escalate_after"])
        event(enrolment, EventKind.ALARM_CLOSED, now=now, alarm=alarm, closed_by=closed_by)
        publish(
            alarm,
            event_name="closed",
            users=list(alarm.notifications.filter(user__isnull=False).values_list("user_id", flat=True)),
            station=alarm.case_id is not None or alarm.reason == AlarmReason.SOS,
        )


@transaction.atomic
def checkin_record(
    *,
    enrolment: Enrolment,
    via: str,
    actor: User | None = None,
    actor_name: str = "",
    now: dt.datetime | None = None,
) -> Enrolment:
    """Record that the resident is well today; a late check-in also closes today's missed-check-in alarm.

    via is a CheckinVia value. Raises ValidationError (naming `enrolment`) once consent is withdrawn.
    """
    now = now_or(now)
    enrolment = _lock(enrolment)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise ValidationError({"enrolment": [_("Monitoring has been withdrawn for this resident.")]})
    zone = station_zone()
    today = now.astimezone(zone).date()
    first_of_day = enrolment.last_checkin_at is None or enrolment.last_checkin_at.astimezone(zone).date() != today
    on_time = now <= enrolment.deadline_on(today)
    enrolment.last_checkin_at = now
    if enrolment.settled_through_on is None or enrolment.settled_through_on < today:
        enrolment.settled_through_on = today
    enrolment.schedule()
    enrolment.save(update_fields=["last_checkin_at", "settled_through_on", "alert_on", "alert_after"])
    event(
        enrolment,
        EventKind.CHECKED_IN,
        now=now,
        actor=actor,
        actor_name=actor_name,
        via=via,
        on_time=on_time,
        first_of_day=first_of_day,
        day=today.isoformat(),
    )
    _close_alarms(enrolment, reasons=(AlarmReason.MISSED,), closed_by=CLOSED_BY_CHECKIN, now=now)
    return enrolment


@transaction.atomic
def away_set(
    *,
    enrolment: Enrolment,
    actor: User | None,
    away_from: dt.datetime,
    away_until: dt.datetime,
    actor_name: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Enrolment:
    """Pause check-ins from away_from to away_until (at a daughter's home, in hospital); no deadline falls inside.

    Raises ValidationError naming `away_until` for a period that ends before it starts, is over
    already or is longer than AWAY_DAYS_MAX days.
    """
    now = now_or(now)
    if actor is not None:
        require_carer(actor, enrolment)
    enrolment = _lock(enrolment)
    errors: dict[str, list[str]] = {}
    if enrolment.status != EnrolmentStatus.ACTIVE:
        errors["enrolment"] = [_("Monitoring has been withdrawn for this resident.")]
    for name, value in (("away_from", away_from), ("away_until", away_until)):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            errors[name] = [_("Give the date and time.")]
    if not errors:
        if away_until <= away_from:
            errors["away_until"] = [_("The return must come after the departure.")]
        elif away_until <= now:
            errors["away_until"] = [_("This period is over already.")]
        elif away_until - away_from > dt.timedelta(days=AWAY_DAYS_MAX):
            errors["away_until"] = [
                _("At most %(n)d days away; enrol again after a longer stay.") % {"n": AWAY_DAYS_MAX}
            ]
    if errors:
        raise ValidationError(errors)
    enrolment.away_from, enrolment.away_until = away_from, away_until
    enrolment.schedule()
    enrolment.save(update_fields=["away_from", "away_until", "alert_on", "alert_after"])
    event(
        enrolment,
        EventKind.AWAY_SET,
        now=now,
        actor=actor,
        actor_name=actor_name,
        away_from=away_from.isoformat(),
        away_until=away_until.isoformat(),
        note=(note or "").strip()[:200],
    )
    if enrolment.is_away_at(now):
        _close_alarms(enrolment, reasons=(AlarmReason.MISSED,), closed_by="away", now=now)
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, actor: User, reason: str, now: dt.datetime | None = None) -> Enrolment:
    """Withdraw consent: no deadline, no alarm, the devices disabled, the plan erased; an event says who and why."""
    now = now_or(now)
    require_carer(actor, enrolment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say who withdrew consent and why.")]})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": [_("At most 200 characters, please.")]})
    enrolment = _lock(enrolment)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError({"enrolment": [_("Monitoring has already been withdrawn.")]})
    enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.WITHDRAWN, now
    enrolment.alert_after = enrolment.alert_on = None
    enrolment.plan_sealed = ""
    enrolment.save(update_fields=["status", "withdrawn_at", "alert_after", "alert_on", "plan_sealed"])
    enrolment.devices.update(is_enabled=False, offline_after=None)
    event(enrolment, EventKind.WITHDRAWN, now=now, actor=actor, reason=reason)
    _close_alarms(enrolment, reasons=tuple(AlarmReason.values), closed_by=CLOSED_BY_WITHDRAWAL, now=now)
    return enrolment


def plan_open(*, enrolment: Enrolment, actor: User, reason: str, now: dt.datetime | None = None) -> str:
    """Return the sealed plan during a live alarm, with an audit row and an event; PermissionDenied otherwise."""
    now = now_or(now)
    require_carer(actor, enrolment)
    if not enrolment.plan_sealed:
        return ""
    if not enrolment.alarms.filter(status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED]).exists():
        raise PermissionDenied(_("The plan opens only while an alarm is live."))
    why = (reason or "").strip()[:REASON_MAX_CHARS]
    if not why:
        raise ValidationError({"reason": [_("Say why you open the plan.")]})
    with transaction.atomic():
        audit_record(actor=actor, action="care_plan_open", target=enrolment, field="plan", detail=why, now=now)
        event(enrolment, EventKind.PLAN_OPENED, now=now, actor=actor, reason=why)
    return pii.decrypt(enrolment.plan_sealed)


@transaction.atomic
def care_delete_for_station(*, station) -> None:
    """Delete a station's care records (before its residents, cases and users go, as a station is taken down)."""
    Enrolment.objects.filter(station=station).delete()
