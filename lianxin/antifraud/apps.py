from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AntifraudConfig(AppConfig):
    name = "lianxin.antifraud"
    label = "antifraud"
    verbose_name = _("Anti-fraud")
    default_auto_field = "django.db.models.BigAutoField"
