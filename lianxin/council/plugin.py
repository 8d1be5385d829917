"""What the council app contributes: its pages, menu entry, the sweep keeping series ahead, and its metrics."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec
from lianxin.council.selectors import may_run_councils

PLUGIN = AppPlugin(
    label="council",
    urls=(("council/", "lianxin.council.urls"),),
    menu=(MenuEntry("council:list", _("Councils"), may_run_councils, order=50),),
    sweeps={"council_series_extend": "lianxin.council.services.series_extend"},
    metrics=(
        MetricSpec(
            key="council_concerns",
            label=_("Concerns raised at councils"),
            definition=_("Concerns residents raised at open-air councils held in the period; each is a case."),
            compute="lianxin.council.metrics.concerns_raised",
            rows="lianxin.council.metrics.concern_rows",
            additive=True,
        ),
        MetricSpec(
            key="council_attendance",
            label=_("Council attendance"),
            definition=_("People who signed in at open-air councils held in the period (once per device)."),
            compute="lianxin.council.metrics.attendance",
            additive=True,
        ),
    ),
)
