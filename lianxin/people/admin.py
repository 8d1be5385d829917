from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lianxin.people.models import Resident, Team, TeamMembership


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("name", "station", "grid", "masked_phone", "is_living_alone")
    list_filter = ("station", "grid", "is_living_alone", "is_bedridden")
    search_fields = ("name",)
    # Whole numbers are never shown or edited here: the audited pages do that.
    exclude = ("phone", "id_number")
    readonly_fields = ("masked_phone", "masked_id_number")

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return str(obj.phone or "")

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return str(obj.id_number or "")


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "station", "grid")
    list_filter = ("kind", "station")
    inlines = [MembershipInline]
