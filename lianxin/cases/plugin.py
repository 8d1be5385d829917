"""What the case spine contributes to the site: its pages, API, menu, landing pages, sweep and channels."""

from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Channel
from lianxin.core.models import Role
from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec, report_page
from lianxin.core.roles import CASEWORKER_ROLES, INTAKE_ROLES, REPORTER_ROLES, has_role

_M = "lianxin.cases.metrics."


def _metric(
    key, label, definition, *, unit="count", min_sample=0, higher_is_better=True, rows="case_rows", additive=True
):
    # Every spine figure counts things fixed by one moment (opened, rated, resolved), so it adds up
    # over the months of a period, except the two states at the period's end (open, overdue).
    return MetricSpec(
        key=key,
        label=label,
        definition=definition,
        compute=_M + key,
        unit=unit,
        min_sample=min_sample,
        higher_is_better=higher_is_better,
        rows=_M + rows,
        additive=additive,
    )


METRICS = (
    _metric(
        "public_order_incidents",
        _("Public-order incidents"),
        _(
            "Cases of a public-order category opened in the period, duplicates and rejected filings left out; "
            "compared with the same period a year before."
        ),
        higher_is_better=False,
    ),
    _metric(
        "satisfaction",
        _("Satisfaction"),
        _("Share of the ratings residents gave in the period that are 4 or 5 out of 5, of all ratings given."),
        unit="share",
        min_sample=20,
    ),
    _metric(
        "resolved_locally",
        _("Resolved locally"),
        _("Share of the cases resolved in the period that the station settled itself, not referred to a department."),
        unit="share",
        min_sample=20,
    ),
    _metric(
        "on_the_spot_share",
        _("Solved on the spot"),
        _("Share of the cases resolved in the period that were solved on the spot."),
        unit="share",
        min_sample=20,
    ),
    _metric(
        "solved_at_the_cart",
        _("Solved at the cart"),
        _("Requests brought to the service cart in the period and solved there on the spot."),
    ),
    _metric(
        "people_served",
        _("People served at the cart"),
        _("People served at the service cart in the period (a contact may count a whole family)."),
    ),
    _metric(
        "cart_outings",
        _("Cart outings"),
        _("Outings of the service cart started in the period."),
        rows="cart_stop_rows",
    ),
    _metric(
        "open_cases",
        _("Open cases"),
        _("Cases opened before the end of the period that are still open."),
        higher_is_better=False,
        additive=False,
    ),
    _metric(
        "overdue_cases",
        _("Overdue cases"),
        _("Open cases whose service-level deadline passed before the end of the period."),
        higher_is_better=False,
        additive=False,
    ),
)


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
        MenuEntry(
            "cases:file",
            _("Report something"),
            lambda u: has_role(u, REPORTER_ROLES) and not report_page(u.role),
            order=20,
        ),
        MenuEntry("cases:cart", _("Service cart"), lambda u: has_role(u, INTAKE_ROLES), order=30),
        MenuEntry("cases:intake", _("Intake"), lambda u: has_role(u, INTAKE_ROLES), order=31),
        MenuEntry("cases:map", _("Map"), lambda u: has_role(u, CASEWORKER_ROLES), order=32),
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
        # The duty desk (auxiliary police) starts from what nobody has taken yet.
        Role.AUXILIARY: "cases:inbox?box=unassigned",
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
    metrics=METRICS,
    audit_targets={"case": "lianxin.cases.selectors.case_audit_labels"},
)
