"""What each role may see and do: the one table selectors and services consult."""

from __future__ import annotations

from lianxin.core.models import Role

# Roles whose case scope is the whole station.
STATION_WIDE_ROLES = frozenset({Role.STATION_CHIEF, Role.REGISTRY_OFFICER, Role.AUXILIARY})
# Roles whose case scope is the grids they own (officer) or serve in (grid member).
GRID_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.GRID_MEMBER})
# Roles that work cases: accept, progress, resolve, assign, refer, add internal notes.
CASEWORKER_ROLES = STATION_WIDE_ROLES | GRID_ROLES
# Roles that may assign a case to someone else or reject it.
SUPERVISOR_ROLES = frozenset({Role.STATION_CHIEF, Role.COMMUNITY_OFFICER, Role.AUXILIARY, Role.REGISTRY_OFFICER})
# Roles that record contacts at the service cart and open cases on a resident's behalf.
INTAKE_ROLES = CASEWORKER_ROLES
# Roles that may see a whole mobile number (each whole view is audited).
PHONE_WHOLE_ROLES = frozenset({Role.STATION_CHIEF, Role.COMMUNITY_OFFICER, Role.REGISTRY_OFFICER, Role.AUXILIARY})
# Roles that may see a whole ID number (each whole view is audited).
ID_CARD_WHOLE_ROLES = frozenset({Role.STATION_CHIEF, Role.COMMUNITY_OFFICER, Role.REGISTRY_OFFICER})
# Roles that sign in with a second factor (TOTP) where settings.LIANXIN_REQUIRE_OTP: those that
# may see whole numbers.
OTP_ROLES = PHONE_WHOLE_ROLES | ID_CARD_WHOLE_ROLES
# Roles that see personal data masked; everyone else sees none of it at all.
PII_MASKED_ROLES = frozenset({Role.GRID_MEMBER, Role.AUXILIARY, Role.MEDIATOR, Role.LAWYER})
# Roles that may read the audit log.
AUDIT_READER_ROLES = frozenset({Role.STATION_CHIEF})
# Roles a case may be assigned to (the page, the API and case_assign all ask this one set): the
# caseworkers, the mediators and lawyers (disputes, legal advice) and the patrol volunteers (a
# follow-up on their beat). Lookouts and partner liaisons report; they are never assignees.
ASSIGNABLE_ROLES = CASEWORKER_ROLES | frozenset({Role.MEDIATOR, Role.LAWYER, Role.VOLUNTEER})
# Partner and volunteer roles whose report form files under their own channel (a volunteer's
# report is a patrol finding, not an online request); which channel is their app's plugin's say.
REPORTER_ROLES = frozenset({Role.VOLUNTEER, Role.LOOKOUT, Role.BANK_LIAISON})
# Roles that may look up residents.
PEOPLE_READER_ROLES = CASEWORKER_ROLES | frozenset({Role.MEDIATOR})


def has_role(user, roles: frozenset) -> bool:
    """Return True if an authenticated user holds one of roles (superusers hold all)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in roles)


def may_see_whole(user, kind: str) -> bool:
    """Return True if user may see a whole value of this personal-data kind."""
    from lianxin.core.pii import KIND_PHONE

    return has_role(user, PHONE_WHOLE_ROLES if kind == KIND_PHONE else ID_CARD_WHOLE_ROLES)


def may_see_masked(user, kind: str) -> bool:
    """Return True if user may see at least the masked form of this kind."""
    return may_see_whole(user, kind) or has_role(user, PII_MASKED_ROLES)
