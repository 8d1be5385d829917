"""Staff intake away from the cart: a hotline call, a walk-in, an open-air council, a device alarm."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.cases.models import Case, Category, Channel, Resolution, Status
from lianxin.cases.services.events import _now, _require_role
from lianxin.cases.services.spine import case_open, case_transition
from lianxin.cases.transitions import ON_THE_SPOT_CHANNELS
from lianxin.core.models import User
from lianxin.core.roles import INTAKE_ROLES
from lianxin.people.models import Resident

# The channels staff record by hand on the intake page, in the order its buttons show them.
STAFF_INTAKE_CHANNELS = (Channel.WALK_IN, Channel.HOTLINE, Channel.COUNCIL, Channel.DEVICE_ALARM)


@transaction.atomic
def staff_intake_record(
    *,
    actor: User,
    channel: str,
    category: Category,
    description: str,
    solved_on_the_spot: bool,
    on_behalf_of: Resident | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Record what a resident brought to staff through channel, on the resident's behalf.

    Solved on the spot closes the case at once where the channel allows it (a device alarm
    never does); otherwise it stays open for follow-up in the resident's grid.
    """
    now = _now(now)
    _require_role(actor, INTAKE_ROLES, _("Your role may not record intake."))
    if actor.station is None:
        raise PermissionDenied(_("Your account belongs to no station."))
    if channel not in STAFF_INTAKE_CHANNELS:
        raise ValidationError({"channel": [_("Choose how the request reached you.")]})
    if on_behalf_of is not None and on_behalf_of.station_id != actor.station_id:
        raise ValidationError({"on_behalf_of": [_("That resident belongs to another station.")]})
    if solved_on_the_spot and channel not in ON_THE_SPOT_CHANNELS:
        raise ValidationError({"channel": [_("A device alarm is never solved on the spot; submit it for follow-up.")]})
    case = case_open(
        station=actor.station,
        actor=actor,
        channel=channel,
        category=category,
        description=description,
        reporter=on_behalf_of,
        contact_name=contact_name,
        contact_phone=contact_phone,
        now=now,
    )
    if solved_on_the_spot:
        if case.status == Status.REFERRED:
            raise ValidationError({"category": [_("This category goes to a department; submit it for follow-up.")]})
        case_transition(
            case=case,
            actor=actor,
            to_status=Status.RESOLVED,
            resolution=Resolution.ON_THE_SPOT,
            note=_("Solved on the spot."),
            now=now,
        )
        case_transition(case=case, actor=actor, to_status=Status.CLOSED, now=now)
        case.refresh_from_db()
    return case
