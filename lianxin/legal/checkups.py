"""Writes of the enterprise legal service package: enterprises, the checklist, check-ups and findings, trainings.

A check-up's findings are the answers its checklist rates as a risk; each gets a fix deadline
from its level (FIX_DAYS) and is closed when the enterprise has fixed it. A re-check is a
check-up that names the one it repeats. The report is a PDF (WeasyPrint, Noto CJK), as the
mediation agreements are.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianxin.core import pii
from lianxin.core.models import Role, User
from lianxin.core.roles import CASEWORKER_ROLES, has_role
from lianxin.legal.models import Checklist, CheckUp, Enterprise, Finding, RiskLevel, Training
from lianxin.legal.services import refuse_unstorable
from lianxin.places.models import Grid

CHECKUP_ROLES = CASEWORKER_ROLES | frozenset({Role.LAWYER})
# Days an enterprise has to fix a finding, by its risk level.
FIX_DAYS = {RiskLevel.HIGH: 15, RiskLevel.MEDIUM: 30, RiskLevel.LOW: 60}
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ATTENDANCE_MAX = 2000
PDF_LANGUAGE = "zh-hans"


def credit_code_check_char(first17: str) -> str:
    """Return the check character of a unified social credit code's first 17 characters (GB 32100-2015)."""
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_is_valid(code: str) -> bool:
    return (
        len(code) == 18
        and all(ch in CREDIT_CODE_CHARS for ch in code)
        and credit_code_check_char(code[:17]) == code[17]
    )


def _require(actor: User, roles: frozenset = CHECKUP_ROLES) -> int:
    """Return actor's station id if actor may run check-ups (a user without a station may not)."""
    if not has_role(actor, roles) or actor.station_id is None:
        raise PermissionDenied(_("Your role may not run legal check-ups."))
    return actor.station_id


def enterprise_register(
    *,
    actor: User,
    name: str,
    credit_code: str,
    sector: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    grid: Grid | None = None,
    now: dt.datetime | None = None,
) -> Enterprise:
    """Register an enterprise; the credit code must carry its check character (ValidationError on `credit_code`)."""
    station_id = _require(actor)
    refuse_unstorable(
        name=name or "",
        credit_code=credit_code or "",
        sector=sector,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    name, code = (name or "").strip(), (credit_code or "").strip().upper().replace(" ", "")
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Give the enterprise's registered name (at most 100 characters).")]
    if not credit_code_is_valid(code):
        errors["credit_code"] = [
            _("Not a valid unified social credit code: 18 characters, the last one a check character.")
        ]
    if contact_phone:
        try:
            pii.validate(pii.KIND_PHONE, contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = list(exc.messages)
    if grid is not None and grid.station_id != actor.station_id:
        errors["grid"] = [_("Choose a grid of your station.")]
    if len(sector) > 60 or len(contact_name) > 60:
        errors["sector"] = [_("At most %(n)d characters, please.") % {"n": 60}]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Enterprise.objects.create(
                station_id=station_id,
                name=name,
                credit_code=code,
                sector=sector.strip(),
                contact_name=contact_name.strip(),
                contact_phone=contact_phone.strip(),
                grid=grid,
                registered_at=now or timezone.now(),
            )
    except IntegrityError:
        raise ValidationError({"credit_code": [_("This enterprise is registered already.")]}) from None


def checklist_create(*, actor: User, title: str, items: list[dict]) -> Checklist:
    """Keep a checklist; every question needs a section, words and answers each with a known risk level."""
    station_id = _require(actor, CASEWORKER_ROLES)
    for n, item in enumerate(items, start=1):
        answers = item.get("answers") if isinstance(item, dict) else None
        if (
            not isinstance(item, dict)
            or not str(item.get("section", "")).strip()
            or not str(item.get("question", "")).strip()
            or not isinstance(answers, list)
            or len(answers) < 2
            or any(
                not isinstance(a, dict) or a.get("risk") not in RiskLevel.values or not a.get("label") for a in answers
            )
        ):
            raise ValidationError(
                {
                    "items": [
                        _("Question %(n)d needs a section, words and two answers or more, each with a risk level.")
                        % {"n": n}
                    ]
                }
            )
    if not items or not (title or "").strip():
        raise ValidationError({"items": [_("A checklist needs a title and at least one question.")]})
    return Checklist.objects.create(station_id=station_id, title=title.strip()[:100], items=items)


@transaction.atomic
def checkup_record(
    *,
    actor: User,
    enterprise: Enterprise,
    checklist: Checklist,
    answers: dict[int, int],
    checked_on: dt.date,
    previous: CheckUp | None = None,
    now: dt.datetime | None = None,
) -> CheckUp:
    """Record a check-up: every question answered (ValidationError on `answers` naming the first missing one).

    Each answer the checklist rates low, medium or high becomes a finding due FIX_DAYS later.
    """
    station_id = _require(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if enterprise.station_id != actor.station_id or checklist.station_id != actor.station_id:
        errors["enterprise"] = [_("Choose an enterprise and a checklist of your station.")]
    if previous is not None and previous.enterprise_id != enterprise.pk:
        errors["previous"] = [_("A re-check repeats a check-up of the same enterprise.")]
    for index, item in enumerate(checklist.items):
        chosen = answers.get(index)
        if chosen is None or not 0 <= chosen < len(item["answers"]):
            errors["answers"] = [_("Answer every question (missing: %(q)s).") % {"q": item["question"]}]
            break
    if errors:
        raise ValidationError(errors)
    checkup = CheckUp.objects.create(
        station_id=station_id,
        enterprise=enterprise,
        checklist=checklist,
        checked_by=actor,
        checked_on=checked_on,
        answers={str(k): v for k, v in answers.items()},
        previous=previous,
        recorded_at=now,
    )
    for index, item in enumerate(checklist.items):
        answer = item["answers"][answers[index]]
        if answer["risk"] == RiskLevel.NONE:
            continue
        Finding.objects.create(
            checkup=checkup,
            section=item["section"][:100],
            question=item["question"][:300],
            answer=answer["label"][:200],
            risk=answer["risk"],
            advice=str(item.get("fix_hint", ""))[:300],
            fix_due_on=checked_on + dt.timedelta(days=FIX_DAYS[RiskLevel(answer["risk"])]),
        )
    return checkup


def finding_fix(*, actor: User, finding: Finding, note: str, now: dt.datetime | None = None) -> Finding:
    """Close a finding the enterprise has fixed, saying how."""
    _require(actor)
    note = (note or "").strip()
    refuse_unstorable(fix_note=note)
    if not note:
        raise ValidationError({"fix_note": [_("Say how the enterprise fixed it.")]})
    if finding.fixed_at is not None:
        raise ValidationError({"fix_note": [_("This finding is closed already.")]})
    finding.fixed_at, finding.fix_note = now or timezone.now(), note[:300]
    finding.save(update_fields=["fixed_at", "fix_note"])
    return finding


def training_record(
    *,
    actor: User,
    held_at: dt.datetime,
    place: str,
    topic: str,
    attendance: int,
    enterprises: list[Enterprise] | tuple = (),
) -> Training:
    """Record a micro-classroom or training held (or planned: attendance 0)."""
    station_id = _require(actor)
    refuse_unstorable(topic=topic or "", place=place or "")
    errors: dict[str, list[str]] = {}
    if not (topic or "").strip() or len(topic) > 100:
        errors["topic"] = [_("Give the topic (at most 100 characters).")]
    if not (place or "").strip() or len(place) > 100:
        errors["place"] = [_("Say where it is held (at most 100 characters).")]
    if timezone.is_naive(held_at):
        errors["held_at"] = [_("Give the time with its zone.")]
    if not 0 <= attendance <= ATTENDANCE_MAX:
        errors["attendance"] = [_("Attendance is 0 to %(n)d people.") % {"n": ATTENDANCE_MAX}]
    if any(e.station_id != actor.station_id for e in enterprises):
        errors["enterprises"] = [_("Choose enterprises of your station.")]
    if errors:
        raise ValidationError(errors)
    training = Training.objects.create(
        station_id=station_id,
        held_at=held_at,
        place=place.strip(),
        topic=topic.strip(),
        attendance=attendance,
        given_by=actor,
    )
    training.enterprises.set(enterprises)
    return training


def checkup_report_pdf(*, checkup: CheckUp) -> bytes:
    """Render the check-up report (the enterprise, every answer, the findings and their deadlines) to PDF."""
    from weasyprint import HTML

    items = checkup.checklist.items
    rows = [
        (item["section"], item["question"], item["answers"][int(checkup.answers.get(str(i), 0))])
        for i, item in enumerate(items)
    ]
    with translation.override(PDF_LANGUAGE):
        html = render_to_string(
            "legal/checkup_pdf.html",
            {"c": checkup, "e": checkup.enterprise, "rows": rows, "findings": list(checkup.findings.all())},
        )
    return HTML(string=html).write_pdf()


def checkups_delete_for_station(*, station) -> None:
    Training.objects.filter(station=station).delete()
    Finding.objects.filter(checkup__station=station).delete()
    CheckUp.objects.filter(station=station).delete()
    Checklist.objects.filter(station=station).delete()
    Enterprise.objects.filter(station=station).delete()
