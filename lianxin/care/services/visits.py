"""Home visits by the grid member or officer (a routine call, a home ID-card visit, a visit after an alarm)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.care.models import EnrolmentStatus, EventKind, HomeVisit, VisitKind, VisitOutcome
from lianxin.care.services.alarms import _officer
from lianxin.care.services.common import NOTE_MAX_CHARS, care_category, event, now_or, require_carer
from lianxin.care.services.enrolment import CheckinVia, checkin_record
from lianxin.cases.models import Channel, Priority
from lianxin.cases.services import case_open
from lianxin.core.models import User
from lianxin.core.roles import INTAKE_ROLES, has_role

VISIT_BACKDATE_DAYS = 30


@transaction.atomic
def visit_record(
    *,
    enrolment,
    actor: User,
    kind: str,
    outcome: str,
    note: str = "",
    visited_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> HomeVisit:
    """Record a home visit; 'needs help' opens a case for the grid, and a visit that found them well today is a check-in.

    Raises ValidationError naming `kind`, `outcome`, `visited_at` (in the future or more than
    VISIT_BACKDATE_DAYS back) or `note`.
    """
    now = now_or(now)
    require_carer(actor, enrolment)
    visited_at = visited_at or now
    errors: dict[str, list[str]] = {}
    if kind not in VisitKind.values:
        errors["kind"] = [_("Choose the kind of visit.")]
    if outcome not in VisitOutcome.values:
        errors["outcome"] = [_("Choose what you found.")]
    if visited_at.tzinfo is None or visited_at > now + dt.timedelta(minutes=5):
        errors["visited_at"] = [_("A visit is recorded after it took place.")]
    elif visited_at < now - dt.timedelta(days=VISIT_BACKDATE_DAYS):
        errors["visited_at"] = [_("Record visits within %(n)d days.") % {"n": VISIT_BACKDATE_DAYS}]
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("The note is too long.")]
    if outcome == VisitOutcome.NEEDS_HELP and not note:
        errors["note"] = [_("Say what help is needed.")]
    if errors:
        raise ValidationError(errors)
    case = None
    if outcome == VisitOutcome.NEEDS_HELP:
        resident = enrolment.resident
        case = case_open(
            station=enrolment.station,
            actor=actor if has_role(actor, INTAKE_ROLES) else (_officer(enrolment) or enrolment.enrolled_by),
            channel=Channel.WALK_IN,
            category=care_category(station=enrolment.station),
            title=(_("Home visit: %(who)s needs help") % {"who": resident.name})[:120],
            description=note,
            address=resident.address,
            subjects=[resident],
            priority=Priority.HIGH,
            now=now,
        )
        if enrolment.grid_id is not None and case.grid_id != enrolment.grid_id:
            case.grid_id = enrolment.grid_id
            case.save(update_fields=["grid"])
    visit = HomeVisit.objects.create(
        enrolment=enrolment,
        kind=kind,
        visited_by=actor,
        visited_at=visited_at,
        outcome=outcome,
        note=note,
        case=case,
    )
    event(
        enrolment,
        EventKind.VISIT,
        now=now,
        actor=actor,
        visit_kind=kind,
        outcome=outcome,
        case=case.number if case else "",
    )
    seen_well_today = outcome in (VisitOutcome.FINE, VisitOutcome.DONE) and now - visited_at < dt.timedelta(hours=12)
    if seen_well_today and enrolment.status == EnrolmentStatus.ACTIVE:
        checkin_record(enrolment=enrolment, via=CheckinVia.STAFF, actor=actor, now=now)
    return visit
