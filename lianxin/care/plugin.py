"""What the care app contributes: its pages, API, menu entries, the three sweeps of its deadlines, its figures."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Role
from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec
from lianxin.core.roles import CASEWORKER_ROLES, has_role

M = "lianxin.care.metrics."

PLUGIN = AppPlugin(
    label="care",
    urls=(("care/", "lianxin.care.urls"),),
    api_routers=(("/care", "lianxin.care.api.router"),),
    menu=(
        MenuEntry("care:list", _("Elders living alone"), lambda u: has_role(u, CASEWORKER_ROLES), order=45),
        MenuEntry("care:me", _("I'm fine"), lambda u: getattr(u, "role", "") == Role.RESIDENT, order=45),
    ),
    sweeps={
        "care_checkins_missed": "lianxin.care.services.checkins_missed",
        "care_alarms_escalate": "lianxin.care.services.alarms_escalate",
        "care_devices_offline": "lianxin.care.services.devices_offline",
    },
    metrics=(
        MetricSpec(
            key="care_checkins_kept",
            label=_("Check-ins kept"),
            definition=_(
                "Of the days an enrolled elder was expected to check in, the share checked in before the "
                "window closed (plus grace)."
            ),
            compute=M + "checkins_kept",
            unit="share",
            min_sample=5,
        ),
        MetricSpec(
            key="care_alarms",
            label=_("Care alarms"),
            definition=_("Missed check-ins, SOS presses and silent call devices that started an alarm in the period."),
            compute=M + "alarms_started",
            higher_is_better=False,
            rows=M + "alarm_rows",
        ),
        MetricSpec(
            key="care_alarms_acknowledged",
            label=_("Care alarms answered by a person"),
            definition=_(
                "Share of the period's alarms that someone answered (family, grid member or officer), "
                "rather than closing by a late check-in or the device coming back."
            ),
            compute=M + "alarms_acknowledged",
            unit="share",
            min_sample=3,
            rows=M + "alarm_rows",
        ),
        MetricSpec(
            key="care_median_ack_seconds",
            label=_("Median time to answer a care alarm"),
            definition=_("From an alarm's start to the first person answering it, the middle value."),
            compute=M + "median_ack_seconds",
            unit="seconds",
            higher_is_better=False,
        ),
        MetricSpec(
            key="care_sos",
            label=_("SOS presses"),
            definition=_("Alarms started by the red key of a call device in the period."),
            compute=M + "sos_started",
            higher_is_better=False,
        ),
        MetricSpec(
            key="care_alarms_at_station",
            label=_("Care alarms that reached the officer"),
            definition=_(
                "Missed check-ins nobody in the family or the grid answered, so the community officer was sent "
                "and a welfare-check case opened, plus SOS presses (they go to the officer at once)."
            ),
            compute=M + "alarms_at_station",
            higher_is_better=False,
            rows=M + "alarm_rows",
        ),
        MetricSpec(
            key="care_devices_offline",
            label=_("Call devices gone silent"),
            definition=_("Times a call device stopped sending its heartbeat (or lost its connection) in the period."),
            compute=M + "devices_offline",
            higher_is_better=False,
        ),
        MetricSpec(
            key="care_home_visits",
            label=_("Home visits to elders"),
            definition=_("Home visits to enrolled elders recorded in the period (routine, ID card, after an alarm)."),
            compute=M + "home_visits",
        ),
    ),
)
