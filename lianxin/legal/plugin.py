"""What the legal app contributes: the ask page, a lawyer's inbox, the rota, the reminder sweep and its figures."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Role
from lianxin.core.plugins import AppPlugin, MenuEntry, MetricSpec
from lianxin.legal.selectors import may_read_consultations, may_run_checkups

PLUGIN = AppPlugin(
    label="legal",
    urls=(("legal/", "lianxin.legal.urls"),),
    api_routers=(("/legal", "lianxin.legal.api.router"),),
    menu=(
        MenuEntry(
            "legal:ask",
            _("Legal questions"),
            lambda u: not u.is_authenticated or u.role == Role.RESIDENT,
            order=25,
        ),
        MenuEntry("legal:inbox", _("Legal consultations"), may_read_consultations, order=45),
        MenuEntry("legal:enterprises", _("Legal check-ups"), may_run_checkups, order=47),
    ),
    home={Role.LAWYER: "legal:inbox"},
    sweeps={"legal_bookings_remind": "lianxin.legal.services.bookings_remind"},
    metrics=(
        MetricSpec(
            key="legal_consultations_answered",
            label=_("Legal consultations answered"),
            definition=_("Consultations a duty lawyer answered in the period (each kept consultation is a case)."),
            compute="lianxin.legal.metrics.consultations_answered",
            rows="lianxin.cases.metrics.case_rows",
        ),
        MetricSpec(
            key="legal_consultations_kept",
            label=_("Legal consultations kept"),
            definition=_("Questions residents kept as a consultation in the period, online or at the cart."),
            compute="lianxin.legal.metrics.consultations_asked",
            rows="lianxin.cases.metrics.case_rows",
        ),
        MetricSpec(
            key="legal_checkup_findings_fixed",
            label=_("Check-up findings fixed"),
            definition=_("Risks found at enterprise legal check-ups that the enterprise fixed in the period."),
            compute="lianxin.legal.metrics.findings_fixed",
        ),
    ),
)
