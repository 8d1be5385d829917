"""Patrol endpoints: start, upload fixes (the phone's queue), stop, report a finding, ask for help, the desk's picture;
the roster: coming shifts of my teams, sign up, withdraw.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as HttpStatus

from lianxin.cases.models import Category
from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, Text, viewer
from lianxin.core.errors import Conflict, input_names
from lianxin.patrols import selectors, services
from lianxin.patrols.models import FindingKind, ShiftSignup
from lianxin.patrols.roles import is_team_member
from lianxin.patrols.services import rosters

router = Router(tags=["patrols"])


class PatrolOut(Schema):
    id: int
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    distance_m: float
    points: int
    points_rejected: int
    engine_version: str


def _out(p) -> dict:
    return {
        "id": p.pk,
        "status": p.status,
        "started_at": p.started_at,
        "ended_at": p.ended_at,
        "distance_m": round(p.distance_m, 1),
        "points": p.points_count,
        "points_rejected": p.points_rejected,
        "engine_version": p.engine_version,
    }


class PointSchema(Schema):
    t: dt.datetime = Field(description="When the fix was taken, ISO 8601 with its zone.")
    lat: float
    lon: float
    accuracy: float | None = Field(default=None, description="Reported accuracy in metres.")


class PointsIn(Schema):
    points: list[PointSchema] = Field(max_length=services.POINTS_PER_UPLOAD_MAX)


class PointsOut(Schema):
    added: int
    patrol: PatrolOut


class FindingIn(Schema):
    kind: FindingKind
    category_id: DbId
    description: Text = ""
    lat: float | None = None
    lon: float | None = None


class FindingOut(Schema):
    id: int
    case: str
    case_id: int


class HelpIn(Schema):
    lat: float | None = None
    lon: float | None = None


@router.post("/start", response={201: PatrolOut, **WRITE_ERRORS}, summary="Start a patrol (or get the one running)")
def start(request: HttpRequest):
    return HttpStatus(201, _out(services.patrol_start(actor=viewer(request))))


@router.get(
    "/desk",
    response={200: dict, **READ_ERRORS},
    summary="Patrols under way, open alerts and findings",
    url_name="patrols_desk",
)
def desk_picture(request: HttpRequest):
    return selectors.desk_picture_for(user=viewer(request), now=timezone.now())


# --- The roster (declared before /{patrol_id} so "shifts" is never read as a patrol id) -------------


class ShiftOut(Schema):
    id: int
    team_id: int
    team: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field(description="Where the shift walks: its place, else its border segment's name.")
    is_night: bool
    status: str = Field(description="open, called_off_heat, called_off_cold or cancelled.")
    cancel_reason: str
    min_people: int
    people: list[str] = Field(description="Names of the members signed up, first come first.")
    is_mine: bool
    needs_buddy: bool = Field(description="A night shift with one member: nobody walks alone at night.")
    short_by: int
    sequence: int = Field(description="The iCalendar SEQUENCE: higher after each change.")
    ics_url: str


class ShiftsQuery(Schema):
    team: DbId | None = Field(default=None, description="Only this team's shifts (one of yours).")
    mine: bool = Field(default=False, description="Only shifts you are signed up for.")
    days: int = Field(default=selectors.ROSTER_DAYS, ge=1, le=366, description="Shifts starting within this many days.")


class SignupOut(Schema):
    shift: ShiftOut
    notice: str = Field(description="What the page would tell you: the buddy rule when you are alone on a night shift.")


class WithdrawOut(Schema):
    shift: ShiftOut
    leaves_alone: bool = Field(description="One member is left alone on a night shift; the leaders were told.")


def _shift_out(row) -> dict:
    s = row.shift
    return {
        "id": s.pk,
        "team_id": s.team_id,
        "team": s.team.name,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "place": s.where,
        "is_night": s.is_night,
        "status": s.status,
        "cancel_reason": s.cancel_reason,
        "min_people": s.min_people,
        "people": row.people,
        "is_mine": row.is_mine,
        "needs_buddy": row.needs_buddy,
        "short_by": row.short_by,
        "sequence": s.sequence,
        "ics_url": reverse("patrols:shift_ics", args=[s.pk]),
    }


def _row(user, shift):
    return selectors.shift_row_for(user=user, shift=shift, now=timezone.now())


def _roster_write(user, shift, act):
    """Run a sign-up or withdrawal; a refusal because of the shift's state is a 409 with what is allowed now."""
    try:
        return act()
    except ValidationError as exc:
        if not (hasattr(exc, "error_dict") and set(exc.message_dict) == {"shift"}):
            raise
        allowed = []
        if is_team_member(user, shift.team) and not shift.is_called_off and not shift.has_started_at(timezone.now()):
            signed = ShiftSignup.objects.filter(shift=shift, member=user, withdrawn_at__isnull=True).exists()
            allowed = ["withdraw"] if signed else ["signup"]
        raise Conflict(exc.message_dict["shift"][0], allowed=allowed) from None


@router.get(
    "/shifts",
    response={200: list[ShiftOut], **READ_ERRORS, 422: WRITE_ERRORS[422]},
    summary="Coming shifts of my patrol teams",
    url_name="patrols_shifts",
)
def shifts(request: HttpRequest, filters: Query[ShiftsQuery]):
    user = viewer(request)
    teams = selectors.roster_teams_for(user=user)
    if filters.team is not None:
        teams = [t for t in teams if t.pk == filters.team]
        if not teams:
            raise ValidationError({"team": [_("Choose a patrol team of yours.")]})
    rows = selectors.roster_rows_for(user=user, teams=teams, now=timezone.now(), days=filters.days)
    return [_shift_out(r) for r in rows if r.is_mine or not filters.mine]


@router.post(
    "/shifts/{shift_id}/signup",
    response={200: SignupOut, **WRITE_ERRORS},
    summary="Sign up for a shift (signing up twice changes nothing)",
    url_name="patrols_shift_signup",
)
def shift_signup(request: HttpRequest, shift_id: DbId):
    user = viewer(request)
    shift = selectors.shift_get_for(user=user, pk=shift_id)
    _roster_write(user, shift, lambda: rosters.shift_signup(actor=user, shift=shift))
    row = _row(user, shift)
    return {"shift": _shift_out(row), "notice": rosters.alone_on_night_message() if row.needs_buddy else ""}


@router.post(
    "/shifts/{shift_id}/withdraw",
    response={200: WithdrawOut, **WRITE_ERRORS},
    summary="Withdraw from a shift before it begins",
    url_name="patrols_shift_withdraw",
)
def shift_withdraw(request: HttpRequest, shift_id: DbId):
    user = viewer(request)
    shift = selectors.shift_get_for(user=user, pk=shift_id)
    done = _roster_write(user, shift, lambda: rosters.shift_withdraw(actor=user, shift=shift))
    return {"shift": _shift_out(_row(user, shift)), "leaves_alone": done.leaves_alone}


@router.get("/{patrol_id}", response={200: PatrolOut, **READ_ERRORS}, summary="A patrol's figures")
def detail(request: HttpRequest, patrol_id: DbId):
    return _out(selectors.patrol_get_for(user=viewer(request), pk=patrol_id))


@router.post(
    "/{patrol_id}/points",
    response={200: PointsOut, **WRITE_ERRORS},
    summary="Upload fixes of a patrol",
    url_name="patrols_points",
)
def points(request: HttpRequest, patrol_id: DbId, payload: PointsIn):
    user = viewer(request)
    patrol = selectors.patrol_get_for(user=user, pk=patrol_id)
    fixes = [services.PointIn(recorded_at=p.t, lat=p.lat, lon=p.lon, accuracy_m=p.accuracy) for p in payload.points]
    added = services.patrol_points_add(patrol=patrol, actor=user, points=fixes)
    patrol.refresh_from_db()
    return {"added": added, "patrol": _out(patrol)}


@router.post("/{patrol_id}/stop", response={200: PatrolOut, **WRITE_ERRORS}, summary="Stop a patrol")
def stop(request: HttpRequest, patrol_id: DbId):
    user = viewer(request)
    return _out(services.patrol_stop(patrol=selectors.patrol_get_for(user=user, pk=patrol_id), actor=user))


@router.post(
    "/{patrol_id}/findings", response={201: FindingOut, **WRITE_ERRORS}, summary="Report a finding; it becomes a case"
)
def finding(request: HttpRequest, patrol_id: DbId, payload: FindingIn):
    user = viewer(request)
    patrol = selectors.patrol_get_for(user=user, pk=patrol_id)
    category = Category.objects.filter(pk=payload.category_id, station_id=user.station_id).first()
    with input_names({"category": "category_id", "location": "lon" if payload.lat is not None else "lat"}):
        f = services.finding_report(
            patrol=patrol,
            actor=user,
            kind=payload.kind,
            category=category,
            description=payload.description,
            lat=payload.lat,
            lon=payload.lon,
        )
    return HttpStatus(201, {"id": f.pk, "case": f.case.number, "case_id": f.case_id})


@router.post("/{patrol_id}/help", response={201: dict, **WRITE_ERRORS}, summary="Ask the duty desk for help")
def help_(request: HttpRequest, patrol_id: DbId, payload: HelpIn):
    user = viewer(request)
    patrol = selectors.patrol_get_for(user=user, pk=patrol_id)
    alert = services.patrol_help(patrol=patrol, actor=user, lat=payload.lat, lon=payload.lon)
    return HttpStatus(201, {"alert": alert.pk})
