"""Admin for configuration rows. Personal data shows masked and is never edited here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import ApiToken, AuditEntry, Partner, Station, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """An append-only log: visible, never added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "address")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "station", "reply_hours")
    list_filter = ("kind", "station")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "station", "is_active")
    list_filter = ("role", "station", "is_active")
    search_fields = ("username", "display_name")
    readonly_fields = ("masked_phone",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Lianxin"), {"fields": ("station", "role", "display_name", "partner", "masked_phone")}),
    )

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return str(obj.phone or "")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_id", "field")
    list_filter = ("action", "target_type")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "is_active")
    fields = ("name", "user", "prefix", "is_active", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at", "user", "name")

    def has_add_permission(self, request):
        return False  # keys are made with `lianxin create_api_token`, which shows the key once
