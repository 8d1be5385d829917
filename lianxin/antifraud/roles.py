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


# --- the police–bank channel --------------------------------------------------------------------------------
# Send stop-payment and freeze requests, record refunds, write a loss off.
BANK_DESK_ROLES = CASEWORKER_ROLES
# Answer requests sent to their own bank and upload its ledgers (also the desk, for an answer phoned in).
BANK_ANSWER_ROLES = frozenset({Role.BANK_LIAISON})

# The legal clocks' defaults (each a setting): a bank answers a request within the hour; an emergency
# stop (紧急止付, 银发〔2016〕86号) holds 48 hours and may be placed on an account at most twice; a freeze
# (冻结) lasts six months and may be extended. The case officer is told before a hold ends.
DEFAULT_BANK_ANSWER_MINUTES = 60
DEFAULT_STOP_HOLD_HOURS = 48
DEFAULT_STOP_MAX_TIMES = 2
DEFAULT_FREEZE_DAYS = 180
DEFAULT_STOP_WARN_HOURS = 6
DEFAULT_FREEZE_WARN_DAYS = 7


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def bank_answer_minutes() -> int:
    """Minutes a bank has to answer a stop-payment or freeze request (ANTIFRAUD_BANK_ANSWER_MINUTES)."""
    return _setting("ANTIFRAUD_BANK_ANSWER_MINUTES", DEFAULT_BANK_ANSWER_MINUTES)


def stop_hold_hours() -> int:
    """Hours an emergency stop holds once the bank placed it (ANTIFRAUD_STOP_HOLD_HOURS)."""
    return _setting("ANTIFRAUD_STOP_HOLD_HOURS", DEFAULT_STOP_HOLD_HOURS)


def stop_max_times() -> int:
    """How many times one account may be stopped, the first stop included (ANTIFRAUD_STOP_MAX_TIMES)."""
    return _setting("ANTIFRAUD_STOP_MAX_TIMES", DEFAULT_STOP_MAX_TIMES)


def freeze_days() -> int:
    """Days a freeze lasts once placed, and each extension adds (ANTIFRAUD_FREEZE_DAYS)."""
    return _setting("ANTIFRAUD_FREEZE_DAYS", DEFAULT_FREEZE_DAYS)


def stop_warn_hours() -> int:
    """Hours before a stop ends that the case officer is warned (ANTIFRAUD_STOP_WARN_HOURS)."""
    return _setting("ANTIFRAUD_STOP_WARN_HOURS", DEFAULT_STOP_WARN_HOURS)


def freeze_warn_days() -> int:
    """Days before a freeze ends that the case officer is warned (ANTIFRAUD_FREEZE_WARN_DAYS)."""
    return _setting("ANTIFRAUD_FREEZE_WARN_DAYS", DEFAULT_FREEZE_WARN_DAYS)
