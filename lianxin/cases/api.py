"""Case and category endpoints. Each parses, calls one service or selector, and renders.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.

A case is addressed by its id or its number (`/cases/42` or `/cases/LX-2026-000042`);
a case outside the asker's scope (another station, another grid) is a 404.
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as HttpStatus
from ninja.pagination import paginate
from pydantic import StrictInt

from lianxin.cases.models import Case, Channel, Resolution, Status
from lianxin.cases.selectors import (
    INBOX_BOXES,
    CaseActions,
    CaseFilters,
    case_actions_for,
    case_get_for,
    case_list_for,
    case_timeline_for,
    category_list_for,
    partner_departments_for,
)
from lianxin.cases.services import case_assign, case_note, case_open, case_rate, case_transition
from lianxin.core import pii
from lianxin.core.api import DB_ID_MAX, READ_ERRORS, WRITE_ERRORS, DbId, Paging, Text, is_storable, viewer
from lianxin.core.errors import input_names
from lianxin.core.roles import ASSIGNABLE_ROLES, CASEWORKER_ROLES, has_role, may_see_masked
from lianxin.core.selectors import staff_list_for
from lianxin.core.services import personal_data_display
from lianxin.core.textmask import mask_numbers
from lianxin.people.selectors import resident_get_for, team_list_for

router = Router(tags=["cases"])
categories_router = Router(tags=["categories"])

CASE_REF_MAX_CHARS = 24


# ---------------------------------------------------------------- output shapes


class CaseOut(Schema):
    id: int
    number: str
    status: Status
    status_label: str
    channel: Channel
    channel_label: str
    category: str = Field(description="Service code of the category.")
    category_name: str
    title: str
    address: str
    lat: float | None
    lon: float | None
    grid_id: int | None
    grid_name: str | None
    team_id: int | None
    team_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    priority: int
    resolution: str
    is_public_order: bool
    is_overdue: bool
    opened_at: dt.datetime
    due_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    rating: int | None
    contact_name: str = Field(description="Empty for roles that may not see personal data.")
    contact_phone: str = Field(description="Masked; empty for roles that may not see personal data.")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_channel_label(obj) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_grid_name(obj) -> str | None:
        return obj.grid.name if obj.grid_id else None

    @staticmethod
    def resolve_team_name(obj) -> str | None:
        return obj.team.name if obj.team_id else None

    @staticmethod
    def resolve_assignee_name(obj) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    @staticmethod
    def resolve_is_overdue(obj) -> bool:
        return obj.is_overdue_at(timezone.now())

    @staticmethod
    def resolve_title(obj) -> str:
        # Numbers typed into the text are masked for everyone here; the case page reveals them, audited.
        return mask_numbers(obj.title)

    @staticmethod
    def resolve_contact_name(obj, context) -> str:
        return obj.contact_name if may_see_masked(viewer(context["request"]), pii.KIND_PHONE) else ""

    @staticmethod
    def resolve_contact_phone(obj, context) -> str:
        return personal_data_display(viewer=viewer(context["request"]), value=obj.contact_phone)


def _outcome_note_visible(case, context) -> bool:
    """A resolution note or rejection reason is internal unless its writer showed it to the reporter."""
    return case.is_outcome_note_public or has_role(viewer(context["request"]), CASEWORKER_ROLES)


class CaseDetailOut(CaseOut):
    description: str = Field(description="Phone, ID and card numbers typed into it are masked.")
    resolution_note: str
    reject_reason: str
    merged_into: str | None = Field(description="Number of the case this one was merged into.")
    is_anonymous: bool
    people_served: int
    rating_comment: str
    actions: CaseActions = Field(description="What I may do to this case now.")

    @staticmethod
    def resolve_description(obj) -> str:
        return mask_numbers(obj.description)

    @staticmethod
    def resolve_resolution_note(obj, context) -> str:
        return obj.resolution_note if _outcome_note_visible(obj, context) else ""

    @staticmethod
    def resolve_reject_reason(obj, context) -> str:
        return obj.reject_reason if _outcome_note_visible(obj, context) else ""

    @staticmethod
    def resolve_merged_into(obj) -> str | None:
        return obj.merged_into.number if obj.merged_into_id else None

    @staticmethod
    def resolve_actions(obj, context) -> CaseActions:
        return case_actions_for(user=viewer(context["request"]), case=obj)


# Event data only caseworkers read (an outcome note its writer kept internal).
INTERNAL_EVENT_DATA = frozenset({"internal_note"})


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: dt.datetime
    actor_name: str | None
    from_status: str
    to_status: str
    is_public: bool
    text: str
    data: dict[str, Any]

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_actor_name(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_text(obj, context) -> str:
        # Public text never carries a whole personal number; caseworkers read what was written.
        if has_role(viewer(context["request"]), CASEWORKER_ROLES):
            return obj.text
        return mask_numbers(obj.text)

    @staticmethod
    def resolve_data(obj, context) -> dict[str, Any]:
        if has_role(viewer(context["request"]), CASEWORKER_ROLES):
            return obj.data
        return {k: v for k, v in obj.data.items() if k not in INTERNAL_EVENT_DATA}


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    group: str
    description: str
    sla_hours: int
    is_public_order: bool


# ---------------------------------------------------------------- input shapes


class CaseQuery(Schema):
    box: Literal[INBOX_BOXES] = "all"  # type: ignore[valid-type]
    status: Status | None = None
    category: Text = Field("", max_length=40, description="Service code.")
    channel: Channel | None = None
    grid: DbId | None = None
    opened_from: dt.date | None = Field(None, description="First local day, inclusive.")
    opened_to: dt.date | None = Field(None, description="Last local day, inclusive.")
    q: Text = Field("", max_length=100, description="A case number, an exact mobile number, or part of a name.")


class CaseIn(Schema):
    category: Text = Field(description="Service code of a category of my station.")
    channel: Channel
    description: Text
    title: Text = ""
    lat: float | None = None
    lon: float | None = None
    address: Text = ""
    reporter_id: DbId | None = Field(None, description="A resident I may see.")
    subject_ids: list[DbId] = Field([], max_length=50, description="Residents concerned (I may see them).")
    is_anonymous: bool = False
    contact_name: Text = ""
    contact_phone: Text = ""
    priority: int = Field(2, description="1 low … 4 urgent.")
    people_served: int = 1
    media_url: Text = Field("", description="An http(s) link to a photo or file, kept on the opening event.")


class TransitionIn(Schema):
    to_status: Status
    note: Text = ""
    resolution: Resolution | None = Field(None, description="Required to resolve.")
    reason: Text = Field("", description="Required to reject.")
    note_is_public: bool = Field(False, description="Show the note or reason to the reporter (internal otherwise).")
    partner_id: DbId | None = Field(None, description="The department, required to refer.")
    merge_into: Text = Field("", max_length=CASE_REF_MAX_CHARS, description="Id or number, required to merge.")


class AssignIn(Schema):
    assignee_id: DbId | None = Field(None, description="A member of my station (my own id takes the case).")
    team_id: DbId | None = Field(None, description="A team of my station.")


class NoteIn(Schema):
    text: Text
    is_public: bool = Field(False, description="Shown to the reporter; a reporter's own notes always are.")


class RatingIn(Schema):
    rating: StrictInt = Field(ge=1, le=5, description='1 to 5 (a whole number; true or "5" is refused).')
    comment: Text = ""


# ---------------------------------------------------------------- endpoints


def _case(request: HttpRequest, ref: str) -> Case:
    """Return the case ref (an id or a number) if the asker may see it; Http404 otherwise."""
    ref = (ref or "").strip()
    if not ref or len(ref) > CASE_REF_MAX_CHARS or not is_storable(ref):
        raise Http404
    if ref.isascii() and ref.isdigit():
        if int(ref) > DB_ID_MAX:
            raise Http404
        return case_get_for(user=viewer(request), pk=int(ref))
    return case_get_for(user=viewer(request), number=ref)


def _own_station(request: HttpRequest):
    user = viewer(request)
    if user.station_id is None:
        raise PermissionDenied(_("Your account belongs to no station."))
    return user.station


@router.get("", response=list[CaseOut], summary="Cases I may see, newest first")
@paginate(Paging)
def case_list(request: HttpRequest, filters: Query[CaseQuery]):
    return case_list_for(user=viewer(request), filters=CaseFilters(**filters.dict()))


@router.post("", response={201: CaseDetailOut, **WRITE_ERRORS}, summary="Open a case")
def case_create(request: HttpRequest, payload: CaseIn):
    user = viewer(request)
    station = _own_station(request)
    category = category_list_for(station_id=station.id).filter(code=payload.category).first()
    reporter = _resident(user, payload.reporter_id, "reporter_id") if payload.reporter_id else None
    subjects = [_resident(user, pk, "subject_ids") for pk in payload.subject_ids]
    # The service names its arguments; the error must name what the client sent (for a lone
    # coordinate, the one missing).
    missing_coordinate = "lon" if payload.lat is not None else "lat"
    with input_names({"reporter": "reporter_id", "location": missing_coordinate}):
        case = case_open(
            station=station,
            actor=user,
            channel=payload.channel,
            category=category,
            description=payload.description,
            title=payload.title,
            lat=payload.lat,
            lon=payload.lon,
            address=payload.address,
            reporter=reporter,
            is_anonymous=payload.is_anonymous,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            subjects=subjects,
            priority=payload.priority,
            people_served=payload.people_served,
            media_url=payload.media_url,
        )
    # Rendered as opened rather than re-read through the scope: a volunteer or lookout who
    # files a finding is not its reporter or assignee, and may not see it afterwards.
    return HttpStatus(201, case)


def _resident(user, pk: int, field: str):
    try:
        return resident_get_for(user=user, pk=pk)
    except Http404:
        raise ValidationError({field: [_("No such resident.")]}) from None


@router.get("/{ref}", response={200: CaseDetailOut, **READ_ERRORS}, summary="One case, by id or number")
def case_get(request: HttpRequest, ref: str):
    return _case(request, ref)


@router.post(
    "/{ref}/transition",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="Change the status (409 lists the allowed statuses)",
)
def case_transition_endpoint(request: HttpRequest, ref: str, payload: TransitionIn):
    user = viewer(request)
    case = _case(request, ref)
    partner = None
    if payload.partner_id is not None:
        partner = partner_departments_for(user=user).filter(pk=payload.partner_id).first()
    merge_into = None
    if payload.merge_into:
        try:
            merge_into = _case(request, payload.merge_into)
        except Http404:
            raise ValidationError({"merge_into": [_("Choose another case of this station to merge into.")]}) from None
    with input_names({"partner": "partner_id"}):
        case_transition(
            case=case,
            actor=user,
            to_status=payload.to_status.value,
            note=payload.note,
            note_is_public=payload.note_is_public,
            resolution=payload.resolution.value if payload.resolution else "",
            reason=payload.reason,
            partner=partner,
            merge_into=merge_into,
        )
    return case_get_for(user=user, pk=case.pk)


@router.post("/{ref}/assign", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="Assign to a person or team")
def case_assign_endpoint(request: HttpRequest, ref: str, payload: AssignIn):
    user = viewer(request)
    case = _case(request, ref)
    assignee = team = None
    if payload.assignee_id is not None:
        assignee = staff_list_for(user=user, roles=ASSIGNABLE_ROLES).filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee_id": [_("Choose an active member of this station.")]})
    if payload.team_id is not None:
        team = team_list_for(user=user).filter(pk=payload.team_id).first()
        if team is None:
            raise ValidationError({"team_id": [_("Choose a team of this station.")]})
    with input_names({"assignee": "assignee_id", "team": "team_id"}):
        case_assign(case=case, actor=user, assignee=assignee, team=team)
    return case_get_for(user=user, pk=case.pk)


@router.post("/{ref}/notes", response={201: EventOut, **WRITE_ERRORS}, summary="Add a note to the timeline")
def case_note_endpoint(request: HttpRequest, ref: str, payload: NoteIn):
    case = _case(request, ref)
    return HttpStatus(201, case_note(case=case, actor=viewer(request), text=payload.text, is_public=payload.is_public))


@router.post(
    "/{ref}/rating",
    response={200: CaseDetailOut, **WRITE_ERRORS},
    summary="Rate a resolved case 1–5 (the reporter, once)",
)
def case_rate_endpoint(request: HttpRequest, ref: str, payload: RatingIn):
    user = viewer(request)
    case = _case(request, ref)
    case_rate(case=case, actor=user, rating=payload.rating, comment=payload.comment)
    return case_get_for(user=user, pk=case.pk)


@router.get(
    "/{ref}/timeline",
    response={200: list[EventOut], **READ_ERRORS},
    summary="The case's events, oldest first (public ones only for non-caseworkers)",
)
def case_timeline(request: HttpRequest, ref: str):
    return case_timeline_for(user=viewer(request), case=_case(request, ref))


@categories_router.get("", response=list[CategoryOut], summary="The catalogue of my station")
def category_list(request: HttpRequest):
    return category_list_for(station_id=viewer(request).station_id)
