"""The admin's grid page, which edits through grid_save (its boundary check and cache clear)."""

from django import forms
from django.contrib import admin

from lianxin.places.geometry import boundary_error
from lianxin.places.models import Grid, Landmark
from lianxin.places.services import grid_save


class GridAdminForm(forms.ModelForm):
    class Meta:
        model = Grid
        fields = ("station", "code", "name", "boundary", "police_chief", "members")

    def clean_boundary(self):
        boundary = self.cleaned_data["boundary"]
        problem = boundary_error(boundary)
        if problem:
            raise forms.ValidationError(problem)
        return boundary


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    form = GridAdminForm
    list_display = ("code", "name", "station", "police_chief")
    list_filter = ("station",)
    filter_horizontal = ("members",)

    def save_model(self, request, obj, form, change):
        grid = grid_save(
            actor=None if request.user.is_superuser else request.user,
            station=obj.station,
            code=obj.code,
            name=obj.name,
            boundary=obj.boundary,
            police_chief=obj.police_chief,
            grid_id=obj.pk if change else None,
        )
        # The admin then saves the members on obj: point it at the row grid_save wrote.
        obj.pk = grid.pk


@admin.register(Landmark)
class LandmarkAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "station")
    list_filter = ("station", "kind")
