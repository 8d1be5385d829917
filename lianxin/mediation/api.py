"""Mediation endpoints: a mediator's disputes and one dispute with its parties, sessions and agreement.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

from django.http import HttpRequest
from ninja import Router, Schema

from lianxin.core.api import READ_ERRORS, DbId, viewer
from lianxin.mediation import selectors, services

router = Router(tags=["mediation"])


class PartyOut(Schema):
    id: int
    name: str
    role: str
    is_enterprise: bool


class SessionOut(Schema):
    id: int
    starts_at: str
    ends_at: str
    state: str


class DisputeOut(Schema):
    id: int
    case_number: str
    room: str
    mediator: str
    claim: str
    status: str
    opened_at: str
    concluded_at: str | None
    parties: list[PartyOut] = []
    sessions: list[SessionOut] = []
    agreement_signed_at: str | None = None
    agreement_sha256: str = ""


def _out(d, *, full: bool) -> dict:
    out = {
        "id": d.pk,
        "case_number": d.case.number,
        "room": d.room.name,
        "mediator": d.mediator.display_name or d.mediator.username,
        "claim": d.claim,
        "status": d.status,
        "opened_at": d.opened_at.isoformat(),
        "concluded_at": d.concluded_at.isoformat() if d.concluded_at else None,
    }
    if full:
        agreement = services.current_agreement(d)
        out["parties"] = [
            {"id": p.pk, "name": p.name, "role": p.role, "is_enterprise": p.is_enterprise} for p in d.parties.all()
        ]
        out["sessions"] = [
            {"id": s.pk, "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(), "state": s.state}
            for s in d.sessions.all()
        ]
        if agreement is not None and agreement.signed_at is not None:
            out["agreement_signed_at"] = agreement.signed_at.isoformat()
            out["agreement_sha256"] = agreement.signed_pdf_sha256
    return out


@router.get(
    "/disputes", response={200: list[DisputeOut], **READ_ERRORS}, summary="The station's disputes, newest first"
)
def dispute_list(request: HttpRequest, status: str = ""):
    disputes = selectors.disputes_for(user=viewer(request)).order_by("-opened_at")
    if status:
        disputes = disputes.filter(status=status)
    return [_out(d, full=False) for d in disputes[:200]]


@router.get("/disputes/{pk}", response={200: DisputeOut, **READ_ERRORS}, summary="One dispute")
def dispute_detail(request: HttpRequest, pk: DbId):
    return _out(selectors.dispute_get_for(user=viewer(request), pk=pk), full=True)
