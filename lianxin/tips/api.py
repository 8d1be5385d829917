"""Tip endpoints: a lookout sends a tip (named, or anonymous with a receipt code) and lists theirs; appeals to lookouts
(officers send them and read the replies; the lookouts they went to read and answer).
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja import Status as HttpStatus
from ninja.files import UploadedFile

from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, Text, viewer
from lianxin.places.selectors import grid_list_for
from lianxin.tips import appeals, selectors, services
from lianxin.tips.models import TipKind

router = Router(tags=["tips"])


class TipIn(Schema):
    kind: TipKind
    description: Text
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: Text = ""
    anonymous: bool = False


class TipSentOut(Schema):
    id: int | None = Field(description="The tip's id (null for an anonymous tip: only the receipt code finds it).")
    receipt_code: str = Field(description="For an anonymous tip, the only key to it; shown once.")
    status: str


class MyTipOut(Schema):
    id: int
    kind: str
    sent_on: dt.date
    status: str
    status_label: str


def _send(request: HttpRequest, payload: TipIn, photos: list[UploadedFile]) -> HttpStatus:
    user = viewer(request)
    named = selectors.may_send_named(user) and not payload.anonymous
    tip, code = services.tip_send(
        station=user.station,
        actor=user if named else None,
        kind=payload.kind,
        description=payload.description,
        lat=payload.lat,
        lon=payload.lon,
        address=payload.address,
        is_anonymous=not named,
        photos=photos,
    )
    status = selectors.status_for_source(tip=tip).stage
    return HttpStatus(201, {"id": None if code else tip.pk, "receipt_code": code, "status": status})


@router.post("", response={201: TipSentOut, **WRITE_ERRORS}, summary="Send a tip; it becomes a case for the grid")
def send(request: HttpRequest, payload: TipIn):
    return _send(request, payload, [])


@router.post(
    "/with-photos",
    response={201: TipSentOut, **WRITE_ERRORS},
    summary="Send a tip with photos (multipart/form-data: the tip's fields and up to 3 files in `photos`)",
)
def send_with_photos(request: HttpRequest, payload: Form[TipIn], photos: File[list[UploadedFile]]):
    """JPEG or PNG, re-encoded without their EXIF (no camera position leaves the phone's file); all or nothing."""
    return _send(request, payload, photos)


@router.get("/mine", response={200: list[MyTipOut], **READ_ERRORS}, summary="The tips I sent under my name")
def mine(request: HttpRequest):
    rows = []
    for tip in selectors.tip_list_mine(user=viewer(request))[:100]:
        status = selectors.status_for_source(tip=tip)
        rows.append(
            {
                "id": tip.pk,
                "kind": tip.kind,
                "sent_on": tip.sent_on,
                "status": status.stage,
                "status_label": status.label,
            }
        )
    return rows


class AppealIn(Schema):
    text: Text
    expires_at: dt.datetime = Field(description="When the appeal ends (aware; within a week).")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: int | None = Field(default=None, description="With lat/lon: the radius of the area, in metres.")
    grid_id: DbId | None = Field(default=None, description="Instead of a point: a whole grid of the station.")


class AppealMessageIn(Schema):
    text: Text


class AppealMessageOut(Schema):
    id: int
    is_from_station: bool
    author: str = Field(description="The station's name for its messages; a lookout's name (officers only) or 'me'.")
    text: str
    written_at: dt.datetime


class AppealOut(Schema):
    id: int
    text: str
    lat: float | None
    lon: float | None
    radius_m: int | None
    grid_id: int | None
    created_at: dt.datetime
    expires_at: dt.datetime
    recipient_count: int | None = Field(default=None, description="Officers only: how many lookouts it went to.")
    messages: list[AppealMessageOut] = []


def _message_out(message, *, user, station_name: str) -> dict:
    if message.is_from_station:
        author = station_name
    elif message.author_id == user.pk:
        author = "me"
    else:
        author = str(message.author)
    return {
        "id": message.pk,
        "is_from_station": message.is_from_station,
        "author": author,
        "text": message.text,
        "written_at": message.written_at,
    }


def _appeal_out(appeal, *, user, with_thread: bool, is_officer: bool) -> dict:
    row = {
        "id": appeal.pk,
        "text": appeal.text,
        "lat": appeal.lat,
        "lon": appeal.lon,
        "radius_m": appeal.radius_m,
        "grid_id": appeal.grid_id,
        "created_at": appeal.created_at,
        "expires_at": appeal.expires_at,
        "recipient_count": appeal.recipients.count() if is_officer else None,
        "messages": [],
    }
    if with_thread:
        name = appeal.station.name
        row["messages"] = [
            _message_out(m, user=user, station_name=name) for m in selectors.appeal_thread_for(user=user, appeal=appeal)
        ]
    return row


@router.get("/appeals", response={200: list[AppealOut], **READ_ERRORS}, summary="The station's appeals to lookouts")
def appeal_list(request: HttpRequest):
    user = viewer(request)
    return [
        _appeal_out(a, user=user, with_thread=False, is_officer=True)
        for a in selectors.appeal_list_for(user=user)[:100]
    ]


@router.post(
    "/appeals", response={201: AppealOut, **WRITE_ERRORS}, summary="Appeal to the lookouts whose beat covers an area"
)
def appeal_send(request: HttpRequest, payload: AppealIn):
    user = viewer(request)
    grid = None
    if payload.grid_id is not None:
        grid = grid_list_for(user=user).filter(pk=payload.grid_id).first()
        if grid is None:
            raise ValidationError({"grid_id": [_("Choose a grid of your station.")]})
    appeal = appeals.appeal_send(
        actor=user,
        text=payload.text,
        expires_at=payload.expires_at,
        lat=payload.lat,
        lon=payload.lon,
        radius_m=payload.radius_m,
        grid=grid,
    )
    return HttpStatus(201, _appeal_out(appeal, user=user, with_thread=True, is_officer=True))


@router.get("/appeals/received", response={200: list[AppealOut], **READ_ERRORS}, summary="Appeals sent to me now")
def appeal_received_list(request: HttpRequest):
    user = viewer(request)
    rows = selectors.appeal_list_received(user=user, now=timezone.now())[:100]
    return [_appeal_out(a, user=user, with_thread=False, is_officer=False) for a in rows]


def _appeal_for(user, pk: int):
    """An officer reads the station's appeal; a lookout only one sent to them (else 404)."""
    if selectors.may_read_tips(user):
        return selectors.appeal_get_for(user=user, pk=pk), True
    return selectors.appeal_get_received(user=user, pk=pk), False


@router.get("/appeals/{pk}", response={200: AppealOut, **READ_ERRORS}, summary="One appeal and its thread")
def appeal_get(request: HttpRequest, pk: DbId):
    user = viewer(request)
    appeal, is_officer = _appeal_for(user, pk)
    return _appeal_out(appeal, user=user, with_thread=True, is_officer=is_officer)


@router.post("/appeals/{pk}/messages", response={201: AppealMessageOut, **WRITE_ERRORS}, summary="Reply to an appeal")
def appeal_write(request: HttpRequest, pk: DbId, payload: AppealMessageIn):
    user = viewer(request)
    appeal, _is_officer = _appeal_for(user, pk)
    message = appeals.appeal_write(appeal=appeal, actor=user, text=payload.text)
    return HttpStatus(201, _message_out(message, user=user, station_name=appeal.station.name))
