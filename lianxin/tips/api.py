"""Tip endpoints for signed-in lookouts: send a tip (named, or anonymous with a receipt code), list my tips.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, Text, viewer
from lianxin.tips import selectors, services
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


@router.post("", response={201: TipSentOut, **WRITE_ERRORS}, summary="Send a tip; it becomes a case for the grid")
def send(request: HttpRequest, payload: TipIn):
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
    )
    status = selectors.status_for_source(tip=tip).stage
    return 201, {"id": None if code else tip.pk, "receipt_code": code, "status": status}


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
