"""What the case spine contributes to the site: its pages, API, menu, landing pages, sweep and channels."""

from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Channel
from lianxin.core.models import Role
from lianxin.core.plugins import AppPlugin, MenuEntry
from lianxin.core.roles import CASEWORKER_ROLES, INTAKE_ROLES, REPORTER_ROLES, has_role


def _is_resident(user) -> bool:
    return user.is_authenticated and user.role == Role.RESIDENT


def _works_cases(user) -> bool:
    return user.is_authenticated and user.role != Role.RESIDENT


PLUGIN = AppPlugin(
    label="cases",
    urls=(("cases/", "lianxin.cases.urls"), ("open311/v2/", "lianxin.cases.open311_urls")),
    api_routers=(("/cases", "lianxin.cases.api.router"), ("/categories", "lianxin.cases.api.categories_router")),
    menu=(
        MenuEntry("cases:mine", _("My requests"), _is_resident, order=10),
        MenuEntry("cases:inbox", _("Cases"), _works_cases, order=10),
        MenuEntry("cases:file", _("File a request"), lambda u: not u.is_authenticated or _is_resident(u), order=20),
        MenuEntry("cases:file", _("Report something"), lambda u: has_role(u, REPORTER_ROLES), order=20),
        MenuEntry("cases:cart", _("Service cart"), lambda u: has_role(u, INTAKE_ROLES), order=30),
        MenuEntry(
            "cases:referrals",
            _("Referrals"),
            lambda u: has_role(u, CASEWORKER_ROLES) or (u.is_authenticated and u.role == Role.DEPARTMENT_LIAISON),
            order=40,
        ),
    ),
    home={
        **{role: "cases:inbox" for role in Role.values},
        Role.RESIDENT: "cases:mine",
        Role.DEPARTMENT_LIAISON: "cases:referrals",
        Role.AUXILIARY: "cases:cart",
    },
    sweeps={
        "cases_auto_close": "lianxin.cases.services.cases_auto_close",
        "case_contact_retention": "lianxin.cases.services.spine.case_contact_retention_sweep",
    },
    # Channels that the station's partners and volunteers use besides self-service; the first
    # is the one a reporter role's report form files under.
    filing_channels={
        Role.VOLUNTEER: (Channel.PATROL_FINDING,),
        Role.LOOKOUT: (Channel.LOOKOUT_TIP,),
        Role.BANK_LIAISON: (Channel.BANK_ALERT,),
        Role.DEPARTMENT_LIAISON: (Channel.REFERRAL_IN,),
        Role.MEDIATOR: (Channel.WALK_IN,),
        Role.LAWYER: (Channel.WALK_IN,),
    },
)
