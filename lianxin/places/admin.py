from django.contrib import admin

from lianxin.places.models import Grid


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "station", "police_chief")
    list_filter = ("station",)
    filter_horizontal = ("members",)
