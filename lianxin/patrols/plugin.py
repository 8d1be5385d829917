"""What the patrols app contributes: the member's and the desk's pages, the API, the lone-worker and reminder sweeps, metrics."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec
from lianxin.patrols.selectors import may_patrol, may_watch

M = "lianxin.patrols.metrics."

PLUGIN = AppPlugin(
    label="patrols",
    urls=(("patrols/", "lianxin.patrols.urls"),),
    api_routers=(("/patrols", "lianxin.patrols.api.router"),),
    menu=(
        MenuEntry("patrols:home", _("Patrol"), lambda u: may_patrol(u) and not may_watch(u), order=20),
        MenuEntry("patrols:desk", _("Patrols"), may_watch, order=45),
        # The roster: beside "Patrol" for the members, after the desk's "Patrols" for the staff.
        MenuEntry("patrols:roster", _("Roster"), lambda u: may_patrol(u) and not may_watch(u), order=21),
        MenuEntry("patrols:roster", _("Roster"), may_watch, order=46),
    ),
    on_duty="lianxin.patrols.duty.on_duty",
    sweeps={
        "patrols_watch": "lianxin.patrols.services.patrols_watch",
        "patrols_shift_reminders": "lianxin.patrols.services.rosters.shift_reminders_send",
    },
    metrics=(
        MetricSpec(
            key="patrols_metres",
            label=_("Distance patrolled"),
            definition=_(
                "Length of the tracks of patrols started in the period, measured on the ground from their GPS "
                "points, with jumps faster than walking and jitter while standing still left out."
            ),
            compute=M + "metres_patrolled",
            unit="metres",
        ),
        MetricSpec(
            key="patrols_walked",
            label=_("Patrols walked"),
            definition=_("Patrols started in the period and since ended, from the phone or a GPS file."),
            compute=M + "patrols_walked",
        ),
        MetricSpec(
            key="patrols_findings",
            label=_("Patrol findings"),
            definition=_("Things found on patrol and reported in the period; each is a case."),
            compute=M + "findings_reported",
            rows=M + "finding_rows",
        ),
    ),
)
