"""The anti-fraud clinic (反诈问诊台): an officer screens a message on behalf of a named resident.

Each consultation is a case (at the cart, a cart contact, so it counts toward that stop's
people served; at the counter, a walk-in) with the screening kept, its engine version, the
cues shown and what the resident decided. 'About to pay' also raises a warning.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.antifraud.models import Band, Consultation, Decision, FraudLoss, ScreeningSource, WarningSource
from lianxin.antifraud.roles import DESK_ROLES
from lianxin.antifraud.services.common import CATEGORY_CONSULT, desk_category, now_or, own_station, require
from lianxin.antifraud.services.screening import screening_check, screening_keep
from lianxin.antifraud.services.warnings import warning_raise
from lianxin.cases.models import CartStop, Channel, Resolution, Status
from lianxin.cases.services import cart_contact_record, case_open, case_transition
from lianxin.core.models import User
from lianxin.people.models import Resident

# Decisions after which the resident still needs the desk (the case stays open).
FOLLOW_UP_DECISIONS = frozenset({Decision.ABOUT_TO_PAY, Decision.ALREADY_PAID, Decision.UNSURE})


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    resident: Resident | None,
    text: str | None,
    decision: str,
    cart_stop: CartStop | None = None,
    now: dt.datetime | None = None,
) -> Consultation:
    """Screen text for resident and record the consultation, its case and (if needed) a warning."""
    now = now_or(now)
    require(actor, DESK_ROLES, _("Your role may not run the anti-fraud clinic."))
    errors: dict[str, list[str]] = {}
    if resident is None:
        errors["resident"] = [_("Choose the resident you are helping.")]
    elif resident.station_id != actor.station_id:
        errors["resident"] = [_("That resident belongs to another station.")]
    if decision not in Decision.values:
        errors["decision"] = [_("Record what the resident decided.")]
    if cart_stop is not None and cart_stop.station_id != actor.station_id:
        errors["cart_stop"] = [_("That cart stop belongs to another station.")]
    if errors or resident is None:
        raise ValidationError(errors)
    station = own_station(actor)
    check = screening_check(station=station, text=text, grid=resident.grid, now=now)
    category = desk_category(station=station, code=CATEGORY_CONSULT)
    summary = _("Anti-fraud clinic: %(band)s, %(t)s. Decided: %(d)s.") % {
        "band": Band(check.result.band).label,
        "t": check.result.typology or "-",
        "d": Decision(decision).label,
    }
    if cart_stop is not None:
        case = cart_contact_record(
            actor=actor,
            category=category,
            description=f"{summary}\n\n{check.text}"[:5000],
            solved_on_the_spot=decision not in FOLLOW_UP_DECISIONS,
            stop=cart_stop,
            contact_name=resident.name,
            people_served=1,
            now=now,
        )
    else:
        case = case_open(
            station=station,
            actor=actor,
            channel=Channel.WALK_IN,
            category=category,
            description=f"{summary}\n\n{check.text}"[:5000],
            reporter=resident,
            now=now,
        )
        if decision not in FOLLOW_UP_DECISIONS:  # advice given at the counter: done there and then
            case = case_transition(
                case=case, actor=actor, to_status=Status.RESOLVED, resolution=Resolution.ADVICE_GIVEN, now=now
            )
    screening = screening_keep(
        station=station, check=check, source=ScreeningSource.CLINIC, actor=actor, case=case, now=now
    )
    consultation = Consultation.objects.create(
        station=station,
        case=case,
        screening=screening,
        resident=resident,
        officer=actor,
        cart_stop=cart_stop,
        decision=decision,
        cues_shown=[c.get("text", "") for c in check.result.cues],
        engine_version=check.result.engine_version,
        at=now,
    )
    if decision == Decision.ABOUT_TO_PAY:
        warning_raise(
            station=station,
            actor=actor,
            source=WarningSource.SCREENING,
            risk=summary[:300],
            resident=resident,
            screening=screening,
            now=now,
        )
    elif decision == Decision.ALREADY_PAID:
        FraudLoss.objects.create(station=station, case=case, resident=resident, reported_at=now)
    return consultation
