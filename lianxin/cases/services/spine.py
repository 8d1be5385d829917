"""Every change to a case itself: opening, routing, transitions, assignment, notes, ratings, the auto-close sweep.

Each function is keyword-only, validates before it writes, runs in one transaction
and appends CaseEvent rows, which are the timeline, the audit trail and the source
of the dashboard figures. Scope ("may this user see this case") is the selectors'
job: callers pass a case they fetched through cases.selectors.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.cases.models import (
    CartStop,
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    Priority,
    Resolution,
    Status,
)
from lianxin.cases.services.events import (
    DESCRIPTION_MAX_CHARS,
    NOTE_MAX_CHARS,
    _event,
    _now,
    _require_role,
    case_number_next,
)
from lianxin.cases.services.referrals import _clock_resume, _refer
from lianxin.cases.transitions import RATEABLE, TRANSITION_ROLES, allowed_from, is_allowed, may_be_solved_on_the_spot
from lianxin.core import pii
from lianxin.core.errors import Conflict
from lianxin.core.models import Partner, Role, Station, User
from lianxin.core.plugins import filing_channels
from lianxin.core.roles import (
    ASSIGNABLE_ROLES,
    CASEWORKER_ROLES,
    GRID_ROLES,
    INTAKE_ROLES,
    SUPERVISOR_ROLES,
    has_role,
)
from lianxin.core.services import audit_record
from lianxin.people.models import Resident, Team, TeamKind
from lianxin.places.geometry import grid_id_for_point
from lianxin.places.selectors import grid_ids_owned_by

# Channels a resident (or an anonymous Open311 client) may use on their own.
SELF_SERVICE_CHANNELS = frozenset({Channel.ONLINE, Channel.OPEN311})
CART_PEOPLE_SERVED_MAX = 500
# Free-text limits (the model's column sizes): longer input is refused naming the field, never cut.
TITLE_MAX_CHARS = 120
CONTACT_NAME_MAX_CHARS = 60
ADDRESS_MAX_CHARS = 200
REASON_MAX_CHARS = 200


MEDIA_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


def _route_team(*, station: Station, grid_id: int | None, category: Category) -> Team | None:
    """Pick the team for a new case: the grid's team, else the category's, else the duty desk."""
    if grid_id is not None:
        team = Team.objects.filter(station=station, kind=TeamKind.GRID_TEAM, grid_id=grid_id).order_by("id").first()
        if team is not None:
            return team
    if category.default_team_id is not None:
        return category.default_team
    return Team.objects.filter(station=station, kind=TeamKind.DUTY_DESK).order_by("id").first()


def _validate_open(
    *,
    station,
    actor,
    channel,
    category,
    description,
    lat,
    lon,
    contact_phone,
    priority,
    cart_stop,
    people_served,
    reporter,
) -> dict:
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if not isinstance(category, Category) or category.station_id != station.id or not category.is_active:
        errors["category"] = [_("Choose a category of this station.")]
    if not description or not description.strip():
        errors["description"] = [_("Describe the request in a sentence or two.")]
    elif len(description) > DESCRIPTION_MAX_CHARS:
        errors["description"] = [
            _("The description is too long (at most %(n)d characters).") % {"n": DESCRIPTION_MAX_CHARS}
        ]
    if (lat is None) != (lon is None):
        errors["location"] = [_("Give both latitude and longitude, or neither.")]
    elif lat is not None:
        if not (-90 <= lat <= 90):
            errors["lat"] = [_("Latitude must be between -90 and 90.")]
        if not (-180 <= lon <= 180):
            errors["lon"] = [_("Longitude must be between -180 and 180.")]
    if contact_phone:
        try:
            pii.validate(pii.KIND_PHONE, contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = list(exc.messages)
    if priority not in Priority.values:
        errors["priority"] = [_("Priority must be 1 (low) to 4 (urgent).")]
    if cart_stop is not None and cart_stop.station_id != station.id:
        errors["cart_stop"] = [_("That cart stop belongs to another station.")]
    if not (1 <= people_served <= CART_PEOPLE_SERVED_MAX):
        errors["people_served"] = [_("People served must be between 1 and %(n)d.") % {"n": CART_PEOPLE_SERVED_MAX}]
    if reporter is not None and reporter.station_id != station.id:
        errors["reporter"] = [_("That resident belongs to another station.")]
    return errors


@transaction.atomic
def case_open(
    *,
    station: Station,
    actor: User | None,
    channel: str,
    category: Category | None,
    description: str,
    title: str = "",
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    reporter: Resident | None = None,
    is_anonymous: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    subjects: list[Resident] | tuple = (),
    priority: int = Priority.NORMAL,
    cart_stop: CartStop | None = None,
    people_served: int = 1,
    media_url: str = "",
    is_restricted: bool = False,
    now: dt.datetime | None = None,
) -> Case:
    """Open a case, place it in its grid, route it to a team, refer it if its category says so.

    actor None is an anonymous self-service filing (online or Open311). media_url (a
    photo link an Open311 client sent) is kept on the opening event. is_restricted narrows
    who sees the case (see Case.is_restricted); it is set by an app's rule, never by a resident. Raises
    ValidationError naming fields, PermissionDenied if actor may not use channel.
    """
    now = _now(now)
    if actor is None or not actor.is_authenticated:
        if channel not in SELF_SERVICE_CHANNELS:
            raise PermissionDenied(_("Sign in to file through this channel."))
        actor = None
    else:
        if not actor.is_superuser and actor.station_id != station.id:
            raise PermissionDenied(_("You may only open cases at your own station."))
        if (
            not has_role(actor, INTAKE_ROLES)
            and channel not in SELF_SERVICE_CHANNELS
            and channel not in filing_channels(actor.role)
        ):
            raise PermissionDenied(_("Your role may not open cases through this channel."))
    title = (title or "").strip()
    description = (description or "").strip()
    contact_name = (contact_name or "").strip()
    address = (address or "").strip()
    errors = _validate_open(
        station=station,
        actor=actor,
        channel=channel,
        category=category,
        description=description,
        lat=lat,
        lon=lon,
        contact_phone=contact_phone,
        priority=priority,
        cart_stop=cart_stop,
        people_served=people_served,
        reporter=reporter,
    )
    for field, value, limit in (
        ("title", title, TITLE_MAX_CHARS),
        ("contact_name", contact_name, CONTACT_NAME_MAX_CHARS),
        ("address", address, ADDRESS_MAX_CHARS),
    ):
        if len(value) > limit:
            errors[field] = [_("At most %(n)d characters, please.") % {"n": limit}]
    media_url = (media_url or "").strip()
    if media_url:
        try:
            MEDIA_URL_VALIDATOR(media_url)
        except ValidationError:
            errors["media_url"] = [_("Give the media as an http or https address.")]
    if errors:
        raise ValidationError(errors)
    assert category is not None  # _validate_open refused anything but a category of this station
    if actor is not None and actor.role == Role.RESIDENT and reporter is None:
        reporter = Resident.objects.filter(user=actor).first()

    grid_id = (
        grid_id_for_point(station_id=station.id, lat=lat, lon=lon) if lat is not None and lon is not None else None
    )
    if grid_id is None and reporter is not None and lat is None:
        grid_id = reporter.grid_id
    if grid_id is None and lat is None and actor is not None and actor.role in GRID_ROLES:
        # A contact with no location (the officer did not share one, the common case at the
        # cart) belongs where its recorder works: the first grid they lead or serve in.
        owned = grid_ids_owned_by(user=actor)
        grid_id = owned[0] if owned else None
    team = _route_team(station=station, grid_id=grid_id, category=category)
    case = Case.objects.create(
        station=station,
        number=case_number_next(station=station, now=now),
        channel=channel,
        category=category,
        title=title or description[:40],
        description=description,
        address=address,
        lat=lat,
        lon=lon,
        grid_id=grid_id,
        reporter=reporter,
        reporter_user=actor if actor is not None and actor.role == Role.RESIDENT else None,
        is_anonymous=is_anonymous,
        contact_name="" if is_anonymous else contact_name,
        contact_phone="" if is_anonymous else contact_phone,
        team=team,
        priority=priority,
        status=Status.NEW,
        cart_stop=cart_stop,
        people_served=people_served,
        is_public_order=category.is_public_order,
        is_restricted=bool(is_restricted),
        opened_at=now,
        due_at=now + dt.timedelta(hours=category.sla_hours),
    )
    if subjects:
        case.subjects.set([s for s in subjects if s.station_id == station.id])
    _event(
        case,
        kind=EventKind.OPENED,
        actor=actor,
        now=now,
        to_status=Status.NEW,
        is_public=True,
        text=_("Request received."),
        data={"channel": channel, "category": category.code, **({"media_url": media_url} if media_url else {})},
    )
    _event(
        case,
        kind=EventKind.ROUTED,
        actor=None,
        now=now,
        data={
            "grid_id": grid_id,
            "team_id": team.id if team else None,
            "rule": "grid"
            if grid_id is not None and team is not None and team.grid_id == grid_id
            else ("category" if team is not None and team.id == category.default_team_id else "duty_desk"),
        },
    )
    if category.referral_partner is not None:
        _refer(case, actor=None, partner=category.referral_partner, note=_("Referred by the category's rule."), now=now)
    return case


@transaction.atomic
def case_transition(
    *,
    case: Case,
    actor: User | None,
    to_status: str,
    note: str = "",
    resolution: str = "",
    reason: str = "",
    partner: Partner | None = None,
    merge_into: Case | None = None,
    note_is_public: bool = False,
    now: dt.datetime | None = None,
) -> Case:
    """Move case to to_status if the table allows it and actor may; write the event.

    The note (or a rejection's reason) is internal unless note_is_public: the status change
    itself is on the public timeline, its text only if its writer showed it to the reporter
    (otherwise the event's data keeps it as `internal_note`, which only caseworkers read).

    actor None is the system (auto-close sweep). Raises Conflict (with the allowed
    statuses) for a move the table forbids, ValidationError for missing details.
    """
    now = _now(now)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if to_status not in Status.values:
        raise ValidationError({"to_status": [_("Unknown status %(s)s.") % {"s": to_status}]})
    if not is_allowed(case.status, to_status):
        raise Conflict(
            _("A case that is %(frm)s cannot become %(to)s.")
            % {"frm": Status(case.status).label, "to": Status(to_status).label},
            allowed=allowed_from(case.status),
        )
    if actor is not None:
        _require_role(actor, TRANSITION_ROLES[to_status], _("Your role may not make this change."))
        if actor.role == Role.RESIDENT and case.reporter_user_id != actor.id:
            raise PermissionDenied(_("Only the person who filed the request may close it."))
    errors: dict[str, list[str]] = {}
    if to_status == Status.RESOLVED and resolution not in Resolution.values:
        errors["resolution"] = [_("Choose how the case was resolved.")]
    elif (
        to_status == Status.RESOLVED
        and resolution == Resolution.ON_THE_SPOT
        and not may_be_solved_on_the_spot(case, now)
    ):
        errors["resolution"] = [
            _("Solved on the spot is only for a contact resolved while the person was there (or on the phone).")
        ]
    if to_status == Status.REJECTED and not reason.strip():
        errors["reason"] = [_("Say why the case is rejected.")]
    elif len(reason.strip()) > REASON_MAX_CHARS:
        errors["reason"] = [_("At most %(n)d characters, please.") % {"n": REASON_MAX_CHARS}]
    if to_status == Status.REFERRED and (
        partner is None or partner.station_id != case.station_id or partner.kind != "department"
    ):
        errors["partner"] = [_("Choose a partner department of this station.")]
    if to_status == Status.MERGED:
        if merge_into is None or merge_into.station_id != case.station_id or merge_into.pk == case.pk:
            errors["merge_into"] = [_("Choose another case of this station to merge into.")]
        elif merge_into.status == Status.MERGED:
            errors["merge_into"] = [_("That case is itself merged; choose the case it was merged into.")]
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("The note is too long.")]
    if errors:
        raise ValidationError(errors)

    if to_status == Status.REFERRED and partner is not None:  # a referral without a partner was refused above
        _refer(case, actor=actor, partner=partner, note=note.strip(), now=now)
        return case
    from_status = case.status
    fields = ["status", "updated_at"]
    case.status = to_status
    if from_status == Status.REFERRED:
        # Taken back from the department (or resolved without its reply): the clock runs again.
        _clock_resume(case, now=now, fields=fields)
    if to_status == Status.RESOLVED:
        case.resolution, case.resolution_note, case.resolved_at = resolution, note.strip(), now
        case.is_outcome_note_public = note_is_public
        fields += ["resolution", "resolution_note", "resolved_at", "is_outcome_note_public"]
        if case.assignee_id is None and actor is not None and has_role(actor, CASEWORKER_ROLES):
            case.assignee = actor
            fields.append("assignee")
    elif to_status == Status.CLOSED:
        case.closed_at = now
        fields.append("closed_at")
    elif to_status == Status.IN_PROGRESS and from_status == Status.RESOLVED:
        case.resolution, case.resolved_at = "", None
        fields += ["resolution", "resolved_at"]
    elif to_status == Status.REJECTED:
        case.reject_reason, case.closed_at = reason.strip(), now
        case.is_outcome_note_public = note_is_public
        fields += ["reject_reason", "closed_at", "is_outcome_note_public"]
    elif to_status == Status.MERGED:
        case.merged_into, case.closed_at = merge_into, now
        fields += ["merged_into", "closed_at"]
    case.save(update_fields=fields)
    data = {"resolution": resolution} if to_status == Status.RESOLVED else {}
    text = (reason or note).strip()
    if to_status == Status.MERGED and merge_into is not None:  # a merge without a target was refused above
        data = {"merge_into": merge_into.number}
        _event(
            merge_into,
            kind=EventKind.MERGED,
            actor=actor,
            now=now,
            data={"duplicate": case.number},
            text=_("%(n)s was merged into this case.") % {"n": case.number},
        )
    _event(
        case,
        kind=EventKind.TRANSITION,
        actor=actor,
        now=now,
        from_status=from_status,
        to_status=to_status,
        is_public=True,
        text=text if note_is_public else "",
        # An internal note rides on the same event: caseworkers read it, the public timeline does not.
        data={**data, "internal_note": text} if text and not note_is_public else data,
    )
    return case


@transaction.atomic
def case_assign(
    *,
    case: Case,
    actor: User | None,
    assignee: User | None = None,
    team: Team | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Give case to a person and/or a team of its station; a caseworker may take it themselves.

    actor None is the system applying an app's own rule (the duty lawyer a resident booked,
    the mediator of the room a dispute went to); the event then has no actor.
    """
    now = _now(now)
    if actor is not None:
        taking_it = assignee is not None and assignee.pk == actor.pk and team is None
        if taking_it:
            _require_role(actor, CASEWORKER_ROLES, _("Your role may not take cases."))
        else:
            _require_role(actor, SUPERVISOR_ROLES, _("Your role may not assign cases to others."))
    errors = {}
    if assignee is None and team is None:
        errors["assignee"] = [_("Choose a person or a team.")]
    if assignee is not None and (
        assignee.station_id != case.station_id
        or not assignee.is_active
        or not (assignee.is_superuser or assignee.role in ASSIGNABLE_ROLES)
    ):
        errors["assignee"] = [_("Choose an active member of this station.")]
    if team is not None and team.station_id != case.station_id:
        errors["team"] = [_("Choose a team of this station.")]
    if not case.is_open:
        errors["case"] = [_("Only open cases can be assigned.")]
    if errors:
        raise ValidationError(errors)
    case = Case.objects.select_for_update().get(pk=case.pk)
    fields = ["updated_at"]
    if assignee is not None:
        case.assignee = assignee
        fields.append("assignee")
    if team is not None:
        case.team = team
        fields.append("team")
    case.save(update_fields=fields)
    _event(
        case,
        kind=EventKind.ASSIGNED,
        actor=actor,
        now=now,
        data={
            "assignee_id": assignee.pk if assignee else None,
            "team_id": team.pk if team else None,
            "assignee": str(assignee) if assignee else "",
            "team": str(team) if team else "",
        },
    )
    return case


@transaction.atomic
def case_note(
    *, case: Case, actor: User, text: str, is_public: bool = False, now: dt.datetime | None = None
) -> CaseEvent:
    """Add a note; caseworkers may keep it internal, the reporter's notes are always public."""
    now = _now(now)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the note first.")]})
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationError({"text": [_("The note is too long.")]})
    if not has_role(actor, CASEWORKER_ROLES):
        filed_it = case.was_filed_by(actor)
        if not filed_it and case.assignee_id != actor.pk:
            raise PermissionDenied(_("Your role may not add notes to this case."))
        if filed_it and case.assignee_id != actor.pk and case.status == Status.CLOSED:
            raise Conflict(_("This case is closed; file a new request if something is still wrong."), allowed=[])
        # What the person who filed it adds is for the case's public timeline, like the filing.
        is_public = is_public or filed_it
    return _event(case, kind=EventKind.NOTE, actor=actor, now=now, is_public=is_public, text=text)


def case_system_note(*, case: Case, text: str, data: dict | None = None, now: dt.datetime | None = None) -> CaseEvent:
    """Add an internal note written by the system (a worker's sweep: a clock's warning), with no actor.

    `data` is kept on the event, so a sweep can mark what it already wrote and write it once.
    """
    now = _now(now)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the note first.")]})
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationError({"text": [_("The note is too long.")]})
    return _event(case, kind=EventKind.NOTE, actor=None, now=now, is_public=False, text=text, data=data or {})


@transaction.atomic
def case_rate(*, case: Case, actor: User, rating: int, comment: str = "", now: dt.datetime | None = None) -> Case:
    """Record the reporter's 1–5 satisfaction; a resolved case closes with it. Once per case."""
    now = _now(now)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.reporter_user_id is None or case.reporter_user_id != actor.pk:
        raise PermissionDenied(_("Only the person who filed the request may rate it."))
    if case.status not in RATEABLE:
        raise Conflict(_("A case can be rated once it is resolved."), allowed=allowed_from(case.status))
    if case.rating is not None:
        raise Conflict(_("This case has already been rated."), allowed=[])
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Give a rating from 1 to 5.")]})
    comment = (comment or "").strip()[:300]
    case.rating, case.rating_comment, case.rated_at = rating, comment, now
    fields = ["rating", "rating_comment", "rated_at", "updated_at"]
    from_status = case.status
    if case.status == Status.RESOLVED:
        case.status, case.closed_at = Status.CLOSED, now
        fields += ["status", "closed_at"]
    case.save(update_fields=fields)
    _event(case, kind=EventKind.RATED, actor=actor, now=now, is_public=True, text=comment, data={"rating": rating})
    if from_status != case.status:
        _event(
            case,
            kind=EventKind.TRANSITION,
            actor=actor,
            now=now,
            from_status=from_status,
            to_status=case.status,
            is_public=True,
            text=_("Closed with the resident's rating."),
        )
    return case


def cases_auto_close(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Close resolved cases that waited LIANXIN_AUTO_CLOSE_DAYS for a rating; return how many."""
    now = _now(now)
    cutoff = now - dt.timedelta(days=settings.LIANXIN_AUTO_CLOSE_DAYS)
    closed = 0
    for case in Case.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff).order_by("resolved_at")[:limit]:
        try:
            case_transition(
                case=case,
                actor=None,
                to_status=Status.CLOSED,
                now=now,
                note=_("Closed automatically after waiting for a rating."),
            )
        except Conflict:
            continue  # another worker closed it first
        closed += 1
    return closed


@transaction.atomic
def cases_delete_for_station(*, station: Station) -> None:
    """Delete every case (with its events) and cart stop of a station, as a station is taken down."""
    Case.objects.filter(station=station).delete()
    CartStop.objects.filter(station=station).delete()


def categories_create(*, station: Station, categories: list[Category]) -> list[Category]:
    """Save a station's new (unsaved) categories in one statement (a catalogue import or seed)."""
    if any(c.pk is not None or c.station_id != station.id for c in categories):
        raise ValueError("categories_create takes new categories of this station only")
    return Category.objects.bulk_create(categories)


def case_contact_retention_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Clear the contact name and phone of cases closed longer ago than the retention period; audit it."""
    now = _now(now)
    cutoff = now - dt.timedelta(days=settings.LIANXIN_RETENTION_CASE_CONTACT_DAYS)
    due = (
        Case.objects.filter(status__in=(Status.CLOSED, Status.REJECTED, Status.MERGED), closed_at__lt=cutoff)
        .exclude(contact_name="", contact_phone="")
        .order_by("id")
    )
    by_station: dict[int, list[int]] = {}
    for case_id, station_id in due.values_list("id", "station_id")[:limit]:
        by_station.setdefault(station_id, []).append(case_id)
    for station_id, ids in by_station.items():
        with transaction.atomic():
            Case.objects.filter(id__in=ids).update(contact_name="", contact_phone="", contact_phone_digest="")
            audit_record(
                actor=None,
                action="retention_clear",
                target_type="case",
                target_id=f"{ids[0]}-{ids[-1]}",
                field="contact_phone",
                detail=f"{len(ids)} closed cases: contact name and phone cleared",
                station_id=station_id,
                now=now,
            )
    return sum(len(ids) for ids in by_station.values())
