"""Patrol endpoints: start, upload fixes (the phone's queue), stop, report a finding, ask for help, the desk's picture.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from lianxin.cases.models import Category
from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, Text, viewer
from lianxin.patrols import selectors, services
from lianxin.patrols.models import FindingKind

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
    return 201, _out(services.patrol_start(actor=viewer(request)))


@router.get(
    "/desk",
    response={200: dict, **READ_ERRORS},
    summary="Patrols under way, open alerts and findings",
    url_name="patrols_desk",
)
def desk_picture(request: HttpRequest):
    return selectors.desk_picture_for(user=viewer(request), now=timezone.now())


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
    f = services.finding_report(
        patrol=patrol,
        actor=user,
        kind=payload.kind,
        category=category,
        description=payload.description,
        lat=payload.lat,
        lon=payload.lon,
    )
    return 201, {"id": f.pk, "case": f.case.number, "case_id": f.case_id}


@router.post("/{patrol_id}/help", response={201: dict, **WRITE_ERRORS}, summary="Ask the duty desk for help")
def help_(request: HttpRequest, patrol_id: DbId, payload: HelpIn):
    user = viewer(request)
    patrol = selectors.patrol_get_for(user=user, pk=patrol_id)
    alert = services.patrol_help(patrol=patrol, actor=user, lat=payload.lat, lon=payload.lon)
    return 201, {"alert": alert.pk}
