"""Referrals of a case to a partner department and the department's reply."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.cases.models import (
    Case,
    EventKind,
    Referral,
    Status,
)
from lianxin.cases.services.events import NOTE_MAX_CHARS, _event, _now
from lianxin.core.errors import Conflict
from lianxin.core.models import Partner, Role, User
from lianxin.core.roles import CASEWORKER_ROLES, has_role


def _refer(case: Case, *, actor: User | None, partner: Partner, note: str, now: dt.datetime) -> Referral:
    referral = Referral.objects.create(
        case=case, partner=partner, note=note, sent_at=now, reply_due_at=now + dt.timedelta(hours=partner.reply_hours)
    )
    from_status = case.status
    case.status = Status.REFERRED
    fields = ["status", "updated_at"]
    pausing = case.clock_paused_at is None
    if pausing:
        case.clock_paused_at = now
        fields.append("clock_paused_at")
    case.save(update_fields=fields)
    _event(
        case,
        kind=EventKind.REFERRED,
        actor=actor,
        now=now,
        from_status=from_status,
        to_status=Status.REFERRED,
        is_public=True,
        text=_("Referred to %(partner)s.") % {"partner": partner.name},
        # The instruction to the department stays on the Referral row (caseworkers and the
        # department read it there): this event is on the reporter's timeline.
        data={"partner_id": partner.id, "referral_id": referral.id},
    )
    if pausing:
        _event(
            case,
            kind=EventKind.CLOCK,
            actor=None,
            now=now,
            is_public=True,
            text=_("The case's clock is paused while %(partner)s answers (reply due within %(hours)d hours).")
            % {"partner": partner.name, "hours": partner.reply_hours},
            data={"clock": "paused", "referral_id": referral.id},
        )
    return referral


def _clock_resume(case: Case, *, now: dt.datetime, fields: list[str] | None = None) -> None:
    """Restart case's paused clock: the deadline moves on by the time paused, and the timeline says so.

    With fields, case is an instance its caller is about to save: the changed field names are
    added to fields. Without, case is saved here.
    """
    if case.clock_paused_at is None:
        return
    paused = max(now - case.clock_paused_at, dt.timedelta(0))
    case.due_at += paused
    case.clock_paused_at = None
    if fields is None:
        case.save(update_fields=["due_at", "clock_paused_at", "updated_at"])
    else:
        fields += ["due_at", "clock_paused_at"]
    _event(
        case,
        kind=EventKind.CLOCK,
        actor=None,
        now=now,
        is_public=True,
        text=_("The case's clock runs again (paused %(hours)s hours); now due %(due)s.")
        % {"hours": f"{paused.total_seconds() / 3600:.1f}", "due": _station_time(case.due_at)},
        data={"clock": "resumed", "paused_seconds": int(paused.total_seconds()), "due_at": case.due_at.isoformat()},
    )


def _station_time(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def referral_reply(*, referral: Referral, actor: User, reply: str, now: dt.datetime | None = None) -> Referral:
    """Record a department's reply to a referral on the case timeline."""
    now = _now(now)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": [_("Write the department's reply.")]})
    if len(reply) > NOTE_MAX_CHARS:
        raise ValidationError({"reply": [_("At most %(n)d characters, please.") % {"n": NOTE_MAX_CHARS}]})
    is_liaison = actor.role == Role.DEPARTMENT_LIAISON and actor.partner_id == referral.partner_id
    if not is_liaison and not has_role(actor, CASEWORKER_ROLES):
        raise PermissionDenied(_("Only the department or a caseworker may record the reply."))
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.state == Referral.State.REPLIED:
        raise Conflict(_("This referral already has a reply."), allowed=[])
    referral.state, referral.reply, referral.replied_at, referral.replied_by = (
        Referral.State.REPLIED,
        reply,
        now,
        actor,
    )
    referral.save(update_fields=["state", "reply", "replied_at", "replied_by"])
    _event(
        referral.case,
        kind=EventKind.REFERRAL_REPLY,
        actor=actor,
        now=now,
        is_public=True,
        text=reply,
        data={"referral_id": referral.pk, "partner_id": referral.partner_id, "late": now > referral.reply_due_at},
    )
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    if not case.referrals.filter(state=Referral.State.SENT).exists():
        _clock_resume(case, now=now)
    return referral
