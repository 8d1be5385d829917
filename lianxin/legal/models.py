"""Legal consultations (each a case on the spine), the duty lawyers' rota and the video bookings."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case
from lianxin.core.models import Station
from lianxin.core.pii import KIND_PHONE, PersonalDataField
from lianxin.places.models import Grid


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


class RiskLevel(models.TextChoices):
    NONE = "none", _("No risk")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Enterprise(models.Model):
    """An enterprise of the legal service package (法治体检), identified by its unified social credit code."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="legal_enterprises")
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    sector = models.CharField(_("sector"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact"), max_length=60, blank=True)
    contact_phone = PersonalDataField(_("contact phone"), kind=KIND_PHONE)
    grid = models.ForeignKey(
        Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    registered_at = models.DateTimeField(_("registered"))

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["station", "credit_code"], name="legal_enterprise_code_unique")]

    def __str__(self) -> str:
        return self.name


class Checklist(models.Model):
    """The station's check-up checklist: sections of questions, each answer with its risk level (JSON, validated)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="legal_checklists")
    title = models.CharField(_("title"), max_length=100)
    # [{"section": str, "question": str, "answers": [{"label": str, "risk": RiskLevel}], "fix_hint": str}]
    items = models.JSONField(_("questions"), default=list)
    is_active = models.BooleanField(_("in use"), default=True)

    def __str__(self) -> str:
        return self.title


class CheckUp(models.Model):
    """One legal check-up of an enterprise against a checklist; a re-check points at the check-up it repeats."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="legal_checkups")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="checkups")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="checkups")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_on = models.DateField(_("checked on"))
    answers = models.JSONField(_("answers"), default=dict)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rechecks", verbose_name=_("re-check of")
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.checked_on}"


class Finding(models.Model):
    """A risk found at a check-up, with its fix deadline; closed when the enterprise has fixed it."""

    checkup = models.ForeignKey(CheckUp, on_delete=models.CASCADE, related_name="findings")
    section = models.CharField(_("section"), max_length=100)
    question = models.CharField(_("question"), max_length=300)
    answer = models.CharField(_("answer"), max_length=200)
    risk = models.CharField(_("risk"), max_length=8, choices=RiskLevel.choices)
    advice = models.CharField(_("advice"), max_length=300, blank=True)
    fix_due_on = models.DateField(_("fix by"))
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    fix_note = models.CharField(_("how it was fixed"), max_length=300, blank=True)

    class Meta:
        ordering = ["fix_due_on", "id"]
        indexes = [models.Index(fields=["fix_due_on", "fixed_at"], name="legal_finding_due")]

    def __str__(self) -> str:
        return self.question


class Training(models.Model):
    """A micro-classroom (普法微课堂) or training: when, where, the topic, the enterprises and how many came."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="legal_trainings")
    held_at = models.DateTimeField(_("held"))
    place = models.CharField(_("place"), max_length=100)
    topic = models.CharField(_("topic"), max_length=100)
    enterprises = models.ManyToManyField(
        Enterprise, blank=True, related_name="trainings", verbose_name=_("enterprises")
    )
    attendance = models.PositiveIntegerField(_("attendance"), default=0)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.topic
