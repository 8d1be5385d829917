"""Writes of the mediation app: disputes (from a case or directly), parties, sessions, agreements, signatures, follow-up.

The mediator is not a caseworker on the spine: taking a case into a room assigns it to the
mediator as the system (case_assign with actor None) and moves it to in progress; a signed
agreement resolves it as mediated, no agreement as referred (to the court or arbitration
named), a withdrawal as no action needed, each by the system with the mediator's note on the
timeline. A broken agreement reopens the dispute and, while the case is only resolved, the case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.cases.models import Case, Category, Channel, Resolution, Status
from lianxin.cases.services import case_assign, case_note, case_open, case_transition
from lianxin.core.api import is_storable
from lianxin.core.models import Role, Station, User
from lianxin.core.roles import CASEWORKER_ROLES, has_role
from lianxin.mediation import adapters
from lianxin.mediation.models import (
    Agreement,
    Dispute,
    DisputeStatus,
    Party,
    PartyRole,
    Room,
    Session,
    Signature,
)

MEDIATION_ROLES = CASEWORKER_ROLES | frozenset({Role.MEDIATOR})
CLAIM_MAX_CHARS = 5000
TERMS_MAX_CHARS = 10000
NAME_MAX_CHARS = 100
MINUTES_MAX_CHARS = 20000
SESSION_MINUTES_MIN = 15
SESSION_MINUTES_MAX = 480
PARTIES_MAX = 20


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def refuse_unstorable(**fields: str) -> None:
    """Raise ValidationError naming each field whose text PostgreSQL cannot store (NUL, lone surrogates)."""
    bad = {
        name: [_("Remove the control characters from this text.")]
        for name, v in fields.items()
        if v and not is_storable(v)
    }
    if bad:
        raise ValidationError(bad)


def require_mediation_role(actor: User | None, station_id: int | None = None) -> User:
    if actor is None or not has_role(actor, MEDIATION_ROLES):
        raise PermissionDenied(_("Your role may not work mediation cases."))
    if station_id is not None and not actor.is_superuser and actor.station_id != station_id:
        raise PermissionDenied(_("This dispute belongs to another station."))
    return actor


def _require_open(dispute: Dispute) -> None:
    if not dispute.is_open:
        raise ValidationError({"dispute": [_("This dispute is concluded; reopen it first.")]})


def _mediator_note(dispute: Dispute, text: str, *, now: dt.datetime | None = None) -> Case:
    """Put the mediator's public note on the dispute's case (read afresh: the spine may have moved it); return it."""
    case = Case.objects.get(pk=dispute.case_id)
    dispute.case = case
    if case.assignee_id == dispute.mediator_id:
        case_note(case=case, actor=dispute.mediator, text=text, is_public=True, now=now)
    return case


def current_agreement(dispute: Dispute) -> Agreement | None:
    """Return the dispute's latest agreement (signed or draft), or None."""
    return dispute.agreements.order_by("-drafted_at", "-id").first()


def suggest_mediator(room: Room) -> User | None:
    """Return the room's active mediator with the fewest open disputes (ties: the first by username)."""
    best: tuple[int, str, User] | None = None
    for mediator in room.mediators.filter(is_active=True).order_by("username"):
        load = Dispute.objects.filter(mediator=mediator, status=DisputeStatus.OPEN).count()
        if best is None or (load, mediator.username) < (best[0], best[1]):
            best = (load, mediator.username, mediator)
    return best[2] if best else None


def room_create(
    *, station: Station, code: str, kind: str, name: str, place: str = "", mediators=(), sort_order: int = 100
) -> Room:
    room = Room.objects.create(station=station, code=code, kind=kind, name=name, place=place, sort_order=sort_order)
    room.mediators.set([m for m in mediators if m.station_id == station.id])
    return room


def _clean_parties(parties: list[dict], station_id: int) -> tuple[list[dict], dict]:
    errors: dict[str, list[str]] = {}
    cleaned = []
    for p in parties:
        name = (p.get("name") or "").strip()
        if not name:
            continue
        role = p.get("role") or PartyRole.RESPONDENT
        resident = p.get("resident")
        if len(name) > NAME_MAX_CHARS or role not in PartyRole.values:
            errors["parties"] = [_("Give each party a name (at most 100 characters) and a role.")]
        if resident is not None and resident.station_id != station_id:
            errors["parties"] = [_("That resident belongs to another station.")]
        cleaned.append(
            {"name": name, "role": role, "is_enterprise": bool(p.get("is_enterprise")), "resident": resident}
        )
    if len(cleaned) > PARTIES_MAX:
        errors["parties"] = [_("At most %(n)d parties.") % {"n": PARTIES_MAX}]
    return cleaned, errors


@transaction.atomic
def dispute_open(
    *,
    actor: User,
    room: Room | None,
    claim: str,
    parties: list[dict],
    case: Case | None = None,
    category: Category | None = None,
    mediator: User | None = None,
    now: dt.datetime | None = None,
) -> Dispute:
    """Take a dispute into a room: from an existing case (no retyping) or directly (a walk-in case is opened).

    parties: dicts with name, role (applicant/respondent/third), is_enterprise, resident.
    The mediator defaults to the room's least loaded one. Raises ValidationError naming
    fields; nothing is written unless everything is valid.
    """
    now = now or timezone.now()
    actor = require_mediation_role(actor)
    refuse_unstorable(claim=claim or "", parties="".join(str(p.get("name") or "") for p in parties))
    station_id = actor.station_id
    claim = (claim or "").strip() or (case.description if case is not None else "")
    errors: dict[str, list[str]] = {}
    if station_id is None or room is None or room.station_id != station_id:
        errors["room"] = [_("Choose one of the station's mediation rooms.")]
    if not claim:
        errors["claim"] = [_("Say what the parties disagree about.")]
    elif len(claim) > CLAIM_MAX_CHARS:
        errors["claim"] = [_("At most %(n)d characters, please.") % {"n": CLAIM_MAX_CHARS}]
    if case is not None:
        if case.station_id != station_id:
            errors["case"] = [_("That case belongs to another station.")]
        elif not case.is_open:
            errors["case"] = [_("Only an open case can be taken into a room.")]
        elif Dispute.objects.filter(case=case).exists():
            errors["case"] = [_("This case is already in a mediation room.")]
    elif category is None or category.station_id != station_id:
        errors["category"] = [_("Choose the kind of dispute.")]
    cleaned, party_errors = _clean_parties(parties, station_id or 0)
    errors.update(party_errors)
    if room is not None and not errors.get("room"):
        mediator = mediator or suggest_mediator(room)
        if mediator is None or mediator.station_id != station_id or mediator.role != Role.MEDIATOR:
            errors["mediator"] = [_("Choose a mediator of this station.")]
    if errors:
        raise ValidationError(errors)
    assert room is not None and mediator is not None and station_id is not None  # refused above otherwise
    if case is None:
        applicant = next((p for p in cleaned if p["role"] == PartyRole.APPLICANT), None)
        case = case_open(
            station=room.station,
            actor=actor,
            channel=Channel.WALK_IN,
            category=category,
            description=claim,
            contact_name=applicant["name"] if applicant else "",
            reporter=applicant["resident"] if applicant else None,
            now=now,
        )
    case = Case.objects.select_for_update().get(pk=case.pk)
    dispute = Dispute.objects.create(
        station_id=station_id, case=case, room=room, mediator=mediator, claim=claim, opened_at=now
    )
    for p in cleaned:
        Party.objects.create(dispute=dispute, **p)
    if case.assignee_id != mediator.pk:
        case = case_assign(case=case, actor=None, assignee=mediator, now=now)
    if case.status in (Status.NEW, Status.ACCEPTED):
        case = case_transition(case=case, actor=None, to_status=Status.IN_PROGRESS, now=now)
    _mediator_note(
        dispute,
        _("Taken into the %(room)s for mediation by %(name)s.")
        % {"room": room.name, "name": mediator.display_name or mediator.username},
        now=now,
    )
    return dispute


def party_add(
    *, actor: User, dispute: Dispute, name: str, role: str, is_enterprise: bool = False, resident=None
) -> Party:
    require_mediation_role(actor, dispute.station_id)
    _require_open(dispute)
    refuse_unstorable(name=name or "")
    cleaned, errors = _clean_parties(
        [{"name": name, "role": role, "is_enterprise": is_enterprise, "resident": resident}], dispute.station_id
    )
    if not cleaned:
        errors["name"] = [_("Give the party's name.")]
    if errors:
        raise ValidationError(errors)
    draft = current_agreement(dispute)
    if draft is not None and not draft.is_signed and draft.signatures.exists():
        raise ValidationError({"name": [_("The agreement is drafted; parties cannot change now.")]})
    return Party.objects.create(dispute=dispute, **cleaned[0])


@transaction.atomic
def session_schedule(
    *, actor: User, dispute: Dispute, starts_at: dt.datetime, minutes: int = 60, now: dt.datetime | None = None
) -> Session:
    """Schedule a session in the dispute's room; two sessions never overlap in one room (ValidationError on starts_at)."""
    require_mediation_role(actor, dispute.station_id)
    _require_open(dispute)
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give the time with its zone.")]
    if not SESSION_MINUTES_MIN <= minutes <= SESSION_MINUTES_MAX:
        errors["minutes"] = [
            _("A session lasts %(lo)d to %(hi)d minutes.") % {"lo": SESSION_MINUTES_MIN, "hi": SESSION_MINUTES_MAX}
        ]
    if errors:
        raise ValidationError(errors)
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    room = Room.objects.select_for_update().get(pk=dispute.room_id)  # one booking at a time per room
    clash = (
        Session.objects.filter(room=room, state=Session.State.SCHEDULED, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("dispute__case")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": [
                    _("The room is booked then (%(n)s); choose another time.") % {"n": clash.dispute.case.number}
                ]
            }
        )
    session = Session.objects.create(dispute=dispute, room=room, starts_at=starts_at, ends_at=ends_at)
    local = starts_at.astimezone(_zone())
    _mediator_note(
        dispute,
        _("Mediation session on %(t)s in the %(room)s.") % {"t": local.strftime("%Y-%m-%d %H:%M"), "room": room},
        now=now,
    )
    return session


@transaction.atomic
def session_record(
    *, actor: User, session: Session, minutes: str, attended: list[Party] | tuple = (), held: bool = True
) -> Session:
    """Record a session as held (with its minutes and who came) or cancelled."""
    require_mediation_role(actor, session.dispute.station_id)
    minutes = (minutes or "").strip()
    refuse_unstorable(minutes=minutes)
    if held and not minutes:
        raise ValidationError({"minutes": [_("Write the minutes of the session.")]})
    if len(minutes) > MINUTES_MAX_CHARS:
        raise ValidationError({"minutes": [_("The minutes are too long.")]})
    session.state = Session.State.HELD if held else Session.State.CANCELLED
    session.minutes = minutes
    session.save(update_fields=["state", "minutes"])
    session.attended.set([p for p in attended if p.dispute_id == session.dispute_id])
    return session


@transaction.atomic
def agreement_draft(
    *,
    actor: User,
    dispute: Dispute,
    terms: str,
    is_partial: bool = False,
    followup_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Agreement:
    """Draft the agreement (调解协议书) from the dispute's parties and the terms; signatures come next.

    Needs at least two parties (ValidationError on `parties`) and the terms (on `terms`).
    """
    now = now or timezone.now()
    require_mediation_role(actor, dispute.station_id)
    _require_open(dispute)
    terms = (terms or "").strip()
    refuse_unstorable(terms=terms)
    errors: dict[str, list[str]] = {}
    if dispute.parties.count() < 2:
        errors["parties"] = [_("An agreement needs at least two parties; add them first.")]
    if not terms:
        errors["terms"] = [_("Write the terms the parties agreed.")]
    elif len(terms) > TERMS_MAX_CHARS:
        errors["terms"] = [_("At most %(n)d characters, please.") % {"n": TERMS_MAX_CHARS}]
    if followup_on is not None and followup_on < now.astimezone(_zone()).date():
        errors["followup_on"] = [_("The follow-up visit cannot be in the past.")]
    existing = current_agreement(dispute)
    if existing is not None and existing.is_signed:
        existing = None  # a broken agreement stays on record; the reopened dispute gets a new one
    if existing is not None and existing.signatures.exists():
        errors["terms"] = [_("Someone has signed already; the terms cannot change.")]
    if errors:
        raise ValidationError(errors)
    if existing is not None:
        existing.terms, existing.is_partial, existing.followup_on, existing.drafted_at = (
            terms,
            is_partial,
            followup_on,
            now,
        )
        existing.save(update_fields=["terms", "is_partial", "followup_on", "drafted_at"])
        return existing
    return Agreement.objects.create(
        dispute=dispute, terms=terms, is_partial=is_partial, followup_on=followup_on, drafted_at=now
    )


def agreement_context(agreement: Agreement) -> dict:
    """Return what the agreement template needs: parties with their signature and its image, the mediator's."""
    dispute = agreement.dispute
    signatures = {s.party_id: s for s in agreement.signatures.all()}

    def image(sig: Signature | None) -> str:
        return adapters.png_data_url(bytes(sig.image_png)) if sig is not None else ""

    mediator_signature = signatures.get(None)
    return {
        "agreement": agreement,
        "dispute": dispute,
        "case": dispute.case,
        "station": dispute.case.station,
        "parties": [(p, signatures.get(p.pk), image(signatures.get(p.pk))) for p in dispute.parties.all()],
        "mediator": dispute.mediator,
        "mediator_signature": mediator_signature,
        "mediator_image": image(mediator_signature),
        "terms_lines": [line for line in agreement.terms.splitlines() if line.strip()],
    }


def agreement_pdf(agreement: Agreement) -> bytes:
    """Return the signed PDF if kept, else render the current draft (with the signatures so far)."""
    if agreement.signed_pdf:
        return bytes(agreement.signed_pdf)
    return adapters.render_pdf("mediation/agreement_pdf.html", agreement_context(agreement))


@transaction.atomic
def signature_add(
    *,
    actor: User,
    agreement: Agreement,
    party: Party | None,
    image_data_url: str,
    now: dt.datetime | None = None,
) -> Signature:
    """Keep a drawn signature (party None: the mediator's); when everyone has signed, seal the agreement.

    Sealing renders the signed PDF, keeps it with its SHA-256, puts the hash on the case
    timeline and concludes the dispute (agreement or partial agreement). Raises
    ValidationError on `signature` for an image that is not a PNG, or is blank, and on
    `party` for a signature given twice.
    """
    now = now or timezone.now()
    require_mediation_role(actor, agreement.dispute.station_id)
    agreement = (
        Agreement.objects.select_for_update().select_related("dispute__case", "dispute__mediator").get(pk=agreement.pk)
    )
    dispute = agreement.dispute
    _require_open(dispute)
    if agreement.is_signed:
        raise ValidationError({"signature": [_("This agreement is sealed already.")]})
    if party is not None and party.dispute_id != dispute.pk:
        raise ValidationError({"party": [_("That person is not a party to this dispute.")]})
    if party is None and actor.pk != dispute.mediator_id and not has_role(actor, CASEWORKER_ROLES):
        raise PermissionDenied(_("Only the dispute's mediator signs as mediator."))
    try:
        png = adapters.png_from_data_url(image_data_url)
    except adapters.NotAnImage:
        raise ValidationError({"signature": [_("The signature must be drawn on the screen (a PNG image).")]}) from None
    if adapters.is_blank(png):
        raise ValidationError({"signature": [_("The signature is empty; sign with your finger in the box.")]})
    name = party.name if party is not None else (dispute.mediator.display_name or dispute.mediator.username)
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                agreement=agreement, party=party, signer_name=name, image_png=png, signed_at=now, recorded_by=actor
            )
    except IntegrityError:
        raise ValidationError({"party": [_("%(name)s has already signed.") % {"name": name}]}) from None
    party_ids = set(dispute.parties.values_list("id", flat=True))
    signed = set(agreement.signatures.values_list("party_id", flat=True))
    if party_ids <= signed and None in signed:
        _seal(agreement, now=now)
    return signature


def _seal(agreement: Agreement, *, now: dt.datetime) -> None:
    dispute = agreement.dispute
    agreement.signed_at = now
    pdf = adapters.render_pdf("mediation/agreement_pdf.html", agreement_context(agreement))
    agreement.signed_pdf = pdf
    agreement.signed_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    agreement.save(update_fields=["signed_at", "signed_pdf", "signed_pdf_sha256"])
    dispute.status = DisputeStatus.PARTIAL if agreement.is_partial else DisputeStatus.AGREED
    dispute.concluded_at = now
    dispute.save(update_fields=["status", "concluded_at"])
    case = _mediator_note(
        dispute,
        _("Mediation agreement signed by every party and the mediator. SHA-256 of the signed PDF: %(h)s")
        % {"h": agreement.signed_pdf_sha256},
        now=now,
    )
    if case.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REFERRED):
        case_transition(
            case=case,
            actor=None,
            to_status=Status.RESOLVED,
            resolution=Resolution.MEDIATED,
            note=_("Settled by mediation in the %(room)s.") % {"room": dispute.room.name},
            note_is_public=True,
            now=now,
        )


@transaction.atomic
def dispute_conclude(
    *, actor: User, dispute: Dispute, outcome: str, note: str = "", referred_to: str = "", now=None
) -> Dispute:
    """Conclude without a signed agreement: no agreement (referred to a court or arbitration, named) or withdrawn."""
    now = now or timezone.now()
    require_mediation_role(actor, dispute.station_id)
    _require_open(dispute)
    referred_to, note = (referred_to or "").strip(), (note or "").strip()
    refuse_unstorable(referred_to=referred_to, note=note)
    errors: dict[str, list[str]] = {}
    if outcome not in (DisputeStatus.NO_AGREEMENT, DisputeStatus.WITHDRAWN):
        errors["outcome"] = [_("Choose no agreement or withdrawn.")]
    if outcome == DisputeStatus.NO_AGREEMENT and not referred_to:
        errors["referred_to"] = [_("Name the court or arbitration body the parties are referred to.")]
    if len(referred_to) > 100:
        errors["referred_to"] = [_("At most %(n)d characters, please.") % {"n": 100}]
    if errors:
        raise ValidationError(errors)
    dispute.status, dispute.concluded_at = outcome, now
    dispute.referred_to, dispute.outcome_note = referred_to, note
    dispute.save(update_fields=["status", "concluded_at", "referred_to", "outcome_note"])
    text = (
        _("No agreement; referred to %(body)s.") % {"body": referred_to}
        if outcome == DisputeStatus.NO_AGREEMENT
        else _("The dispute was withdrawn.")
    )
    case = _mediator_note(dispute, f"{text} {note}".strip(), now=now)
    if case.is_open:
        case_transition(
            case=case,
            actor=None,
            to_status=Status.RESOLVED,
            resolution=Resolution.REFERRED if outcome == DisputeStatus.NO_AGREEMENT else Resolution.NO_ACTION_NEEDED,
            note=text,
            note_is_public=True,
            now=now,
        )
    return dispute


def confirmation_record(
    *, actor: User, agreement: Agreement, court: str, sent_on: dt.date | None, answer: str = ""
) -> Agreement:
    """Record the judicial-confirmation referral (司法确认): the court, when it was sent, and its answer."""
    require_mediation_role(actor, agreement.dispute.station_id)
    agreement = Agreement.objects.get(pk=agreement.pk)
    court, answer = (court or "").strip(), (answer or "").strip()
    refuse_unstorable(court=court, answer=answer)
    errors: dict[str, list[str]] = {}
    if not agreement.is_signed:
        errors["agreement"] = [_("Only a signed agreement can go for judicial confirmation.")]
    if not court or len(court) > 100:
        errors["court"] = [_("Name the court (at most 100 characters).")]
    if sent_on is None:
        errors["sent_on"] = [_("Give the date it was sent.")]
    if len(answer) > 200:
        errors["answer"] = [_("At most %(n)d characters, please.") % {"n": 200}]
    if errors:
        raise ValidationError(errors)
    agreement.confirmation_court, agreement.confirmation_sent_on, agreement.confirmation_answer = court, sent_on, answer
    agreement.save(update_fields=["confirmation_court", "confirmation_sent_on", "confirmation_answer"])
    return agreement


@transaction.atomic
def followup_record(
    *, actor: User, agreement: Agreement, is_kept: bool, note: str = "", now: dt.datetime | None = None
) -> Agreement:
    """Record the follow-up visit; a broken agreement reopens the dispute (and its case while it is only resolved)."""
    now = now or timezone.now()
    require_mediation_role(actor, agreement.dispute.station_id)
    agreement = Agreement.objects.select_for_update().select_related("dispute__mediator").get(pk=agreement.pk)
    note = (note or "").strip()
    refuse_unstorable(note=note)
    if not agreement.is_signed:
        raise ValidationError({"agreement": [_("Follow up a signed agreement.")]})
    if not is_kept and not note:
        raise ValidationError({"note": [_("Say how the agreement was broken.")]})
    agreement.is_kept, agreement.followup_note, agreement.followup_done_at = is_kept, note[:2000], now
    agreement.save(update_fields=["is_kept", "followup_note", "followup_done_at"])
    dispute = agreement.dispute
    if is_kept:
        _mediator_note(dispute, _("Follow-up: the agreement is kept. %(n)s") % {"n": note}, now=now)
        return agreement
    dispute.status, dispute.concluded_at = DisputeStatus.OPEN, None
    dispute.reopened_count += 1
    dispute.save(update_fields=["status", "concluded_at", "reopened_count"])
    case = Case.objects.get(pk=dispute.case_id)
    if case.status == Status.RESOLVED:
        case_transition(case=case, actor=None, to_status=Status.IN_PROGRESS, now=now)
    _mediator_note(
        dispute, _("Follow-up: the agreement was broken (%(n)s); the dispute is reopened.") % {"n": note}, now=now
    )
    # The broken agreement stays on record; the reopened dispute drafts a new one.
    return agreement


def mediation_delete_for_station(*, station: Station) -> None:
    Signature.objects.filter(agreement__dispute__station=station).delete()
    Agreement.objects.filter(dispute__station=station).delete()
    Session.objects.filter(dispute__station=station).delete()
    Party.objects.filter(dispute__station=station).delete()
    Dispute.objects.filter(station=station).delete()
    Room.objects.filter(station=station).delete()
