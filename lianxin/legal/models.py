"""Legal consultations (each a case on the spine), the duty lawyers' rota and the video bookings."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case
from lianxin.core.models import Station


def new_token() -> str:
    return secrets.token_urlsafe(12)


class Consultation(models.Model):
    """A question a resident kept: the engine's answer as shown, and the lawyer's answer when given."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="legal_consultations")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="legal_consultation")
    # The resident's link to their consultation (no sign-in needed), like the case's own track link.
    token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)
    question = models.TextField(_("question"))
    engine_version = models.CharField(_("engine version"), max_length=40)
    cards = models.JSONField(_("knowledge cards"), default=list, blank=True)
    hits = models.JSONField(_("statute articles"), default=list, blank=True)
    is_kiosk = models.BooleanField(_("asked at the portable device"), default=False)
    asked_at = models.DateTimeField(_("asked"))
    answer = models.TextField(_("answer"), blank=True)
    advice = models.TextField(_("follow-up advice"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        indexes = [
            models.Index(fields=["station", "answered_at"], name="legal_answered"),
            models.Index(fields=["station", "asked_at"], name="legal_asked"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.question[:20]}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class DutySlot(models.Model):
    """One slot of the duty lawyers' rota, kept by the station: who is on duty when (a video session each)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="legal_slots")
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="legal_slots", verbose_name=_("lawyer")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["station", "starts_at"], name="legal_slot_time")]
        constraints = [
            models.UniqueConstraint(fields=["lawyer", "starts_at"], name="legal_one_slot_per_lawyer_time"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="legal_slot_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.lawyer} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at) / dt.timedelta(minutes=1))


class Booking(models.Model):
    """A video session with the duty lawyer: one slot, one consultation (the slot's uniqueness stops a double booking)."""

    slot = models.OneToOneField(DutySlot, on_delete=models.PROTECT, related_name="booking")
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="bookings")
    room_token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)
    booked_at = models.DateTimeField(_("booked"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "id"]
        indexes = [models.Index(fields=["reminded_at"], name="legal_booking_remind")]

    def __str__(self) -> str:
        return f"{self.consultation.case.number} {self.slot}"
