"""What the tips app contributes: the lookout's page and the officers' tips, the API, the lookout's landing page, metrics."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Role
from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec
from lianxin.tips.selectors import may_read_tips, may_see_coverage, may_send_named

M = "lianxin.tips.metrics."

PLUGIN = AppPlugin(
    label="tips",
    urls=(("tips/", "lianxin.tips.urls"),),
    api_routers=(("/tips", "lianxin.tips.api.router"),),
    menu=(
        # The lookout's "Report something" (我要上报) is a tip: recorded as a Tip, its case opened by tip_send.
        MenuEntry("tips:home", _("Report something"), may_send_named, order=20),
        MenuEntry("tips:desk", _("Tips"), may_read_tips, order=46),
        MenuEntry("tips:posts", _("Lookout network"), may_see_coverage, order=47),
    ),
    home={Role.LOOKOUT: "tips:home"},
    report_pages={Role.LOOKOUT: "tips:home"},
    metrics=(
        MetricSpec(
            key="tips_received",
            label=_("Lookout tips"),
            definition=_("Tips the safety lookouts and anonymous tipsters sent in the period; each is a case."),
            compute=M + "tips_received",
            rows=M + "tip_rows",
        ),
        MetricSpec(
            key="tips_acted_on",
            label=_("Tips acted on"),
            definition=_(
                "Share of the period's tips that the officer judged confirmed or useful, or whose case was "
                "resolved with an action."
            ),
            compute=M + "tips_acted_on",
            unit="share",
            min_sample=5,
            rows=M + "tip_rows",
        ),
    ),
)
