"""Warnings and dissuasion (预警劝阻): raise, dispatch to the nearest responder, acknowledge, escalate, outcome.

State: dispatched → acknowledged → closed (outcome). Every step is a WarningStep row with
its time, so "warnings → contact → outcome" and the time to first contact are queries.
Responders are chosen in `_candidates`: first whoever is on duty within NEAR_RESPONDER_METRES
of the resident, nearest first (a volunteer on patrol down the street; who is on duty comes
from the apps that know, through core.plugins.on_duty_near), then the resident's grid: its
police chief, its grid members, the patrol volunteers of its patrol teams (those on duty
first), in that order; a warning that nobody
acknowledges within ack_minutes() goes to the next one and to the duty desk (the
`antifraud_warnings_escalate` sweep, which claims rows with a conditional update).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.antifraud.models import (
    FraudLoss,
    FraudWarning,
    Outcome,
    Screening,
    StepKind,
    WarningSource,
    WarningStatus,
    WarningStep,
)
from lianxin.antifraud.roles import RESPONDER_ROLES, WARNING_RAISER_ROLES, ack_minutes
from lianxin.antifraud.services.common import (
    CATEGORY_LOSS,
    CATEGORY_WARNING,
    desk_category,
    now_or,
    own_station,
    require,
)
from lianxin.cases.models import Case, Channel, Priority, Resolution, Status
from lianxin.cases.services import case_note, case_open, case_transition
from lianxin.core import pii
from lianxin.core.live import live_publish
from lianxin.core.models import Partner, Station, User
from lianxin.core.plugins import on_duty_near
from lianxin.core.roles import CASEWORKER_ROLES, STATION_WIDE_ROLES, SUPERVISOR_ROLES, has_role
from lianxin.people.models import Resident, TeamKind, TeamMembership
from lianxin.places.geometry import grid_id_for_point
from lianxin.places.models import Grid

LIVE_KIND = "fraud_warning"
RISK_MAX_CHARS = 300
NOTE_MAX_CHARS = 500
AMOUNT_MAX_FEN = 10**13  # a hundred billion yuan: anything larger is a typo
WARNINGS_CSV_MAX_BYTES = 5 * 1024 * 1024
WARNINGS_CSV_MAX_ROWS = 5000
FEN_PER_YUAN = 100
# Someone on duty this close to the resident (on the ground) is sent before the grid's people.
NEAR_RESPONDER_METRES = 1500


def _candidates(
    *, station_id: int, grid_id: int | None, lat: float | None = None, lon: float | None = None, now: dt.datetime
) -> list[User]:
    """The responders for a warning at (lat, lon) in a grid, nearest first (see the module's docstring)."""
    on_duty = on_duty_near(station_id=station_id, lat=lat, lon=lon, now=now)
    near_ids = sorted(
        (metres, user_id)
        for user_id, metres in on_duty.items()
        if metres is not None and metres <= NEAR_RESPONDER_METRES
    )
    found: list[User] = []
    if near_ids:
        by_id = User.objects.in_bulk([user_id for _m, user_id in near_ids])
        found.extend(by_id[user_id] for _m, user_id in near_ids if user_id in by_id)
    grid = (
        Grid.objects.select_related("police_chief").filter(pk=grid_id, station_id=station_id).first()
        if grid_id is not None
        else None
    )
    if grid is not None:
        if grid.police_chief is not None:
            found.append(grid.police_chief)
        found.extend(grid.members.order_by("id"))
        # Patrol volunteers: of the grid's own patrol teams, or of a station-wide patrol who live in
        # the grid; those on duty now before the others.
        lives_here = Resident.objects.filter(grid=grid, user__isnull=False).values("user_id")
        volunteers = [
            m.user
            for m in TeamMembership.objects.filter(team__station_id=station_id, team__kind=TeamKind.PATROL)
            .filter(Q(team__grid=grid) | Q(team__grid__isnull=True, user_id__in=lives_here))
            .select_related("user")
            .order_by("-is_leader", "id")
        ]
        found.extend(sorted(volunteers, key=lambda user: user.pk not in on_duty))
    seen: set[int] = set()
    out = []
    for user in found:
        if user.pk in seen or not user.is_active or user.station_id != station_id:
            continue
        if not has_role(user, RESPONDER_ROLES):
            continue
        seen.add(user.pk)
        out.append(user)
    return out


def _step(warning: FraudWarning, kind: str, *, now: dt.datetime, actor=None, responder=None, **data) -> WarningStep:
    return WarningStep.objects.create(
        warning=warning,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        responder=responder,
        at=now,
        data=data,
    )


def _publish(warning: FraudWarning, *, to: User | None, event: str) -> None:
    data = {"id": warning.pk, "event": event, "case": warning.case.number, "status": warning.status}
    if to is not None:
        live_publish(topic=f"user:{to.pk}", kind=LIVE_KIND, data=data)
    live_publish(topic=f"station:{warning.station_id}", kind=LIVE_KIND, data=data)


def _dispatch_next(
    warning: FraudWarning, *, now: dt.datetime, escalation: bool, first: User | None = None
) -> User | None:
    """Send the warning to first, or the next responder not yet tried (None: only the duty desk is left)."""
    tried = set(warning.tried_ids)
    nxt = first or next(
        (
            u
            for u in _candidates(
                station_id=warning.station_id, grid_id=warning.grid_id, lat=warning.lat, lon=warning.lon, now=now
            )
            if u.pk not in tried
        ),
        None,
    )
    warning.responder = nxt
    if nxt is not None:
        warning.tried_ids = [*warning.tried_ids, nxt.pk]
    warning.dispatched_at = warning.dispatched_at or now
    warning.escalate_after = now + dt.timedelta(minutes=ack_minutes()) if nxt is not None else None
    if escalation:
        warning.escalations += 1
    warning.save(update_fields=["responder", "tried_ids", "dispatched_at", "escalate_after", "escalations"])
    _step(
        warning,
        StepKind.ESCALATED if escalation else StepKind.DISPATCHED,
        now=now,
        responder=nxt,
        duty_desk=nxt is None or escalation,
    )
    _publish(warning, to=nxt, event="escalated" if escalation else "dispatched")
    return nxt


def _clean_warning(*, station, resident, risk, amount_at_stake_fen, deadline_at, source, lat, lon, contact_phone, now):
    errors: dict[str, list[str]] = {}
    if resident is not None and resident.station_id != station.id:
        errors["resident"] = [_("That resident belongs to another station; send the warning to that station.")]
    if source not in WarningSource.values:
        errors["source"] = [_("Unknown source.")]
    risk = (risk or "").strip()
    if not risk:
        errors["risk"] = [_("Say what the risk is.")]
    elif len(risk) > RISK_MAX_CHARS:
        errors["risk"] = [_("The risk is too long (at most %(n)d characters).") % {"n": RISK_MAX_CHARS}]
    if amount_at_stake_fen is not None and not (0 <= amount_at_stake_fen <= AMOUNT_MAX_FEN):
        errors["amount_at_stake_fen"] = [_("The amount must be zero or more.")]
    if deadline_at is not None and deadline_at.tzinfo is None:
        errors["deadline_at"] = [_("The deadline needs a time zone.")]
    if (lat is None) != (lon is None):
        errors["location"] = [_("Give both latitude and longitude, or neither.")]
    if resident is None and not (contact_phone or "").strip():
        errors["contact_phone"] = [_("Name a resident or give a phone number to reach them.")]
    if contact_phone:
        try:
            pii.validate(pii.KIND_PHONE, contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return risk


@transaction.atomic
def warning_raise(
    *,
    station: Station,
    actor: User | None,
    source: str,
    risk: str,
    resident: Resident | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    amount_at_stake_fen: int | None = None,
    deadline_at: dt.datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    partner: Partner | None = None,
    external_ref: str = "",
    screening: Screening | None = None,
    case: Case | None = None,
    responder: User | None = None,
    now: dt.datetime | None = None,
) -> FraudWarning:
    """Raise a warning that a resident is at risk and dispatch it to the nearest responder at once.

    actor None is the system (a resident's 'about to pay' passes the case it opened). The desk may
    name the first responder (the patroller who is with the resident right now). Raises
    ValidationError naming fields (a resident of another station on `resident`), PermissionDenied
    if actor may not raise warnings.
    """
    now = now_or(now)
    if actor is not None:
        require(actor, WARNING_RAISER_ROLES, _("Your role may not raise fraud warnings."))
        if not actor.is_superuser and actor.station_id != station.id:
            raise PermissionDenied(_("You may only raise warnings in your own station."))
    elif case is None:
        raise ValueError("a warning raised by the system must come with its case")
    risk = _clean_warning(
        station=station,
        resident=resident,
        risk=risk,
        amount_at_stake_fen=amount_at_stake_fen,
        deadline_at=deadline_at,
        source=source,
        lat=lat,
        lon=lon,
        contact_phone=contact_phone,
        now=now,
    )
    if partner is not None and partner.station_id != station.id:
        raise ValidationError({"partner": [_("That partner belongs to another station.")]})
    if responder is not None and (responder.station_id != station.id or not has_role(responder, RESPONDER_ROLES)):
        raise ValidationError({"responder": [_("Choose a responder of this station.")]})
    grid_id = resident.grid_id if resident is not None else None
    if grid_id is None and lat is not None and lon is not None:
        grid_id = grid_id_for_point(station_id=station.id, lat=lat, lon=lon)
    who = resident.name if resident else (contact_name or "").strip()
    if case is None:
        case = case_open(
            station=station,
            actor=actor,
            channel=Channel.BANK_ALERT if source == WarningSource.BANK_ALERT else Channel.FRAUD_SCREENING,
            category=desk_category(station=station, code=CATEGORY_WARNING),
            title=(_("Fraud warning: %(who)s") % {"who": who or "-"})[:120],
            description=risk,
            lat=lat,
            lon=lon,
            subjects=[resident] if resident else (),
            contact_name=(contact_name or "").strip()[:60],
            contact_phone=(contact_phone or "").strip(),
            priority=Priority.URGENT,
            now=now,
        )
    warning = FraudWarning.objects.create(
        station=station,
        case=case,
        resident=resident,
        contact_name=(contact_name or "").strip()[:60],
        contact_phone=(contact_phone or "").strip() or None,  # type: ignore[misc]  # None is stored as empty
        grid_id=grid_id,
        lat=lat,
        lon=lon,
        source=source,
        source_partner=partner,
        external_ref=(external_ref or "")[:60],
        risk=risk,
        amount_at_stake_fen=amount_at_stake_fen,
        deadline_at=deadline_at,
        screening=screening,
        received_at=now,
    )
    _step(warning, StepKind.RECEIVED, now=now, actor=actor, source=source)
    _dispatch_next(warning, now=now, escalation=False, first=responder)
    return warning


def _may_answer(actor: User, warning: FraudWarning) -> bool:
    if actor.station_id != warning.station_id and not actor.is_superuser:
        return False
    return (
        warning.responder_id == actor.pk
        or actor.pk in warning.tried_ids
        or has_role(actor, STATION_WIDE_ROLES | SUPERVISOR_ROLES)
    )


@transaction.atomic
def warning_acknowledge(*, warning: FraudWarning, actor: User, now: dt.datetime | None = None) -> FraudWarning:
    """'I'm going': the actor takes the warning; nobody else is sent while it is acknowledged."""
    now = now_or(now)
    warning = FraudWarning.objects.select_for_update(of=("self",)).select_related("case").get(pk=warning.pk)
    if not _may_answer(actor, warning):
        raise PermissionDenied(_("This warning was not sent to you."))
    if warning.status != WarningStatus.DISPATCHED:
        raise ValidationError({"status": [_("This warning has already been taken.")]})
    warning.status = WarningStatus.ACKNOWLEDGED
    warning.responder = actor
    warning.acknowledged_at = now
    warning.escalate_after = None
    warning.save(update_fields=["status", "responder", "acknowledged_at", "escalate_after"])
    _step(warning, StepKind.ACKNOWLEDGED, now=now, actor=actor, responder=actor)
    if has_role(actor, CASEWORKER_ROLES) and warning.case.status == Status.NEW:
        case_transition(case=warning.case, actor=actor, to_status=Status.IN_PROGRESS, now=now)
    _publish(warning, to=actor, event="acknowledged")
    return warning


@dataclass(frozen=True)
class OutcomeResult:
    warning: FraudWarning
    loss_case: Case | None


@transaction.atomic
def warning_outcome_record(
    *,
    warning: FraudWarning,
    actor: User,
    outcome: str,
    amount_protected_fen: int | None = None,
    amount_lost_fen: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> OutcomeResult:
    """Record how a warning ended; 'already transferred' opens the fraud-loss case for the stop-payment flow."""
    now = now_or(now)
    warning = FraudWarning.objects.select_for_update(of=("self",)).select_related("case", "resident").get(pk=warning.pk)
    if not _may_answer(actor, warning):
        raise PermissionDenied(_("This warning was not sent to you."))
    if warning.status == WarningStatus.CLOSED:
        raise ValidationError({"outcome": [_("The outcome of this warning is already recorded.")]})
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose what happened.")]
    if outcome == Outcome.DISSUADED:
        if amount_protected_fen is None:
            amount_protected_fen = warning.amount_at_stake_fen or 0
        if not (0 <= amount_protected_fen <= AMOUNT_MAX_FEN):
            errors["amount_protected_fen"] = [_("The amount protected must be zero or more.")]
    else:
        amount_protected_fen = 0
    if amount_lost_fen is not None and not (0 <= amount_lost_fen <= AMOUNT_MAX_FEN):
        errors["amount_lost_fen"] = [_("The amount lost must be zero or more.")]
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [_("The note is too long.")]
    if errors:
        raise ValidationError(errors)
    warning.status = WarningStatus.CLOSED
    warning.outcome = outcome
    warning.amount_protected_fen = amount_protected_fen
    warning.outcome_note = note
    warning.closed_at = now
    warning.escalate_after = None
    if warning.acknowledged_at is None:
        warning.acknowledged_at = now
        warning.responder = actor
    if outcome != Outcome.UNREACHABLE and warning.contacted_at is None:
        warning.contacted_at = now
    warning.save(
        update_fields=[
            "status",
            "outcome",
            "amount_protected_fen",
            "outcome_note",
            "closed_at",
            "escalate_after",
            "acknowledged_at",
            "responder",
            "contacted_at",
        ]
    )
    _step(
        warning,
        StepKind.OUTCOME,
        now=now,
        actor=actor,
        responder=actor,
        outcome=outcome,
        amount_protected_fen=amount_protected_fen,
    )
    loss_case = None
    if outcome == Outcome.TRANSFERRED:
        loss_case = case_open(
            station=warning.station,
            actor=actor,
            channel=Channel.FRAUD_SCREENING,
            category=desk_category(station=warning.station, code=CATEGORY_LOSS),
            title=(_("Fraud loss: %(who)s") % {"who": warning.who or "-"})[:120],
            description=note or warning.risk,
            subjects=[warning.resident] if warning.resident else (),
            lat=warning.lat,
            lon=warning.lon,
            priority=Priority.URGENT,
            now=now,
        )
        FraudLoss.objects.create(
            station=warning.station,
            case=loss_case,
            warning=warning,
            resident=warning.resident,
            reported_at=now,
            total_fen=amount_lost_fen or 0,
        )
    label = Outcome(outcome).label
    if has_role(actor, CASEWORKER_ROLES):
        text = _("Warning outcome: %(o)s.") % {"o": label}
        if outcome == Outcome.DISSUADED:
            text += " " + _("Protected %(y)s yuan.") % {"y": f"{amount_protected_fen / FEN_PER_YUAN:,.2f}"}
        if note:
            text += " " + note
        case_note(case=warning.case, actor=actor, text=text, now=now)
        resolutions: dict[str, str] = {
            Outcome.DISSUADED: Resolution.RESOLVED_LOCALLY,
            Outcome.FALSE_ALARM: Resolution.NO_ACTION_NEEDED,
        }
        resolution = resolutions.get(outcome)
        if resolution and warning.case.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS):
            case_transition(case=warning.case, actor=actor, to_status=Status.RESOLVED, resolution=resolution, now=now)
    _publish(warning, to=None, event="closed")
    return OutcomeResult(warning=warning, loss_case=loss_case)


def warnings_escalate(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send each warning left unacknowledged past its escalate_after to the next responder and the duty desk.

    A sweep of `lianxin worker`: polls the indexed (status, escalate_after) column and claims
    each row with a conditional update, so two workers never escalate the same warning twice.
    """
    now = now_or(now)
    due = list(
        FraudWarning.objects.filter(status=WarningStatus.DISPATCHED, escalate_after__lte=now)
        .order_by("escalate_after")
        .values_list("pk", "escalate_after")[:limit]
    )
    changed = 0
    for pk, escalate_after in due:
        with transaction.atomic():
            claimed = FraudWarning.objects.filter(
                pk=pk, status=WarningStatus.DISPATCHED, escalate_after=escalate_after
            ).update(escalate_after=None)
            if not claimed:
                continue
            warning = FraudWarning.objects.select_related("case").get(pk=pk)
            _dispatch_next(warning, now=now, escalation=True)
            changed += 1
    return changed


# --- the anti-fraud centre's warning list -------------------------------------------------------------------


@dataclass(frozen=True)
class WarningsImportResult:
    warnings: list[FraudWarning]


WARNINGS_CSV_COLUMNS = ("phone", "risk")  # optional: name, amount_yuan, deadline (ISO 8601 with zone), ref


def warnings_import_csv(*, actor: User, data: bytes, now: dt.datetime | None = None) -> WarningsImportResult:
    """Import the centre's warning list (phone,risk[,name,amount_yuan,deadline,ref]): every row or none.

    A row's phone is matched to a resident of the importer's station; a number that belongs only to
    a resident of another station fails the file with the row and `phone` named.
    """
    now = now_or(now)
    require(actor, WARNING_RAISER_ROLES, _("Your role may not raise fraud warnings."))
    if not data:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(data) > WARNINGS_CSV_MAX_BYTES:
        raise ValidationError({"file": [_("The file is too large (at most 5 MB).")]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("The file is not UTF-8 text (save it as CSV UTF-8).")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in WARNINGS_CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationError({"file": [_("The file lacks the column(s): %(c)s.") % {"c": ", ".join(missing)}]})
    reader.fieldnames = header
    errors: list[str] = []
    parsed = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > WARNINGS_CSV_MAX_ROWS:
            errors.append(_("The file has more than %(n)d rows.") % {"n": WARNINGS_CSV_MAX_ROWS})
            break
        phone = (raw.get("phone") or "").strip()
        try:
            pii.validate(pii.KIND_PHONE, phone)
        except ValidationError:
            errors.append(_("Row %(row)d, phone: not a mainland mobile number.") % {"row": number})
            continue
        digest = pii.digest(pii.KIND_PHONE, phone)
        residents = list(Resident.objects.filter(phone_digest=digest))
        resident = next((r for r in residents if r.station_id == actor.station_id), None)
        if resident is None and residents:
            errors.append(
                _("Row %(row)d, phone: this resident belongs to another station; send the row there.") % {"row": number}
            )
            continue
        risk = (raw.get("risk") or "").strip()
        if not risk or len(risk) > RISK_MAX_CHARS:
            errors.append(_("Row %(row)d, risk: say what the risk is (at most 300 characters).") % {"row": number})
            continue
        amount = None
        if (raw.get("amount_yuan") or "").strip():
            try:
                amount = round(float(raw["amount_yuan"].replace(",", "")) * FEN_PER_YUAN)
                if amount < 0:
                    raise ValueError
            except ValueError:
                errors.append(_("Row %(row)d, amount_yuan: not an amount.") % {"row": number})
                continue
        deadline = None
        if (raw.get("deadline") or "").strip():
            try:
                deadline = dt.datetime.fromisoformat(raw["deadline"].strip())
                if deadline.tzinfo is None:
                    raise ValueError
            except ValueError:
                errors.append(_("Row %(row)d, deadline: not a time with zone (ISO 8601).") % {"row": number})
                continue
        parsed.append((resident, phone, (raw.get("name") or "").strip(), risk, amount, deadline, raw.get("ref") or ""))
        if len(errors) >= 20:
            break
    if errors:
        raise ValidationError({"file": errors})
    if not parsed:
        raise ValidationError({"file": [_("The file has no rows.")]})
    made = []
    with transaction.atomic():
        for resident, phone, name, risk, amount, deadline, ref in parsed:
            made.append(
                warning_raise(
                    station=own_station(actor),
                    actor=actor,
                    source=WarningSource.CENTRE,
                    risk=risk,
                    resident=resident,
                    contact_name="" if resident else name,
                    contact_phone="" if resident else phone,
                    amount_at_stake_fen=amount,
                    deadline_at=deadline,
                    external_ref=ref.strip(),
                    now=now,
                )
            )
    return WarningsImportResult(warnings=made)
