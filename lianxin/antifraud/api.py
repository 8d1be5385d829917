"""Anti-fraud endpoints: screen a message, look up the blacklist, post a warning (the centre's or a bank's).
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from lianxin.antifraud import normalise as norm
from lianxin.antifraud.adapters import EngineUnavailable
from lianxin.antifraud.models import EntityKind, WarningSource
from lianxin.antifraud.roles import DESK_ROLES
from lianxin.antifraud.selectors import warning_get_for
from lianxin.antifraud.services import blacklist_match, screening_check, warning_raise
from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, viewer
from lianxin.core.roles import has_role
from lianxin.people.models import Resident

router = Router(tags=["antifraud"])


class CheckIn(Schema):
    text: str = Field(description="The message to screen (at most 5,000 characters).")


class CheckOut(Schema):
    is_fraud: bool
    risk: float
    band: str
    typology: str
    subtype: str
    cues: list[dict]
    entities: dict
    advice: str
    blacklist_hits: list[dict]
    engine_version: str


@router.post("/check", response={200: CheckOut, **WRITE_ERRORS}, summary="Screen a message (nothing is kept)")
def check(request: HttpRequest, payload: CheckIn):
    user = viewer(request)
    try:
        result = screening_check(station=user.station, text=payload.text)
    except EngineUnavailable:
        raise ValidationError({"text": [_("The screening service is not available right now.")]}) from None
    r = result.result
    return {
        "is_fraud": r.is_fraud,
        "risk": r.risk,
        "band": r.band,
        "typology": r.typology,
        "subtype": r.subtype,
        "cues": r.cues,
        "entities": r.entities,
        "advice": r.advice,
        "blacklist_hits": result.hits,
        "engine_version": r.engine_version,
    }


class LookupOut(Schema):
    listed: bool
    hits: list[dict]


@router.get("/blacklist/lookup", response={200: LookupOut, **WRITE_ERRORS}, summary="Is this value on the blacklist?")
def blacklist_lookup(request: HttpRequest, kind: EntityKind, value: str):
    user = viewer(request)
    if not has_role(user, DESK_ROLES):
        raise PermissionDenied(_("Your role may not read the blacklist."))
    bucket = {"phone": "phones", "url": "urls", "domain": "urls", "account": "accounts", "im": "im_ids"}[kind]
    try:
        norm.normalise(kind, value)
    except norm.BadValue:
        raise ValidationError(
            {"value": [_("This is not a valid %(kind)s.") % {"kind": EntityKind(kind).label}]}
        ) from None
    hits = blacklist_match(station=user.station, entities={bucket: [{"value": value, "text": value}]}, count_hits=False)
    return {"listed": bool(hits), "hits": hits}


class WarningIn(Schema):
    resident_id: DbId | None = None
    contact_name: str = ""
    contact_phone: str = ""
    source: WarningSource = WarningSource.CENTRE
    risk: str
    amount_at_stake_fen: int | None = Field(default=None, ge=0)
    deadline_at: dt.datetime | None = None
    lat: float | None = None
    lon: float | None = None
    external_ref: str = ""


class WarningOut(Schema):
    id: int
    case: str
    status: str
    responder_id: int | None
    escalate_after: dt.datetime | None


def _warning_out(w) -> dict:
    return {
        "id": w.pk,
        "case": w.case.number,
        "status": w.status,
        "responder_id": w.responder_id,
        "escalate_after": w.escalate_after,
    }


@router.post(
    "/warnings", response={201: WarningOut, **WRITE_ERRORS}, summary="Post a warning; it is dispatched at once"
)
def warning_create(request: HttpRequest, payload: WarningIn):
    user = viewer(request)
    resident = None
    if payload.resident_id is not None:
        resident = Resident.objects.filter(pk=payload.resident_id).first()
        if resident is None:
            raise ValidationError({"resident_id": [_("No such resident.")]})
        if resident.station_id != user.station_id:
            raise ValidationError(
                {"resident_id": [_("That resident belongs to another station; send the warning to that station.")]}
            )
    warning = warning_raise(
        station=user.station,
        actor=user,
        source=payload.source,
        risk=payload.risk,
        resident=resident,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        amount_at_stake_fen=payload.amount_at_stake_fen,
        deadline_at=payload.deadline_at,
        lat=payload.lat,
        lon=payload.lon,
        partner=user.partner if user.partner_id else None,
        external_ref=payload.external_ref,
    )
    return Status(201, _warning_out(warning))


@router.get("/warnings/{pk}", response={200: WarningOut, **READ_ERRORS}, summary="One warning")
def warning_read(request: HttpRequest, pk: DbId):
    return _warning_out(warning_get_for(user=viewer(request), pk=pk))


# The officers' fraud-loss endpoints live in their own module, under this router's prefix.
from lianxin.antifraud.api_losses import router as losses_router  # noqa: E402

router.add_router("", losses_router)
