"""Legal consultation endpoints: ask (no sign-in, nothing kept), keep, free slots and booking by token, answer.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus

from lianxin.core.api import READ_ERRORS, WRITE_ERRORS, DbId, viewer
from lianxin.legal import adapters, selectors, services

router = Router(tags=["legal"])


class AskIn(Schema):
    question: str = Field(description="The question in everyday words (at most 2,000 characters).")


class AskOut(Schema):
    question: str
    cards: list[dict] = Field(description="Knowledge cards: title, summary, steps, where_to_go, refs.")
    hits: list[dict] = Field(description="Articles: law, article, text, matched words, repealed_by.")
    engine_version: str


@router.post("/ask", auth=None, response={200: AskOut, **WRITE_ERRORS}, summary="Ask the statute search")
def ask(request: HttpRequest, payload: AskIn):
    try:
        answer = services.consultation_ask(question=payload.question)
    except adapters.LawSearchUnavailable:
        raise ValidationError({"question": [_("The statute search is not available right now.")]}) from None
    return {
        "question": answer.question,
        "cards": answer.cards,
        "hits": answer.hits,
        "engine_version": answer.engine_version,
    }


class KeepIn(Schema):
    question: str
    contact_name: str = ""
    contact_phone: str = ""


class KeptOut(Schema):
    id: int
    token: str = Field(description="The consultation's key: its page and its bookings are reached with it.")
    case_number: str
    engine_version: str = Field(description="Empty when the statute search was not available.")
    cards: list[dict]
    hits: list[dict]


@router.post("/consultations", response={201: KeptOut, **WRITE_ERRORS}, summary="Keep a consultation (opens a case)")
def keep(request: HttpRequest, payload: KeepIn):
    user = viewer(request)
    c = services.consultation_save(
        station=user.station,
        actor=user,
        question=payload.question,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
    )
    return HttpStatus(
        201,
        {
            "id": c.pk,
            "token": c.token,
            "case_number": c.case.number,
            "engine_version": c.engine_version,
            "cards": c.cards,
            "hits": c.hits,
        },
    )


class SlotOut(Schema):
    id: int
    starts_at: str
    ends_at: str
    lawyer: str


@router.get(
    "/consultations/{token}/slots", auth=None, response={200: list[SlotOut], **READ_ERRORS}, summary="Free slots"
)
def slots(request: HttpRequest, token: str):
    c = selectors.consultation_get_by_token(token=token)
    return [
        {
            "id": s.pk,
            "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
            "lawyer": s.lawyer.display_name or s.lawyer.username,
        }
        for s in selectors.slots_open_for(station_id=c.station_id)
    ]


class BookIn(Schema):
    slot: int


class BookingOut(Schema):
    id: int
    starts_at: str
    ends_at: str
    room_url: str
    ics_url: str


@router.post(
    "/consultations/{token}/bookings",
    auth=None,
    response={201: BookingOut, **WRITE_ERRORS},
    summary="Book a duty lawyer's slot (the consultation's token is the key)",
)
def book(request: HttpRequest, token: str, payload: BookIn):
    c = selectors.consultation_get_by_token(token=token)
    booking = services.booking_make(
        consultation=c, slot=selectors.slot_get_open(station_id=c.station_id, pk=payload.slot)
    )
    return HttpStatus(
        201,
        {
            "id": booking.pk,
            "starts_at": booking.slot.starts_at.isoformat(),
            "ends_at": booking.slot.ends_at.isoformat(),
            "room_url": services.room_url(booking),
            "ics_url": reverse("legal:ics", args=[c.token, booking.pk]),
        },
    )


class AnswerIn(Schema):
    answer: str
    advice: str = ""


class ConsultationOut(Schema):
    id: int
    case_number: str
    question: str
    answer: str
    advice: str
    answered_at: str | None


@router.post(
    "/consultations/{pk}/answer",
    response={200: ConsultationOut, **WRITE_ERRORS},
    summary="Answer a consultation (lawyers)",
)
def answer(request: HttpRequest, pk: DbId, payload: AnswerIn):
    user = viewer(request)
    c = selectors.consultation_get_for(user=user, pk=pk)
    c = services.consultation_answer(consultation=c, actor=user, answer=payload.answer, advice=payload.advice)
    return {
        "id": c.pk,
        "case_number": c.case.number,
        "question": c.question,
        "answer": c.answer,
        "advice": c.advice,
        "answered_at": c.answered_at.isoformat() if c.answered_at else None,
    }
