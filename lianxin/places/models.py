"""Grids (community cells as polygons) and the geometry that places a point in one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Station


class Grid(models.Model):
    """A community grid: a polygon with its police chief and its grid members."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="grids")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    # GeoJSON geometry (Polygon or MultiPolygon), WGS84 lon/lat order as GeoJSON requires.
    boundary = models.JSONField(_("boundary"))
    police_chief = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grids_led",
        verbose_name=_("police chief"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="grids_served", verbose_name=_("grid members")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["station", "code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="grid_code_unique_per_station")]

    def __str__(self) -> str:
        return self.name


class Landmark(models.Model):
    """What the station's own base map draws beside the grids: the river, border segments, sites."""

    class Kind(models.TextChoices):
        RIVER = "river", _("River")
        BORDER = "border", _("Border segment")
        SITE = "site", _("Site")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="landmarks")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    # GeoJSON geometry, WGS84 lon/lat: a LineString for a river or border segment, a Point for a site.
    geometry = models.JSONField(_("geometry"))

    class Meta:
        verbose_name = _("landmark")
        verbose_name_plural = _("landmarks")
        ordering = ["station", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building of the station's area (a block of flats, a shop front, a market hall): a point in a grid.

    Lookouts' beats name the buildings they cover; the grid is the one the point lies in,
    set by places.services.building_save (None outside every grid).
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="buildings")
    grid = models.ForeignKey(
        Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="buildings", verbose_name=_("grid")
    )
    name = models.CharField(_("name"), max_length=100)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["station", "grid", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="building_name_unique_per_station")]

    def __str__(self) -> str:
        return self.name
