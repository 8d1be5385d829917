"""Patrols: one walk of a volunteer (its track of GPS fixes and its honest length), its findings and its alerts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case
from lianxin.core.models import Station
from lianxin.people.models import Team


class PatrolStatus(models.TextChoices):
    ACTIVE = "active", _("On patrol")
    ENDED = "ended", _("Ended")


class PatrolSource(models.TextChoices):
    PHONE = "phone", _("Phone")
    GPX = "gpx", _("GPX file")


class Patrol(models.Model):
    """One patrol of one member: started, walked (the track), stopped; its distance comes from the track.

    distance_m and the point counts are recomputed from every stored point after each upload
    (lianxin.engines.geo.track), so they never depend on the order the points arrived in.
    alert_after is the lone-worker deadline: no new point by then raises an alert (the sweep).
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="patrols")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="patrols")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols")
    status = models.CharField(_("status"), max_length=10, choices=PatrolStatus.choices, default=PatrolStatus.ACTIVE)
    source = models.CharField(_("source"), max_length=10, choices=PatrolSource.choices, default=PatrolSource.PHONE)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    distance_m = models.FloatField(_("distance (m)"), default=0.0)
    points_count = models.PositiveIntegerField(default=0)
    points_rejected = models.PositiveIntegerField(default=0)
    engine_version = models.CharField(max_length=20, blank=True)
    last_point_at = models.DateTimeField(null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    alert_after = models.DateTimeField(null=True, blank=True, db_index=True)
    # Coverage, worked out when the patrol ends: the grids its track crossed and the border
    # segments (places.Landmark ids) it passed within SEGMENT_NEAR_M of.
    grid_ids = models.JSONField(default=list, blank=True)
    segment_ids = models.JSONField(default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["station", "started_at"], name="patrol_station_time"),
            models.Index(fields=["team", "started_at"], name="patrol_team_time"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status == PatrolStatus.ACTIVE

    def duration_at(self, now: dt.datetime) -> dt.timedelta:
        return (self.ended_at or now) - self.started_at

    @property
    def km(self) -> float:
        return self.distance_m / 1000


class TrackPoint(models.Model):
    """One GPS fix of a patrol, as the phone (or the GPS file) recorded it; a repeated time is stored once."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    recorded_at = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at"]
        constraints = [models.UniqueConstraint(fields=["patrol", "recorded_at"], name="patrol_point_once")]


class FindingKind(models.TextChoices):
    FIRE_HAZARD = "fire_hazard", _("Fire hazard")
    DISPUTE = "dispute", _("Dispute")
    SUSPICIOUS = "suspicious", _("Suspicious person or activity")
    SCAM = "scam", _("Scam in progress")
    ELDER = "elder", _("An elder who needs help")
    BORDER = "border", _("Border safety")
    OTHER = "other", _("Something else")


class Finding(models.Model):
    """Something found on patrol, taken in as a case (channel patrol finding) at the point where it was found."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="findings")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="patrol_finding")
    kind = models.CharField(_("kind"), max_length=20, choices=FindingKind.choices)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["found_at", "id"]


class AlertKind(models.TextChoices):
    STILL = "still", _("No movement or signal")
    HELP = "help", _("Asked for help")


class PatrolAlert(models.Model):
    """A lone-worker alert: raised by the sweep (no point for too long) or by the member; open until acknowledged."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    raised_at = models.DateTimeField()
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
