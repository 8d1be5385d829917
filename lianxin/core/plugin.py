"""What core contributes to the site: sign-in, the home page, the audit log."""

from django.utils.translation import gettext_lazy as _

from lianxin.core.plugins import AppPlugin, MenuEntry
from lianxin.core.roles import AUDIT_READER_ROLES, has_role

PLUGIN = AppPlugin(
    label="core",
    urls=(("", "lianxin.core.urls"),),
    sweeps={"audit_retention": "lianxin.core.services.audit_retention_sweep"},
    menu=(
        MenuEntry("core:audit", _("Audit log"), lambda user: has_role(user, AUDIT_READER_ROLES), order=80),
        MenuEntry("core:login", _("Sign in"), lambda user: not user.is_authenticated, order=900),
    ),
)
