"""Open-air councils: a weekly series per grid, its meetings, who came, and the concerns raised (each a case)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case
from lianxin.core.models import Station
from lianxin.places.models import Grid


def new_signin_token() -> str:
    return secrets.token_urlsafe(9)


class MeetingSeries(models.Model):
    """A recurring council (an RFC 5545 recurrence rule from its first meeting, in the station's zone)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="council_series")
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="council_series", verbose_name=_("grid"))
    title = models.CharField(_("title"), max_length=100)
    place = models.CharField(_("place"), max_length=100)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rrule = models.CharField(_("recurrence rule"), max_length=200)
    first_at = models.DateTimeField(_("first meeting"))
    duration_minutes = models.PositiveSmallIntegerField(_("minutes long"), default=60)

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """One council meeting: agenda, sign-in, concerns raised and the minutes."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="council_meetings")
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="council_meetings", verbose_name=_("grid"))
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, null=True, blank=True, related_name="meetings")
    title = models.CharField(_("title"), max_length=100)
    place = models.CharField(_("place"), max_length=100)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="council_meetings")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_saved_at = models.DateTimeField(null=True, blank=True)
    signin_token = models.CharField(max_length=16, unique=True, default=new_signin_token, editable=False)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["station", "grid", "starts_at"], name="council_grid_time")]
        constraints = [
            models.UniqueConstraint(fields=["series", "starts_at"], name="council_one_meeting_per_occurrence")
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    """A walk-up sign-in: a name or just a head count, once per device (no account needed)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    device_key = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=40, blank=True)
    people = models.PositiveSmallIntegerField(_("people"), default=1)
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "device_key"], name="council_sign_in_once")]


class Speaker(models.Model):
    """One place in a meeting's speaker list: asked for at sign-in (no account) or added by the host."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=40)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    device_key = models.CharField(max_length=64, blank=True)  # "" when the host added the speaker
    requested_at = models.DateTimeField()
    spoke_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "device_key"], condition=~models.Q(device_key=""), name="council_speak_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Concern(models.Model):
    """A concern raised at a meeting: its case carries the work; the commitment is the station's promise."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="concerns")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="council_concern")
    commitment_who = models.CharField(_("who"), max_length=60, blank=True)
    commitment_what = models.CharField(_("what we committed to"), max_length=200, blank=True)
    commitment_due_on = models.DateField(_("by when"), null=True, blank=True)
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["raised_at", "id"]
