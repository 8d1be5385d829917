"""Patrols: one walk of a volunteer (its track of GPS fixes and its honest length), its findings and its alerts."""

from __future__ import annotations

import datetime as dt
import hashlib

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


# --- Rosters: shifts of a patrol team, who signed up, the events and notices they raise ---------------


class RosterPolicy(models.Model):
    """How a patrol team's roster is kept: a silver-hair team gets the shift-length and heat/cold limits.

    A team without a row is an ordinary team (no row means no limits beyond PATROL_HOURS_MAX).
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="roster_policy")
    is_silver_hair = models.BooleanField(_("silver-hair team"), default=False)

    def __str__(self) -> str:
        return f"{self.team} ({'silver-hair' if self.is_silver_hair else 'ordinary'})"


class ShiftSeries(models.Model):
    """The recurring rule a batch of shifts was made from (RFC 5545 RRULE in the station's local wall time)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shift_series")
    rrule = models.CharField(_("recurrence rule"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.team} {self.rrule}"


class ShiftStatus(models.TextChoices):
    OPEN = "open", _("On")
    CALLED_OFF_HEAT = "called_off_heat", _("Called off for heat")
    CALLED_OFF_COLD = "called_off_cold", _("Called off for cold")
    CANCELLED = "cancelled", _("Cancelled")


class Shift(models.Model):
    """One shift of a patrol team: a time (aware, stored in UTC), a place or border segment, a minimum of people.

    is_night is worked out when the shift is made, in the station's zone (patrols.services.rosters.
    shift_is_night): a shift is a night shift when any part of it falls in the night hours.
    The buddy rule and the heat/cold cut-off are decided in patrols.services.rosters.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="shifts")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shifts")
    series = models.ForeignKey(ShiftSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="shifts")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    segment = models.ForeignKey(
        "places.Landmark", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("segment")
    )
    min_people = models.PositiveSmallIntegerField(_("minimum people"), default=2)
    is_night = models.BooleanField(_("night shift"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=ShiftStatus.choices, default=ShiftStatus.OPEN)
    forecast_c = models.FloatField(_("forecast temperature (°C)"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # iCalendar SEQUENCE: bumped on every change a calendar must pick up (time, place, status), with
    # updated_at, so a phone that subscribed replaces its copy of the event instead of keeping both.
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["team", "starts_at"], name="shift_team_time"),
            models.Index(fields=["starts_at"], name="shift_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_called_off(self) -> bool:
        """True when the shift is off: for heat, for cold, or cancelled by its leader."""
        return self.status != ShiftStatus.OPEN

    @property
    def is_cancelled(self) -> bool:
        return self.status == ShiftStatus.CANCELLED

    @property
    def where(self) -> str:
        """Return where the shift walks: its place, else its border segment's name, else ""."""
        return self.place or (self.segment.name if self.segment_id and self.segment else "")

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    def has_started_at(self, now: dt.datetime) -> bool:
        return now >= self.starts_at


class ShiftSignup(models.Model):
    """A member's place on a shift; withdrawing keeps the row (withdrawn_at), signing up again clears it.

    reminded_at is set once, by the reminder sweep's conditional update (the claim), so a member
    hears the reminder of a shift exactly once however many workers run.
    """

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shift_signups")
    signed_up_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["signed_up_at", "id"]
        constraints = [models.UniqueConstraint(fields=["shift", "member"], name="shift_signup_once")]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ShiftEventKind(models.TextChoices):
    CREATED = "created", _("Shift made")
    SIGNUP = "signup", _("Signed up")
    WITHDRAW = "withdraw", _("Withdrew")
    FORECAST = "forecast", _("Forecast recorded")
    CALLED_OFF = "called_off", _("Called off")
    REINSTATED = "reinstated", _("On again")
    REMINDED = "reminded", _("Reminded")
    EDITED = "edited", _("Changed")
    CANCELLED = "cancelled", _("Cancelled")


class ShiftEvent(models.Model):
    """Append-only record of a shift: each change of its roster, its forecast or its status, and each reminder."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=ShiftEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ALONE = "alone", _("Someone left alone on a night shift")
    CALLED_OFF = "called_off", _("Shift called off")
    REINSTATED = "reinstated", _("Shift on again")
    CHANGED = "changed", _("Shift changed")
    CANCELLED = "cancelled", _("Shift cancelled")


class ShiftNotice(models.Model):
    """What a member or leader was told about a shift (also pushed live to their open pages, core.live)."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shift_notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    text = models.CharField(max_length=300)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["user", "sent_at"], name="shift_notice_user_time")]


class RosterFeed(models.Model):
    """A secret calendar link of one member for one team's roster; only the SHA-256 of the token is kept.

    A phone calendar subscribes to it without signing in; making a new link or revoking the
    link sets revoked_at, after which the old URL answers 404.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="roster_feeds")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster_feeds")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def digest_of(token: str) -> str:
        """Return the SHA-256 (hex) under which a link's token is kept."""
        return hashlib.sha256(token.encode()).hexdigest()
