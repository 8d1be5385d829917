"""What the mediation app contributes: a mediator's inbox, rooms, figures, and the resolved-locally metrics."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Role
from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec
from lianxin.mediation.selectors import may_mediate

PLUGIN = AppPlugin(
    label="mediation",
    urls=(("mediation/", "lianxin.mediation.urls"),),
    api_routers=(("/mediation", "lianxin.mediation.api.router"),),
    menu=(MenuEntry("mediation:inbox", _("Mediation"), may_mediate, order=46),),
    home={Role.MEDIATOR: "mediation:inbox"},
    metrics=(
        MetricSpec(
            key="mediation_disputes_received",
            label=_("Disputes taken into mediation"),
            definition=_("Disputes taken into one of the station's mediation rooms in the period."),
            compute="lianxin.mediation.metrics.disputes_received",
            rows="lianxin.cases.metrics.case_rows",
        ),
        MetricSpec(
            key="mediation_settled_locally",
            label=_("Disputes settled locally"),
            definition=_(
                "Disputes concluded in the period with an agreement or a partial agreement, of all disputes "
                "concluded in the period with an outcome (agreement, partial agreement, no agreement); withdrawn "
                "disputes count in neither."
            ),
            compute="lianxin.mediation.metrics.settled_locally",
            unit="share",
            min_sample=10,
            rows="lianxin.cases.metrics.case_rows",
        ),
        MetricSpec(
            key="mediation_days_to_agreement",
            label=_("Median time to agreement"),
            definition=_(
                "Median time from taking a dispute into a room to its signed agreement, for those settled in the period."
            ),
            compute="lianxin.mediation.metrics.days_to_agreement",
            unit="seconds",
            higher_is_better=False,
            rows="lianxin.cases.metrics.case_rows",
        ),
    ),
)
