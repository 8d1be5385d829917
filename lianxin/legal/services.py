"""Writes of the legal app: a kept consultation (a case of category legal consultation), the rota, bookings, answers.

A consultation's case is opened through cases.services.case_open (channel online, or the
service cart when an officer hands the portable device to a resident at an open cart stop).
The lawyer is not a caseworker on the spine: a booking or an answer assigns the case to the
lawyer as the system (case_assign with actor None), the answer is the lawyer's public note,
and the case is resolved as "advice given" by the system in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.cases.models import CartStop, Category, Channel, Resolution, Status
from lianxin.cases.services import case_assign, case_note, case_open, case_transition
from lianxin.core.api import is_storable
from lianxin.core.models import Role, Station, User
from lianxin.core.roles import INTAKE_ROLES, SUPERVISOR_ROLES, has_role
from lianxin.legal import adapters
from lianxin.legal.models import Booking, Consultation, DutySlot

CONSULT_CATEGORY_CODE = "legal-consult"
QUESTION_MAX_CHARS = 2000
ANSWER_MAX_CHARS = 4000
HITS_KEPT = 10
SLOT_MINUTES_MIN = 10
SLOT_MINUTES_MAX = 240
REMINDER_MINUTES_BEFORE = 30
# The 24-hour promise: a question asked outside these local hours gets the next morning's slot.
DAY_STARTS_HOUR = 8
DAY_ENDS_HOUR = 20


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def is_night(now: dt.datetime) -> bool:
    """True if now (aware) is outside the duty lawyers' day in the station's zone."""
    hour = now.astimezone(_zone()).hour
    return not DAY_STARTS_HOUR <= hour < DAY_ENDS_HOUR


def refuse_unstorable(**fields: str) -> None:
    """Raise ValidationError naming each field whose text PostgreSQL cannot store (NUL, lone surrogates)."""
    bad = {
        name: [_("Remove the control characters from this text.")]
        for name, v in fields.items()
        if v and not is_storable(v)
    }
    if bad:
        raise ValidationError(bad)


def _clean_question(question: str) -> str:
    question = (question or "").strip()
    refuse_unstorable(question=question)
    if not question:
        raise ValidationError({"question": [_("Type your question in a sentence or two.")]})
    if len(question) > QUESTION_MAX_CHARS:
        raise ValidationError(
            {"question": [_("The question is too long (at most %(n)d characters).") % {"n": QUESTION_MAX_CHARS}]}
        )
    return question


def consultation_ask(*, question: str) -> adapters.LawAnswer:
    """Answer a question from the statute engine; nothing is stored.

    Raises ValidationError on `question` (empty, too long, nothing searchable) and
    adapters.LawSearchUnavailable when the index is missing.
    """
    question = _clean_question(question)
    try:
        return adapters.ask(question)
    except adapters.EmptyQuestion:
        raise ValidationError({"question": [_("Use words, not only symbols: say what happened.")]}) from None


def consult_category(station: Station) -> Category:
    category = Category.objects.filter(station=station, code=CONSULT_CATEGORY_CODE, is_active=True).first()
    if category is None:
        raise ValidationError({"category": [_("This station has no legal consultation category yet.")]})
    return category


@transaction.atomic
def consultation_save(
    *,
    station: Station,
    actor: User | None,
    question: str,
    contact_name: str = "",
    contact_phone: str = "",
    cart_stop: CartStop | None = None,
    is_kiosk: bool = False,
    now: dt.datetime | None = None,
) -> Consultation:
    """Keep a consultation: search again (what is kept is what the engine says, not what a form claims), open its case.

    Someone not signed in gives a phone number, so the lawyer can call back. An officer's
    kiosk consultation at an open cart stop is a contact of that stop (channel service cart).
    Raises ValidationError naming fields. Without the statute index the question is kept with
    no hits and an empty engine version (the pages say the search was not available), so it
    still reaches a lawyer.
    """
    now = now or timezone.now()
    try:
        answer = consultation_ask(question=question)
    except adapters.LawSearchUnavailable:
        # The question still reaches a lawyer when the statute index is down (or not yet imported).
        answer = adapters.LawAnswer(question=_clean_question(question), engine_version="")
    refuse_unstorable(contact_name=contact_name or "", contact_phone=contact_phone or "")
    signed_in = actor is not None and actor.is_authenticated
    if not signed_in and not (contact_phone or "").strip():
        raise ValidationError({"contact_phone": [_("Give a mobile number so the lawyer can call you back.")]})
    channel = Channel.ONLINE
    if cart_stop is not None:
        if actor is None or not has_role(actor, INTAKE_ROLES) or cart_stop.officer_id != actor.pk:
            raise PermissionDenied(_("Only the officer running this cart stop may record a consultation at it."))
        channel = Channel.SERVICE_CART
    case = case_open(
        station=station,
        actor=actor if signed_in else None,
        channel=channel,
        category=consult_category(station),
        description=answer.question,
        title=_("Legal consultation: %(q)s") % {"q": answer.question[:30]},
        contact_name=contact_name,
        contact_phone=(contact_phone or "").strip(),
        cart_stop=cart_stop,
        now=now,
    )
    return Consultation.objects.create(
        station=station,
        case=case,
        question=answer.question,
        engine_version=answer.engine_version,
        cards=answer.cards,
        hits=answer.hits[:HITS_KEPT],
        is_kiosk=is_kiosk or cart_stop is not None,
        asked_at=now,
    )


def _require_lawyer(actor: User, station_id: int) -> None:
    if not (actor.is_authenticated and (actor.is_superuser or actor.role == Role.LAWYER)):
        raise PermissionDenied(_("Only a lawyer may answer consultations."))
    if not actor.is_superuser and actor.station_id != station_id:
        raise PermissionDenied(_("This consultation belongs to another station."))


@transaction.atomic
def consultation_answer(
    *, consultation: Consultation, actor: User, answer: str, advice: str = "", now: dt.datetime | None = None
) -> Consultation:
    """Record the lawyer's answer and follow-up advice; the resident sees both on the case, which is resolved."""
    now = now or timezone.now()
    _require_lawyer(actor, consultation.station_id)
    answer, advice = (answer or "").strip(), (advice or "").strip()
    refuse_unstorable(answer=answer, advice=advice)
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [_("Write the answer first.")]
    elif len(answer) > ANSWER_MAX_CHARS:
        errors["answer"] = [_("At most %(n)d characters, please.") % {"n": ANSWER_MAX_CHARS}]
    if len(advice) > ANSWER_MAX_CHARS:
        errors["advice"] = [_("At most %(n)d characters, please.") % {"n": ANSWER_MAX_CHARS}]
    if errors:
        raise ValidationError(errors)
    consultation = Consultation.objects.select_for_update().select_related("case").get(pk=consultation.pk)
    case = consultation.case
    if case.assignee_id != actor.pk and case.is_open:
        case = case_assign(case=case, actor=None, assignee=actor, now=now)
    text = answer if not advice else answer + "\n\n" + _("Follow-up advice: %(advice)s") % {"advice": advice}
    case_note(case=case, actor=actor, text=text, is_public=True, now=now)
    if case.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS):
        case_transition(
            case=case,
            actor=None,
            to_status=Status.RESOLVED,
            resolution=Resolution.ADVICE_GIVEN,
            note=_("Answered by the lawyer %(name)s.") % {"name": actor.display_name or actor.username},
            note_is_public=True,
            now=now,
        )
    consultation.answer, consultation.advice = answer, advice
    consultation.answered_by, consultation.answered_at = actor, now
    consultation.save(update_fields=["answer", "advice", "answered_by", "answered_at"])
    return consultation


def slot_create(
    *, actor: User, lawyer: User | None, starts_at: dt.datetime, minutes: int = 30, now: dt.datetime | None = None
) -> DutySlot:
    """Put a lawyer on the rota for one slot; the station's supervisors keep the rota."""
    if not has_role(actor, SUPERVISOR_ROLES):
        raise PermissionDenied(_("Your role may not keep the duty lawyers' rota."))
    errors: dict[str, list[str]] = {}
    if lawyer is None or lawyer.role != Role.LAWYER or lawyer.station_id != actor.station_id or not lawyer.is_active:
        errors["lawyer"] = [_("Choose a lawyer of this station.")]
    if actor.station_id is None:
        errors["lawyer"] = [_("Choose a lawyer of this station.")]
    if timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give the time with its zone.")]
    if not SLOT_MINUTES_MIN <= minutes <= SLOT_MINUTES_MAX:
        errors["minutes"] = [
            _("A slot lasts %(lo)d to %(hi)d minutes.") % {"lo": SLOT_MINUTES_MIN, "hi": SLOT_MINUTES_MAX}
        ]
    if errors:
        raise ValidationError(errors)
    assert lawyer is not None and actor.station_id is not None  # refused above otherwise
    try:
        with transaction.atomic():
            return DutySlot.objects.create(
                station_id=actor.station_id,
                lawyer=lawyer,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=minutes),
            )
    except IntegrityError:
        raise ValidationError({"starts_at": [_("This lawyer already has a slot at that time.")]}) from None


@transaction.atomic
def booking_make(*, consultation: Consultation, slot: DutySlot | None, now: dt.datetime | None = None) -> Booking:
    """Book a duty lawyer's slot for a consultation; the case goes to that lawyer.

    The slot row is locked first, so of two requests for one slot the second waits and is
    refused (ValidationError on `slot`), and the unique slot column backs that up.
    """
    now = now or timezone.now()
    if slot is None or slot.station_id != consultation.station_id:
        raise ValidationError({"slot": [_("Choose one of the duty lawyers' slots.")]})
    slot = DutySlot.objects.select_for_update().select_related("lawyer").get(pk=slot.pk)
    if slot.starts_at <= now:
        raise ValidationError({"slot": [_("That slot has already begun; choose a later one.")]})
    if Booking.objects.filter(slot=slot).exists():
        raise ValidationError({"slot": [_("Someone has just booked that slot; please choose another.")]})
    if not consultation.case.is_open and consultation.is_answered:
        raise ValidationError({"slot": [_("This consultation is already answered; ask a new question.")]})
    if Booking.objects.filter(consultation=consultation, slot__starts_at__gt=now).exists():
        raise ValidationError({"slot": [_("You already have a session booked for this question.")]})
    try:
        with transaction.atomic():
            booking = Booking.objects.create(slot=slot, consultation=consultation, booked_at=now)
    except IntegrityError:
        raise ValidationError({"slot": [_("Someone has just booked that slot; please choose another.")]}) from None
    if consultation.case.is_open:
        case_assign(case=consultation.case, actor=None, assignee=slot.lawyer, now=now)
    return booking


def bookings_remind(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Remind the residents whose session starts within REMINDER_MINUTES_BEFORE (a worker sweep); return how many.

    The reminder is a public note on the case, by the lawyer of the slot, so it shows on the
    resident's consultation and case pages; each booking is claimed by a conditional update.
    """
    now = now or timezone.now()
    due = Booking.objects.filter(
        reminded_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + dt.timedelta(minutes=REMINDER_MINUTES_BEFORE),
    ).select_related("slot__lawyer", "consultation__case")
    done = 0
    for booking in due.order_by("slot__starts_at")[:limit]:
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            case = booking.consultation.case
            if case.assignee_id != booking.slot.lawyer_id and case.is_open:
                case = case_assign(case=case, actor=None, assignee=booking.slot.lawyer, now=now)
            done += 1
            if case.assignee_id != booking.slot.lawyer_id:
                continue  # a closed case keeps its assignee; the session still happens, without a note
            starts = booking.slot.starts_at.astimezone(_zone())
            case_note(
                case=case,
                actor=booking.slot.lawyer,
                text=_("Reminder: your video session with the lawyer starts at %(t)s. Room: %(url)s")
                % {"t": starts.strftime("%H:%M"), "url": room_url(booking)},
                is_public=True,
                now=now,
            )
    return done


DEFAULT_VIDEO_ROOM_URL = "https://meet.lianxin.local/legal-{token}"


def room_url(booking: Booking) -> str:
    """Return the booking's video room link from settings.LEGAL_VIDEO_ROOM_URL (a pattern with {token})."""
    pattern = getattr(settings, "LEGAL_VIDEO_ROOM_URL", DEFAULT_VIDEO_ROOM_URL)
    return pattern.format(token=booking.room_token)


def legal_delete_for_station(*, station: Station) -> None:
    Booking.objects.filter(slot__station=station).delete()
    DutySlot.objects.filter(station=station).delete()
    Consultation.objects.filter(station=station).delete()
