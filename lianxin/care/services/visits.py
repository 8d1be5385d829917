"""Home visits by the grid member or officer (a routine call, a home ID-card visit, a visit after an alarm)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.care.models import EnrolmentStatus, EventKind, HomeVisit, VisitKind, VisitOutcome, station_zone
from lianxin.care.services.alarms import _officer
from lianxin.care.services.common import NOTE_MAX_CHARS, care_category, event, now_or, require_carer
from lianxin.care.services.enrolment import CheckinVia, checkin_record
from lianxin.cases.models import OPEN_STATUSES, Category, Channel, Priority, Resolution, Status
from lianxin.cases.services import case_note, case_open, case_transition
from lianxin.core.models import Role, User
from lianxin.core.roles import INTAKE_ROLES, has_role

VISIT_BACKDATE_DAYS = 30
VISIT_AHEAD_DAYS = 90
HOME_ID_VISIT_CATEGORY = "home-id-visit"
# Roles that book home ID-card visits (上门办证): the registry officers and the chief.
VISIT_SCHEDULER_ROLES = frozenset({Role.REGISTRY_OFFICER, Role.STATION_CHIEF})


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


def may_schedule_visits(user) -> bool:
    return has_role(user, VISIT_SCHEDULER_ROLES)


@transaction.atomic
def visit_schedule(
    *,
    enrolment,
    actor: User,
    scheduled_for: dt.datetime,
    note: str = "",
    now: dt.datetime | None = None,
) -> HomeVisit:
    """Book a home ID-card visit (上门办证) for a resident who cannot come to the station; its case tracks it.

    Raises PermissionDenied for a role that does not book visits, ValidationError naming
    `scheduled_for` (in the past, more than VISIT_AHEAD_DAYS ahead) or `enrolment` (withdrawn).
    """
    now = now_or(now)
    require_carer(actor, enrolment)
    if not may_schedule_visits(actor):
        raise PermissionDenied(_("Home ID-card visits are booked by the registry officers."))
    errors: dict[str, list[str]] = {}
    if enrolment.status != EnrolmentStatus.ACTIVE:
        errors["enrolment"] = [_("Monitoring has been withdrawn for this resident.")]
    if not isinstance(scheduled_for, dt.datetime) or scheduled_for.tzinfo is None:
        errors["scheduled_for"] = [_("Give the date and time.")]
    elif scheduled_for < now - dt.timedelta(minutes=5):
        errors["scheduled_for"] = [_("Book the visit for a time still ahead.")]
    elif scheduled_for > now + dt.timedelta(days=VISIT_AHEAD_DAYS):
        errors["scheduled_for"] = [_("Book visits within %(n)d days.") % {"n": VISIT_AHEAD_DAYS}]
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("The note is too long.")]
    if errors:
        raise ValidationError(errors)
    resident = enrolment.resident
    when = scheduled_for.astimezone(station_zone())
    # The station's own home-visit category where it has one (routed to the registry), else elder care.
    category = Category.objects.filter(
        station_id=enrolment.station_id, code=HOME_ID_VISIT_CATEGORY, is_active=True
    ).first() or care_category(station=enrolment.station)
    case = case_open(
        station=enrolment.station,
        actor=actor,
        channel=Channel.WALK_IN,
        category=category,
        title=(_("Home ID-card visit: %(who)s") % {"who": resident.name})[:120],
        description=note
        or _("Home ID-card visit booked for %(when)s: photo, fingerprints and the application taken at home.")
        % {"when": f"{when:%Y-%m-%d %H:%M}"},
        address=resident.address,
        subjects=[resident],
        now=now,
    )
    if enrolment.grid_id is not None and case.grid_id != enrolment.grid_id:
        case.grid_id = enrolment.grid_id
        case.save(update_fields=["grid"])
    visit = HomeVisit.objects.create(
        enrolment=enrolment, kind=VisitKind.ID_CARD, visited_by=actor, scheduled_for=scheduled_for, note=note, case=case
    )
    event(
        enrolment,
        EventKind.VISIT_SCHEDULED,
        now=now,
        actor=actor,
        visit_kind=VisitKind.ID_CARD,
        scheduled_for=scheduled_for.isoformat(),
        case=case.number,
    )
    return visit


@transaction.atomic
def visit_complete(
    *, visit: HomeVisit, actor: User, outcome: str, note: str = "", now: dt.datetime | None = None
) -> HomeVisit:
    """Record how a booked visit went; done or fine resolves its case, nobody at home leaves it open with a note.

    Raises ValidationError naming `visit` (already recorded) or `outcome`.
    """
    now = now_or(now)
    visit = HomeVisit.objects.select_for_update(of=("self",)).select_related("enrolment", "case").get(pk=visit.pk)
    require_carer(actor, visit.enrolment)
    if visit.is_done:
        raise ValidationError({"visit": [_("This visit is recorded already.")]})
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": [_("Choose what you found.")]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": [_("The note is too long.")]})
    visit.visited_at, visit.outcome = now, outcome
    visit.note = "\n".join(x for x in (visit.note, note) if x)
    visit.save(update_fields=["visited_at", "outcome", "note"])
    text = note or str(VisitOutcome(outcome).label)
    case = visit.case
    if case is not None and case.status in OPEN_STATUSES:
        if outcome in (VisitOutcome.DONE, VisitOutcome.FINE):
            case_transition(
                case=case,
                actor=actor,
                to_status=Status.RESOLVED,
                resolution=Resolution.SERVICE_DONE,
                note=text,
                now=now,
            )
        else:
            case_note(case=case, actor=actor, text=text, now=now)
    event(
        visit.enrolment,
        EventKind.VISIT,
        now=now,
        actor=actor,
        visit_kind=visit.kind,
        outcome=outcome,
        case=case.number if case else "",
    )
    return visit
