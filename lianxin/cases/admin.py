from django.contrib import admin

from lianxin.cases.models import CartStop, Case, CaseEvent, Category, Referral
from lianxin.core.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The configurable catalogue: service codes, service levels, routing and referral rules."""

    list_display = (
        "code",
        "name",
        "group",
        "sla_hours",
        "is_public_order",
        "default_team",
        "referral_partner",
        "is_active",
    )
    list_filter = ("station", "is_public_order", "is_active", "group")
    search_fields = ("code", "name")


class EventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("at", "kind", "actor", "from_status", "to_status", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases change only through the case pages and API (services write the timeline)."""

    list_display = ("number", "category", "status", "channel", "grid", "assignee", "opened_at", "due_at")
    list_filter = ("status", "channel", "station", "category")
    search_fields = ("number", "title")
    exclude = ("contact_phone",)
    inlines = [EventInline]


@admin.register(CartStop)
class CartStopAdmin(ReadOnlyAdmin):
    list_display = ("place", "officer", "started_at", "ended_at")


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("case", "partner", "state", "sent_at", "reply_due_at", "replied_at")
