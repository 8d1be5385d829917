"""Who may do what at the anti-fraud desk (built on core.roles)."""

from __future__ import annotations

from django.conf import settings

from lianxin.core.models import Role
from lianxin.core.roles import CASEWORKER_ROLES, STATION_WIDE_ROLES, SUPERVISOR_ROLES

# Run the clinic, see warnings of their scope, see kept screenings and screenshots.
DESK_ROLES = CASEWORKER_ROLES
# Add, review and import blacklist entries.
BLACKLIST_ROLES = SUPERVISOR_ROLES
# May be sent a warning and answer it.
RESPONDER_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.GRID_MEMBER, Role.VOLUNTEER}) | STATION_WIDE_ROLES
# Raise a warning by hand (officers, the desk, a bank's liaison for a bank alert).
WARNING_RAISER_ROLES = CASEWORKER_ROLES | frozenset({Role.BANK_LIAISON})
# Record campaigns.
CAMPAIGN_ROLES = SUPERVISOR_ROLES

DEFAULT_ACK_MINUTES = 5
DEFAULT_DUTY_PHONE = "110"


def ack_minutes() -> int:
    """Minutes a dispatched warning may stay unacknowledged before the sweep escalates it (a setting)."""
    return int(getattr(settings, "ANTIFRAUD_ACK_MINUTES", DEFAULT_ACK_MINUTES))


def duty_phone() -> str:
    """The duty desk's number shown to a resident who is about to pay or has paid."""
    return str(getattr(settings, "ANTIFRAUD_DUTY_PHONE", DEFAULT_DUTY_PHONE))
