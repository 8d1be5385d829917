"""What insights contributes: the dashboard, records behind each figure, grid boards, reports and the monthly sweep."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.plugins import AppPlugin, MenuEntry
from lianxin.insights.selectors import may_see_insights

PLUGIN = AppPlugin(
    label="insights",
    urls=(("insights/", "lianxin.insights.urls"),),
    menu=(MenuEntry("insights:dashboard", _("Figures"), may_see_insights, order=80),),
    sweeps={
        "insights_monthly_reports": "lianxin.insights.services.reports_monthly_sweep",
        # The dashboard's closed months, counted once an hour so the page adds them up.
        "insights_snapshots": "lianxin.insights.services.snapshots_refresh",
    },
)
