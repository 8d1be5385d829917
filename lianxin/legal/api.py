"""Legal consultation endpoints: ask the statute search (no sign-in needed, nothing kept), a lawyer's answer.
# No `from __future__ import annotations` here: django-ninja reads these annotations at runtime.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from lianxin.core.api import WRITE_ERRORS, DbId, viewer
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
