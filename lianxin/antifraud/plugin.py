"""What the anti-fraud desk contributes: its pages, API, menu, the responders' and bank liaisons' landing pages,
sweeps, metrics."""

from django.utils.translation import gettext_lazy as _

from lianxin.antifraud.roles import BANK_ANSWER_ROLES, DESK_ROLES, RESPONDER_ROLES
from lianxin.cases.models import Channel
from lianxin.core.models import Role
from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec
from lianxin.core.roles import has_role

M = "lianxin.antifraud.metrics."

PLUGIN = AppPlugin(
    label="antifraud",
    urls=(("fraud/", "lianxin.antifraud.urls"),),
    api_routers=(("/antifraud", "lianxin.antifraud.api.router"), ("/bank", "lianxin.antifraud.api_bank.router")),
    menu=(
        MenuEntry("antifraud:check", _("Is this a scam?"), lambda u: not has_role(u, DESK_ROLES), order=25),
        MenuEntry("antifraud:desk", _("Anti-fraud"), lambda u: has_role(u, DESK_ROLES), order=35),
        MenuEntry(
            "antifraud:warnings",
            _("Fraud warnings"),
            lambda u: has_role(u, RESPONDER_ROLES) and not has_role(u, DESK_ROLES),
            order=36,
        ),
        MenuEntry("antifraud:losses", _("Fraud losses"), lambda u: has_role(u, DESK_ROLES), order=37),
        MenuEntry(
            "antifraud:bank_inbox", _("Requests to the bank"), lambda u: has_role(u, BANK_ANSWER_ROLES), order=20
        ),
    ),
    # The officers' fraud-loss creates (antifraud.api_losses) honour an Idempotency-Key header.
    idempotent_paths=(
        r"/api/v1/antifraud/losses",
        r"/api/v1/antifraud/losses/\d+/(?:transfers|requests)",
        r"/api/v1/antifraud/ledgers/\d+/traces",
    ),
    home={Role.VOLUNTEER: "antifraud:warnings", Role.BANK_LIAISON: "antifraud:bank_inbox"},
    sweeps={
        "antifraud_warnings_escalate": "lianxin.antifraud.services.warnings_escalate",
        "antifraud_screenshots_purge": "lianxin.antifraud.services.screenshots_purge",
        "antifraud_bank_clocks": "lianxin.antifraud.services.bank_requests_sweep",
        "antifraud_bank_deliveries": "lianxin.antifraud.services.bank_deliveries_sweep",
    },
    # A resident files 'about to pay' through the fraud-screening channel; a volunteer who finds
    # the money already gone opens the fraud-loss case through it.
    filing_channels={Role.RESIDENT: (Channel.FRAUD_SCREENING,), Role.VOLUNTEER: (Channel.FRAUD_SCREENING,)},
    metrics=(
        MetricSpec(
            key="antifraud_messages_screened",
            label=_("Messages screened"),
            definition=_("Messages residents and the clinic checked on the anti-fraud page in the period."),
            compute=M + "messages_screened",
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_warnings",
            label=_("Fraud warnings received"),
            definition=_("Warnings that a resident was about to be defrauded, received in the period."),
            compute=M + "warnings_received",
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_dissuaded",
            label=_("Transfers stopped"),
            definition=_("Warnings whose responder talked the resident out of paying."),
            compute=M + "warnings_dissuaded",
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_protected_fen",
            label=_("Amount protected"),
            definition=_("Money the dissuaded residents did not send, as the responders recorded it."),
            compute=M + "amount_protected",
            unit="fen",
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_reached_in_time",
            label=_("Warnings reached in time"),
            definition=_("Share of warnings whose resident was reached before the deadline."),
            compute=M + "reached_in_time_share",
            unit="share",
            min_sample=5,
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_median_contact_seconds",
            label=_("Median time to first contact"),
            definition=_("From a warning's arrival to the responder reaching the resident, the middle value."),
            compute=M + "median_contact_seconds",
            unit="seconds",
            higher_is_better=False,
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_requests_sent",
            label=_("Stop-payment and freeze requests"),
            definition=_("Requests to partner banks to stop or freeze an account that received a victim's money."),
            compute=M + "requests_sent",
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_held_fen",
            label=_("Money held by banks"),
            definition=_("What the banks stopped or froze on the station's requests sent in the period."),
            compute=M + "money_held",
            unit="fen",
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_returned_fen",
            label=_("Money returned to victims"),
            definition=_("Money brought back to fraud victims in the period, as the desk recorded each refund."),
            compute=M + "money_returned",
            unit="fen",
            records="antifraud:records",
        ),
        MetricSpec(
            key="antifraud_held_in_two_hours",
            label=_("Losses with money held within two hours"),
            definition=_("Share of the fraud losses reported in the period whose money a bank held within two hours."),
            compute=M + "held_in_two_hours_share",
            unit="share",
            min_sample=3,
            records="antifraud:records",
        ),
    ),
)
