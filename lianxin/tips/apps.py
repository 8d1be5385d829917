from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "lianxin.tips"
    label = "tips"
    verbose_name = _("Tips")
    default_auto_field = "django.db.models.BigAutoField"
